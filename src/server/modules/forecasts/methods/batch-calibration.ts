/**
 * Calibrating intervals on a batch of series (split conformal across series): hold out the last
 * `horizon` months of each (sampled) history, forecast them with the production method from the
 * months before, and take per-horizon quantiles of the scaled errors, separately for regular and
 * intermittent series. A class with too few windows keeps the default table.
 */
import { type CombinationProfile, combineForecast } from './combine';
import { DEFAULT_CALIBRATIONS } from './default-calibration';
import { calibrateFromErrors, calibrationSplit, intervalScale } from './intervals';
import { type IntervalCalibrations, type IntervalClass, intervalClassOf } from './production';

export type CalibrationSample = { intervalClass: IntervalClass; errors: number[] };

/** The scaled errors of one series' calibration window, or undefined if its history is too short. */
export function calibrationSampleFor(
  values: readonly number[],
  horizon: number,
  profile: CombinationProfile = 'accurate',
): CalibrationSample | undefined {
  const split = calibrationSplit(values, horizon);
  if (!split) return undefined;
  const point = combineForecast(split.history, horizon, { profile });
  const scale = intervalScale(split.history);
  if (!(scale > 0)) return undefined;
  return {
    intervalClass: intervalClassOf(point.method),
    errors: split.actual.map((y, h) => (y - point.mean[h]!) / scale),
  };
}

/** Deterministic, evenly spread sample of the indices of series long enough to calibrate on. */
export function calibrationSampleIndices(
  series: readonly (readonly number[])[],
  horizon: number,
  maxSamples: number,
): number[] {
  const eligible: number[] = [];
  series.forEach((values, index) => {
    if (calibrationSplit(values, horizon)) eligible.push(index);
  });
  if (eligible.length <= maxSamples) return eligible;
  const stride = eligible.length / maxSamples;
  return Array.from({ length: maxSamples }, (_, k) => eligible[Math.floor(k * stride)]!);
}

/** The minimum number of calibration windows for a class to get its own table. */
export const MIN_CALIBRATION_WINDOWS = 50;

export function buildCalibrations(
  samples: readonly (CalibrationSample | undefined)[],
  horizon: number,
  fallback: IntervalCalibrations = DEFAULT_CALIBRATIONS,
  minWindows = MIN_CALIBRATION_WINDOWS,
): IntervalCalibrations {
  const byClass = (intervalClass: IntervalClass) => {
    const windows = samples.filter(
      (s): s is CalibrationSample => s?.intervalClass === intervalClass,
    );
    if (windows.length < minWindows) return fallback[intervalClass];
    const errors = Array.from({ length: horizon }, (_, h) => windows.map((w) => w.errors[h]!));
    return calibrateFromErrors(errors, `batch:${windows.length} series`);
  };
  return { regular: byClass('regular'), intermittent: byClass('intermittent') };
}
