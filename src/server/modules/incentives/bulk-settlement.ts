/**
 * Settlement in bulk (docs/incentives.md, "Settlement in bulk"): approve every closed statement
 * of a period in one action, each through the single approval (incentives.approveSnapshot, its
 * own transaction: all-or-nothing per statement, not per period), leaving the exceptions
 * (disputed, changed since close, over budget) for one-by-one approval; and the preview whose
 * totals the confirmations state. The SQL of these reads sits here.
 */
import { AppError } from '../../../shared/errors';
import { inWords } from '../../../shared/months';
import { Dec, moneyString } from '../../../shared/money';
import type {
  BulkApproveResult,
  BulkException,
  SettlementPreview,
} from '../../../shared/schemas/bulk-settlement';
import type { SettlementPeriodView } from '../../../shared/schemas/incentives';
import { requirePermission, scopeSql, type Actor } from '../../auth/actor';
import type { PeriodRequest } from './incentives-context';
import type { Db } from '../../db/db';
import type { IncentiveListsService } from './incentives.lists';
import type { IncentivesService } from './incentives.service';
import { createIncentiveListsRepository } from './incentives-lists.repository';

/** Whether a period is offered for closing: its cut-off and grace have passed, not closed yet. */
export function periodClosability(
  p: { end: string; graceUntil: string; closedAt: string | null },
  today: string,
): { closable: boolean; closableReason: string } {
  if (p.closedAt) return { closable: false, closableReason: 'closed' };
  if (today <= p.end)
    return { closable: false, closableReason: `the period ends on ${inWords(p.end)}` };
  if (today <= p.graceUntil)
    return {
      closable: false,
      closableReason: `late rows may still arrive until ${inWords(p.graceUntil)} (grace days)`,
    };
  return {
    closable: true,
    closableReason: `the cut-off (${inWords(p.end)}) and the grace days (until ${inWords(p.graceUntil)}) have passed`,
  };
}

type Deps = { db: Db; incentives: IncentivesService; lists: IncentiveListsService };

type Plan = {
  currency: string;
  closed: number;
  approvable: { dealerCode: string; dealerName: string; amountDue: string }[];
  exceptions: BulkException[];
};

