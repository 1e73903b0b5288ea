/**
 * Agreement progress and roll-ups (issue 19): the network list with term-to-date figures, the
 * roll-ups by region and by product, one agreement's progress and the dealer's expected
 * deliveries, and planning help while drafting.
 */
import { AppError, type Problem } from '../../../shared/errors';
import { sumDec } from '../../../shared/money';
import type {
  AgreementFilter,
  AgreementProgress,
  AgreementSummary,
  ExpectationsUpdate,
  AgreementRollup,
  AgreementRollupItem,
  AgreementRollupQuery,
} from '../../../shared/schemas/agreements';
import { AT_RISK_BELOW_PCT, ROLLUP_STATUSES } from '../../../shared/schemas/agreements';
import type { Actor } from '../../auth/actor';
import { buildPlanningHelp, parseTargets } from './planning-help';
import type { PlanningHelpQuery } from '../../../shared/schemas/planning-help';
import {
  type Frequency,
  paceFigures,
  type PaceFigures,
  paceOnClock,
  pct,
  termClock,
  type TermClock,
  termPeriods,
  termProblem,
  type Period,
} from './agreement-periods';
import {
  createAgreementsRepository,
  type AgreementListScope,
  type AgreementRow,
  type LineRow,
} from './agreements.repository';
import { type AgreementContext, actorLabel, invalid } from './agreement-context';
import { shownStatus } from './agreement-status';

