/**
 * Rolling-origin backtest of every method and of the production combination.
 *
 * Protocol. For each series and origin k = 0..origins−1, the forecast origin is
 * `length − horizon − k·step` (default step = horizon, so the test windows of a series never
 * overlap); the model sees at most the last `history` months before the origin (and at least
 * `minHistory`, else that window is skipped) and forecasts the next `horizon` months.
 *
 * Intervals. At every origin, each method's intervals are calibrated on the batch, from the
 * training windows only: the last `horizon` months of each training window are forecast from the
 * months before them and the scaled errors pooled across series (see methods/intervals.ts). With
 * fewer than 50 such windows (e.g. a single series), the default tables are used. Nothing after
 * the origin is ever seen.
 */
import { DEFAULT_CALIBRATIONS } from '../methods/default-calibration';
import {
  combineForecast,
  meanCombination,
  SINGLE_METHODS,
  type SingleMethodName,
} from '../methods/combine';
import {
  type IntervalCalibration,
  calibrateFromErrors,
  calibratedInterval,
  calibrationSplit,
  intervalScale,
} from '../methods/intervals';
import {
  type ErrorTotals,
  addTotals,
  biasFromTotals,
  coveredCount,
  errorTotals,
  mase,
  mean,
  median,
  smape,
  totalAbsoluteError,
  totalMase,
  wapeFromTotals,
} from '../methods/metrics';
import { mstlEtsForecast } from '../methods/mstl-ets';
import { type IntervalClass, intervalClassOf } from '../methods/production';
import { spreadsheetForecast } from '../methods/spreadsheet';
import type { BacktestSeries } from './input';

export const BACKTEST_METHODS = [
  'production',
  'production-fast',
  'seasonal-naive',
  'naive2',
  'theta',
  'mstl-ets',
  'mstl-ets-model-intervals',
  'seasonal-damped',
  'tsb',
  'mean-theta-mstl-snaive',
  'spreadsheet',
] as const;

export type BacktestMethod = (typeof BACKTEST_METHODS)[number];

export function isBacktestMethod(name: string): name is BacktestMethod {
  return (BACKTEST_METHODS as readonly string[]).includes(name);
}

export type BacktestOptions = {
  horizon: number;
  history: number;
  origins: number;
  /** Months between successive origins (default: horizon, non-overlapping test windows). */
  step?: number;
  /** Shortest usable training window (default min(history, 24)). */
  minHistory?: number;
  methods?: readonly BacktestMethod[];
  onProgress?: (progress: { done: number; total: number }) => void;
};

export type MethodScore = {
  method: BacktestMethod;
  /** Series with at least one evaluated window. */
  series: number;
  windows: number;
  smape: number;
  mase: number;
  wape: number;
  bias: number;
  /** Median over windows of |Σ actual − Σ forecast| over the horizon, in series units. */
  medianTotalAbsError: number;
  /** Median over windows of |Σ actual − Σ forecast| / Σ|actual|, in percent. */
  medianTotalAbsPctError: number;
  /** Mean over windows of |Σ actual − Σ forecast| / Σ|actual|, in percent. */
  meanTotalAbsPctError: number;
  /**
   * Mean over windows of |Σ actual − Σ forecast| scaled by the in-sample seasonal naive error of
   * horizon totals (metrics.totalScale): the MASE of the horizon total.
   */
  totalMase: number;
  coverage80: number;
  coverage95: number;
  /** Forecasting time per window (ms), members of combinations included. */
  msPerWindow: number;
  /** How the intervals were calibrated (batch or default table), per origin. */
  calibration: string;
};

export type BacktestReport = {
  horizon: number;
  history: number;
  origins: number;
  step: number;
  seriesCount: number;
  windowCount: number;
  skippedWindows: number;
  methods: MethodScore[];
  seconds: number;
};

type Member = SingleMethodName | 'spreadsheet' | 'mstl-raw';

/** Lazily computed, timed member forecasts of one training window. */
type MemberCache = {
  get: (name: SingleMethodName) => number[];
  spreadsheet: () => number[];
  mstlRaw: () => {
    mean: number[];
    intervals: { level: number; lower: number[]; upper: number[] }[];
  };
};

