/**
 * Over 800 lines because the cycle's steps share one closure of loaders; issue 19's pattern
 * (one service per concern) applies here next.
 *
 * The forecast cycle (issue 5): the OEM opens a monthly cycle → a job builds the statistical
 * baseline → dealers adjust their own cells inside the window → the region accepts or overrides →
 * the consensus is locked (a snapshot that never changes) and published → roll-ups, the demand
 * plan for production, and accuracy against the actuals as they arrive.
 */
import { AppError, notFound, type Problem } from '../../../shared/errors';
import { addMonths, inWords, monthIndex, monthRange } from '../../../shared/months';
import {
  ADJUST_REASONS,
  type Accuracy,
  type AccuracyDimension,
  type AcceptBody,
  type AdjustBody,
  type CycleAdjustments,
  type CycleCreate,
  type CycleTransition,
  type DealerGrid,
  type DemandPlanRow,
  type ForecastCycle,
  type OverrideBody,
  type Rollup,
  type RollupDimension,
  type StepMetrics,
} from '../../../shared/schemas/forecasts';
import type { Actor } from '../../auth/actor';
import type { Db, Queryable } from '../../db/db';
import type { EventBus } from '../../events';
import type { JobsService } from '../jobs/jobs.service';
import type { NetworkService } from '../network/network.service';
import { buildBaseline, type BaselineResult } from './baseline';
import {
  createForecastsRepository,
  type AccuracyRow,
  type CellWrite,
  type CycleRow,
} from './forecasts.repository';
import { apportion } from './methods';

export const BASELINE_JOB_KIND = 'forecast-baseline';

type Deps = {
  db: Db;
  /** where the accuracy report reads (the read replica when one is configured) */
  readDb?: Db;
  jobs: JobsService;
  network: NetworkService;
  events: EventBus;
  today: () => string;
  /** Baseline engine options (tests may force in-thread forecasting). */
  baseline?: { parallelThreshold?: number; workers?: number; regionProfile?: 'fast' | 'accurate' };
};

function actorLabel(actor: Actor): string {
  return `${actor.kind === 'user' ? 'user' : 'key'}:${actor.id}:${actor.name}`;
}