export function createAgreementProgressService({ shared }: { shared: AgreementContext }) {
  const { deps, repo, currentMonth, fiscalStart, periodsOf, load, lockAndAdvance } = shared;
  // The lists and roll-ups: heavy reads, on the read replica when there is one (read-replica.ts
  // decides per request: an actor who just wrote reads the primary until the replica has it).
  const readRepo = createAgreementsRepository(deps.readDb ?? deps.db);
  const readFiscalStart = () => fiscalStart(deps.readDb ?? deps.db);

  function progressOf(
    row: AgreementRow,
    lines: LineRow[],
    periods: Period[],
    actuals: { lineNo: number; periodIndex: number; quantity: number; revenue: string }[],
    expectations: { lineNo: number; periodIndex: number; expectedQuantity: number }[] = [],
  ): AgreementProgress {
    const today = deps.today();
    const expected = new Map<number, (number | null)[]>();
    for (const l of lines)
      expected.set(
        l.lineNo,
        periods.map(() => null),
      );
    for (const e of expectations) {
      const list = expected.get(e.lineNo);
      if (list && e.periodIndex >= 0 && e.periodIndex < periods.length)
        list[e.periodIndex] = e.expectedQuantity;
    }
    const byLine = new Map<number, { q: number[]; r: string[] }>();
    for (const l of lines)
      byLine.set(l.lineNo, { q: periods.map(() => 0), r: periods.map(() => '0.00') });
    for (const a of actuals) {
      const entry = byLine.get(a.lineNo);
      if (entry && a.periodIndex >= 0 && a.periodIndex < periods.length) {
        entry.q[a.periodIndex] = a.quantity;
        entry.r[a.periodIndex] = a.revenue;
      }
    }
    const periodRows = (
      planned: number[],
      actual: number[],
      revenue: (string | null)[],
      plannedRevenue: (string | null)[] | null,
      elapsed: number[],
      expectedQuantities: (number | null)[],
    ) =>
      periods.map((p, i) => ({
        period: p.label,
        plannedQuantity: planned[i] ?? 0,
        actualQuantity: actual[i] ?? 0,
        attainmentPct: planned[i] ? Math.round(((actual[i] ?? 0) / planned[i]!) * 1000) / 10 : null,
        gap: (actual[i] ?? 0) - (planned[i] ?? 0),
        plannedRevenue: plannedRevenue?.[i] ?? null,
        actualRevenue: revenue[i] ?? '0.00',
        isElapsed: (elapsed[i] ?? 0) > 0,
        elapsedShare: Math.round((elapsed[i] ?? 0) * 1000) / 1000,
        expectedQuantity: expectedQuantities[i] ?? null,
      }));
    const lineResults = lines.map((l) => {
      const a = byLine.get(l.lineNo)!;
      const f = paceFigures({ periods, planned: l.plannedQuantities, actual: a.q, today });
      const { elapsed } = f;
      const termToDate = toDate(f);
      return {
        lineNo: l.lineNo,
        target: { kind: l.targetKind, code: l.targetCode, label: l.targetLabel },
        periods: periodRows(
          l.plannedQuantities,
          a.q,
          a.r,
          l.plannedRevenue,
          elapsed,
          expected.get(l.lineNo)!,
        ),
        termToDate,
      };
    });
    const plannedTotals = periods.map((_, i) =>
      lines.reduce((s, l) => s + (l.plannedQuantities[i] ?? 0), 0),
    );
    const actualTotals = periods.map((_, i) =>
      lines.reduce((s, l) => s + (byLine.get(l.lineNo)!.q[i] ?? 0), 0),
    );
    // revenue in exact decimals (numeric(18,2) strings from the database), never floats
    const revenueTotals = periods.map((_, i) =>
      sumDec(lines.map((l) => byLine.get(l.lineNo)!.r[i] ?? '0')).toFixed(2),
    );
    const total = paceFigures({ periods, planned: plannedTotals, actual: actualTotals, today });
    const { elapsed } = total;
    const termToDate = toDate(total);
    return {
      agreementCode: row.code,
      dealerCode: row.dealerCode,
      status: row.status,
      frequency: row.frequency,
      asOf: today,
      periods: periods.map((p) => p.label),
      lines: lineResults,
      totals: {
        periods: periodRows(
          plannedTotals,
          actualTotals,
          revenueTotals,
          null,
          elapsed,
          // a period's expected total: each line's expectation, or its plan where it has none
          periods.map((_, i) =>
            lines.some((l) => expected.get(l.lineNo)![i] !== null)
              ? lines.reduce(
                  (sum, l) => sum + (expected.get(l.lineNo)![i] ?? l.plannedQuantities[i] ?? 0),
                  0,
                )
              : null,
          ),
        ),
        termToDate,
      },
    };
  }

  /** A term's periods and today's clock on it, worked out once per distinct term in a list. */
  function termCache(fy: number, today: string) {
    const seen = new Map<string, { periods: Period[]; clock: TermClock }>();
    return (term: { startMonth: string; months: number; frequency: Frequency }) => {
      const key = `${term.startMonth}/${term.months}/${term.frequency}`;
      let known = seen.get(key);
      if (!known) {
        const periods = termPeriods({ ...term, fiscalYearStartMonth: fy });
        known = { periods, clock: termClock(periods, today) };
        seen.set(key, known);
      }
      return known;
    };
  }

  /** Every agreement that matches, with its term-to-date figures (one pass, no per-row queries). */
  async function summaries(actor: Actor, filter: AgreementListScope) {
    const termOf = termCache(await readFiscalStart(), deps.today());
    const month = currentMonth();
    const rows = await readRepo.findSummaryInputs(actor.scope, filter, month);
    return rows.map((r) => {
      const { periods, clock } = termOf(r);
      const { elapsed: _, ...figures } = paceOnClock(clock, r.plannedByPeriod, r.actualByPeriod);
      return {
        id: r.id,
        code: r.code,
        dealerCode: r.dealerCode,
        dealerName: r.dealerName,
        regionCode: r.regionCode,
        regionPath: r.regionPath,
        status: shownStatus(r, month),
        startMonth: r.startMonth,
        endMonth: periods.at(-1)?.lastMonth ?? r.startMonth,
        frequency: r.frequency,
        lineCount: r.lineCount,
        ...figures,
      };
    });
  }

  async function rollupByRegion(actor: Actor, filter: AgreementListScope) {
    const [rows, regions] = await Promise.all([
      summaries(actor, filter),
      deps.network.findRegions({ actor }),
    ]);
    const segments = (path: string) => path.split('/').filter(Boolean);
    const byCode = new Map(regions.map((r) => [r.code, r]));
    const roots = regions.filter((r) => r.parentCode === null);
    const base = filter.region
      ? byCode.get(filter.region)
      : roots.length === 1
        ? roots[0]
        : undefined;
    const depth = base ? segments(base.path).length : 0;
    const groups = new Map<string, RollupSums>();
    for (const a of rows) {
      const path = segments(a.regionPath);
      const key = path[depth] ?? path.at(-1) ?? a.regionCode;
      const sums = groups.get(key) ?? emptySums(byCode.get(key)?.name ?? key);
      groups.set(key, sums);
      addFigures(sums, a, 1);
      if (a.projectedAttainmentPct !== null && a.projectedAttainmentPct < AT_RISK_BELOW_PCT)
        sums.atRisk += 1;
    }
    return finishRollup(groups, true);
  }

  async function rollupByProduct(actor: Actor, filter: AgreementListScope) {
    const termOf = termCache(await readFiscalStart(), deps.today());
    const rows = await readRepo.findProductRollupInputs(actor.scope, filter, currentMonth());
    const groups = new Map<string, RollupSums>();
    // one row per product × term: planned and actual summed per period in SQL
    for (const r of rows) {
      const sums = groups.get(r.key) ?? emptySums(r.name);
      groups.set(r.key, sums);
      addFigures(sums, paceOnClock(termOf(r).clock, r.planned, r.actual), r.agreements);
    }
    return finishRollup(groups, false);
  }

  const service = {
    async findAgreements({
      actor,
      filter,
    }: {
      actor: Actor;
      filter: AgreementFilter;
    }): Promise<{ items: AgreementSummary[]; total: number }> {
      const items: AgreementSummary[] = (await summaries(actor, filter)).map(
        ({ regionPath: _, ...summary }) => summary,
      );
      const key: Record<AgreementFilter['sort'], (s: AgreementSummary) => string | number | null> =
        {
          code: (s) => s.code,
          dealer: (s) => s.dealerCode,
          attainment: (s) => s.attainmentPct,
          gap: (s) => s.gap,
          projection: (s) => s.projectedAttainmentPct,
        };
      const get = key[filter.sort];
      const dir = filter.order === 'desc' ? -1 : 1;
      items.sort((a, b) => {
        const x = get(a);
        const y = get(b);
        if (x === null && y === null) return a.code < b.code ? -1 : 1;
        if (x === null) return 1;
        if (y === null) return -1;
        return (x < y ? -1 : x > y ? 1 : a.code < b.code ? -1 : 1) * dir;
      });
      return {
        items: items.slice(filter.offset, filter.offset + filter.limit),
        total: items.length,
      };
    },

    /** Term-to-date figures summed by region (one level below the filter) or by model line. */
    async rollupAgreements({
      actor,
      query,
    }: {
      actor: Actor;
      query: AgreementRollupQuery;
    }): Promise<AgreementRollup> {
      const { by, ...rest } = query;
      const filter = { ...rest, statuses: query.status ? undefined : ROLLUP_STATUSES };
      return by === 'region'
        ? { by, items: await rollupByRegion(actor, filter) }
        : { by, items: await rollupByProduct(actor, filter) };
    },

    /** Planning help while drafting (OEM): the dealer's history and the forecast per line and period. */
    async planningHelp({ actor, query }: { actor: Actor; query: PlanningHelpQuery }) {
      const dealer = await deps.network.getDealerRef({ actor, code: query.dealerCode });
      const fy = await fiscalStart();
      const problem = termProblem({ ...query, fiscalYearStartMonth: fy });
      if (problem)
        throw invalid([{ path: 'query.startMonth', code: 'invalid_term', message: problem }]);
      return buildPlanningHelp(deps.db, {
        dealerId: dealer.id,
        dealerCode: query.dealerCode,
        periods: termPeriods({ ...query, fiscalYearStartMonth: fy }),
        countedKinds: ['retail_delivery', 'unwind'],
        targets: parseTargets(query.target),
        currentMonth: currentMonth(),
      });
    },

    /** The same comparison for an agreement's own lines (the dealer reviewing a proposal). */
    async getPlanningHelp({ actor, id }: { actor: Actor; id: number }) {
      const row = await load(actor, id);
      const [lines, periods] = await Promise.all([repo.findLines(id), periodsOf(row)]);
      const help = await buildPlanningHelp(deps.db, {
        dealerId: row.dealerId,
        dealerCode: row.dealerCode,
        periods,
        countedKinds: row.countedKinds,
        targets: lines.map((l) => ({ kind: l.targetKind, code: l.targetCode })),
        currentMonth: currentMonth(),
        path: 'lines',
      });
      return {
        ...help,
        lines: help.lines.map((l, i) => ({ ...l, planned: lines[i]!.plannedQuantities })),
      };
    },

    async getProgress({ actor, id }: { actor: Actor; id: number }): Promise<AgreementProgress> {
      const row = await load(actor, id);
      const [lines, periods, actuals, expectations] = await Promise.all([
        repo.findLines(id),
        periodsOf(row),
        repo.findLineActuals(id),
        repo.findExpectations(id),
      ]);
      return progressOf(row, lines, periods, actuals, expectations);
    },

    /**
     * The dealer's expected deliveries against its commitment, per line and period (set from the
     * forecast screen): kept next to the plan, which they never change. Periods that are over
     * cannot be given one (their actual is what counts); null removes an expectation.
     */
    async setExpectations({
      actor,
      id,
      data,
    }: {
      actor: Actor;
      id: number;
      data: ExpectationsUpdate;
    }): Promise<AgreementProgress> {
      const row = await load(actor, id);
      if (row.status !== 'approved' && row.status !== 'active')
        throw new AppError(
          'INVALID_TRANSITION',
          `Expected deliveries are kept for approved and active agreements; ${row.code} is ${row.status}`,
        );
      const [lines, periods] = await Promise.all([repo.findLines(id), periodsOf(row)]);
      const { elapsed } = termClock(periods, deps.today());
      const problems: Problem[] = [];
      const items = data.items.map((item, i) => {
        const periodIndex = periods.findIndex((p) => p.label === item.period);
        if (!lines.some((l) => l.lineNo === item.lineNo))
          problems.push({
            path: `body.items[${i}].lineNo`,
            code: 'unknown_line',
            message: `${row.code} has no line ${item.lineNo}`,
          });
        if (periodIndex < 0)
          problems.push({
            path: `body.items[${i}].period`,
            code: 'period_outside_term',
            message: `${item.period} is not a period of ${row.code}`,
          });
        else if ((elapsed[periodIndex] ?? 0) >= 1)
          problems.push({
            path: `body.items[${i}].period`,
            code: 'period_over',
            message: `${item.period} is over: its actual is what counts`,
          });
        return {
          lineNo: item.lineNo,
          periodIndex,
          expectedQuantity: item.expectedQuantity,
          comment: item.comment?.trim() || null,
        };
      });
      if (problems.length > 0) throw invalid(problems);
      await deps.db.transaction(async (tx) => {
        await lockAndAdvance(tx, id);
        await createAgreementsRepository(tx).saveExpectations(id, items, actorLabel(actor));
      });
      return service.getProgress({ actor, id });
    },
  };
  return service;
}