function memberCache(
  values: readonly number[],
  horizon: number,
  ytdMonths: number,
  timings: Map<Member, number>,
): MemberCache {
  const cache = new Map<string, unknown>();
  const timed = <T>(name: Member, compute: () => T): T => {
    if (cache.has(name)) return cache.get(name) as T;
    const started = performance.now();
    const result = compute();
    timings.set(name, (timings.get(name) ?? 0) + performance.now() - started);
    cache.set(name, result);
    return result;
  };
  const mstlRaw = () => timed('mstl-raw', () => mstlEtsForecast(values, horizon, [80, 95]));
  return {
    get: (name) =>
      name === 'mstl-ets'
        ? mstlRaw().mean
        : timed(name, () => SINGLE_METHODS[name](values, horizon)),
    spreadsheet: () => timed('spreadsheet', () => spreadsheetForecast(values, horizon, ytdMonths)),
    mstlRaw,
  };
}

const MEMBERS_OF: Record<BacktestMethod, Member[]> = {
  production: ['theta', 'mstl-raw', 'seasonal-damped', 'seasonal-naive', 'tsb'],
  'production-fast': ['theta', 'seasonal-damped', 'seasonal-naive', 'tsb'],
  'seasonal-naive': ['seasonal-naive'],
  naive2: ['naive2'],
  theta: ['theta'],
  'mstl-ets': ['mstl-raw'],
  'mstl-ets-model-intervals': ['mstl-raw'],
  'seasonal-damped': ['seasonal-damped'],
  tsb: ['tsb'],
  'mean-theta-mstl-snaive': ['theta', 'mstl-raw', 'seasonal-naive'],
  spreadsheet: ['spreadsheet'],
};

type PointResult = {
  mean: number[];
  intervalClass: IntervalClass;
  /** The model's own intervals (mstl-ets-model-intervals only). */
  modelIntervals?: { level: number; lower: number[]; upper: number[] }[];
};

function pointForecast(
  method: BacktestMethod,
  values: readonly number[],
  horizon: number,
  cache: MemberCache,
): PointResult {
  switch (method) {
    case 'production':
    case 'production-fast': {
      const members: Partial<Record<SingleMethodName, readonly number[]>> = {};
      const names: SingleMethodName[] =
        method === 'production'
          ? ['theta', 'mstl-ets', 'seasonal-damped', 'seasonal-naive', 'tsb']
          : ['theta', 'seasonal-damped', 'seasonal-naive', 'tsb'];
      // Members are computed lazily through the cache only when the combination asks for them.
      for (const name of names)
        Object.defineProperty(members, name, { get: () => cache.get(name), enumerable: true });
      const result = combineForecast(values, horizon, {
        profile: method === 'production' ? 'accurate' : 'fast',
        members,
      });
      return { mean: result.mean, intervalClass: intervalClassOf(result.method) };
    }
    case 'mean-theta-mstl-snaive':
      return {
        mean: meanCombination([
          cache.get('theta'),
          cache.get('mstl-ets'),
          cache.get('seasonal-naive'),
        ]),
        intervalClass: 'regular',
      };
    case 'mstl-ets-model-intervals': {
      const raw = cache.mstlRaw();
      return { mean: raw.mean, intervalClass: 'regular', modelIntervals: raw.intervals };
    }
    case 'spreadsheet':
      return { mean: cache.spreadsheet(), intervalClass: 'regular' };
    case 'tsb':
      return { mean: cache.get('tsb'), intervalClass: 'intermittent' };
    default:
      return { mean: cache.get(method), intervalClass: 'regular' };
  }
}

type Window = {
  seriesIndex: number;
  train: number[];
  test: number[];
  ytdMonths: number;
  calibration?: { history: number[]; actual: number[]; ytdMonths: number };
};

type Accumulator = {
  smapes: number[];
  mases: number[];
  totals: ErrorTotals;
  totalAbs: number[];
  totalPct: number[];
  totalMases: number[];
  covered80: number;
  covered95: number;
  cells: number;
  windows: number;
  series: Set<number>;
  calibration: Set<string>;
};

