/**
 * The forecast cycle's baseline job (issue 5): loads the sales history and the EV signals, builds
 * the statistical baseline (baseline.ts) and stores cells, region lines and the SKU mix in one
 * transaction. The job is defined in forecasts.service.ts.
 */
import { addMonths, monthIndex } from '../../../shared/months';
import type { Db } from '../../db/db';
import { buildBaseline, type BaselineResult, type CellForecast } from './baseline';
import { round3, targetMonths } from './forecast-math';
import { createForecastBaselineRepository, type CellWrite } from './forecast-baseline.repository';
import type { CycleRow } from './forecasts.repository';

/** A forecast's month `h` as stored: the mean as baseline, its intervals, method and EV effect. */
function forecastAt(f: CellForecast, h: number) {
  return {
    baseline: f.mean[h]!,
    lower80: f.lower80[h]!,
    upper80: f.upper80[h]!,
    lower95: f.lower95[h]!,
    upper95: f.upper95[h]!,
    method: f.method,
    evEffect: f.evEffect[h]!,
  };
}

export type BaselineDeps = {
  db: Db;
  /** Baseline engine options (tests may force in-thread forecasting). */
  baseline?: { parallelThreshold?: number; workers?: number; regionProfile?: 'fast' | 'accurate' };
};

/** Loads the history, builds the baseline (baseline.ts) and stores it in one transaction. */
export async function runBaseline(
  deps: BaselineDeps,
  cycle: CycleRow,
  report: (percent: number, message: string) => void,
): Promise<{ cells: number; ms: number; methods: Record<string, number> }> {
  const repo = createForecastBaselineRepository(deps.db);
  const started = Date.now();
  const historyEnd = addMonths(cycle.cycleMonth, -1);
  const from = addMonths(cycle.cycleMonth, -cycle.historyMonths);
  report(1, 'loading history');
  const [dealers, lines, history, ev, fractions] = await Promise.all([
    repo.activeDealers(),
    repo.activeModelLines(),
    repo.salesHistory(from, cycle.cycleMonth),
    repo.evDeliveries(from, cycle.cycleMonth),
    repo.lineBevFractions(addMonths(cycle.cycleMonth, -12), cycle.cycleMonth),
  ]);
  const length = cycle.historyMonths;
  // Start where the network's data starts (a young network has fewer months than asked).
  let first = length;
  for (const row of history)
    for (let k = 0; k < row.t.length; k += 1)
      if (row.q[k] !== 0) first = Math.min(first, row.t[k]!);
  if (first >= length) first = Math.max(0, length - 12);
  first = Math.min(first, length - 12);
  const n = length - first;
  const regionIds = [...new Set(dealers.map((d) => d.regionId))].sort((a, b) => a - b);
  const regionIndex = new Map(regionIds.map((id, i) => [id, i]));
  const lineIndex = new Map(lines.map((l, i) => [l.id, i]));
  const dealerIndex = new Map(dealers.map((d, i) => [d.id, i]));
  const matrix: Float64Array[] = dealers.map(() => new Float64Array(lines.length * n));
  for (const row of history) {
    const d = dealerIndex.get(row.dealerId);
    const l = lineIndex.get(row.modelLineId);
    if (d === undefined || l === undefined) continue;
    for (let k = 0; k < row.t.length; k += 1) {
      const t = row.t[k]! - first;
      if (t >= 0 && t < n) matrix[d]![l * n + t] = Math.max(0, row.q[k]!);
    }
  }
  const series = dealers.flatMap((dealer, d) =>
    lines.map((_, l) => ({
      regionIndex: regionIndex.get(dealer.regionId)!,
      lineIndex: l,
      dealerIndex: d,
      values: Array.from(matrix[d]!.subarray(l * n, (l + 1) * n)),
    })),
  );
  // Memory (the national network's 705,600 series peaked at the 4 GB line): the history rows and
  // the matrix are copied into `series` and not read again. The closures of this function keep
  // their variables alive to its end, so they are emptied here rather than left to go out of use.
  history.length = 0;
  matrix.length = 0;
  const evInput = regionIds.map(() => ({
    total: new Array<number>(n).fill(0),
    bev: new Array<number>(n).fill(0),
  }));
  for (const row of ev) {
    const r = regionIndex.get(row.regionId);
    const t = row.t - first;
    if (r === undefined || t < 0 || t >= n) continue;
    evInput[r]!.total[t] = row.total;
    evInput[r]!.bev[t] = row.bev;
  }
  const fractionOf = new Map(fractions.map((f) => [f.modelLineId, f.fraction]));
  const result: BaselineResult = await buildBaseline({
    horizon: cycle.horizon,
    lastMonthOfYear: Number(historyEnd.slice(5, 7)),
    regionCount: regionIds.length,
    lineCount: lines.length,
    series,
    ev: evInput,
    lineBevFraction: lines.map((l) => fractionOf.get(l.id) ?? 0),
    // A planned end of sale: its month's index in the series (months since `from`, less `first`).
    lineSalesEnd: lines.map((l) => {
      if (l.salesEndOn === null) return null;
      const month = l.salesEndOn.slice(0, 7);
      const days = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0));
      return {
        last: monthIndex(month) - monthIndex(from) - first,
        share: Number(l.salesEndOn.slice(8, 10)) / days.getUTCDate(),
      };
    }),
    parallelThreshold: deps.baseline?.parallelThreshold,
    workers: deps.baseline?.workers,
    regionProfile: deps.baseline?.regionProfile,
    onProgress: (p, message) => report(p * 0.9, message),
  });
  // The series' values are read only by buildBaseline; the cells need their line index only.
  for (const s of series) s.values = [];
  const months = targetMonths(cycle);
  function* cellRows(): Generator<CellWrite> {
    for (let i = 0; i < series.length; i += 1) {
      const cell = result.cells[i]!;
      const dealer = dealers[Math.floor(i / lines.length)]!;
      const line = lines[series[i]!.lineIndex]!;
      for (let h = 0; h < months.length; h += 1) {
        yield {
          dealerId: dealer.id,
          modelLineId: line.id,
          regionId: dealer.regionId,
          month: months[h]!,
          horizon: h + 1,
          ...forecastAt(cell, h),
          spreadsheet: cell.spreadsheet[h]!,
          maseScale: cell.maseScale,
        };
      }
    }
  }
  report(91, 'storing the baseline');
  await deps.db.transaction(async (tx) => {
    const r = createForecastBaselineRepository(tx);
    await r.writeCells(cycle.id, cellRows());
    await r.writeRegionLines(
      cycle.id,
      result.regionLines.flatMap((rl) =>
        months.map((month, h) => ({
          regionId: regionIds[rl.regionIndex]!,
          modelLineId: lines[rl.lineIndex]!.id,
          month,
          ...forecastAt(rl, h),
        })),
      ),
    );
    await r.writeSkuMix(cycle.id, addMonths(cycle.cycleMonth, -12), cycle.cycleMonth);
    const regionCodes = await r.regionCodes(regionIds);
    await r.finishBaseline(cycle.id, {
      calibration: result.calibration,
      signals: result.signals.map((s) => ({
        regionCode: regionCodes.get(regionIds[s.regionIndex]!) ?? String(s.regionIndex),
        bevShareRecent: s.shareRecent === null ? null : round3(s.shareRecent * 100),
        bevSharePrior: s.sharePrior === null ? null : round3(s.sharePrior * 100),
        growth: s.growth === null ? null : round3(s.growth),
        relativeGrowth: round3(s.relativeGrowth),
      })),
      stats: { ...result.stats, historyFrom: addMonths(from, first), historyMonthsUsed: n },
    });
  });
  return {
    cells: series.length * months.length,
    ms: Date.now() - started,
    methods: result.stats.methods,
  };
}
