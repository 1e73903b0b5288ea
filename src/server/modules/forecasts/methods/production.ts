/**
 * The production forecast of one series: the point forecast of the combination (combine.ts) with
 * calibrated 80% and 95% intervals (intervals.ts).
 */
import { type CombinationProfile, type ProductionMethod, combineForecast } from './combine';
import { DEFAULT_CALIBRATIONS } from './default-calibration';
import {
  type Interval,
  type IntervalCalibration,
  calibratedInterval,
  intervalScale,
} from './intervals';

/** Intervals are calibrated separately for regular and for intermittent series. */
export type IntervalClass = 'regular' | 'intermittent';

export type IntervalCalibrations = Record<IntervalClass, IntervalCalibration>;

export function intervalClassOf(method: ProductionMethod | string): IntervalClass {
  return method === 'intermittent-tsb' || method === 'zero' ? 'intermittent' : 'regular';
}

export type ForecastOptions = {
  /** Months ahead, 1 to 120. */
  horizon: number;
  /** Extra interval levels in percent (80 and 95 are always returned). */
  levels?: number[];
  /** `accurate` (default, with MSTL+ETS) or `fast` (without; about 8× cheaper). */
  profile?: CombinationProfile;
  /** Quantile tables; default: the tables calibrated on the M3 histories (see default-calibration.ts). */
  calibration?: IntervalCalibrations;
  /** Monthly factors (averaging 1) applied to intermittent series, e.g. from a parent aggregate. */
  seasonalProfile?: readonly number[];
};

export type SeriesForecast = {
  method: string;
  mean: number[];
  lower80: number[];
  upper80: number[];
  lower95: number[];
  upper95: number[];
  /** All requested levels, 80 and 95 included, in ascending order. */
  intervals: Interval[];
};

export const MAX_HORIZON = 120;

export function validateForecastInput(
  values: readonly number[],
  options: Pick<ForecastOptions, 'horizon' | 'levels'>,
): void {
  const { horizon } = options;
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > MAX_HORIZON) {
    throw new RangeError(`horizon must be an integer from 1 to ${MAX_HORIZON}, got ${horizon}`);
  }
  const badIndex = values.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
  if (badIndex >= 0)
    throw new RangeError(`value ${badIndex} is not a finite number: ${String(values[badIndex])}`);
  for (const level of options.levels ?? []) {
    if (!(level > 0 && level < 100))
      throw new RangeError(`interval level must be in (0, 100), got ${level}`);
  }
}

/** The production forecast with calibrated intervals. Throws RangeError on invalid input. */
export function forecastSeries(
  values: readonly number[],
  options: ForecastOptions,
): SeriesForecast {
  validateForecastInput(values, options);
  const { horizon } = options;
  const point = combineForecast(values, horizon, {
    profile: options.profile,
    seasonalProfile: options.seasonalProfile,
  });
  const intervalClass = intervalClassOf(point.method);
  const calibration = (options.calibration ?? DEFAULT_CALIBRATIONS)[intervalClass];
  const scale = intervalScale(values);
  const isNonNegative = values.every((v) => v >= 0);
  const levels = [...new Set([80, 95, ...(options.levels ?? [])])].sort((a, b) => a - b);
  const intervals = levels.map((level) =>
    calibratedInterval(point.mean, scale, level, calibration, { isNonNegative }),
  );
  const at = (level: number) => intervals.find((i) => i.level === level)!;
  return {
    method: point.method,
    mean: point.mean,
    lower80: at(80).lower,
    upper80: at(80).upper,
    lower95: at(95).lower,
    upper95: at(95).upper,
    intervals,
  };
}
