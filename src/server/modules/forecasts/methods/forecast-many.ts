/**
 * Forecasting many series: in-thread for small batches, across `os.availableParallelism()` worker
 * threads for large ones, with progress callbacks. Results are identical either way: each series
 * is forecast independently, and the batch calibration is computed from a deterministic sample
 * before any forecast is made.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  buildCalibrations,
  calibrationSampleIndices,
  type CalibrationSample,
} from './batch-calibration';
import { DEFAULT_CALIBRATIONS } from './default-calibration';
import {
  type ForecastTask,
  type ForecastTaskResult,
  type WorkerResponse,
  runWorkerTask,
} from './forecast-tasks';
import {
  type ForecastOptions,
  type IntervalCalibrations,
  type SeriesForecast,
  validateForecastInput,
} from './production';

export type ForecastProgress = {
  phase: 'calibrating' | 'forecasting';
  done: number;
  total: number;
};

export type ForecastManyOptions = Omit<ForecastOptions, 'calibration' | 'seasonalProfile'> & {
  /**
   * `batch` (default): calibrate the intervals on the batch's own histories when at least 50
   * series per class are long enough (horizon + 24 months), else the default tables.
   * `default`: the default tables. Or pass tables, e.g. from an earlier run.
   */
  calibration?: 'batch' | 'default' | IntervalCalibrations;
  /** Worker threads; default `os.availableParallelism()`. */
  workers?: number;
  /** Batches larger than this use worker threads (default 2,000); 0 forces in-thread. */
  parallelThreshold?: number;
  /** Series per task sent to a worker (default 250). */
  chunkSize?: number;
  /** Series sampled for the batch calibration (default 2,000). */
  maxCalibrationSamples?: number;
};

export const DEFAULT_PARALLEL_THRESHOLD = 2000;

type TaskRunner = {
  run: (tasks: ForecastTask[], onTaskDone: (size: number) => void) => Promise<ForecastTaskResult[]>;
  close: () => Promise<void>;
  threads: number;
};