function emptyAccumulator(): Accumulator {
  return {
    smapes: [],
    mases: [],
    totals: { absoluteError: 0, signedError: 0, absoluteActual: 0, cells: 0 },
    totalAbs: [],
    totalPct: [],
    totalMases: [],
    covered80: 0,
    covered95: 0,
    cells: 0,
    windows: 0,
    series: new Set(),
    calibration: new Set(),
  };
}

export function validateBacktestOptions(options: BacktestOptions): void {
  const positive: [string, number | undefined][] = [
    ['horizon', options.horizon],
    ['history', options.history],
    ['origins', options.origins],
    ['step', options.step],
    ['minHistory', options.minHistory],
  ];
  for (const [name, value] of positive) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
  }
  if (options.horizon > 120)
    throw new RangeError(`horizon must be at most 120, got ${options.horizon}`);
}

/** The calendar month (1–12) of the observation at index `index` of a series starting at `start`. */
function calendarMonth(series: BacktestSeries, index: number): number {
  if (!series.start) return 12;
  return ((((series.start.month - 1 + index) % 12) + 12) % 12) + 1;
}

/** Runs the backtest. Synchronous work in chunks, yielding between series to let progress render. */
export async function runBacktest(
  series: readonly BacktestSeries[],
  options: BacktestOptions,
): Promise<BacktestReport> {
  validateBacktestOptions(options);
  const started = performance.now();
  const { horizon, history, origins } = options;
  const step = options.step ?? horizon;
  const minHistory = options.minHistory ?? Math.min(history, 24);
  const methods =
    options.methods && options.methods.length > 0 ? [...options.methods] : [...BACKTEST_METHODS];
  const accumulators = new Map<BacktestMethod, Accumulator>(
    methods.map((m) => [m, emptyAccumulator()]),
  );
  const timings = new Map<Member, number>();
  const total = series.length * origins;
  let done = 0;
  let windowCount = 0;
  let skippedWindows = 0;

  for (let k = 0; k < origins; k += 1) {
    // The windows of this origin.
    const windows: Window[] = [];
    series.forEach((s, seriesIndex) => {
      const end = s.values.length - horizon - k * step;
      if (end < minHistory) {
        skippedWindows += 1;
        return;
      }
      const train = s.values.slice(Math.max(0, end - history), end);
      const split = calibrationSplit(train, horizon);
      windows.push({
        seriesIndex,
        train,
        test: s.values.slice(end, end + horizon),
        ytdMonths: calendarMonth(s, end - 1),
        calibration: split && { ...split, ytdMonths: calendarMonth(s, end - horizon - 1) },
      });
    });

    // Pass 1: hold-out point forecasts and calibration errors, per method and interval class.
    const holdout = new Map<BacktestMethod, PointResult[]>(methods.map((m) => [m, []]));
    const calibrationErrors = new Map<string, number[][]>();
    for (const w of windows) {
      const cache = memberCache(w.train, horizon, w.ytdMonths, timings);
      const calibrationCache = w.calibration
        ? memberCache(w.calibration.history, horizon, w.calibration.ytdMonths, new Map())
        : undefined;
      const calibrationScale = w.calibration ? intervalScale(w.calibration.history) : 0;
      for (const method of methods) {
        holdout.get(method)!.push(pointForecast(method, w.train, horizon, cache));
        if (
          w.calibration &&
          calibrationCache &&
          calibrationScale > 0 &&
          method !== 'mstl-ets-model-intervals'
        ) {
          const point = pointForecast(method, w.calibration.history, horizon, calibrationCache);
          const key = `${method}:${point.intervalClass}`;
          let errors = calibrationErrors.get(key);
          if (!errors) {
            errors = Array.from({ length: horizon }, () => []);
            calibrationErrors.set(key, errors);
          }
          w.calibration.actual.forEach((y, h) =>
            errors![h]!.push((y - point.mean[h]!) / calibrationScale),
          );
        }
      }
      done += 1;
      options.onProgress?.({ done, total });
      if (done % 50 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const tables = new Map<string, IntervalCalibration>();
    const tableFor = (
      method: BacktestMethod,
      intervalClass: IntervalClass,
    ): IntervalCalibration => {
      const key = `${method}:${intervalClass}`;
      const cached = tables.get(key);
      if (cached) return cached;
      const errors = calibrationErrors.get(key);
      const table =
        errors && (errors[0]?.length ?? 0) >= 50
          ? calibrateFromErrors(errors, `batch`)
          : DEFAULT_CALIBRATIONS[intervalClass];
      tables.set(key, table);
      return table;
    };

    // Pass 2: intervals and scores.
    windows.forEach((w, i) => {
      windowCount += 1;
      const scale = intervalScale(w.train);
      const isNonNegative = w.train.every((v) => v >= 0);
      for (const method of methods) {
        const acc = accumulators.get(method)!;
        const point = holdout.get(method)![i]!;
        let lower80: number[];
        let upper80: number[];
        let lower95: number[];
        let upper95: number[];
        if (method === 'mstl-ets-model-intervals') {
          const at = (level: number) => point.modelIntervals?.find((x) => x.level === level);
          lower80 = at(80)?.lower ?? point.mean;
          upper80 = at(80)?.upper ?? point.mean;
          lower95 = at(95)?.lower ?? point.mean;
          upper95 = at(95)?.upper ?? point.mean;
          acc.calibration.add('model');
        } else {
          const table = tableFor(method, point.intervalClass);
          acc.calibration.add(table.source.startsWith('batch') ? 'batch' : table.source);
          const i80 = calibratedInterval(point.mean, scale, 80, table, { isNonNegative });
          const i95 = calibratedInterval(point.mean, scale, 95, table, { isNonNegative });
          lower80 = i80.lower;
          upper80 = i80.upper;
          lower95 = i95.lower;
          upper95 = i95.upper;
        }
        acc.smapes.push(smape(w.test, point.mean));
        acc.mases.push(mase(w.test, point.mean, w.train));
        acc.totals = addTotals(acc.totals, errorTotals(w.test, point.mean));
        const totalError = totalAbsoluteError(w.test, point.mean);
        acc.totalAbs.push(totalError);
        const actualTotal = w.test.reduce((a, b) => a + Math.abs(b), 0);
        if (actualTotal > 0) acc.totalPct.push((100 * totalError) / actualTotal);
        acc.totalMases.push(totalMase(w.test, point.mean, w.train));
        acc.covered80 += coveredCount(w.test, lower80, upper80);
        acc.covered95 += coveredCount(w.test, lower95, upper95);
        acc.cells += w.test.length;
        acc.windows += 1;
        acc.series.add(w.seriesIndex);
      }
    });
  }

  const memberTime = (name: Member) => timings.get(name) ?? 0;
  const scores: MethodScore[] = methods.map((method) => {
    const acc = accumulators.get(method)!;
    const time = MEMBERS_OF[method].reduce((sum, m) => sum + memberTime(m), 0);
    return {
      method,
      series: acc.series.size,
      windows: acc.windows,
      smape: mean(acc.smapes),
      mase: mean(acc.mases),
      wape: wapeFromTotals(acc.totals),
      bias: biasFromTotals(acc.totals),
      medianTotalAbsError: median(acc.totalAbs),
      medianTotalAbsPctError: median(acc.totalPct),
      meanTotalAbsPctError: mean(acc.totalPct),
      totalMase: mean(acc.totalMases),
      coverage80: acc.cells > 0 ? (100 * acc.covered80) / acc.cells : Number.NaN,
      coverage95: acc.cells > 0 ? (100 * acc.covered95) / acc.cells : Number.NaN,
      msPerWindow: acc.windows > 0 ? time / Math.max(1, windowCount) : Number.NaN,
      calibration: [...acc.calibration].join('+'),
    };
  });
  return {
    horizon,
    history,
    origins,
    step,
    seriesCount: countSeries(accumulators),
    windowCount,
    skippedWindows,
    methods: scores,
    seconds: (performance.now() - started) / 1000,
  };
}

function countSeries(accumulators: Map<BacktestMethod, Accumulator>): number {
  const all = new Set<number>();
  for (const acc of accumulators.values()) for (const s of acc.series) all.add(s);
  return all.size;
}
