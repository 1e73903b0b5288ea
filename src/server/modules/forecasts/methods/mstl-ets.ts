import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MSTL, initSync } from '@bsull/augurs/mstl';
import { MONTHLY_PERIOD } from './seasonality';
import { thetaDeseasonalised } from './theta';

/**
 * MSTL (period 12) with an AutoETS trend model, from `@bsull/augurs` (Rust compiled to WebAssembly).
 *
 * In Node the package's default `init()` tries to fetch the `.wasm` file by URL and fails, so the
 * module is instantiated synchronously from the bytes on disk, once, on first use.
 */
let isInitialised = false;

export function ensureMstlInitialised(): void {
  if (isInitialised) return;
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@bsull/augurs/mstl');
  initSync({ module: readFileSync(join(dirname(entry), 'mstl_bg.wasm')) });
  isInitialised = true;
}

export type MstlEtsForecast = {
  mean: number[];
  /** The model's own intervals at the requested levels (uncalibrated: they cover less than they claim). */
  intervals: { level: number; lower: number[]; upper: number[] }[];
  /** False when the series could not be fitted and the fallback was used. */
  isFitted: boolean;
};

/** The minimum history MSTL needs to estimate a period-12 seasonal component. */
export const MSTL_MIN_LENGTH = 2 * MONTHLY_PERIOD;

/**
 * Forecasts with MSTL(12)+AutoETS. Series shorter than two seasons, constant series and fits that
 * fail or return non-finite numbers fall back to Theta on the raw series (`isFitted: false`).
 */
export function mstlEtsForecast(
  values: readonly number[],
  horizon: number,
  levels: readonly number[] = [],
): MstlEtsForecast {
  const fallback = (): MstlEtsForecast => ({
    mean: thetaDeseasonalised(values, horizon),
    intervals: [],
    isFitted: false,
  });
  if (values.length < MSTL_MIN_LENGTH) return fallback();
  const first = values[0]!;
  if (values.every((v) => v === first)) {
    return { mean: new Array<number>(horizon).fill(first), intervals: [], isFitted: false };
  }
  ensureMstlInitialised();
  const model = MSTL.ets([MONTHLY_PERIOD]);
  try {
    model.fit(Float64Array.from(values));
    const forecast = model.predict(horizon, null);
    if (!forecast.point.every(Number.isFinite)) return fallback();
    const intervals = levels.map((level) => {
      const withInterval = model.predict(horizon, level / 100);
      return {
        level,
        lower: withInterval.intervals?.lower ?? forecast.point,
        upper: withInterval.intervals?.upper ?? forecast.point,
      };
    });
    return { mean: forecast.point, intervals, isFitted: true };
  } catch {
    return fallback();
  } finally {
    model.free();
  }
}

/** Point forecast of MSTL(12)+ETS. */
export function mstlEts(values: readonly number[], horizon: number): number[] {
  return mstlEtsForecast(values, horizon).mean;
}
