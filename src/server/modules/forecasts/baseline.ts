/**
 * Over 600 lines because it is one pure pipeline (pooling, reconciliation, calibration) whose
 * steps share their types and are tested as one unit.
 *
 * The statistical baseline of a forecast cycle, as a pure function (no database): dealer × model
 * line forecasts pooled and reconciled middle-out to region × model line forecasts, with
 * intervals calibrated on the reconciled numbers. See docs/forecasting.md, "The forecast cycle".
 *
 * 1. Histories: months of a common shock (common-shock.ts) are taken out of every history; a
 *    model line without a sale anywhere in the network for the last 3 months is discontinued; a
 *    line with a planned end of sale (`lineSalesEnd`) is forecast 0 after it.
 * 2. Every dealer × model line series is forecast on its own (`forecastMany`, profile `fast`).
 * 3. Every region × model line series (the sum of its dealers) is forecast on its own (profile
 *    `accurate` by default: few series, smooth enough for MSTL+ETS to pay).
 * 4. New lines (a first sale after a year without one, in the last 6 months) are forecast by
 *    analogy with the network's earlier launches (launch.ts) and placed where the dealers sell.
 *    EV adoption: per region, the growth of the BEV share of retail deliveries relative to the
 *    nation's is measured and returned, and (unless `evTilt: false`) tilts the region forecasts of a
 *    line in proportion to the line's BEV fraction, keeping each line's national total.
 * 5. Middle-out: the region × model line forecast is trusted; its dealers' own forecasts only set
 *    the proportions (reconcileTopDown), so a sparse dealer gets the region's seasonality and level,
 *    and dealers add up to the region and the regions to the nation exactly (3 decimals).
 * 6. Intervals, calibrated on the final numbers: steps 1–5 are re-run from an origin `horizon`
 *    months back (at least 24 months of history left; a sample of the dealers on big networks),
 *    and the scaled errors of the reconciled dealer, region and national forecasts against what
 *    was then sold give per-horizon split-conformal quantile tables per class (regular,
 *    intermittent, no history; region; nation). Every interval = forecast + quantile × scale.
 */
import {
  calibrateFromErrors,
  calibratedQuantile,
  DEFAULT_CALIBRATIONS,
  forecastMany,
  intervalClassOf,
  intervalScale,
  maseScale,
  reconcileTopDown,
  recentShares,
  roundTo,
  spreadsheetForecast,
  type IntervalCalibration,
  type IntervalCalibrations,
  type SeriesForecast,
} from './methods';
import { detectCommonShock, removeShock, shockFactors, shockLoading } from './methods/common-shock';
import { analogueLaunchMultipliers, launchMonth } from './methods/launch';

export type BaselineSeries = {
  regionIndex: number;
  lineIndex: number;
  /** The dealer (any id, the same for all its lines): places new lines where the dealer sells. */
  dealerIndex?: number;
  values: readonly number[];
};

export type RegionEvInput = {
  /** Monthly retail deliveries of the region (all powertrains), aligned with the history. */
  total: readonly number[];
  /** Monthly BEV retail deliveries of the region. */
  bev: readonly number[];
};

