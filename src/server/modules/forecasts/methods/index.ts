/**
 * The public entry of the statistical forecasting engine. Pure functions (no database):
 * `forecastSeries` for one series, `forecastMany` for batches (worker threads when large), the
 * single methods, metrics, interval calibration and pooling helpers.
 */
export {
  forecastSeries,
  intervalClassOf,
  type ForecastOptions,
  type IntervalCalibrations,
  type IntervalClass,
  type SeriesForecast,
} from './production';
export {
  forecastMany,
  calibrateBatch,
  DEFAULT_PARALLEL_THRESHOLD,
  type ForecastManyOptions,
  type ForecastProgress,
} from './forecast-many';
export {
  combineForecast,
  medianCombination,
  meanCombination,
  SINGLE_METHODS,
  type CombinationProfile,
  type Forecaster,
  type ProductionMethod,
  type SingleMethodName,
} from './combine';
export { seasonalNaive } from './seasonal-naive';
export { spreadsheetForecast } from './spreadsheet';
export { naive2 } from './naive2';
export { theta, thetaDeseasonalised } from './theta';
export { mstlEts, mstlEtsForecast, ensureMstlInitialised } from './mstl-ets';
export { seasonalDamped } from './seasonal-damped';
export { tsb, crostonSba, demandProfile, type DemandProfile } from './intermittent';
export { sesForecast, dampedHoltForecast } from './exponential-smoothing';
export { isSeasonal, seasonalIndicesFor } from './seasonality';
export {
  calibratedInterval,
  calibratedQuantile,
  calibrateFromErrors,
  conformalQuantiles,
  intervalScale,
  type Interval,
  type IntervalCalibration,
} from './intervals';
export {
  buildCalibrations,
  calibrationSampleFor,
  type CalibrationSample,
} from './batch-calibration';
export { DEFAULT_CALIBRATIONS } from './default-calibration';
export * from './metrics';
export * from './pooling';
