/**
 * Why this file is over 800 lines: one closure holds the agreement lifecycle, versions, amendments,
 * progress and roll-ups. Issue 19 splits it by concern; new pieces already live beside it
 * (agreement-overlaps.ts, agreement-ledger.ts, planning-help.ts, agreement-periods.ts).
 */
import { AppError, notFound, type Problem } from '../../../shared/errors';
import {
  hasPermission,
  isDealerRole,
  ROLE_PERMISSIONS,
  type Role,
} from '../../../shared/permissions';
import { monthIndex } from '../../../shared/months';
import { sumDec } from '../../../shared/money';
import type {
  AgreementCreate,
  AgreementFilter,
  AgreementLineInput,
  AgreementProgress,
  AgreementStatus,
  AgreementSummary,
  AgreementTerms,
  ExpectationsUpdate,
  AgreementRollup,
  AgreementRollupItem,
  AgreementRollupQuery,
  Transition,
} from '../../../shared/schemas/agreements';
import {
  AT_RISK_BELOW_PCT,
  ROLLUP_STATUSES,
  TRANSITION_PERMISSION,
} from '../../../shared/schemas/agreements';
import type { Actor } from '../../auth/actor';
import type { Db, Queryable } from '../../db/db';
import { translateUnique } from '../../db/errors';
import { canonicalJson, sha256Hex } from '../ledger/canonical-json';
import { groupOverlaps, overlapMessage, type AgreementOverlap } from './agreement-overlaps';
import type { LedgerService } from '../ledger/ledger.service';
import type { NetworkService } from '../network/network.service';
import { agreementVersionDocuments } from './agreement-ledger';
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
  seasonalWeights,
  spreadTotal,
  termPeriods,
  termProblem,
  type Period,
} from './agreement-periods';
import {
  createAgreementsRepository,
  type AgreementListScope,
  type AgreementRow,
  type LineRow,
  type StoredLine,
} from './agreements.repository';

type Deps = { db: Db; network: NetworkService; ledger: LedgerService; today: () => string };

/** Which transitions exist and from which states (the permission each needs: TRANSITION_PERMISSION). */
const TRANSITION_RULES: Record<
  Transition,
  {
    from: AgreementStatus[];
    to: AgreementStatus;
    needsComment: boolean;
  }
> = {
  propose: { from: ['draft'], to: 'proposed', needsComment: false },
  accept: {
    from: ['proposed'],
    to: 'accepted',
    needsComment: false,
  },
  return: { from: ['proposed'], to: 'draft', needsComment: true },
  approve: {
    from: ['accepted'],
    to: 'approved',
    needsComment: false,
  },
  reject: {
    from: ['proposed', 'accepted'],
    to: 'rejected',
    needsComment: true,
  },
  cancel: {
    from: ['draft', 'proposed', 'accepted', 'approved', 'active'],
    to: 'cancelled',
    needsComment: true,
  },
};

function actorLabel(actor: Actor): string {
  return `${actor.kind === 'user' ? 'user' : 'key'}:${actor.id}:${actor.name}`;
}

function userId(actor: Actor): number | null {
  return actor.kind === 'user' && actor.id > 0 ? actor.id : null;
}

/**
 * Accepting terms is the dealer's own act: only a dealer role acting for its own dealers may do
 * it (never an OEM role, whatever its permissions; see DEALER_ONLY in shared/permissions.ts).
 */
function requireDealerAct(actor: Actor): void {
  if (!isDealerRole(actor.role) || actor.scope.kind !== 'dealers')
    throw new AppError('FORBIDDEN', 'Only the dealer accepts its agreement and its amendments', {
      permission: 'agreements:accept',
    });
}

function invalid(problems: Problem[]): AppError {
  return new AppError(
    'VALIDATION_FAILED',
    problems.map((p) => `${p.path}: ${p.message}`).join('; '),
    { problems },
  );
}

/** Statuses in which an agreement is on its way to approval: overlaps are shown as warnings. */
const OPEN_STATUSES: readonly AgreementStatus[] = ['draft', 'proposed', 'accepted'];