export type BaselineInput = {
  horizon: number;
  /** Calendar month (1–12) of the last history month (the spreadsheet's year to date). */
  lastMonthOfYear: number;
  regionCount: number;
  lineCount: number;
  /** Dealer × model line histories, all of the same length, oldest first. */
  series: readonly BaselineSeries[];
  /** Per region: deliveries for the EV adoption signal. Omit to switch the signal off. */
  ev?: readonly RegionEvInput[];
  /** Per model line: the BEV fraction of its recent deliveries (0–1). */
  lineBevFraction?: readonly number[];
  /**
   * Apply the EV adoption tilt to the region forecasts (default true: the issue asks that regional
   * signals enter the forecast and that the screen shows what they moved; `false` measures and
   * returns the signals without moving the numbers). On the demo network the tilt costs BEV-heavy
   * lines 0.5 to 0.7 points of region × line WAPE (two seeds; 0.1 points over all lines): each
   * region × line series already carries part of its region's adoption trend.
   */
  evTilt?: boolean;
  dealerProfile?: 'fast' | 'accurate';
  /**
   * The region × model line forecast the dealers are reconciled to: `blend` (default) the mean of
   * the region series' own forecast and the sum of its dealers' forecasts; `region` the former.
   */
  regionLevel?: 'blend' | 'region';
  regionProfile?: 'fast' | 'accurate';
  /**
   * Dealer × model line series re-forecast for the interval calibration (default 24,000; above,
   * every k-th dealer of each region × model line; 0: no calibration, the default tables).
   */
  maxCalibrationSeries?: number;
  /** Take common-shock months out of the histories (default true). */
  shockAdjustment?: boolean;
  /** Forecast recently launched lines by analogy with earlier launches (default true). */
  launchAnalogues?: boolean;
  /**
   * Per model line, its planned end of sale (catalog `sales_end_on`): `last`, the index in the
   * series' months of its last month of sale, and `share`, the share of that month's days sold;
   * null: no plan. The months after it are forecast zero (the month itself: its share).
   */
  lineSalesEnd?: readonly ({ last: number; share: number } | null)[];
  /** forecastMany options passed through (tests force in-thread with 0). */
  parallelThreshold?: number;
  workers?: number;
  onProgress?: (percent: number, message: string) => void;
};

export type EvSignal = {
  regionIndex: number;
  /** BEV share of retail deliveries over the last 6 months. */
  shareRecent: number | null;
  /** The same 6 months a year earlier. */
  sharePrior: number | null;
  /** shareRecent / sharePrior (annual growth factor of the share). */
  growth: number | null;
  /** growth relative to the nation's, capped to [0.8, 1.25]: the tilt applied per year ahead. */
  relativeGrowth: number;
};

export type CellForecast = {
  mean: number[];
  lower80: number[];
  upper80: number[];
  lower95: number[];
  upper95: number[];
  method: string;
  /** Units of `mean` due to the EV adoption signal, per month. */
  evEffect: number[];
  spreadsheet: number[];
  maseScale: number;
};

export type RegionLineForecast = CellForecast & { regionIndex: number; lineIndex: number };

/** A model line's national forecast (the sum of its regions) with its calibrated intervals. */
export type NationalLineForecast = Pick<
  CellForecast,
  'mean' | 'lower80' | 'upper80' | 'lower95' | 'upper95'
> & { lineIndex: number };

/** The interval tables of the reconciled forecasts, per class (see the module comment). */
export type BaselineCalibration = IntervalCalibrations & {
  zero: IntervalCalibration;
  region: IntervalCalibration;
  nation: IntervalCalibration;
  /** Months of history at the calibration origin, and months re-forecast from it. */
  originHistory: number;
  originHorizon: number;
  sampledSeries: number;
};

export type BaselineResult = {
  cells: CellForecast[];
  regionLines: RegionLineForecast[];
  nationalLines: NationalLineForecast[];
  signals: EvSignal[];
  calibration: BaselineCalibration;
  stats: {
    series: number;
    regionSeries: number;
    methods: Record<string, number>;
    ms: number;
    /** Shock months taken out (0-based history indices), discontinued and launched lines. */
    shockMonths: number[];
    discontinuedLines: number[];
    launchedLines: number[];
  };
};

const SIGNAL_WINDOW = 6;
const RELATIVE_GROWTH_CAP: [number, number] = [0.8, 1.25];

function sumRange(values: readonly number[], from: number, to: number): number {
  let s = 0;
  for (let i = Math.max(0, from); i < Math.min(values.length, to); i += 1) s += values[i]!;
  return s;
}

/** The EV adoption signal per region: BEV share now vs a year ago, relative to the nation. */
export function evSignals(ev: readonly RegionEvInput[]): EvSignal[] {
  const n = ev[0]?.total.length ?? 0;
  const share = (xs: RegionEvInput[], from: number, to: number) => {
    const total = xs.reduce((s, x) => s + sumRange(x.total, from, to), 0);
    const bev = xs.reduce((s, x) => s + sumRange(x.bev, from, to), 0);
    return total > 0 ? bev / total : null;
  };
  const growthOf = (xs: RegionEvInput[]) => {
    const recent = share(xs, n - SIGNAL_WINDOW, n);
    const prior = n >= 12 + SIGNAL_WINDOW ? share(xs, n - 12 - SIGNAL_WINDOW, n - 12) : null;
    const growth = recent !== null && prior !== null && prior > 0 ? recent / prior : null;
    return { recent, prior, growth };
  };
  const nation = growthOf([...ev]);
  return ev.map((region, regionIndex) => {
    const g = growthOf([region]);
    const relative =
      g.growth !== null && nation.growth !== null && nation.growth > 0
        ? Math.min(
            RELATIVE_GROWTH_CAP[1],
            Math.max(RELATIVE_GROWTH_CAP[0], g.growth / nation.growth),
          )
        : 1;
    return {
      regionIndex,
      shareRecent: g.recent,
      sharePrior: g.prior,
      growth: g.growth,
      relativeGrowth: relative,
    };
  });
}