function inThreadRunner(): TaskRunner {
  return {
    threads: 0,
    run: async (tasks, onTaskDone) => {
      const results: ForecastTaskResult[] = [];
      for (const task of tasks) {
        results.push(runWorkerTask(task));
        onTaskDone(task.series.length);
        // Yield to the event loop between chunks so progress can be rendered.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return results;
    },
    close: async () => undefined,
  };
}

/**
 * How to start a forecast worker. From compiled JavaScript, `worker.js` directly. Under tsx (the
 * module itself is `.ts`), Node 20 does not apply `--import tsx` to a worker's entry module, so
 * the worker starts from a tiny bootstrap that registers tsx's ESM loader in the worker
 * (`tsx/esm/api` → `register()`) and then imports `worker.ts`.
 */
export function workerEntry(): { script: string | URL; isEval: boolean } {
  const workerUrl = new URL(
    import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js',
    import.meta.url,
  );
  if (!import.meta.url.endsWith('.ts')) return { script: workerUrl, isEval: false };
  const require = createRequire(import.meta.url);
  const packageJsonPath = require.resolve('tsx/package.json');
  const packageJson = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as {
    exports: Record<string, { import?: { default?: string } } | string>;
  };
  const api = packageJson.exports['./esm/api'];
  const relative = typeof api === 'object' ? api.import?.default : undefined;
  if (!relative) throw new Error('cannot find tsx/esm/api to run the TypeScript forecast worker');
  const apiUrl = pathToFileURL(join(dirname(packageJsonPath), relative)).href;
  const bootstrap = [
    `import(${JSON.stringify(apiUrl)})`,
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(workerUrl.href)}); })`,
    `.catch((error) => { console.error(error); process.exit(1); });`,
  ].join('');
  return { script: bootstrap, isEval: true };
}

function workerRunner(size: number): TaskRunner {
  const entry = workerEntry();
  const workers = Array.from(
    { length: size },
    () => new Worker(entry.script, { eval: entry.isEval }),
  );
  return {
    threads: size,
    run: (tasks, onTaskDone) =>
      new Promise<ForecastTaskResult[]>((resolve, reject) => {
        const results = new Array<ForecastTaskResult>(tasks.length);
        let next = 0;
        let finished = 0;
        let isFailed = false;
        const cleanups: (() => void)[] = [];
        const fail = (error: Error) => {
          if (isFailed) return;
          isFailed = true;
          cleanups.forEach((cleanup) => cleanup());
          reject(error);
        };
        const dispatch = (worker: Worker) => {
          if (isFailed || next >= tasks.length) return;
          const id = next;
          next += 1;
          worker.postMessage({ id, task: tasks[id]! });
        };
        if (tasks.length === 0) {
          resolve([]);
          return;
        }
        for (const worker of workers) {
          const onMessage = (response: WorkerResponse) => {
            if (!response.ok) {
              fail(new Error(`forecast worker failed: ${response.message}`));
              return;
            }
            results[response.id] = response.result;
            finished += 1;
            onTaskDone(tasks[response.id]!.series.length);
            if (finished === tasks.length) {
              cleanups.forEach((cleanup) => cleanup());
              resolve(results);
            } else dispatch(worker);
          };
          const onError = (error: Error) => fail(error);
          const onExit = (code: number) => {
            if (finished < tasks.length)
              fail(new Error(`forecast worker exited with code ${code}`));
          };
          worker.on('message', onMessage);
          worker.on('error', onError);
          worker.on('exit', onExit);
          cleanups.push(() => {
            worker.off('message', onMessage);
            worker.off('error', onError);
            worker.off('exit', onExit);
          });
          dispatch(worker);
        }
      }),
    close: async () => {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

type BatchOptions = Pick<
  ForecastManyOptions,
  'horizon' | 'profile' | 'workers' | 'parallelThreshold' | 'chunkSize' | 'maxCalibrationSamples'
>;

function createRunner(seriesCount: number, options: BatchOptions): TaskRunner {
  const threshold = options.parallelThreshold ?? DEFAULT_PARALLEL_THRESHOLD;
  const threads = Math.max(1, options.workers ?? availableParallelism());
  const isParallel = threshold > 0 && seriesCount > threshold && threads > 1;
  return isParallel ? workerRunner(threads) : inThreadRunner();
}

async function calibrateWith(
  runner: TaskRunner,
  series: readonly (readonly number[])[],
  options: BatchOptions,
  onProgress?: (progress: ForecastProgress) => void,
): Promise<IntervalCalibrations> {
  const { horizon, profile } = options;
  const indices = calibrationSampleIndices(series, horizon, options.maxCalibrationSamples ?? 2000);
  const total = indices.length;
  let done = 0;
  onProgress?.({ phase: 'calibrating', done, total });
  const tasks: ForecastTask[] = chunk(indices, Math.max(1, options.chunkSize ?? 250)).map(
    (part) => ({
      kind: 'calibrate',
      series: part.map((i) => series[i]!.slice()),
      horizon,
      profile,
    }),
  );
  const results = await runner.run(tasks, (size) => {
    done += size;
    onProgress?.({ phase: 'calibrating', done, total });
  });
  return buildCalibrations(results.flat() as (CalibrationSample | undefined)[], horizon);
}

function validateAll(
  series: readonly (readonly number[])[],
  options: Pick<ForecastOptions, 'horizon' | 'levels'>,
): void {
  series.forEach((values, index) => {
    try {
      validateForecastInput(values, options);
    } catch (error) {
      throw new RangeError(`series ${index}: ${(error as Error).message}`, { cause: error });
    }
  });
}

/**
 * Calibrates interval tables on a batch (see batch-calibration.ts): the tables forecastMany uses
 * with `calibration: 'batch'`. Persist them to give single-series forecasts (forecastSeries) the
 * network's calibration instead of the default tables.
 */
export async function calibrateBatch(
  series: readonly (readonly number[])[],
  options: BatchOptions,
  onProgress?: (progress: ForecastProgress) => void,
): Promise<IntervalCalibrations> {
  validateAll(series, options);
  const sampleCount = Math.min(series.length, options.maxCalibrationSamples ?? 2000);
  const runner = createRunner(sampleCount, options);
  try {
    return await calibrateWith(runner, series, options, onProgress);
  } finally {
    await runner.close();
  }
}

/**
 * Forecasts every series of a batch with the production method and calibrated intervals.
 * `onProgress` is called after each chunk (calibration first, then forecasting).
 */
export async function forecastMany(
  series: readonly (readonly number[])[],
  options: ForecastManyOptions,
  onProgress?: (progress: ForecastProgress) => void,
): Promise<SeriesForecast[]> {
  validateAll(series, options);
  const runner = createRunner(series.length, options);
  const { horizon, profile, levels } = options;
  try {
    let calibration: IntervalCalibrations;
    if (typeof options.calibration === 'object') calibration = options.calibration;
    else if (options.calibration === 'default') calibration = DEFAULT_CALIBRATIONS;
    else calibration = await calibrateWith(runner, series, options, onProgress);
    let done = 0;
    const total = series.length;
    onProgress?.({ phase: 'forecasting', done, total });
    const tasks: ForecastTask[] = chunk(series, Math.max(1, options.chunkSize ?? 250)).map(
      (part) => ({
        kind: 'forecast',
        series: part.map((values) => values.slice()),
        horizon,
        levels,
        profile,
        calibration,
      }),
    );
    const results = await runner.run(tasks, (size) => {
      done += size;
      onProgress?.({ phase: 'forecasting', done, total });
    });
    return results.flat() as SeriesForecast[];
  } finally {
    await runner.close();
  }
}
