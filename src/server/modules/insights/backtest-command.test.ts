import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../forecasts/backtest/synthetic';
import { runRiskBacktestCommand } from './backtest-command';

async function seriesFile(): Promise<string> {
  const random = seededRandom(5);
  const lines = ['series,period,quantity'];
  for (let s = 0; s < 8; s += 1)
    for (let t = 0; t < 72; t += 1) {
      const month = `${2020 + Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`;
      lines.push(`S${s},${month},${Math.round(50 + s * 3 + (random() - 0.5) * 20)}`);
    }
  const file = join(await mkdtemp(join(tmpdir(), 'risk-backtest-')), 'series.csv');
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

function capture() {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: (t: string) => void (out += t),
      stderr: (t: string) => void (err += t),
      isStderrTty: false,
    },
    out: () => out,
    err: () => err,
  };
}

const base = ['--origins', '2', '--elapsed', '0,6', '--profile', 'fast', '--draws', '50'];

describe('insights:backtest command', () => {
  it('takes the protocol, calibration terms and error model, and reports them', async () => {
    const input = await seriesFile();
    const walk = capture();
    const svg = join(input, '..', 'r.svg');
    expect(
      await runRiskBacktestCommand(
        [
          '--input',
          input,
          ...base,
          '--error-model',
          'app',
          '--json',
          '--svg',
          svg,
          '--no-progress',
        ],
        walk.io,
      ),
    ).toBe(0);
    const report = JSON.parse(walk.out()) as {
      protocol: string;
      errorModel: string;
      calibrationOrigins: number;
      calibrationCaseCount: number;
      caseCount: number;
      summary: { uncalibrated: number; other: { protocol: string } }[];
    };
    expect(report.protocol).toBe('walk-forward');
    expect(report.errorModel).toBe('app');
    expect(report.calibrationOrigins).toBe(1);
    expect(report.caseCount).toBe(8 * 2 * 2);
    expect(report.calibrationCaseCount).toBe(8 * 2);
    // 8 series: no term has the 50 earlier cases a fit needs, so every case is left raw.
    expect(report.summary.map((s) => s.uncalibrated)).toEqual([16, 16]);
    expect(report.summary[0]!.other.protocol).toBe('cross-fit');
    expect(await readFile(svg, 'utf8')).toContain('walk-forward: earlier terms only');

    const cross = capture();
    expect(
      await runRiskBacktestCommand(
        ['--input', input, ...base, '--protocol', 'cross-fit', '--calibration-origins', '0'],
        cross.io,
      ),
    ).toBe(0);
    expect(cross.out()).toContain('cross-fitted by series (5 folds, all evaluated terms)');
    expect(cross.out()).toContain('0 calibration-only cases');
  });

  it('rejects an unknown protocol or a negative number of calibration terms (exit 2)', async () => {
    const input = await seriesFile();
    for (const bad of [
      ['--protocol', 'sideways'],
      ['--calibration-origins', '-1'],
      ['--error-model', 'guess'],
    ]) {
      const run = capture();
      expect(await runRiskBacktestCommand(['--input', input, ...base, ...bad], run.io)).toBe(2);
      expect(run.err()).not.toBe('');
    }
  });
});