function emptyCell(horizon: number): CellForecast {
  const zeros = () => new Array<number>(horizon).fill(0);
  return {
    mean: zeros(),
    lower80: zeros(),
    upper80: zeros(),
    lower95: zeros(),
    upper95: zeros(),
    method: 'zero',
    evEffect: zeros(),
    spreadsheet: zeros(),
    maseScale: 0,
  };
}

/** Months without a sale anywhere in the network after which a model line is discontinued. */
export const DISCONTINUED_MONTHS = 3;
const MIN_CALIBRATION_HISTORY = 24;
const MIN_CLASS_SERIES = 30;
const DEFAULT_MAX_CALIBRATION_SERIES = 24_000;

type EngineOptions = {
  horizon: number;
  parallelThreshold?: number;
  workers?: number;
};

/** Dealer × model line point forecasts reconciled to the region × model line level. */
type PointBaseline = {
  own: SeriesForecast[];
  keys: number[];
  groups: Map<number, number[]>;
  /** Region × model line histories as sold (not shock-adjusted). */
  aggregates: number[][];
  regional: SeriesForecast[];
  /** Region × model line forecasts before the EV tilt, and the reconciled parents after it. */
  regionMeans: number[][];
  parents: number[][];
  cellMeans: number[][];
  signals: EvSignal[];
  shockMonths: number[];
  discontinuedLines: number[];
  launchedLines: number[];
};

