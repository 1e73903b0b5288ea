/**
 * The forecast cycle (issue 5): the OEM opens a monthly cycle → a job builds the statistical
 * baseline → dealers adjust their own cells inside the window → the region accepts or overrides →
 * the consensus is locked (a snapshot that never changes) and published → roll-ups, the demand
 * plan for production, and accuracy against the actuals as they arrive.
 *
 * This file holds the cycle's steps (open, transitions, the dealer grid, adjust, override,
 * accept); the baseline job is forecast-baseline-job.ts and the read-only reports (review list,
 * roll-ups, demand plan, accuracy) forecast-reports.service.ts, spread into this service.
 */
import { AppError, notFound, type Problem } from '../../../shared/errors';
import { addMonths, inWords, monthIndex, monthRange } from '../../../shared/months';
import {
  ADJUST_REASONS,
  type AcceptBody,
  type AdjustBody,
  type CycleCreate,
  type CycleTransition,
  type DealerGrid,
  type ForecastCycle,
  type OverrideBody,
} from '../../../shared/schemas/forecasts';
import type { Actor } from '../../auth/actor';
import type { Db, Queryable } from '../../db/db';
import type { EventBus } from '../../events';
import type { JobsService } from '../jobs/jobs.service';
import type { NetworkService } from '../network/network.service';
import { createForecastsRepository, type CycleRow } from './forecasts.repository';
import { runBaseline } from './forecast-baseline-job';
import { targetMonths } from './forecast-math';
import { createForecastReportsService } from './forecast-reports.service';

export const BASELINE_JOB_KIND = 'forecast-baseline';

/** The arguments of a change to one dealer's cells (adjust, override, accept). */
type CellsChange<Body> = { actor: Actor; id: number; dealerCode: string; data: Body };
type CellsChanged = { updated: number; grid: DealerGrid };

/** The cell a named item sets, and the value it sets it to (adjust and override). */
const newValue = (item: { month: string; value: number }, modelLineId: number) => ({
  modelLineId,
  month: item.month,
  value: item.value,
});

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

export function createForecastsService(deps: Deps) {
  const repo = createForecastsRepository(deps.db);

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
  ): Promise<CellsChanged> {
    const { updated, cycle, dealer } = await deps.db.transaction(async (tx) => {
      const cycle = await cycleOrThrow(id, tx, true);
      const dealer = await dealerOrThrow(actor, dealerCode, tx);
      return { updated: await change(tx, cycle, dealer), cycle, dealer };
    });
    return { updated, grid: await buildGrid(cycle, dealer) };
  }

  const service = {
    ...createForecastReportsService(deps, { cycleOrThrow: (id: number) => cycleOrThrow(id) }),
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
    async adjustCells({ actor, id, dealerCode, data }: CellsChange<AdjustBody>) {
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
        const by = actorLabel(actor);
        const cells = resolved.map(({ item, cell, modelLineId }) => ({
          ...newValue(item, modelLineId),
          from: cell.adjusted ?? cell.baseline,
          reason: item.reason,
          comment: item.comment ?? null,
        }));
        await createForecastsRepository(tx).applyAdjustments(cycle.id, dealer.id, by, cells);
        return resolved.length;
      });
    },

    /** The region's override of a dealer's cells (reviewer's scope only). */
    async overrideCells({ actor, id, dealerCode, data }: CellsChange<OverrideBody>) {
      return changeDealerCells(actor, id, dealerCode, async (tx, cycle, dealer) => {
        refuseUnlessReviewable(cycle);
        const { resolved } = await resolveCells(tx, cycle, dealer.id, data.cells);
        const by = actorLabel(actor);
        const cells = resolved.map(({ item, cell, modelLineId }) => ({
          ...newValue(item, modelLineId),
          from: cell.consensus,
          reason: item.reason,
        }));
        await createForecastsRepository(tx).applyOverrides(cycle.id, dealer.id, by, cells);
        return resolved.length;
      });
    },

    /** The region accepts a dealer's adjustments (all pending ones when no cells are named). */
    async acceptCells({ actor, id, dealerCode, data }: CellsChange<AcceptBody>) {
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
  };
  deps.jobs.define(BASELINE_JOB_KIND, async ({ params, report }) => {
    const { cycleId } = params as { cycleId: number };
    const cycle = await repo.findCycle(cycleId);
    if (!cycle) throw new Error(`forecast cycle ${cycleId} is gone`);
    try {
      return await runBaseline(deps, cycle, (p, message) => {
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