export type AgreementProgressService = ReturnType<typeof createAgreementProgressService>;

/** Term-to-date figures in the API's names. */
function toDate(f: PaceFigures) {
  return {
    plannedQuantity: f.plannedToDate,
    actualQuantity: f.actualToDate,
    attainmentPct: f.attainmentPct,
    gap: f.gap,
    plannedTotal: f.plannedTotal,
    projectedTotal: f.projectedTotal,
    projectedAttainmentPct: f.projectedAttainmentPct,
  };
}

type RollupSums = {
  name: string;
  agreements: number;
  plannedTotal: number;
  plannedToDate: number;
  actualToDate: number;
  projectedTotal: number;
  hasProjection: boolean;
  atRisk: number;
};

function emptySums(name: string): RollupSums {
  return {
    name,
    agreements: 0,
    plannedTotal: 0,
    plannedToDate: 0,
    actualToDate: 0,
    projectedTotal: 0,
    hasProjection: false,
    atRisk: 0,
  };
}

/** Adds one agreement's (or one term's) figures; without a projection yet, its actual counts. */
function addFigures(
  sums: RollupSums,
  f: Pick<PaceFigures, 'plannedTotal' | 'plannedToDate' | 'actualToDate' | 'projectedTotal'>,
  agreements: number,
) {
  sums.agreements += agreements;
  sums.plannedTotal += f.plannedTotal;
  sums.plannedToDate += f.plannedToDate;
  sums.actualToDate += f.actualToDate;
  sums.projectedTotal += f.projectedTotal ?? f.actualToDate;
  if (f.projectedTotal !== null) sums.hasProjection = true;
}

function finishRollup(
  groups: Map<string, RollupSums>,
  countsAtRisk: boolean,
): AgreementRollupItem[] {
  return [...groups.entries()]
    .map(([key, g]) => ({
      key,
      name: g.name,
      agreements: g.agreements,
      plannedTotal: g.plannedTotal,
      plannedToDate: g.plannedToDate,
      actualToDate: g.actualToDate,
      gap: g.actualToDate - g.plannedToDate,
      attainmentPct: pct(g.actualToDate, g.plannedToDate),
      projectedTotal: g.hasProjection ? g.projectedTotal : null,
      projectedAttainmentPct: g.hasProjection ? pct(g.projectedTotal, g.plannedTotal) : null,
      atRisk: countsAtRisk ? g.atRisk : null,
    }))
    .sort((a, b) => a.name.localeCompare(b.name) || (a.key < b.key ? -1 : 1));
}