/** Steps 1–5 of the module comment on one set of histories (point forecasts only). */
async function pointBaseline(
  input: BaselineInput,
  series: readonly BaselineSeries[],
  ev: readonly RegionEvInput[] | undefined,
  engine: EngineOptions,
  report: (share: number, message: string) => void,
): Promise<PointBaseline> {
  const { horizon } = engine;
  const length = series[0]?.values.length ?? 0;
  const manyOptions = {
    horizon,
    calibration: 'default' as const,
    ...(engine.parallelThreshold === undefined
      ? {}
      : { parallelThreshold: engine.parallelThreshold }),
    ...(engine.workers === undefined ? {} : { workers: engine.workers }),
  };

  // 1. Shock months and discontinued lines, from the network's and each line's totals.
  const lineTotals = Array.from({ length: input.lineCount }, () =>
    new Array<number>(length).fill(0),
  );
  for (const s of series) {
    const total = lineTotals[s.lineIndex]!;
    for (let t = 0; t < length; t += 1) total[t]! += s.values[t]!;
  }
  const networkTotal = new Array<number>(length).fill(0);
  for (const total of lineTotals) for (let t = 0; t < length; t += 1) networkTotal[t]! += total[t]!;
  const shock =
    input.shockAdjustment === false
      ? { residual: new Array<number>(length).fill(0), months: [] }
      : detectCommonShock(networkTotal);
  const lineFactors = lineTotals.map((total) => shockFactors(shockLoading(total, shock), shock));
  const discontinuedLines = lineTotals.flatMap((total, line) =>
    length > DISCONTINUED_MONTHS &&
    total.some((v) => v > 0) &&
    total.slice(length - DISCONTINUED_MONTHS).every((v) => v <= 0)
      ? [line]
      : [],
  );
  const discontinued = new Set(discontinuedLines);
  const values = series.map((s) =>
    shock.months.length > 0 ? removeShock(s.values, lineFactors[s.lineIndex]!) : s.values,
  );

  // 2. Dealer × model line forecasts.
  const dealerProfile = input.dealerProfile ?? 'fast';
  const own =
    values.length > 0
      ? await forecastMany(values, { ...manyOptions, profile: dealerProfile }, (p) =>
          report(p.done / Math.max(1, p.total), `forecasting dealer series ${p.done}/${p.total}`),
        )
      : [];

  // 3. Region × model line aggregates.
  const groups = new Map<number, number[]>();
  series.forEach((s, i) => {
    const key = s.regionIndex * input.lineCount + s.lineIndex;
    const list = groups.get(key);
    if (list) list.push(i);
    else groups.set(key, [i]);
  });
  const keys = [...groups.keys()];
  const sumOf = (rows: readonly (readonly number[])[], members: number[]) => {
    const sum = new Array<number>(length).fill(0);
    for (const i of members) {
      const v = rows[i]!;
      for (let t = 0; t < length; t += 1) sum[t]! += v[t]!;
    }
    return sum;
  };
  const raw = series.map((s) => s.values);
  const aggregates = keys.map((key) => sumOf(raw, groups.get(key)!));
  const adjustedAggregates =
    shock.months.length > 0 ? keys.map((key) => sumOf(values, groups.get(key)!)) : aggregates;
  report(1, `forecasting ${aggregates.length} region × model line series`);
  const regional =
    adjustedAggregates.length > 0
      ? await forecastMany(adjustedAggregates, {
          ...manyOptions,
          profile: input.regionProfile ?? 'accurate',
        })
      : [];

  // New lines, by analogy with the network's earlier launches (launch.ts).
  const adjustedLineTotals =
    shock.months.length > 0
      ? lineTotals.map((total, line) => removeShock(total, lineFactors[line]!))
      : lineTotals;
  const launches =
    input.launchAnalogues === false
      ? new Map<number, number[]>()
      : analogueLaunchMultipliers(adjustedLineTotals, horizon);

  // 4. EV adoption tilt, keeping each line's national total.
  const signals = ev ? evSignals(ev) : [];
  // A planned end of sale (lineSalesEnd): the share of each forecast month still sold.
  const keptAfterEnd = (line: number, mean: number[]) => {
    const end = input.lineSalesEnd?.[line];
    if (!end) return mean;
    return mean.map((v, h) =>
      length + h < end.last ? v : length + h === end.last ? v * end.share : 0,
    );
  };
  const regionMeans = keys.map((key, k) => keptAfterEnd(key % input.lineCount, regionMean(key, k)));
  function regionMean(key: number, k: number): number[] {
    const line = key % input.lineCount;
    if (discontinued.has(line)) return new Array<number>(horizon).fill(0);
    const launch = launches.get(line);
    if (launch) {
      const start = launchMonth(lineTotals[line]!)!;
      let sold = 0;
      for (let t = start; t < length; t += 1) sold += adjustedAggregates[k]![t]!;
      return launch.map((m) => m * sold);
    }
    if (input.regionLevel === 'region') return regional[k]!.mean.slice();
    const bottomUp = new Array<number>(horizon).fill(0);
    for (const i of groups.get(key)!) own[i]!.mean.forEach((v, h) => (bottomUp[h]! += v));
    return regional[k]!.mean.map((v, h) => (v + bottomUp[h]!) / 2);
  }
  const tilted = regionMeans.map((m) => m.slice());
  if (signals.length > 0 && input.lineBevFraction && input.evTilt !== false) {
    const byLine = new Map<number, number[]>();
    keys.forEach((key, k) => {
      const line = key % input.lineCount;
      const list = byLine.get(line);
      if (list) list.push(k);
      else byLine.set(line, [k]);
    });
    for (const [line, members] of byLine) {
      const fraction = input.lineBevFraction[line] ?? 0;
      if (!(fraction > 0)) continue;
      for (let h = 0; h < horizon; h += 1) {
        let before = 0;
        let after = 0;
        const tiltedValues = members.map((k) => {
          const region = Math.floor(keys[k]! / input.lineCount);
          const relative = signals[region]?.relativeGrowth ?? 1;
          const factor = 1 + fraction * (relative ** ((h + 1) / 12) - 1);
          before += regionMeans[k]![h]!;
          const v = regionMeans[k]![h]! * factor;
          after += v;
          return v;
        });
        const norm = after > 0 ? before / after : 1;
        members.forEach((k, j) => {
          tilted[k]![h] = tiltedValues[j]! * norm;
        });
      }
    }
  }

  // Each dealer's sales of all lines over the last 12 months (to place new lines).
  const dealerVolume = series.every((s) => s.dealerIndex !== undefined)
    ? (() => {
        const volume = new Map<number, number>();
        for (const s of series) {
          let sum = 0;
          for (let t = Math.max(0, length - 12); t < length; t += 1) sum += s.values[t]!;
          volume.set(s.dealerIndex!, (volume.get(s.dealerIndex!) ?? 0) + sum);
        }
        return volume;
      })()
    : undefined;

  // 5. Middle-out reconciliation.
  const cellMeans: number[][] = series.map(() => new Array<number>(horizon).fill(0));
  const parents = keys.map((key, k) => {
    const members = groups.get(key)!;
    const parent = tilted[k]!.map((v) => roundTo(Math.max(0, v), 3));
    const line = key % input.lineCount;
    // A new line sells where the dealer sells: before it has a history of its own, a dealer's
    // share of it is the dealer's share of the region's sales of every line over the last year.
    const launchWeights =
      launches.has(line) && dealerVolume
        ? members.map((i) => dealerVolume.get(series[i]!.dealerIndex!) ?? 0)
        : undefined;
    const children = launchWeights?.some((w) => w > 0)
      ? members.map((_, j) => new Array<number>(horizon).fill(launchWeights[j]!))
      : members.map((i) => own[i]!.mean);
    const fallbackShares = recentShares(members.map((i) => raw[i]!));
    const reconciled = reconcileTopDown(parent, children, { decimals: 3, fallbackShares });
    members.forEach((i, j) => {
      cellMeans[i] = reconciled[j]!;
    });
    return parent;
  });
  return {
    own,
    keys,
    groups,
    aggregates,
    regional,
    regionMeans,
    parents,
    cellMeans,
    signals,
    shockMonths: shock.months,
    discontinuedLines,
    launchedLines: [...launches.keys()],
  };
}

