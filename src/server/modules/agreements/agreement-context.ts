/**
 * What the agreement services share (issue 19): the transition rules, the term's periods and
 * lines (built and validated), loading an agreement in the actor's scope, overlaps, the
 * approval (four eyes) and the approved version with its ledger entry, notifications and the
 * lifecycle's clock (approved → active → expired: shown on read, stored by the daily job and the
 * write paths, agreement-status.ts).
 */
import { AppError, notFound, type Problem } from '../../../shared/errors';
import {
  hasPermission,
  isDealerRole,
  ROLE_PERMISSIONS,
  type Role,
} from '../../../shared/permissions';
import { monthIndex } from '../../../shared/months';
import type {
  AgreementLineInput,
  AgreementStatus,
  AgreementTerms,
  Transition,
} from '../../../shared/schemas/agreements';
import { TRANSITION_PERMISSION } from '../../../shared/schemas/agreements';
import type { Actor } from '../../auth/actor';
import type { Db, Queryable } from '../../db/db';
import { canonicalJson, sha256Hex } from '../ledger/canonical-json';
import { groupOverlaps, overlapMessage, type AgreementOverlap } from './agreement-overlaps';
import type { LedgerService } from '../ledger/ledger.service';
import type { NetworkService } from '../network/network.service';
import type { JobsService } from '../jobs/jobs.service';
import { seasonalWeights, spreadTotal, termPeriods, type Period } from './agreement-periods';
import {
  createAgreementsRepository,
  type AgreementRow,
  type LineRow,
  type StoredLine,
} from './agreements.repository';
import { shownRow } from './agreement-status';

export type AgreementsDeps = {
  db: Db;
  /** where the lists and roll-ups read (DATABASE_READ_URL's routing, db/read-replica.ts) */
  readDb?: Db;
  /** runs the daily lifecycle job (agreement-lifecycle-job.ts) */
  jobs?: JobsService;
  network: NetworkService;
  ledger: LedgerService;
  today: () => string;
};

/** Which transitions exist and from which states (the permission each needs: TRANSITION_PERMISSION). */
export const TRANSITION_RULES: Record<
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

export function actorLabel(actor: Actor): string {
  return `${actor.kind === 'user' ? 'user' : 'key'}:${actor.id}:${actor.name}`;
}

export function userId(actor: Actor): number | null {
  return actor.kind === 'user' && actor.id > 0 ? actor.id : null;
}

/**
 * Accepting terms is the dealer's own act: only a dealer role acting for its own dealers may do
 * it (never an OEM role, whatever its permissions; see DEALER_ONLY in shared/permissions.ts).
 */
export function requireDealerAct(actor: Actor): void {
  if (!isDealerRole(actor.role) || actor.scope.kind !== 'dealers')
    throw new AppError('FORBIDDEN', 'Only the dealer accepts its agreement and its amendments', {
      permission: 'agreements:accept',
    });
}

export function invalid(problems: Problem[]): AppError {
  return new AppError(
    'VALIDATION_FAILED',
    problems.map((p) => `${p.path}: ${p.message}`).join('; '),
    { problems },
  );
}

/** Statuses in which an agreement is on its way to approval: overlaps are shown as warnings. */
export const OPEN_STATUSES: readonly AgreementStatus[] = ['draft', 'proposed', 'accepted'];

/** Agreements whose stored status the daily job moves per transaction. */
const LIFECYCLE_BATCH = 1000;

export function createAgreementContext(deps: AgreementsDeps) {
  const repo = createAgreementsRepository(deps.db);
  const currentMonth = () => deps.today().slice(0, 7);

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

  /** The agreement as shown: its lifecycle status worked out for today (agreement-status.ts). */
  async function load(actor: Actor, id: number, db: Queryable = deps.db) {
    const row = await createAgreementsRepository(db).getAgreement(actor.scope, id);
    if (!row) throw notFound('Agreement', String(id));
    return shownRow(row, currentMonth());
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

  /** Stores the lifecycle's moves (`changed`) with their events, through `db`. */
  async function recordMoves(db: Queryable, ids?: number[]) {
    const r = createAgreementsRepository(db);
    const changed = await r.advanceLifecycle(currentMonth(), ids);
    for (const c of changed)
      await r.insertEvent({
        agreementId: c.id,
        action: 'lifecycle',
        fromStatus: c.status,
        toStatus: c.next,
        comment: null,
        actor: 'system',
      });
    return changed.length;
  }

  /**
   * Moves approved agreements to active on their start and active ones to expired after their end
   * (stored: the daily job and the write paths; reads show it without storing, agreement-status.ts).
   * In batches of `LIFECYCLE_BATCH` agreements, each its own transaction, reporting progress.
   */
  async function advanceLifecycle(report?: (done: number, total: number) => Promise<void>) {
    const due = await repo.findLifecycleDue(currentMonth());
    let moved = 0;
    for (let i = 0; i < due.length; i += LIFECYCLE_BATCH) {
      const ids = due.slice(i, i + LIFECYCLE_BATCH);
      moved += await deps.db.transaction((tx) => recordMoves(tx, ids));
      await report?.(Math.min(i + LIFECYCLE_BATCH, due.length), due.length);
    }
    return moved;
  }

  /**
   * A write path's first step on an agreement, inside its transaction: locks it and stores its
   * lifecycle status, so the write checks and changes the stored state (and the version a read
   * showed, which counts this move, holds).
   */
  async function lockAndAdvance(tx: Queryable, id: number) {
    await createAgreementsRepository(tx).lockAgreement(id);
    await recordMoves(tx, [id]);
  }

  return {
    deps,
    repo,
    currentMonth,
    fiscalStart,
    periodsOf,
    buildLines,
    termsOf,
    load,
    checkVersion,
    allowedTransitions,
    diffLines,
    notify,
    overlapsOf,
    refuseOverlaps,
    approvalOf,
    approveTerms,
    advanceLifecycle,
    lockAndAdvance,
    recordMoves,
  };
}

export type AgreementContext = ReturnType<typeof createAgreementContext>;
