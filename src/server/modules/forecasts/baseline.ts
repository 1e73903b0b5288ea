/**
 * The statistical baseline of a forecast cycle, as a pure function (no database): dealer × model
 * line forecasts pooled and reconciled middle-out to region × model line forecasts, with the EV
 * adoption signal applied to the region level. See docs/forecasting.md, "The forecast cycle".
 *
 * 1. Every dealer × model line series is forecast on its own (`forecastMany`, profile `fast`,
 *    intervals calibrated on the batch).
 * 2. Every region × model line series (the sum of its dealers) is forecast on its own (profile
 *    `accurate` by default: few series, smooth enough for MSTL+ETS to pay).
 * 3. EV adoption: for each region, the growth of the BEV share of retail deliveries over the last
 *    year relative to the nation's tilts the region forecasts of a line in proportion to the line's
 *    BEV fraction; each line's national total per month is kept (the signal moves volume between
 *    regions; the statistical methods already carry the national trend).
 * 4. Middle-out: the region × model line forecast is trusted; its dealers' own forecasts only set
 *    the proportions (reconcileTopDown), so a sparse dealer gets the region's seasonality and level,
 *    and dealers add up to the region and the regions to the nation exactly (3 decimals).
 * 5. Intervals: each dealer cell keeps its calibrated interval width, shifted with the reconciled
 *    mean (clamped at 0).
 */
import {
  calibrateBatch,
  DEFAULT_CALIBRATIONS,
  forecastMany,
  maseScale,
  reconcileTopDown,
  recentShares,
  roundTo,
  spreadsheetForecast,
  type ForecastProgress,
  type IntervalCalibrations,
  type SeriesForecast,
} from './methods';

export type BaselineSeries = { regionIndex: number; lineIndex: number; values: readonly number[] };

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
  dealerProfile?: 'fast' | 'accurate';
  /**
   * The region × model line forecast the dealers are reconciled to: `blend` (default) the mean of
   * the region series' own forecast and the sum of its dealers' forecasts; `region` the former.
   */
  regionLevel?: 'blend' | 'region';
  regionProfile?: 'fast' | 'accurate';
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