/** The interval class of a dealer cell: its forecast method's class, or `zero` (no history). */
function cellClass(method: string, scale: number): 'regular' | 'intermittent' | 'zero' {
  return scale > 0 ? intervalClassOf(method) : 'zero';
}

type Bounds = Pick<CellForecast, 'lower80' | 'upper80' | 'lower95' | 'upper95'>;

/** forecast + quantile × scale at 80 % and 95 %, clamped at 0 and always around the forecast. */
function intervalAround(
  mean: readonly number[],
  scale: number,
  calibration: IntervalCalibration,
): Bounds {
  const bound = (h: number, p: number, isLower: boolean) => {
    const m = mean[h]!;
    const v = Math.max(0, m + calibratedQuantile(calibration, h + 1, p) * scale);
    return roundTo(isLower ? Math.min(v, m) : Math.max(v, m), 3);
  };
  return {
    lower80: mean.map((_, h) => bound(h, 0.1, true)),
    upper80: mean.map((_, h) => bound(h, 0.9, false)),
    lower95: mean.map((_, h) => bound(h, 0.025, true)),
    upper95: mean.map((_, h) => bound(h, 0.975, false)),
  };
}

/** The scale of a count series' errors; 1 unit when it never sold (a launch, a new dealer). */
function unitScale(values: readonly number[]): number {
  const scale = intervalScale(values);
  return scale > 0 ? scale : 1;
}

/**
 * Step 6: re-runs the point baseline from `originHorizon` months back and turns the scaled errors
 * of its final numbers into quantile tables.
 */