export function createAgreementsService(deps: Deps) {
  const repo = createAgreementsRepository(deps.db);
  const currentMonth = () => deps.today().slice(0, 7);

  // The stored terms and, for the current version, the live agreement (agreement-ledger.ts).
  deps.ledger.registerPayloadSource('agreement_version', agreementVersionDocuments);

  /** Reads through `db` so that calls inside a transaction stay on its connection (PGlite has one). */
  async function fiscalStart(db: Queryable = deps.db): Promise<number> {
    const { rows } = await db.query<{ m: number }>(
      'select fiscal_year_start_month as m from settings',
    );
    return rows[0]!.m;
  }

  async function periodsOf(
    a: { startMonth: string; months: number; frequency: 'monthly' | 'quarterly' },
    db: Queryable = deps.db,
  ): Promise<Period[]> {
    return termPeriods({ ...a, fiscalYearStartMonth: await fiscalStart(db) });
  }

  /** Resolves and validates lines; spreads totals. Every problem names its path. */
  async function buildLines(
    tx: Queryable,
    input: {
      dealerId: number;
      lines: AgreementLineInput[];
      periods: Period[];
      countedKinds: string[];
      path: string;
    },
  ): Promise<StoredLine[]> {
    const r = createAgreementsRepository(tx);
    const problems: Problem[] = [];
    const stored: StoredLine[] = [];
    const labels = new Map(input.periods.map((p) => [p.label, p.index]));
    for (const [i, line] of input.lines.entries()) {
      const path = `${input.path}[${i}]`;
      const target = await r.resolveTarget(line.target.kind, line.target.code);
      if (!target) {
        problems.push({
          path: `${path}.target.code`,
          code: 'unknown_product',
          message: `${line.target.kind.replace('_', ' ')} ${line.target.code} does not exist`,
        });
        continue;
      }
      if (target.skuIds.length === 0) {
        problems.push({
          path: `${path}.target`,
          code: 'matches_no_product',
          message: `${line.target.code} matches no SKU`,
        });
        continue;
      }
      let quantities: number[];
      let revenue: string[] | null = null;
      if (line.planned) {
        quantities = input.periods.map(() => 0);
        const seen = new Set<string>();
        const revenues: (string | null)[] = input.periods.map(() => null);
        for (const [j, p] of line.planned.entries()) {
          const index = labels.get(p.period);
          if (index === undefined) {
            problems.push({
              path: `${path}.planned[${j}].period`,
              code: 'period_outside_term',
              message: `${p.period} is not a period of the term (${input.periods[0]!.label} … ${input.periods.at(-1)!.label})`,
            });
            continue;
          }
          if (seen.has(p.period))
            problems.push({
              path: `${path}.planned[${j}].period`,
              code: 'duplicate_period',
              message: `${p.period} is planned twice`,
            });
          seen.add(p.period);
          quantities[index] = p.quantity;
          revenues[index] = p.revenue ?? null;
        }
        if (revenues.some((x) => x !== null)) revenue = revenues.map((x) => x ?? '0.00');
      } else {
        const weights =
          line.spread === 'seasonal'
            ? seasonalWeights(
                input.periods,
                await r.findSeasonality(
                  input.dealerId,
                  target.skuIds,
                  input.countedKinds,
                  input.periods[0]!.firstMonth,
                ),
              )
            : input.periods.map(() => 1);
        quantities = spreadTotal(line.total ?? 0, weights);
      }
      stored.push({
        lineNo: i + 1,
        targetKind: line.target.kind,
        targetCode: line.target.code,
        targetLabel: target.label,
        plannedQuantities: quantities,
        plannedRevenue: revenue,
        skuIds: target.skuIds,
      });
    }
    if (problems.length) throw invalid(problems);
    return stored;
  }

  function termsOf(
    a: Pick<
      AgreementRow,
      'code' | 'dealerCode' | 'startMonth' | 'months' | 'frequency' | 'countedKinds'
    >,
    lines: LineRow[],
    periods: Period[],
  ): AgreementTerms {
    return {
      code: a.code,
      dealerCode: a.dealerCode,
      startMonth: a.startMonth,
      months: a.months,
      frequency: a.frequency,
      countedKinds: [...a.countedKinds].sort(),
      periods: periods.map((p) => p.label),
      lines: lines.map((l) => ({
        lineNo: l.lineNo,
        target: { kind: l.targetKind, code: l.targetCode, label: l.targetLabel },
        plannedQuantities: l.plannedQuantities,
        plannedRevenue: l.plannedRevenue,
      })),
    };
  }

  async function load(actor: Actor, id: number, db: Queryable = deps.db) {
    const row = await createAgreementsRepository(db).getAgreement(actor.scope, id);
    if (!row) throw notFound('Agreement', String(id));
    return row;
  }

  function checkVersion(row: AgreementRow, version: number) {
    if (row.rowVersion !== version) {
      throw new AppError(
        'STALE_VERSION',
        `Agreement ${row.code} changed since you loaded it (you have version ${version}, it is at ${row.rowVersion}); reload and try again`,
        { currentVersion: row.rowVersion, yourVersion: version },
      );
    }
  }

  function allowedTransitions(actor: Actor, row: AgreementRow): Transition[] {
    return (Object.keys(TRANSITION_RULES) as Transition[]).filter((t) => {
      const rule = TRANSITION_RULES[t];
      if (!rule.from.includes(row.status) || !hasPermission(actor.role, TRANSITION_PERMISSION[t]))
        return false;
      if (t === 'approve' && row.createdById !== null && row.createdById === userId(actor))
        return false;
      return true;
    });
  }

  function diffLines(from: AgreementTerms, to: AgreementTerms) {
    const changes = [];
    const max = Math.max(from.lines.length, to.lines.length);
    for (let i = 0; i < max; i++) {
      const a = from.lines[i];
      const b = to.lines[i];
      const target = (b ?? a)!.target;
      const label = `${target.kind} ${target.code}`;
      if (!a || !b || a.target.code !== b.target.code || a.target.kind !== b.target.kind) {
        if (a)
          changes.push({
            lineNo: a.lineNo,
            target: `${a.target.kind} ${a.target.code}`,
            change: 'removed' as const,
            periods: from.periods.map((p, j) => ({
              period: p,
              from: a.plannedQuantities[j] ?? 0,
              to: null,
            })),
          });
        if (b)
          changes.push({
            lineNo: b.lineNo,
            target: `${b.target.kind} ${b.target.code}`,
            change: 'added' as const,
            periods: to.periods.map((p, j) => ({
              period: p,
              from: null,
              to: b.plannedQuantities[j] ?? 0,
            })),
          });
        continue;
      }
      const periods = to.periods
        .map((p, j) => ({
          period: p,
          from: a.plannedQuantities[from.periods.indexOf(p)] ?? 0,
          to: b.plannedQuantities[j] ?? 0,
        }))
        .filter((x) => x.from !== x.to);
      if (periods.length)
        changes.push({ lineNo: b.lineNo, target: label, change: 'changed' as const, periods });
    }
    return changes;
  }

  async function notify(
    tx: Queryable,
    row: AgreementRow,
    audience: 'oem' | 'dealer',
    kind: string,
    message: string,
  ) {
    await createAgreementsRepository(tx).insertNotification({
      audience,
      dealerId: row.dealerId,
      kind,
      message,
      link: `/agreements/${row.id}`,
      entityId: `agreement:${row.id}`,
    });
  }

  /** Other agreements of the dealer in `statuses` that commit the same SKUs in the same months. */
  async function overlapsOf(
    db: Queryable,
    row: AgreementRow,
    statuses: readonly AgreementStatus[],
  ): Promise<AgreementOverlap[]> {
    const r = createAgreementsRepository(db);
    const lines = await r.findLines(row.id);
    const targets = await Promise.all(
      lines.map((l) => r.resolveTarget(l.targetKind, l.targetCode)),
    );
    const skuIds = [...new Set(targets.flatMap((t) => t?.skuIds ?? []))];
    if (skuIds.length === 0) return [];
    return groupOverlaps(
      await r.findOverlaps({
        agreementId: row.id,
        dealerId: row.dealerId,
        startMonth: row.startMonth,
        months: row.months,
        skuIds,
        statuses,
      }),
    );
  }

  async function refuseOverlaps(
    db: Queryable,
    row: AgreementRow,
    statuses: readonly AgreementStatus[],
  ) {
    const overlaps = await overlapsOf(db, row, statuses);
    if (overlaps.length)
      throw new AppError('AGREEMENT_OVERLAP', overlapMessage(overlaps), { overlaps });
  }

  /** Who may approve an accepted agreement, and why this actor may not (four eyes, role). */
  async function approvalOf(actor: Actor, row: AgreementRow, db: Queryable = deps.db) {
    if (row.status !== 'accepted') return null;
    const roles = (Object.keys(ROLE_PERMISSIONS) as Role[]).filter((role) =>
      ROLE_PERMISSIONS[role].includes('agreements:approve'),
    );
    const approvers = await createAgreementsRepository(db).findApprovers({
      roles,
      excludeUserId: row.createdById,
    });
    const isAuthor = row.createdById !== null && row.createdById === userId(actor);
    const canApprove = hasPermission(actor.role, 'agreements:approve') && !isAuthor;
    const who = approvers.length ? approvers.join(', ') : 'a channel manager or administrator';
    const reason = canApprove
      ? null
      : isAuthor
        ? `Four eyes: you drafted ${row.code}, so someone else approves it: ${who}. They have been notified.`
        : `Your role (${actor.role}) does not approve agreements; ${who} can.`;
    return { canApprove, reason, approvers };
  }

  /** Creates the version, records it in the ledger and refreshes the live actuals. */
  async function approveTerms(tx: Queryable, actor: Actor, row: AgreementRow, action: string) {
    const r = createAgreementsRepository(tx);
    const lines = await r.findLines(row.id);
    const periods = await periodsOf(row, tx);
    await refuseOverlaps(tx, row, ['approved', 'active']);
    const versionNo = (row.approvedVersion ?? 0) + 1;
    const terms = termsOf(row, lines, periods);
    const canonical = canonicalJson(terms);
    // In force from the start, or (an amendment) from the month it is approved.
    const effectiveMonth =
      versionNo === 1 || monthIndex(currentMonth()) < monthIndex(row.startMonth)
        ? row.startMonth
        : currentMonth();
    await r.insertVersion({
      agreementId: row.id,
      versionNo,
      effectiveMonth,
      terms,
      canonical,
      sha256: sha256Hex(canonical),
      approvedBy: userId(actor),
    });
    await deps.ledger.append(tx, {
      entityType: 'agreement_version',
      entityId: `${row.code}/v${versionNo}`,
      action,
      payload: terms,
      actor: actorLabel(actor),
    });
    await r.rebuildActuals(row.id);
    return versionNo;
  }

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
    const termOf = termCache(await fiscalStart(), deps.today());
    const rows = await repo.findSummaryInputs(actor.scope, filter);
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
        status: r.status,
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
    const termOf = termCache(await fiscalStart(), deps.today());
    const rows = await repo.findProductRollupInputs(actor.scope, filter);
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
    /** Runs after every ingest, inside its transaction: agreements' actuals move with the feed. */
    async applyIngestDelta(tx: Queryable) {
      await createAgreementsRepository(tx).applyIngestDelta();
    },

    /** Moves approved agreements to active on their start and active ones to expired after their end. */
    async advanceLifecycle() {
      const changed = await repo.advanceLifecycle(currentMonth());
      for (const c of changed)
        await repo.insertEvent({
          agreementId: c.id,
          action: 'lifecycle',
          fromStatus: c.status,
          toStatus: c.next,
          comment: null,
          actor: 'system',
        });
      return changed.length;
    },

    async findAgreements({
      actor,
      filter,
    }: {
      actor: Actor;
      filter: AgreementFilter;
    }): Promise<{ items: AgreementSummary[]; total: number }> {
      await service.advanceLifecycle();
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
      await service.advanceLifecycle();
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

    async getAgreement({ actor, id }: { actor: Actor; id: number }) {
      const row = await load(actor, id);
      const [lines, periods, events, revision] = await Promise.all([
        repo.findLines(id),
        periodsOf(row),
        repo.findEvents(id),
        repo.findOpenRevision(id),
      ]);
      const terms = termsOf(row, lines, periods);
      return {
        id: row.id,
        code: row.code,
        dealerCode: row.dealerCode,
        dealerName: row.dealerName,
        regionCode: row.regionCode,
        status: row.status,
        version: row.rowVersion,
        approvedVersion: row.approvedVersion,
        statusComment: row.statusComment,
        createdBy: row.createdBy,
        createdAt: row.createdAt,
        updatedAt: row.updatedAt,
        renewedFrom: row.renewedFrom,
        terms,
        pendingRevision: revision
          ? {
              id: revision.id,
              status: revision.status,
              comment: revision.comment,
              createdAt: revision.createdAt,
              terms: revision.terms as AgreementTerms,
              changes: diffLines(terms, revision.terms as AgreementTerms),
            }
          : null,
        allowedTransitions: allowedTransitions(actor, row),
        overlaps: OPEN_STATUSES.includes(row.status)
          ? await overlapsOf(deps.db, row, [...OPEN_STATUSES, 'approved', 'active'])
          : [],
        approval: await approvalOf(actor, row),
        events,
      };
    },

    async createAgreement({
      actor,
      data,
      renewedFromId = null,
    }: {
      actor: Actor;
      data: AgreementCreate;
      renewedFromId?: number | null;
    }) {
      if (isDealerRole(actor.role))
        throw new AppError('FORBIDDEN', 'Agreements are drafted by the OEM');
      const dealer = await deps.network.getDealerRef({ actor, code: data.dealerCode });
      const fy = await fiscalStart();
      const problem = termProblem({ ...data, fiscalYearStartMonth: fy });
      if (problem)
        throw invalid([{ path: 'body.startMonth', code: 'invalid_term', message: problem }]);
      const periods = termPeriods({ ...data, fiscalYearStartMonth: fy });
      const id = await deps.db.transaction(async (tx) => {
        const lines = await buildLines(tx, {
          dealerId: dealer.id,
          lines: data.lines,
          periods,
          countedKinds: data.countedKinds,
          path: 'body.lines',
        });
        const r = createAgreementsRepository(tx);
        const newId = await r.insertAgreement({
          dealerId: dealer.id,
          startMonth: data.startMonth,
          months: data.months,
          frequency: data.frequency,
          countedKinds: data.countedKinds,
          createdBy: userId(actor),
          renewedFromId,
        });
        await r.replaceLines(newId, lines, periods.length);
        await r.rebuildActuals(newId);
        await r.insertEvent({
          agreementId: newId,
          action: renewedFromId ? 'renewed' : 'created',
          fromStatus: null,
          toStatus: 'draft',
          comment: null,
          actor: actorLabel(actor),
        });
        return newId;
      });
      return service.getAgreement({ actor, id });
    },

    async updateAgreement({
      actor,
      id,
      data,
    }: {
      actor: Actor;
      id: number;
      data: Omit<AgreementCreate, 'dealerCode'> & { version: number };
    }) {
      await deps.db.transaction(async (tx) => {
        const r = createAgreementsRepository(tx);
        await r.lockAgreement(id);
        const row = await load(actor, id, tx);
        checkVersion(row, data.version);
        if (row.status !== 'draft')
          throw new AppError(
            'INVALID_TRANSITION',
            `Only a draft can be edited; ${row.code} is ${row.status}${row.status === 'active' || row.status === 'approved' ? ' (propose an amendment instead)' : ''}`,
          );
        const fy = await fiscalStart(tx);
        const problem = termProblem({ ...data, fiscalYearStartMonth: fy });
        if (problem)
          throw invalid([{ path: 'body.startMonth', code: 'invalid_term', message: problem }]);
        const periods = termPeriods({ ...data, fiscalYearStartMonth: fy });
        const lines = await buildLines(tx, {
          dealerId: row.dealerId,
          lines: data.lines,
          periods,
          countedKinds: data.countedKinds,
          path: 'body.lines',
        });
        await r.updateTerms(id, data);
        await r.replaceLines(id, lines, periods.length);
        await r.rebuildActuals(id);
        await r.bumpVersion(id);
        await r.insertEvent({
          agreementId: id,
          action: 'edited',
          fromStatus: 'draft',
          toStatus: 'draft',
          comment: null,
          actor: actorLabel(actor),
        });
      });
      return service.getAgreement({ actor, id });
    },

    async transition({
      actor,
      id,
      transition,
      version,
      comment,
    }: {
      actor: Actor;
      id: number;
      transition: Transition;
      version: number;
      comment?: string;
    }) {
      const rule = TRANSITION_RULES[transition];
      if (!hasPermission(actor.role, TRANSITION_PERMISSION[transition]))
        throw new AppError(
          'FORBIDDEN',
          `Your role (${actor.role}) may not ${transition} an agreement`,
          { permission: TRANSITION_PERMISSION[transition] },
        );
      if (transition === 'accept') requireDealerAct(actor);
      await deps.db.transaction(async (tx) => {
        const r = createAgreementsRepository(tx);
        await r.lockAgreement(id);
        const row = await load(actor, id, tx);
        checkVersion(row, version);
        if (!rule.from.includes(row.status)) {
          throw new AppError(
            'INVALID_TRANSITION',
            `Cannot ${transition} agreement ${row.code}: it is ${row.status} (allowed from ${rule.from.join(', ')})`,
            { status: row.status, transition },
          );
        }
        if (rule.needsComment && !comment?.trim())
          throw invalid([
            { path: 'body.comment', code: 'required', message: `say why you ${transition} it` },
          ]);
        if (
          transition === 'approve' &&
          row.createdById !== null &&
          row.createdById === userId(actor)
        ) {
          throw new AppError(
            'FORBIDDEN',
            'Four eyes: the person who drafted an agreement cannot approve it',
          );
        }
        if (transition === 'propose')
          await refuseOverlaps(tx, row, ['proposed', 'accepted', 'approved', 'active']);
        let next: AgreementStatus = rule.to;
        const label = actorLabel(actor);
        if (transition === 'accept') {
          const lines = await r.findLines(id);
          const terms = termsOf(row, lines, await periodsOf(row, tx));
          await deps.ledger.append(tx, {
            entityType: 'agreement_acceptance',
            entityId: row.code,
            action: 'accept',
            payload: {
              agreement: row.code,
              termsSha256: sha256Hex(canonicalJson(terms)),
              acceptedBy: label,
            },
            actor: label,
          });
          await r.setStatus(id, {
            status: next,
            comment: comment ?? null,
            acceptedBy: userId(actor),
          });
          const approval = await approvalOf(actor, { ...row, status: 'accepted' }, tx);
          await notify(
            tx,
            row,
            'oem',
            'agreement_accepted',
            `${row.dealerCode} accepted ${row.code}: waiting for approval by ${approval?.approvers.length ? approval.approvers.join(', ') : 'a channel manager'}${row.createdBy ? ` (not ${row.createdBy}, who drafted it: four eyes)` : ''}`,
          );
        } else if (transition === 'approve') {
          const versionNo = await approveTerms(tx, actor, row, 'approve');
          if (monthIndex(row.startMonth) <= monthIndex(currentMonth())) next = 'active';
          await r.setStatus(id, {
            status: next,
            comment: comment ?? null,
            approvedBy: userId(actor),
            approvedVersion: versionNo,
          });
          await r.closeNotifications(`agreement:${id}`);
        } else {
          await r.setStatus(id, { status: next, comment: comment ?? null });
          if (transition === 'propose')
            await notify(
              tx,
              row,
              'dealer',
              'agreement_proposed',
              `${row.code} is waiting for your acceptance`,
            );
          else if (transition === 'return')
            await notify(
              tx,
              row,
              'oem',
              'agreement_returned',
              `${row.dealerCode} sent ${row.code} back: ${comment}`,
            );
          else await r.closeNotifications(`agreement:${id}`);
          if (transition === 'cancel' && row.approvedVersion) {
            await deps.ledger.append(tx, {
              entityType: 'agreement',
              entityId: row.code,
              action: 'cancel',
              payload: { agreement: row.code, reason: comment, version: row.approvedVersion },
              actor: label,
            });
          }
        }
        await r.insertEvent({
          agreementId: id,
          action: transition,
          fromStatus: row.status,
          toStatus: next,
          comment: comment ?? null,
          actor: label,
        });
      });
      await service.advanceLifecycle();
      return service.getAgreement({ actor, id });
    },

    async proposeRevision({
      actor,
      id,
      data,
    }: {
      actor: Actor;
      id: number;
      data: { version: number; comment?: string; lines: AgreementLineInput[] };
    }) {
      await deps.db.transaction(async (tx) => {
        const r = createAgreementsRepository(tx);
        await r.lockAgreement(id);
        const row = await load(actor, id, tx);
        checkVersion(row, data.version);
        if (row.status !== 'active' && row.status !== 'approved')
          throw new AppError(
            'INVALID_TRANSITION',
            `Only an approved or active agreement is amended; ${row.code} is ${row.status}`,
          );
        if (await r.findOpenRevision(id))
          throw new AppError(
            'CONFLICT',
            `${row.code} already has an amendment waiting; decide on it first`,
          );
        const periods = await periodsOf(row, tx);
        const lines = await buildLines(tx, {
          dealerId: row.dealerId,
          lines: data.lines,
          periods,
          countedKinds: row.countedKinds,
          path: 'body.lines',
        });
        const terms = termsOf(row, lines, periods);
        await r.insertRevision({
          agreementId: id,
          terms,
          comment: data.comment ?? null,
          createdBy: userId(actor),
        });
        await r.bumpVersion(id);
        await r.insertEvent({
          agreementId: id,
          action: 'amendment_proposed',
          fromStatus: row.status,
          toStatus: row.status,
          comment: data.comment ?? null,
          actor: actorLabel(actor),
        });
        await notify(
          tx,
          row,
          'dealer',
          'amendment_proposed',
          `${row.code} has an amendment waiting for your acceptance`,
        );
      });
      return service.getAgreement({ actor, id });
    },

    async decideRevision({
      actor,
      id,
      revisionId,
      decision,
      comment,
    }: {
      actor: Actor;
      id: number;
      revisionId: number;
      decision: 'accept' | 'approve' | 'reject';
      comment?: string;
    }) {
      await deps.db.transaction(async (tx) => {
        const r = createAgreementsRepository(tx);
        await r.lockAgreement(id);
        const row = await load(actor, id, tx);
        const revision = await r.findOpenRevision(id);
        if (!revision || revision.id !== revisionId)
          throw notFound('Open amendment', `${revisionId} of ${row.code}`);
        const label = actorLabel(actor);
        if (decision === 'accept') {
          if (!hasPermission(actor.role, 'agreements:accept'))
            throw new AppError('FORBIDDEN', 'The dealer principal accepts amendments');
          requireDealerAct(actor);
          if (revision.status !== 'proposed')
            throw new AppError('INVALID_TRANSITION', 'The amendment is already accepted');
          await deps.ledger.append(tx, {
            entityType: 'agreement_acceptance',
            entityId: row.code,
            action: 'accept_amendment',
            payload: {
              agreement: row.code,
              revision: revision.id,
              termsSha256: sha256Hex(canonicalJson(revision.terms)),
              acceptedBy: label,
            },
            actor: label,
          });
          await r.setRevisionStatus(revision.id, {
            status: 'accepted',
            acceptedBy: userId(actor),
            comment,
          });
          await notify(
            tx,
            row,
            'oem',
            'amendment_accepted',
            `${row.dealerCode} accepted the amendment of ${row.code}: approve it`,
          );
        } else if (decision === 'approve') {
          if (!hasPermission(actor.role, 'agreements:approve'))
            throw new AppError('FORBIDDEN', 'An OEM approver approves amendments', {
              permission: 'agreements:approve',
            });
          if (revision.status !== 'accepted')
            throw new AppError(
              'INVALID_TRANSITION',
              'The dealer has not accepted the amendment yet',
            );
          if (revision.createdById !== null && revision.createdById === userId(actor))
            throw new AppError(
              'FORBIDDEN',
              'Four eyes: the author of an amendment cannot approve it',
            );
          const terms = revision.terms as AgreementTerms;
          const periods = await periodsOf(row, tx);
          const lines = await buildLines(tx, {
            dealerId: row.dealerId,
            lines: terms.lines.map((l) => ({
              target: { kind: l.target.kind, code: l.target.code },
              planned: periods.map((p, i) => ({
                period: p.label,
                quantity: l.plannedQuantities[i] ?? 0,
                ...(l.plannedRevenue ? { revenue: l.plannedRevenue[i] } : {}),
              })),
              spread: 'even' as const,
            })),
            periods,
            countedKinds: row.countedKinds,
            path: 'amendment.lines',
          });
          await r.replaceLines(id, lines, periods.length);
          const versionNo = await approveTerms(tx, actor, row, 'approve_amendment');
          await r.setRevisionStatus(revision.id, {
            status: 'approved',
            decidedBy: userId(actor),
            comment,
          });
          await r.setStatus(id, {
            status: row.status,
            approvedBy: userId(actor),
            approvedVersion: versionNo,
            comment: row.statusComment,
          });
          await r.closeNotifications(`agreement:${id}`);
        } else {
          const isDealer = isDealerRole(actor.role);
          if (
            isDealer
              ? !hasPermission(actor.role, 'agreements:accept')
              : !hasPermission(actor.role, 'agreements:approve')
          )
            throw new AppError('FORBIDDEN', 'You may not reject this amendment');
          if (!comment?.trim())
            throw invalid([
              {
                path: 'body.comment',
                code: 'required',
                message: 'say why you reject the amendment',
              },
            ]);
          await r.setRevisionStatus(revision.id, {
            status: 'rejected',
            decidedBy: userId(actor),
            comment,
          });
          await r.closeNotifications(`agreement:${id}`);
          await r.bumpVersion(id);
        }
        await r.insertEvent({
          agreementId: id,
          action: `amendment_${decision === 'accept' ? 'accepted' : decision === 'approve' ? 'approved' : 'rejected'}`,
          fromStatus: row.status,
          toStatus: row.status,
          comment: comment ?? null,
          actor: label,
        });
      });
      return service.getAgreement({ actor, id });
    },

    async findVersions({ actor, id }: { actor: Actor; id: number }) {
      const row = await load(actor, id);
      const versions = await repo.findVersions(id);
      return versions.map((v, i) => {
        const terms = v.terms as AgreementTerms;
        const previous = i > 0 ? (versions[i - 1]!.terms as AgreementTerms) : null;
        return {
          agreementCode: row.code,
          versionNo: v.versionNo,
          sha256: v.sha256,
          approvedBy: v.approvedBy,
          createdAt: v.createdAt,
          terms,
          changes: previous ? diffLines(previous, terms) : [],
        };
      });
    },

    /** One version as the canonical JSON that was hashed (download; anyone can re-hash it). */
    async getVersionDocument({
      actor,
      id,
      versionNo,
    }: {
      actor: Actor;
      id: number;
      versionNo: number;
    }) {
      const row = await load(actor, id);
      const versions = await repo.findVersions(id);
      const v = versions.find((x) => x.versionNo === versionNo);
      if (!v) throw notFound('Version', `${versionNo} of ${row.code}`);
      return {
        filename: `${row.code}-v${versionNo}.json`,
        canonical: canonicalJson(v.terms),
        sha256: v.sha256,
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
        await createAgreementsRepository(tx).saveExpectations(id, items, actorLabel(actor));
      });
      return service.getProgress({ actor, id });
    },

    /** A draft for the next term, with the same products and the plan taken from this term's actuals. */
    async renewAgreement({ actor, id }: { actor: Actor; id: number }) {
      const row = await load(actor, id);
      const progress = await service.getProgress({ actor, id });
      const nextStart = progress.periods.length
        ? addMonthsSafe(row.startMonth, row.months)
        : row.startMonth;
      const data: AgreementCreate = {
        dealerCode: row.dealerCode,
        startMonth: nextStart,
        months: row.months,
        frequency: row.frequency,
        countedKinds: row.countedKinds as AgreementCreate['countedKinds'],
        lines: progress.lines.map((l) => ({
          target: { kind: l.target.kind, code: l.target.code },
          total: Math.max(0, l.termToDate.projectedTotal ?? l.termToDate.actualQuantity),
          spread: 'seasonal' as const,
        })),
      };
      return service.createAgreement({ actor, data, renewedFromId: id });
    },

    async findNotifications({ actor }: { actor: Actor }) {
      return repo.findNotifications(actor.scope, isDealerRole(actor.role) ? 'dealer' : 'oem');
    },

    async findProductGroups(_: { actor: Actor }) {
      const groups = await repo.findProductGroups();
      return Promise.all(
        groups.map(async (g) => ({
          ...g,
          skuCount: (await repo.resolveTarget('product_group', g.code))?.skuIds.length ?? 0,
        })),
      );
    },

    async createProductGroup({
      data,
    }: {
      actor: Actor;
      data: {
        code: string;
        name: string;
        filter: { powertrains: string[]; segments: string[]; modelLines: string[]; skus: string[] };
      };
    }) {
      await translateUnique('Product group', data.code, () => repo.insertProductGroup(data));
      const target = await repo.resolveTarget('product_group', data.code);
      return {
        ...data,
        skuCount: target?.skuIds.length ?? 0,
        warning: target && target.skuIds.length === 0 ? 'the filter matches no SKU yet' : null,
      };
    },
  };
  return service;
}

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

function addMonthsSafe(month: string, n: number): string {
  const i = monthIndex(month) + n;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

export type AgreementsService = ReturnType<typeof createAgreementsService>;

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
