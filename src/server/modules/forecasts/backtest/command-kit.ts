/**
 * What the backtest commands share (forecast:backtest here, insights:backtest in insights/): the
 * output streams, argument parsers, parsing with exit codes, reading the series (a file or the
 * demo network) and progress on stderr.
 */
import { readFile } from 'node:fs/promises';
import { type Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEMO_SERIES_DEFAULTS, demoBacktestSeries } from './demo-series';
import { BacktestInputError, type BacktestSeries } from './input';

export type CommandIo = {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress then redraws one line). */
  isStderrTty: boolean;
};

export const defaultIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isStderrTty: Boolean(process.stderr.isTTY),
};

export function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError('expected a positive integer.');
  }
  return parsed;
}

/** The options every backtest command has for its series: a file, or the demo network. */
export type SeriesSourceOptions = {
  input?: string;
  demo?: boolean;
  demoDealers: number;
  demoMonths: number;
  demoLevel: 'dealer' | 'line' | 'both';
  demoSeed: number;
};

/** Adds `--input <file>` or `--demo` (with its size options) and the shared exit handling. */
export function withSeriesSource(program: Command, io: CommandIo, inputHelp: string): Command {
  return program
    .option('--input <file>', inputHelp)
    .option(
      '--demo',
      "the demo network's history instead of a file: each dealer's total and its best-selling model lines",
    )
    .option('--demo-dealers <count>', 'demo dealers', positiveInteger, DEMO_SERIES_DEFAULTS.dealers)
    .option('--demo-months <count>', 'demo months', positiveInteger, DEMO_SERIES_DEFAULTS.months)
    .option('--demo-seed <n>', 'demo seed', positiveInteger, DEMO_SERIES_DEFAULTS.seed)
    .addOption(
      new Option('--demo-level <level>', 'demo series: dealer totals, dealer × line, or both')
        .choices(['dealer', 'line', 'both'])
        .default(DEMO_SERIES_DEFAULTS.level),
    )
    .option('--no-progress', 'do not show progress on stderr')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
}

/** Parses argv; the options, or the exit code (0 after --help, 2 for bad arguments). */
export function parseArguments<T extends SeriesSourceOptions>(
  program: Command,
  argv: string[],
  io: CommandIo,
): T | number {
  let options: T;
  try {
    program.parse(argv, { from: 'user' });
    options = program.opts<T>();
  } catch (error) {
    if (error instanceof CommanderError)
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.help' ? 0 : 2;
    throw error;
  }
  if (!options.input === !options.demo) {
    io.stderr('give either --input <file> or --demo\n');
    return 2;
  }
  return options;
}

/** The series of a file (parsed by `parse`) or of the demo network; or exit code 1. */
export async function readSeriesSource(
  options: SeriesSourceOptions,
  io: CommandIo,
  parse: (text: string, fileName: string) => BacktestSeries[],
): Promise<BacktestSeries[] | number> {
  if (options.demo) {
    return demoBacktestSeries({
      dealers: options.demoDealers,
      months: options.demoMonths,
      level: options.demoLevel,
      seed: options.demoSeed,
    });
  }
  const input = options.input!;
  let text: string;
  try {
    text = await readFile(input, 'utf8');
  } catch (error) {
    io.stderr(`cannot read ${input}: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    return parse(text, input);
  } catch (error) {
    if (error instanceof BacktestInputError) {
      io.stderr(`${input}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** The name of the series source in messages: the file, or `demo`. */
export function sourceName(options: SeriesSourceOptions): string {
  return options.input ?? 'demo';
}

/**
 * Progress on stderr, at most every `everyMs` and not in the first second; `finish` ends the
 * redrawn line on a terminal.
 */
export function progressReporter(
  name: string,
  io: CommandIo,
  isShown: boolean,
  everyMs: number,
): {
  onProgress: (progress: { done: number; total: number }) => void;
  finish: () => void;
} {
  const started = Date.now();
  let lastShown = 0;
  let hasShown = false;
  return {
    onProgress: ({ done, total }) => {
      if (!isShown) return;
      const now = Date.now();
      if (now - started < 1000 || (now - lastShown < everyMs && done < total)) return;
      lastShown = now;
      hasShown = true;
      const message = `${name}: ${done}/${total} series-origins (${((100 * done) / total).toFixed(0)}%), ${((now - started) / 1000).toFixed(0)} s`;
      io.stderr(io.isStderrTty ? `\r${message}` : `${message}\n`);
    },
    finish: () => {
      if (hasShown && io.isStderrTty) io.stderr('\n');
    },
  };
}