async function calibrateReconciled(
  input: BaselineInput,
  engine: EngineOptions,
  report: (share: number, message: string) => void,
): Promise<BaselineCalibration> {
  const length = input.series[0]?.values.length ?? 0;
  const originHorizon = Math.min(input.horizon, length - MIN_CALIBRATION_HISTORY);
  const fallback = (sampledSeries = 0): BaselineCalibration => ({
    ...DEFAULT_CALIBRATIONS,
    zero: { source: 'none', quantiles: [], sampleSize: 0 },
    region: DEFAULT_CALIBRATIONS.regular,
    nation: DEFAULT_CALIBRATIONS.regular,
    originHistory: 0,
    originHorizon: 0,
    sampledSeries,
  });
  if (originHorizon < 1 || input.series.length === 0 || input.maxCalibrationSeries === 0)
    return fallback();
  const origin = length - originHorizon;

  // A sample of dealers: every k-th member of each region × model line.
  const max = input.maxCalibrationSeries ?? DEFAULT_MAX_CALIBRATION_SERIES;
  const stride = Math.max(1, Math.ceil(input.series.length / Math.max(1, max)));
  const seen = new Map<number, number>();
  const sample: number[] = [];
  input.series.forEach((s, i) => {
    const key = s.regionIndex * input.lineCount + s.lineIndex;
    const j = seen.get(key) ?? 0;
    seen.set(key, j + 1);
    if (j % stride === 0) sample.push(i);
  });
  const truncated = sample.map((i) => {
    const s = input.series[i]!;
    return { ...s, values: s.values.slice(0, origin) };
  });
  const ev = input.ev?.map((r) => ({
    total: r.total.slice(0, origin),
    bev: r.bev.slice(0, origin),
  }));
  const past = await pointBaseline(
    input,
    truncated,
    ev,
    { ...engine, horizon: originHorizon },
    report,
  );
  const actual = (values: readonly number[]) => values.slice(origin, origin + originHorizon);

  type Errors = number[][];
  const newErrors = (): Errors => Array.from({ length: originHorizon }, () => []);
  const dealerErrors = { regular: newErrors(), intermittent: newErrors(), zero: newErrors() };
  const counts = { regular: 0, intermittent: 0, zero: 0 };
  const record = (errors: Errors, y: readonly number[], f: readonly number[], scale: number) => {
    for (let h = 0; h < originHorizon; h += 1) errors[h]!.push((y[h]! - f[h]!) / scale);
  };
  sample.forEach((i, j) => {
    const history = truncated[j]!.values;
    const scale = intervalScale(history);
    const cls = cellClass(past.own[j]!.method, scale);
    counts[cls] += 1;
    record(
      dealerErrors[cls],
      actual(input.series[i]!.values),
      past.cellMeans[j]!,
      scale > 0 ? scale : 1,
    );
  });
  // Region × model line and national line errors: the sampled dealers' sums.
  const regionErrors = newErrors();
  const nationErrors = newErrors();
  const nationActual = new Map<number, number[]>();
  const nationForecast = new Map<number, number[]>();
  const nationHistory = new Map<number, number[]>();
  past.keys.forEach((key, k) => {
    const members = past.groups.get(key)!;
    const y = new Array<number>(originHorizon).fill(0);
    for (const j of members)
      actual(input.series[sample[j]!]!.values).forEach((v, h) => (y[h]! += v));
    record(regionErrors, y, past.parents[k]!, unitScale(past.aggregates[k]!));
    const line = key % input.lineCount;
    const add = (map: Map<number, number[]>, values: readonly number[]) => {
      const sum = map.get(line) ?? new Array<number>(values.length).fill(0);
      values.forEach((v, t) => (sum[t]! += v));
      map.set(line, sum);
    };
    add(nationActual, y);
    add(nationForecast, past.parents[k]!);
    add(nationHistory, past.aggregates[k]!);
  });
  for (const [line, y] of nationActual)
    record(nationErrors, y, nationForecast.get(line)!, unitScale(nationHistory.get(line)!));

  const table = (errors: Errors, n: number, source: string, otherwise: IntervalCalibration) =>
    n >= MIN_CLASS_SERIES
      ? calibrateFromErrors(errors, `reconciled:${source}:${n} series`, { conformal: true })
      : otherwise;
  return {
    regular: table(dealerErrors.regular, counts.regular, 'regular', DEFAULT_CALIBRATIONS.regular),
    intermittent: table(
      dealerErrors.intermittent,
      counts.intermittent,
      'intermittent',
      DEFAULT_CALIBRATIONS.intermittent,
    ),
    zero: table(dealerErrors.zero, counts.zero, 'zero', fallback().zero),
    region: table(regionErrors, past.keys.length, 'region', DEFAULT_CALIBRATIONS.regular),
    nation: table(nationErrors, nationActual.size, 'nation', DEFAULT_CALIBRATIONS.regular),
    originHistory: origin,
    originHorizon,
    sampledSeries: sample.length,
  };
}