export type BaselineResult = {
  cells: CellForecast[];
  regionLines: RegionLineForecast[];
  signals: EvSignal[];
  calibration: IntervalCalibrations;
  stats: { series: number; regionSeries: number; methods: Record<string, number>; ms: number };
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

/** Moves an interval with its mean: same width, clamped at 0, always around the mean. */
function shifted(
  f: SeriesForecast,
  mean: readonly number[],
): Pick<CellForecast, 'lower80' | 'upper80' | 'lower95' | 'upper95'> {
  const move = (bound: number[], h: number, isLower: boolean) => {
    const v = Math.max(0, bound[h]! + mean[h]! - f.mean[h]!);
    return roundTo(isLower ? Math.min(v, mean[h]!) : Math.max(v, mean[h]!), 3);
  };
  return {
    lower80: mean.map((_, h) => move(f.lower80, h, true)),
    upper80: mean.map((_, h) => move(f.upper80, h, false)),
    lower95: mean.map((_, h) => move(f.lower95, h, true)),
    upper95: mean.map((_, h) => move(f.upper95, h, false)),
  };
}

/** Builds the baseline of every dealer × model line series (see the module comment). */
export async function buildBaseline(input: BaselineInput): Promise<BaselineResult> {
  const started = Date.now();
  const { horizon, series } = input;
  const report = input.onProgress ?? (() => undefined);
  const manyOptions = {
    horizon,
    ...(input.parallelThreshold === undefined
      ? {}
      : { parallelThreshold: input.parallelThreshold }),
    ...(input.workers === undefined ? {} : { workers: input.workers }),
  };
  const values = series.map((s) => s.values);

  // 1. Dealer × model line forecasts, intervals calibrated on the batch.
  const dealerProfile = input.dealerProfile ?? 'fast';
  const phaseShare = (p: ForecastProgress, from: number, to: number) =>
    from + ((to - from) * p.done) / Math.max(1, p.total);
  const calibration =
    values.length > 0
      ? await calibrateBatch(values, { ...manyOptions, profile: dealerProfile }, (p) =>
          report(phaseShare(p, 0, 30), `calibrating intervals ${p.done}/${p.total}`),
        )
      : DEFAULT_CALIBRATIONS;
  const own =
    values.length > 0
      ? await forecastMany(values, { ...manyOptions, profile: dealerProfile, calibration }, (p) =>
          report(phaseShare(p, 30, 80), `forecasting dealer series ${p.done}/${p.total}`),
        )
      : [];

  // 2. Region × model line aggregates.
  const groups = new Map<number, number[]>();
  series.forEach((s, i) => {
    const key = s.regionIndex * input.lineCount + s.lineIndex;
    const list = groups.get(key);
    if (list) list.push(i);
    else groups.set(key, [i]);
  });
  const keys = [...groups.keys()];
  const length = values[0]?.length ?? 0;
  const aggregates = keys.map((key) => {
    const sum = new Array<number>(length).fill(0);
    for (const i of groups.get(key)!) {
      const v = values[i]!;
      for (let t = 0; t < length; t += 1) sum[t]! += v[t]!;
    }
    return sum;
  });
  report(80, `forecasting ${aggregates.length} region × model line series`);
  const regional =
    aggregates.length > 0
      ? await forecastMany(aggregates, {
          ...manyOptions,
          profile: input.regionProfile ?? 'accurate',
        })
      : [];

  // 3. EV adoption tilt, keeping each line's national total.
  const signals = input.ev ? evSignals(input.ev) : [];
  const regionMeans = keys.map((key, k) => {
    if (input.regionLevel === 'region') return regional[k]!.mean.slice();
    const bottomUp = new Array<number>(horizon).fill(0);
    for (const i of groups.get(key)!) own[i]!.mean.forEach((v, h) => (bottomUp[h]! += v));
    return regional[k]!.mean.map((v, h) => (v + bottomUp[h]!) / 2);
  });
  const tilted = regionMeans.map((m) => m.slice());
  if (signals.length > 0 && input.lineBevFraction) {
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
        const raw = members.map((k) => {
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
          tilted[k]![h] = raw[j]! * norm;
        });
      }
    }
  }
  report(90, 'reconciling dealers to regions');

  // 4. Middle-out reconciliation and 5. intervals.
  const cells: CellForecast[] = series.map(() => emptyCell(horizon));
  const regionLines: RegionLineForecast[] = [];
  const methods: Record<string, number> = {};
  keys.forEach((key, k) => {
    const members = groups.get(key)!;
    const parent = tilted[k]!.map((v) => roundTo(Math.max(0, v), 3));
    const evParent = parent.map((v, h) => roundTo(v - Math.max(0, regionMeans[k]![h]!), 3));
    const regionF = regional[k]!;
    regionLines.push({
      regionIndex: Math.floor(key / input.lineCount),
      lineIndex: key % input.lineCount,
      mean: parent,
      ...shifted(regionF, parent),
      method: regionF.method,
      evEffect: evParent,
      spreadsheet: spreadsheetForecast(aggregates[k]!, horizon, input.lastMonthOfYear).map((v) =>
        roundTo(Math.max(0, v), 3),
      ),
      maseScale: maseScale(aggregates[k]!),
    });
    const children = members.map((i) => own[i]!.mean);
    const fallbackShares = recentShares(members.map((i) => values[i]!));
    const reconciled = reconcileTopDown(parent, children, { decimals: 3, fallbackShares });
    members.forEach((i, j) => {
      const mean = reconciled[j]!;
      const f = own[i]!;
      methods[f.method] = (methods[f.method] ?? 0) + 1;
      cells[i] = {
        mean,
        ...shifted(f, mean),
        method: f.method,
        evEffect: mean.map((v, h) =>
          parent[h]! > 0 ? roundTo((v * evParent[h]!) / parent[h]!, 3) : 0,
        ),
        spreadsheet: spreadsheetForecast(values[i]!, horizon, input.lastMonthOfYear).map((v) =>
          roundTo(Math.max(0, v), 3),
        ),
        maseScale: maseScale(values[i]!),
      };
    });
  });
  report(95, 'baseline ready');
  return {
    cells,
    regionLines,
    signals,
    calibration,
    stats: {
      series: series.length,
      regionSeries: keys.length,
      methods,
      ms: Date.now() - started,
    },
  };
}