export function createBulkSettlementService(deps: Deps) {
  const { db, incentives } = deps;

  async function programOf(code: string) {
    const p = await createIncentiveListsRepository(db).findProgramWithLatestVersion(code);
    if (!p) throw new AppError('NOT_FOUND', `Program ${code} not found`);
    return p;
  }

  /** Dealers (in scope) with an open dispute on the program's period, and the disputes' ids. */
  async function openDisputes(actor: Actor, programId: number, period: string) {
    const params: unknown[] = [programId, period];
    const { rows } = await db.query<{ dealerCode: string; ids: number[] }>(
      `select d.code as "dealerCode", array_agg(x.id::int order by x.id) as ids
       from incentive_disputes x join dealers d on d.id = x.dealer_id
       where x.program_id = $1 and x.period = $2 and x.status = 'open'
         and ${scopeSql(actor.scope, 'd', params)}
       group by d.code`,
      params,
    );
    return new Map(rows.map((r) => [r.dealerCode, r.ids]));
  }

  /** What the program has approved or paid so far, every period and dealer (the budget's use). */
  async function approvedSoFar(programId: number): Promise<Dec> {
    const { rows } = await db.query<{ total: string }>(
      `select coalesce(sum(amount_due), 0)::text as total from incentive_statements
       where program_id = $1 and status in ('approved', 'paid')`,
      [programId],
    );
    return new Dec(rows[0]!.total);
  }

  /**
   * Which closed statements "approve all" approves, and why the others are left. Order of the
   * checks per statement: an open dispute, then an earlier statement of the window not approved
   * (window-order.ts), then a snapshot that no longer holds, then the budget
   * (statements taken in dealer-code order; one that would take what the program has approved
   * past its budget is left, a later smaller one may still fit).
   */
  async function plan(actor: Actor, code: string, period: string): Promise<Plan> {
    const program = await programOf(code);
    const currency = program.definition.currency;
    const checked = await incentives.checkClosedStatements({ actor, code, period });
    checked.sort((a, b) =>
      a.dealerCode < b.dealerCode ? -1 : a.dealerCode > b.dealerCode ? 1 : 0,
    );
    const disputes = await openDisputes(actor, program.programId, period);
    const budget =
      program.definition.budget === null || program.definition.budget === undefined
        ? null
        : new Dec(program.definition.budget);
    let running = await approvedSoFar(program.programId);
    const approvable: Plan['approvable'] = [];
    const exceptions: BulkException[] = [];
    for (const c of checked) {
      const base = {
        dealerCode: c.dealerCode,
        dealerName: c.dealerName,
        amountDue: moneyString(c.amountDue, currency),
      };
      const ids = disputes.get(c.dealerCode);
      if (ids) {
        exceptions.push({
          ...base,
          reason: 'disputed',
          message: `${ids.length} open dispute(s) on this statement: resolve, then approve it`,
          details: { disputeIds: ids },
        });
      } else if (c.outOfOrder) {
        const { message, ...details } = c.outOfOrder;
        exceptions.push({ ...base, reason: 'out_of_order', message, details });
      } else if (c.difference) {
        const d = c.difference as {
          message: string;
          totals?: unknown;
          added?: unknown[];
          removed?: unknown[];
          changed?: unknown[];
          reworded?: number;
        };
        exceptions.push({
          ...base,
          reason: 'changed_since_close',
          message: d.message,
          details: {
            totals: d.totals ?? null,
            added: d.added?.length ?? 0,
            removed: d.removed?.length ?? 0,
            changed: d.changed?.length ?? 0,
            reworded: d.reworded ?? 0,
          },
        });
      } else if (budget && running.plus(c.amountDue).gt(budget)) {
        exceptions.push({
          ...base,
          reason: 'over_budget',
          message: `Approving ${base.amountDue} would take the program past its budget of ${moneyString(budget, currency)} (${moneyString(running, currency)} approved)`,
          details: {
            budget: moneyString(budget, currency),
            approvedBefore: moneyString(running, currency),
          },
        });
      } else {
        running = running.plus(c.amountDue);
        approvable.push(base);
      }
    }
    return { currency, closed: checked.length, approvable, exceptions };
  }

  /** The period as the periods list gives it (400 naming the field when the program has none). */
  async function periodOf(actor: Actor, code: string, period: string) {
    const list = await deps.lists.findSettlementPeriods({ actor, code });
    const p: SettlementPeriodView | undefined = list.items.find((x) => x.period === period);
    if (!p) {
      throw new AppError('VALIDATION_FAILED', `Program ${code} has no period ${inWords(period)}`, {
        field: 'period',
        periods: list.items.map((x) => x.period),
      });
    }
    return { list, p, status: p.status };
  }

  function total(items: { amountDue: string }[], currency: string) {
    return moneyString(
      items.reduce((a, x) => a.plus(x.amountDue), new Dec(0)),
      currency,
    );
  }

  /** What POST /payouts { programCode } would put in a batch now (every program: null). */
  async function payoutPreview(code: string | null) {
    const { rows } = await db.query<{
      statements: number;
      dealers: number;
      currency: string;
      amount: string;
    }>(
      `select count(*)::int as statements, count(distinct s.dealer_id)::int as dealers,
              trim(s.currency) as currency, sum(s.amount_due)::text as amount
       from incentive_statements s join programs p on p.id = s.program_id
       where ($1::text is null or p.code = $1) and s.status = 'approved' and s.amount_due <> 0
         and not exists (select 1 from payout_items i where i.statement_id = s.id)
       group by trim(s.currency) order by 3`,
      [code],
    );
    const dealers = await db.query<{ n: number }>(
      `select count(distinct s.dealer_id)::int as n
       from incentive_statements s join programs p on p.id = s.program_id
       where ($1::text is null or p.code = $1) and s.status = 'approved' and s.amount_due <> 0
         and not exists (select 1 from payout_items i where i.statement_id = s.id)`,
      [code],
    );
    return {
      statements: rows.reduce((a, r) => a + r.statements, 0),
      dealers: dealers.rows[0]?.n ?? 0,
      totals: rows.map((r) => ({
        currency: r.currency,
        amount: moneyString(r.amount, r.currency),
      })),
    };
  }

  return {
    /**
     * POST /programs/{code}/periods/approve: every closed statement of the period that plan()
     * lets through is approved by the single approval, one transaction each; a statement that
     * fails then (changed meanwhile) becomes an exception and does not undo the others.
     */
    async approvePeriod({ actor, code, period }: PeriodRequest): Promise<BulkApproveResult> {
      requirePermission(actor, 'programs:approve');
      const { status } = await periodOf(actor, code, period);
      if (status === 'open')
        throw new AppError(
          'CONFLICT',
          `${inWords(period)} of ${code} is still open; close it first`,
        );
      const { currency, approvable, exceptions } = await plan(actor, code, period);
      const approved: { dealerCode: string; amountDue: string }[] = [];
      for (const a of approvable) {
        try {
          const r = await incentives.approveSnapshot({
            actor,
            code,
            dealerCode: a.dealerCode,
            period,
          });
          approved.push({
            dealerCode: a.dealerCode,
            amountDue: moneyString(r.amountDue, currency),
          });
        } catch (e) {
          // An earlier statement of the window was closed meanwhile (window-order.ts).
          if (e instanceof AppError && e.code === 'WINDOW_OUT_OF_ORDER') {
            exceptions.push({
              dealerCode: a.dealerCode,
              dealerName: a.dealerName,
              reason: 'out_of_order',
              message: e.message,
              amountDue: a.amountDue,
              details: e.details,
            });
            continue;
          }
          // Approved meanwhile by someone else (no longer closed): not this call's, not an exception.
          if (e instanceof AppError && e.code === 'CONFLICT') continue;
          // The author of the program (four eyes) is refused on the first: nothing was done.
          if (!(e instanceof AppError) || e.code !== 'STATEMENT_CHANGED_SINCE_CLOSE') throw e;
          exceptions.push({
            dealerCode: a.dealerCode,
            dealerName: a.dealerName,
            reason: 'changed_since_close',
            message: e.message,
            amountDue: a.amountDue,
            details: { totals: (e.details as { totals?: unknown }).totals ?? null },
          });
        }
      }
      return {
        programCode: code,
        period,
        currency,
        approved: {
          count: approved.length,
          totalAmountDue: total(approved, currency),
          dealers: approved,
        },
        exceptions,
      };
    },

    /** GET /payouts/preview?programCode=: the batch "Build batch" would make now. */
    async previewPayout({ actor, programCode }: { actor: Actor; programCode?: string }) {
      requirePermission(actor, 'payouts:manage');
      if (actor.scope.kind === 'dealers')
        throw new AppError('FORBIDDEN', 'Only the OEM may build payout batches');
      if (programCode) await programOf(programCode);
      return { programCode: programCode ?? null, ...(await payoutPreview(programCode ?? null)) };
    },

    /** GET /programs/{code}/periods/{period}/settlement-preview: the confirmations' totals. */
    async previewSettlement({ actor, code, period }: PeriodRequest): Promise<SettlementPreview> {
      requirePermission(actor, 'payouts:manage');
      if (actor.scope.kind === 'dealers')
        throw new AppError('FORBIDDEN', 'Only the OEM may settle periods');
      const { list, p } = await periodOf(actor, code, period);
      let close: SettlementPreview['close'] = null;
      let approve: SettlementPreview['approve'] = {
        closed: 0,
        statements: 0,
        totalAmountDue: moneyString('0', list.currency),
        exceptions: [],
      };
      if (p.status === 'open') {
        // What the close would freeze: every statement with a line or an amount (totals).
        const s = await incentives.findStatements({ actor, code, period });
        const held = s.items.filter(
          (c) => c.status === 'open' && (c.lineCount > 0 || !new Dec(c.amountDue).isZero()),
        );
        close = { statements: held.length, totalAmountDue: total(held, list.currency) };
      } else {
        const planned = await plan(actor, code, period);
        approve = {
          closed: planned.closed,
          statements: planned.approvable.length,
          totalAmountDue: total(planned.approvable, list.currency),
          exceptions: planned.exceptions,
        };
      }
      return {
        programCode: code,
        period,
        currency: list.currency,
        status: p.status,
        closable: p.closable,
        closableReason: p.closableReason,
        close,
        approve,
        statements: p.statements,
        payout: await payoutPreview(code),
      };
    },
  };
}