/** Builds the baseline of every dealer × model line series (see the module comment). */
export async function buildBaseline(input: BaselineInput): Promise<BaselineResult> {
  const started = Date.now();
  const { horizon, series } = input;
  const report = input.onProgress ?? (() => undefined);
  const engine: EngineOptions = {
    horizon,
    parallelThreshold: input.parallelThreshold,
    workers: input.workers,
  };

  // 6 first: the calibration re-runs the pipeline from an earlier origin.
  const calibration = await calibrateReconciled(input, engine, (share, message) =>
    report(25 * share, `calibrating intervals: ${message}`),
  );
  const point = await pointBaseline(input, series, input.ev, engine, (share, message) =>
    report(25 + 60 * share, message),
  );
  report(90, 'reconciling dealers to regions');

  const cells: CellForecast[] = series.map(() => emptyCell(horizon));
  const regionLines: RegionLineForecast[] = [];
  const methods: Record<string, number> = {};
  const national = new Map<number, { mean: number[]; history: number[] }>();
  const launched = new Set(point.launchedLines);
  point.keys.forEach((key, k) => {
    const members = point.groups.get(key)!;
    const parent = point.parents[k]!;
    const evParent = parent.map((v, h) => roundTo(v - Math.max(0, point.regionMeans[k]![h]!), 3));
    const aggregate = point.aggregates[k]!;
    const lineIndex = key % input.lineCount;
    regionLines.push({
      regionIndex: Math.floor(key / input.lineCount),
      lineIndex,
      mean: parent,
      ...intervalAround(parent, unitScale(aggregate), calibration.region),
      method: point.regional[k]!.method,
      evEffect: evParent,
      spreadsheet: spreadsheetForecast(aggregate, horizon, input.lastMonthOfYear).map((v) =>
        roundTo(Math.max(0, v), 3),
      ),
      maseScale: maseScale(aggregate),
    });
    const nation = national.get(lineIndex) ?? {
      mean: new Array<number>(horizon).fill(0),
      history: new Array<number>(aggregate.length).fill(0),
    };
    parent.forEach((v, h) => (nation.mean[h]! += v));
    aggregate.forEach((v, t) => (nation.history[t]! += v));
    national.set(lineIndex, nation);
    for (const i of members) {
      const mean = point.cellMeans[i]!;
      const f = point.own[i]!;
      const values = series[i]!.values;
      const scale = intervalScale(values);
      methods[f.method] = (methods[f.method] ?? 0) + 1;
      // A new line's cells: the calibration never saw a forecast by analogy; take the
      // intermittent errors on the scale of the forecast level (at least one unit).
      const bounds = launched.has(lineIndex)
        ? intervalAround(
            mean,
            Math.max(1, scale, mean.reduce((a, b) => a + b, 0) / Math.max(1, mean.length)),
            calibration.intermittent,
          )
        : intervalAround(mean, scale > 0 ? scale : 1, calibration[cellClass(f.method, scale)]);
      cells[i] = {
        mean,
        ...bounds,
        method: f.method,
        evEffect: mean.map((v, h) =>
          parent[h]! > 0 ? roundTo((v * evParent[h]!) / parent[h]!, 3) : 0,
        ),
        spreadsheet: spreadsheetForecast(values, horizon, input.lastMonthOfYear).map((v) =>
          roundTo(Math.max(0, v), 3),
        ),
        maseScale: maseScale(values),
      };
    }
  });
  const nationalLines: NationalLineForecast[] = [...national.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([lineIndex, { mean, history }]) => {
      const rounded = mean.map((v) => roundTo(v, 3));
      return {
        lineIndex,
        mean: rounded,
        ...intervalAround(rounded, unitScale(history), calibration.nation),
      };
    });
  report(95, 'baseline ready');
  return {
    cells,
    regionLines,
    nationalLines,
    signals: point.signals,
    calibration,
    stats: {
      series: series.length,
      regionSeries: point.keys.length,
      methods,
      ms: Date.now() - started,
      shockMonths: point.shockMonths,
      discontinuedLines: point.discontinuedLines,
      launchedLines: point.launchedLines,
    },
  };
}