function invalid(problems: Problem[]): AppError {
  return new AppError(
    'VALIDATION_FAILED',
    problems.map((p) => `${p.path}: ${p.message}`).join('; '),
    { problems },
  );
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function pct(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((1000 * part) / whole) / 10 : null;
}

export function createForecastsService(deps: Deps) {
  const repo = createForecastsRepository(deps.db);

  function targetMonths(cycle: Pick<CycleRow, 'cycleMonth' | 'horizon'>): string[] {
    return monthRange(cycle.cycleMonth, addMonths(cycle.cycleMonth, cycle.horizon - 1));
  }

  function isAdjustable(cycle: CycleRow): boolean {
    return cycle.status === 'adjusting' && deps.today() <= cycle.adjustUntil;
  }

  async function cycleOrThrow(id: number, db: Queryable = deps.db, forUpdate = false) {
    const cycle = await createForecastsRepository(db).findCycle(id, forUpdate);
    if (!cycle) throw notFound('Forecast cycle', String(id));
    return cycle;
  }

  async function toCycle(actor: Actor, row: CycleRow): Promise<ForecastCycle> {
    return {
      id: row.id,
      cycleMonth: row.cycleMonth,
      months: targetMonths(row),
      status: row.status,
      horizon: row.horizon,
      historyMonths: row.historyMonths,
      adjustUntil: row.adjustUntil,
      isAdjustable: isAdjustable(row),
      baselineJobId: row.baselineJobId,
      baselineError: row.baselineError,
      baselineAt: row.baselineAt,
      signals: row.signals,
      createdBy: row.createdBy,
      createdAt: row.createdAt,
      lockedBy: row.lockedBy,
      lockedAt: row.lockedAt,
      publishedAt: row.publishedAt,
      totals: await repo.cycleTotals(row.id, actor.scope),
    };
  }

  /** Loads the history, builds the baseline (baseline.ts) and stores it in one transaction. */
  async function runBaseline(
    cycle: CycleRow,
    report: (percent: number, message: string) => void,
  ): Promise<{ cells: number; ms: number; methods: Record<string, number> }> {
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
      parallelThreshold: deps.baseline?.parallelThreshold,
      workers: deps.baseline?.workers,
      regionProfile: deps.baseline?.regionProfile,
      onProgress: (p, message) => report(p * 0.9, message),
    });
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
            baseline: cell.mean[h]!,
            lower80: cell.lower80[h]!,
            upper80: cell.upper80[h]!,
            lower95: cell.lower95[h]!,
            upper95: cell.upper95[h]!,
            method: cell.method,
            evEffect: cell.evEffect[h]!,
            spreadsheet: cell.spreadsheet[h]!,
            maseScale: cell.maseScale,
          };
        }
      }
    }
    report(91, 'storing the baseline');
    await deps.db.transaction(async (tx) => {
      const r = createForecastsRepository(tx);
      await r.writeCells(cycle.id, cellRows());
      await r.writeRegionLines(
        cycle.id,
        result.regionLines.flatMap((rl) =>
          months.map((month, h) => ({
            regionId: regionIds[rl.regionIndex]!,
            modelLineId: lines[rl.lineIndex]!.id,
            month,
            baseline: rl.mean[h]!,
            lower80: rl.lower80[h]!,
            upper80: rl.upper80[h]!,
            lower95: rl.lower95[h]!,
            upper95: rl.upper95[h]!,
            method: rl.method,
            evEffect: rl.evEffect[h]!,
          })),
        ),
      );
      await r.writeSkuMix(cycle.id, addMonths(cycle.cycleMonth, -12), cycle.cycleMonth);
      const regionCodes = await regionCodesOf(tx, regionIds);
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

  async function regionCodesOf(db: Queryable, ids: number[]): Promise<Map<number, string>> {
    const { rows } = await db.query<{ id: number; code: string }>(
      'select id, code from regions where id = any($1::int[])',
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.code]));
  }

  async function buildGrid(
    cycle: CycleRow,
    dealer: { id: number; code: string; name: string; regionCode: string },
    db: Queryable = deps.db,
  ): Promise<DealerGrid> {
    const r = createForecastsRepository(db);
    const months = targetMonths(cycle);
    const historyMonths = monthRange(
      addMonths(cycle.cycleMonth, -12),
      addMonths(cycle.cycleMonth, -1),
    );
    const [cells, lines, sales, edits, latestActual] = await Promise.all([
      r.dealerCells(cycle.id, dealer.id),
      r.modelLines(),
      r.dealerSales(dealer.id, historyMonths[0]!, months.at(-1)!),
      r.dealerEdits(cycle.id, dealer.id),
      r.latestActualMonth(),
    ]);
    const currentMonth = deps.today().slice(0, 7);
    // A month without a sale reads 0 once the feed has reached it, else "not yet known".
    const hasArrived = (month: string) =>
      latestActual !== null && month <= latestActual && month < currentMonth;
    const salesOf = new Map(sales.map((s) => [`${s.modelLineId}|${s.month}`, s.quantity]));
    const editsOf = new Map<string, typeof edits>();
    for (const e of edits) {
      const key = `${e.modelLineId}|${e.month}`;
      const list = editsOf.get(key);
      if (list) list.push(e);
      else editsOf.set(key, [e]);
    }
    const signal = cycle.signals.find((s) => s.regionCode === dealer.regionCode);
    const cellsOf = new Map<number, typeof cells>();
    for (const c of cells) {
      const list = cellsOf.get(c.modelLineId);
      if (list) list.push(c);
      else cellsOf.set(c.modelLineId, [c]);
    }
    return {
      cycle: {
        id: cycle.id,
        cycleMonth: cycle.cycleMonth,
        status: cycle.status,
        adjustUntil: cycle.adjustUntil,
        isAdjustable: isAdjustable(cycle),
        months,
      },
      dealer: { code: dealer.code, name: dealer.name, regionCode: dealer.regionCode },
      reasonCodes: [...ADJUST_REASONS],
      historyMonths,
      lines: lines
        .filter((l) => cellsOf.has(l.id))
        .map((l) => ({
          modelLine: { code: l.code, name: l.name, powertrains: l.powertrains },
          history: historyMonths.map((m) => salesOf.get(`${l.id}|${m}`) ?? 0),
          cells: cellsOf.get(l.id)!.map((c) => {
            const actual = salesOf.get(`${l.id}|${c.month}`);
            return {
              month: c.month,
              horizon: c.horizon,
              baseline: c.baseline,
              lower80: c.lower80,
              upper80: c.upper80,
              lower95: c.lower95,
              upper95: c.upper95,
              method: c.method,
              adjusted: c.adjusted,
              adjustReason:
                c.adjustReason as DealerGrid['lines'][number]['cells'][number]['adjustReason'],
              adjustComment: c.adjustComment,
              override: c.override,
              overrideReason: c.overrideReason,
              reviewStatus: c.reviewStatus,
              consensus: c.consensus,
              actual: actual ?? (hasArrived(c.month) ? 0 : null),
              signals:
                Math.abs(c.evEffect) >= 0.005
                  ? [
                      {
                        signal: 'ev_adoption' as const,
                        effect: c.evEffect,
                        note: signal
                          ? `BEV share of ${dealer.regionCode} deliveries ${signal.bevShareRecent ?? '–'} % vs ${signal.bevSharePrior ?? '–'} % a year earlier; growth ×${signal.relativeGrowth} the nation's`
                          : 'EV adoption of the region',
                      },
                    ]
                  : [],
              edits: (editsOf.get(`${l.id}|${c.month}`) ?? []).map((e) => ({
                kind: e.kind,
                from: e.from,
                to: e.to,
                reason: e.reason,
                comment: e.comment,
                actor: e.actor,
                at: e.at,
              })),
            };
          }),
        })),
    };
  }

  async function dealerOrThrow(actor: Actor, code: string, db: Queryable = deps.db) {
    const dealer = await createForecastsRepository(db).findDealerInScope(code, actor.scope);
    if (!dealer) throw notFound('Dealer', code);
    return dealer;
  }

  /** Resolves (modelLine, month) of input cells to existing cells; every problem names its path. */
  async function resolveCells<T extends { modelLine: string; month: string }>(
    db: Queryable,
    cycle: CycleRow,
    dealerId: number,
    input: readonly T[],
  ) {
    const r = createForecastsRepository(db);
    const [cells, lines] = await Promise.all([
      r.dealerCells(cycle.id, dealerId, true),
      r.modelLines(),
    ]);
    const lineId = new Map(lines.map((l) => [l.code, l.id]));
    const cellOf = new Map(cells.map((c) => [`${c.modelLineId}|${c.month}`, c]));
    const problems: Problem[] = [];
    const seen = new Set<string>();
    const resolved = input.flatMap((item, i) => {
      const id = lineId.get(item.modelLine);
      if (id === undefined) {
        problems.push({
          path: `body.cells.${i}.modelLine`,
          code: 'unknown_model_line',
          message: `model line ${item.modelLine} does not exist`,
        });
        return [];
      }
      const key = `${id}|${item.month}`;
      const cell = cellOf.get(key);
      if (!cell) {
        problems.push({
          path: `body.cells.${i}.month`,
          code: 'not_in_cycle',
          message: `${item.modelLine} ${item.month} is not a cell of this cycle (${cycle.cycleMonth} + ${cycle.horizon} months)`,
        });
        return [];
      }
      if (seen.has(key)) {
        problems.push({
          path: `body.cells.${i}`,
          code: 'duplicate_cell',
          message: `${item.modelLine} ${item.month} appears twice`,
        });
        return [];
      }
      seen.add(key);
      return [{ item, cell, modelLineId: id }];
    });
    if (problems.length > 0) throw invalid(problems);
    return { resolved, cells };
  }

  /** Overrides and acceptances happen while dealers adjust or during review, never after the lock. */
  function refuseUnlessReviewable(cycle: CycleRow): void {
    refuseIfLocked(cycle);
    if (cycle.status !== 'adjusting' && cycle.status !== 'review') {
      throw new AppError(
        'CONFLICT',
        `The forecast of ${inWords(cycle.cycleMonth)} is ${cycle.status}: nothing to review yet`,
        {
          reason: 'not_in_review',
          status: cycle.status,
        },
      );
    }
  }

  function refuseIfLocked(cycle: CycleRow): void {
    if (cycle.status === 'locked' || cycle.status === 'published')
      throw new AppError(
        'CONFLICT',
        `The forecast of ${inWords(cycle.cycleMonth)} is ${cycle.status}; its consensus no longer changes`,
        {
          reason: 'cycle_locked',
          status: cycle.status,
        },
      );
  }

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

  /**
   * One change of a dealer's cells: in one transaction with the cycle locked and the dealer in the
   * actor's scope, then the dealer's grid as it now stands.
   */
  async function changeDealerCells(
    actor: Actor,
    id: number,
    dealerCode: string,
    change: (
      tx: Queryable,
      cycle: Awaited<ReturnType<typeof cycleOrThrow>>,
      dealer: Awaited<ReturnType<typeof dealerOrThrow>>,
    ) => Promise<number>,
  ): Promise<{ updated: number; grid: DealerGrid }> {
    const { updated, cycle, dealer } = await deps.db.transaction(async (tx) => {
      const cycle = await cycleOrThrow(id, tx, true);
      const dealer = await dealerOrThrow(actor, dealerCode, tx);
      return { updated: await change(tx, cycle, dealer), cycle, dealer };
    });
    return { updated, grid: await buildGrid(cycle, dealer) };
  }

  const service = {
    /** Opens a cycle and starts its baseline job. */
    async createCycle({
      actor,
      data,
    }: {
      actor: Actor;
      data: CycleCreate;
    }): Promise<ForecastCycle> {
      const today = deps.today();
      const cycleMonth = data.cycleMonth ?? today.slice(0, 7);
      const adjustUntil = data.adjustUntil ?? addDays(today, 10);
      if (adjustUntil < today)
        throw invalid([
          {
            path: 'body.adjustUntil',
            code: 'in_the_past',
            message: `${adjustUntil} is before today (${today})`,
          },
        ]);
      if (monthIndex(cycleMonth) > monthIndex(today.slice(0, 7)) + 12)
        throw invalid([
          {
            path: 'body.cycleMonth',
            code: 'too_far',
            message: 'a cycle opens at most 12 months ahead',
          },
        ]);
      const id = await repo.insertCycle({
        cycleMonth,
        horizon: data.horizon,
        historyMonths: data.historyMonths,
        adjustUntil,
        createdBy: actorLabel(actor),
      });
      if (id === null)
        throw new AppError(
          'ALREADY_EXISTS',
          `A forecast for ${inWords(cycleMonth)} exists already`,
          {
            cycleMonth,
          },
        );
      try {
        const job = await deps.jobs.start({
          actor,
          kind: BASELINE_JOB_KIND,
          params: { cycleId: id, cycleMonth, horizon: data.horizon },
        });
        await repo.setBaselineJob(id, job.id);
      } catch (error) {
        await repo.deleteCycle(id);
        throw error;
      }
      return toCycle(actor, (await repo.findCycle(id))!);
    },

    async findCycles({ actor }: { actor: Actor }): Promise<ForecastCycle[]> {
      return Promise.all((await repo.findCycles()).map((c) => toCycle(actor, c)));
    },

    async getCycle({ actor, id }: { actor: Actor; id: number }): Promise<ForecastCycle> {
      return toCycle(actor, await cycleOrThrow(id));
    },

    /** close-window (adjusting → review), lock (adjusting | review → locked), publish (locked → published). */
    async transition({
      actor,
      id,
      transition,
    }: {
      actor: Actor;
      id: number;
      transition: CycleTransition;
    }): Promise<ForecastCycle> {
      const rules: Record<CycleTransition, { from: CycleRow['status'][]; to: CycleRow['status'] }> =
        {
          'close-window': { from: ['adjusting'], to: 'review' },
          lock: { from: ['adjusting', 'review'], to: 'locked' },
          publish: { from: ['locked'], to: 'published' },
        };
      const rule = rules[transition];
      await deps.db.transaction(async (tx) => {
        const cycle = await cycleOrThrow(id, tx, true);
        if (!rule.from.includes(cycle.status))
          throw new AppError(
            'INVALID_TRANSITION',
            `Cannot ${transition} a cycle that is ${cycle.status} (needs ${rule.from.join(' or ')})`,
            { status: cycle.status, transition },
          );
        const r = createForecastsRepository(tx);
        if (transition === 'lock') await r.freezeConsensus(id);
        await r.updateStatus(id, rule.to, actorLabel(actor), {
          locked: transition === 'lock',
          published: transition === 'publish',
        });
      });
      return toCycle(actor, await cycleOrThrow(id));
    },

    async getDealerGrid({
      actor,
      id,
      dealerCode,
    }: {
      actor: Actor;
      id: number;
      dealerCode: string;
    }): Promise<DealerGrid> {
      const [cycle, dealer] = await Promise.all([
        cycleOrThrow(id),
        dealerOrThrow(actor, dealerCode),
      ]);
      return buildGrid(cycle, dealer);
    },

    /** A dealer's adjustments: own dealer, inside the window, reason required; all or nothing. */
    async adjustCells({
      actor,
      id,
      dealerCode,
      data,
    }: {
      actor: Actor;
      id: number;
      dealerCode: string;
      data: AdjustBody;
    }): Promise<{ updated: number; grid: DealerGrid }> {
      return changeDealerCells(actor, id, dealerCode, async (tx, cycle, dealer) => {
        refuseIfLocked(cycle);
        if (!isAdjustable(cycle))
          throw new AppError(
            'CONFLICT',
            cycle.status === 'adjusting'
              ? `The adjustment window of the ${inWords(cycle.cycleMonth)} forecast closed on ${inWords(cycle.adjustUntil)}`
              : `The forecast of ${inWords(cycle.cycleMonth)} is ${cycle.status}: dealers cannot adjust now`,
            { reason: 'window_closed', status: cycle.status, adjustUntil: cycle.adjustUntil },
          );
        const { resolved } = await resolveCells(tx, cycle, dealer.id, data.cells);
        await createForecastsRepository(tx).applyAdjustments(
          cycle.id,
          dealer.id,
          actorLabel(actor),
          resolved.map(({ item, cell, modelLineId }) => ({
            modelLineId,
            month: item.month,
            value: item.value,
            from: cell.adjusted ?? cell.baseline,
            reason: item.reason,
            comment: item.comment ?? null,
          })),
        );
        return resolved.length;
      });
    },

    /** The region's override of a dealer's cells (reviewer's scope only). */
    async overrideCells({
      actor,
      id,
      dealerCode,
      data,
    }: {
      actor: Actor;
      id: number;
      dealerCode: string;
      data: OverrideBody;
    }): Promise<{ updated: number; grid: DealerGrid }> {
      return changeDealerCells(actor, id, dealerCode, async (tx, cycle, dealer) => {
        refuseUnlessReviewable(cycle);
        const { resolved } = await resolveCells(tx, cycle, dealer.id, data.cells);
        await createForecastsRepository(tx).applyOverrides(
          cycle.id,
          dealer.id,
          actorLabel(actor),
          resolved.map(({ item, cell, modelLineId }) => ({
            modelLineId,
            month: item.month,
            value: item.value,
            from: cell.consensus,
            reason: item.reason,
          })),
        );
        return resolved.length;
      });
    },

    /** The region accepts a dealer's adjustments (all pending ones when no cells are named). */
    async acceptCells({
      actor,
      id,
      dealerCode,
      data,
    }: {
      actor: Actor;
      id: number;
      dealerCode: string;
      data: AcceptBody;
    }): Promise<{ updated: number; grid: DealerGrid }> {
      return changeDealerCells(actor, id, dealerCode, async (tx, cycle, dealer) => {
        refuseUnlessReviewable(cycle);
        const lines = await createForecastsRepository(tx).modelLines();
        const codeOf = new Map(lines.map((l) => [l.id, l.code]));
        let targets: { modelLine: string; month: string }[];
        if (data.cells) targets = data.cells;
        else {
          const cells = await createForecastsRepository(tx).dealerCells(cycle.id, dealer.id, true);
          targets = cells
            .filter((c) => c.adjusted !== null && c.reviewStatus === 'pending')
            .map((c) => ({ modelLine: codeOf.get(c.modelLineId)!, month: c.month }));
        }
        if (targets.length === 0) return 0;
        const { resolved } = await resolveCells(tx, cycle, dealer.id, targets);
        await createForecastsRepository(tx).applyAccepts(
          cycle.id,
          dealer.id,
          actorLabel(actor),
          resolved.map(({ item, cell, modelLineId }) => ({
            modelLineId,
            month: item.month,
            value: cell.adjusted ?? cell.baseline,
          })),
          data.comment ?? null,
        );
        return resolved.length;
      });
    },

    /** The review list: dealers in the reader's scope with adjusted or overridden cells. */
    async findAdjustments({ actor, id }: { actor: Actor; id: number }): Promise<CycleAdjustments> {
      await cycleOrThrow(id);
      const rows = await repo.adjustedCells(id, actor.scope);
      const dealers = new Map<string, CycleAdjustments['dealers'][number]>();
      for (const r of rows) {
        let d = dealers.get(r.dealerCode);
        if (!d) {
          d = {
            code: r.dealerCode,
            name: r.dealerName,
            regionCode: r.regionCode,
            pendingCells: 0,
            acceptedCells: 0,
            overriddenCells: 0,
            baseline: 0,
            consensus: 0,
            cells: [],
          };
          dealers.set(r.dealerCode, d);
        }
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
      const cycle = await cycleOrThrow(id);
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
      const cycle = await cycleOrThrow(id);
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
      const cycles = (await repo.findCycles()).filter(
        (c) =>
          (c.status === 'locked' || c.status === 'published') &&
          (cycleId === undefined || c.id === cycleId),
      );
      if (cycleId !== undefined && cycles.length === 0) {
        await cycleOrThrow(cycleId);
      }
      const lastComplete = addMonths(deps.today().slice(0, 7), -1);
      const latest = await repo.latestActualMonth();
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
      const args = { cycleIds: ids, through, scope: actor.scope };
      // Hash joins, never a nested loop over the sales roll-up: on PGlite (no autovacuum, so no
      // statistics) the planner took both sides for one row and re-aggregated the roll-up for
      // every forecast cell of a region, minutes while the embedded database served no one.
      const [all, regionLevel, groups] = await (deps.readDb ?? deps.db).transaction(async (tx) => {
        await tx.query('set local enable_nestloop = off');
        const r = createForecastsRepository(tx);
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
  deps.jobs.define(BASELINE_JOB_KIND, async ({ params, report }) => {
    const { cycleId } = params as { cycleId: number };
    const cycle = await repo.findCycle(cycleId);
    if (!cycle) throw new Error(`forecast cycle ${cycleId} is gone`);
    try {
      return await runBaseline(cycle, (p, message) => {
        report(p, message).catch(() => undefined);
      });
    } catch (error) {
      await repo.setBaselineError(cycleId, (error as Error).message).catch(() => undefined);
      throw error;
    }
  });
  return service;
}

export type ForecastsService = ReturnType<typeof createForecastsService>;
