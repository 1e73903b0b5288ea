/**
 * What the forecast cycle reports (issue 5): the review list of adjusted dealers, roll-ups by
 * region, model line or dealer, the demand plan for production (the locked consensus split by
 * the frozen SKU mix) and accuracy of locked snapshots against net sales. Read-only; the cycle's
 * steps are in forecasts.service.ts, which spreads these methods into the forecasts service.
 */
import { getOrAdd } from '../../../shared/collections';
import { AppError } from '../../../shared/errors';
import { addMonths, inWords } from '../../../shared/months';
import {
  type Accuracy,
  type AccuracyDimension,
  type CycleAdjustments,
  type DemandPlanRow,
  type Rollup,
  type RollupDimension,
  type StepMetrics,
} from '../../../shared/schemas/forecasts';
import type { Actor } from '../../auth/actor';
import type { Db } from '../../db/db';
import { pct, round3, targetMonths } from './forecast-math';
import { createForecastReportsRepository, type AccuracyRow } from './forecast-reports.repository';
import { createForecastsRepository, type CycleRow } from './forecasts.repository';
import { apportion } from './methods';

export function createForecastReportsService(
  deps: {
    db: Db;
    /** where the accuracy report reads (the read replica when one is configured) */
    readDb?: Db;
    today: () => string;
  },
  shared: { cycleOrThrow: (id: number) => Promise<CycleRow> },
) {
  const cycleRepo = createForecastsRepository(deps.db);
  const repo = createForecastReportsRepository(deps.db);

  function metrics(
    row: AccuracyRow | undefined,
  ): Record<'spreadsheet' | 'baseline' | 'adjusted' | 'consensus', StepMetrics> {
    const of = (abs: number, signed: number): StepMetrics => ({
      wape: row ? pct(abs, row.actual) : null,
      bias: row ? pct(signed, row.actual) : null,
      mase: row && row.scale > 0 ? Math.round((1000 * abs) / row.scale) / 1000 : null,
    });
    return {
      spreadsheet: of(row?.spreadsheetAbs ?? 0, row?.spreadsheetSigned ?? 0),
      baseline: of(row?.baselineAbs ?? 0, row?.baselineSigned ?? 0),
      adjusted: of(row?.adjustedAbs ?? 0, row?.adjustedSigned ?? 0),
      consensus: of(row?.consensusAbs ?? 0, row?.consensusSigned ?? 0),
    };
  }

  return {
    /** The review list: dealers in the reader's scope with adjusted or overridden cells. */
    async findAdjustments({ actor, id }: { actor: Actor; id: number }): Promise<CycleAdjustments> {
      await shared.cycleOrThrow(id);
      const rows = await repo.adjustedCells(id, actor.scope);
      const dealers = new Map<string, CycleAdjustments['dealers'][number]>();
      for (const r of rows) {
        const d = getOrAdd(dealers, r.dealerCode, () => ({
          code: r.dealerCode,
          name: r.dealerName,
          regionCode: r.regionCode,
          pendingCells: 0,
          acceptedCells: 0,
          overriddenCells: 0,
          baseline: 0,
          consensus: 0,
          cells: [],
        }));
        if (r.reviewStatus === 'overridden') d.overriddenCells += 1;
        else if (r.reviewStatus === 'accepted') d.acceptedCells += 1;
        else if (r.adjusted !== null) d.pendingCells += 1;
        d.baseline = round3(d.baseline + r.baseline);
        d.consensus = round3(d.consensus + r.consensus);
        d.cells.push({
          modelLine: r.modelLine,
          modelLineName: r.modelLineName,
          month: r.month,
          baseline: r.baseline,
          lower80: r.lower80,
          upper80: r.upper80,
          adjusted: r.adjusted,
          adjustReason:
            r.adjustReason as CycleAdjustments['dealers'][number]['cells'][number]['adjustReason'],
          adjustComment: r.adjustComment,
          adjustedBy: r.adjustedBy,
          override: r.override,
          overrideReason: r.overrideReason,
          reviewStatus: r.reviewStatus,
          consensus: r.consensus,
        });
      }
      return { cycleId: id, dealers: [...dealers.values()] };
    },

    async getRollup({
      actor,
      id,
      by,
    }: {
      actor: Actor;
      id: number;
      by: RollupDimension;
    }): Promise<Rollup> {
      const cycle = await shared.cycleOrThrow(id);
      const months = targetMonths(cycle);
      const rows = await repo.rollup(id, by, actor.scope);
      const index = new Map(months.map((m, i) => [m, i]));
      const zeros = () => months.map(() => 0);
      const groups = new Map<string, Rollup['rows'][number]>();
      const total = { baseline: zeros(), adjusted: zeros(), consensus: zeros() };
      for (const r of rows) {
        let g = groups.get(r.key);
        if (!g) {
          g = {
            key: r.key,
            label: r.label,
            baseline: zeros(),
            adjusted: zeros(),
            consensus: zeros(),
            total: { baseline: 0, adjusted: 0, consensus: 0 },
          };
          groups.set(r.key, g);
        }
        const h = index.get(r.month)!;
        for (const k of ['baseline', 'adjusted', 'consensus'] as const) {
          g[k][h] = round3(r[k]);
          g.total[k] = round3(g.total[k] + r[k]);
          total[k][h] = round3(total[k][h]! + r[k]);
        }
      }
      return {
        cycleId: id,
        by,
        isLocked: cycle.status === 'locked' || cycle.status === 'published',
        months,
        rows: [...groups.values()],
        total,
      };
    },

    /**
     * The locked consensus for production planning: model line × SKU × region × month, the SKU
     * split by the frozen recent SKU mix (quantities add up exactly, in thousandths, to the
     * consensus of the region × model line × month).
     */
    async getDemandPlan({ actor, id }: { actor: Actor; id: number }) {
      const cycle = await shared.cycleOrThrow(id);
      if (cycle.status !== 'locked' && cycle.status !== 'published')
        throw new AppError(
          'CONFLICT',
          `The forecast of ${inWords(cycle.cycleMonth)} is ${cycle.status}: the demand plan exists once the consensus is locked`,
          { reason: 'not_locked', status: cycle.status },
        );
      const [lines, mix] = await Promise.all([
        repo.demandPlanLines(id, actor.scope),
        repo.skuMix(id),
      ]);
      const mixOf = new Map<string, typeof mix>();
      for (const m of mix) {
        const key = `${m.regionId}|${m.modelLineId}`;
        const list = mixOf.get(key);
        if (list) list.push(m);
        else mixOf.set(key, [m]);
      }
      const rows: DemandPlanRow[] = [];
      for (const line of lines) {
        const skus = mixOf.get(`${line.regionId}|${line.modelLineId}`) ?? [];
        const units = Math.round(Number(line.quantity) * 1000);
        const shares = skus.length > 0 ? skus.map((s) => s.share) : [1];
        const parts = apportion(units, shares);
        const shareTotal = shares.reduce((a, b) => a + b, 0) || 1;
        parts.forEach((part, i) => {
          const share = shares[i]! / shareTotal;
          rows.push({
            modelLine: line.modelLineCode,
            sku: skus[i]?.sku ?? '',
            powertrain: skus[i]?.powertrain ?? '',
            skuShare: Math.round(share * 1e6) / 1e6,
            region: line.regionCode,
            month: line.month,
            quantity: part / 1000,
            lower80: round3(line.lower80 * share),
            upper80: round3(line.upper80 * share),
            lower95: round3(line.lower95 * share),
            upper95: round3(line.upper95 * share),
          });
        });
      }
      return { cycleId: id, cycleMonth: cycle.cycleMonth, status: cycle.status, rows };
    },

    /**
     * Accuracy of locked snapshots against net sales, for every complete month with data:
     * WAPE, bias and MASE of the spreadsheet reference, the baseline, the dealer-adjusted numbers
     * and the consensus, and the value each step added.
     */
    async getAccuracy({
      actor,
      cycleId,
      by,
    }: {
      actor: Actor;
      cycleId?: number;
      by: AccuracyDimension;
    }): Promise<Accuracy> {
      const cycles = (await cycleRepo.findCycles()).filter(
        (c) =>
          (c.status === 'locked' || c.status === 'published') &&
          (cycleId === undefined || c.id === cycleId),
      );
      if (cycleId !== undefined && cycles.length === 0) {
        await shared.cycleOrThrow(cycleId);
      }
      const lastComplete = addMonths(deps.today().slice(0, 7), -1);
      const latest = await cycleRepo.latestActualMonth();
      const through = latest === null ? null : latest < lastComplete ? latest : lastComplete;
      const empty = metrics(undefined);
      if (cycles.length === 0 || through === null)
        return {
          by,
          cycles: cycles.map((c) => ({ id: c.id, cycleMonth: c.cycleMonth })),
          throughMonth: through,
          cells: 0,
          actual: 0,
          summary: empty,
          regionLevel: empty,
          valueAdded: {
            baselineOverSpreadsheet: null,
            adjustmentsOverBaseline: null,
            reviewOverAdjusted: null,
          },
          groups: [],
        };
      const ids = cycles.map((c) => c.id);
      const from = cycles.reduce(
        (first, c) => (c.cycleMonth < first ? c.cycleMonth : first),
        cycles[0]!.cycleMonth,
      );
      const args = { cycleIds: ids, from, through, scope: actor.scope };
      // Hash joins, never a nested loop over the sales roll-up: on PGlite (no autovacuum, so no
      // statistics) the planner took both sides for one row and re-aggregated the roll-up for
      // every forecast cell of a region, minutes while the embedded database served no one.
      const [all, regionLevel, groups] = await (deps.readDb ?? deps.db).transaction(async (tx) => {
        await tx.query('set local enable_nestloop = off');
        const r = createForecastReportsRepository(tx);
        return Promise.all([
          r.accuracy({ ...args, by: 'all' }),
          r.accuracy({ ...args, by: 'region_level' }),
          r.accuracy({ ...args, by }),
        ]);
      });
      const summary = metrics(all[0]);
      const gain = (a: number | null, b: number | null) =>
        a === null || b === null ? null : Math.round((a - b) * 10) / 10;
      return {
        by,
        cycles: cycles.map((c) => ({ id: c.id, cycleMonth: c.cycleMonth })),
        throughMonth: through,
        cells: all[0]?.cells ?? 0,
        actual: all[0]?.actual ?? 0,
        summary,
        regionLevel: metrics(regionLevel[0]),
        valueAdded: {
          baselineOverSpreadsheet: gain(summary.spreadsheet.wape, summary.baseline.wape),
          adjustmentsOverBaseline: gain(summary.baseline.wape, summary.adjusted.wape),
          reviewOverAdjusted: gain(summary.adjusted.wape, summary.consensus.wape),
        },
        groups: groups
          .filter((g) => g.cells > 0)
          .map((g) => ({ key: g.key, label: g.label, actual: g.actual, steps: metrics(g) })),
      };
    },
  };
}
