/** The unit of work shared by the in-thread path and the worker threads of forecastMany. */
import { type CalibrationSample, calibrationSampleFor } from './batch-calibration';
import type { CombinationProfile } from './combine';
import { type IntervalCalibrations, type SeriesForecast, forecastSeries } from './production';

export type ForecastTask =
  | {
      kind: 'forecast';
      series: number[][];
      horizon: number;
      levels?: number[];
      profile?: CombinationProfile;
      calibration: IntervalCalibrations;
    }
  | { kind: 'calibrate'; series: number[][]; horizon: number; profile?: CombinationProfile };

export type ForecastTaskResult = SeriesForecast[] | (CalibrationSample | undefined)[];

export type WorkerRequest = { id: number; task: ForecastTask };

export type WorkerResponse =
  { id: number; ok: true; result: ForecastTaskResult } | { id: number; ok: false; message: string };

export function runWorkerTask(task: ForecastTask): ForecastTaskResult {
  if (task.kind === 'calibrate')
    return task.series.map((values) => calibrationSampleFor(values, task.horizon, task.profile));
  return task.series.map((values) =>
    forecastSeries(values, {
      horizon: task.horizon,
      levels: task.levels,
      profile: task.profile,
      calibration: task.calibration,
    }),
  );
}
