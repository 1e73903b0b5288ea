/**
 * The lifecycle's clock (approved → active on the start month, approved/active → expired after
 * the last month) as a pure function of the stored status, the term and the month (issue 18 §2):
 * reads show it without writing, so they can run on a read replica. The stored status catches up
 * through `advanceLifecycle` (agreement-context.ts): the daily job `agreements.lifecycle` for every
 * agreement, and the write paths for the agreement they change (before they check its status and
 * version). A read shows the row as it will be once stored: the status it moves to and the row
 * version the move gives it (one more), so a version read before the daily job still holds after.
 */
import { monthIndex } from '../../../shared/months';
import type { AgreementStatus } from '../../../shared/schemas/agreements';

/** The statuses the clock moves. */
const CLOCKED: readonly AgreementStatus[] = ['approved', 'active'];

export function shownStatus(
  a: { status: AgreementStatus; startMonth: string; months: number },
  currentMonth: string,
): AgreementStatus {
  if (!CLOCKED.includes(a.status)) return a.status;
  const now = monthIndex(currentMonth);
  const start = monthIndex(a.startMonth);
  if (start > now) return a.status;
  return start + a.months <= now ? 'expired' : 'active';
}

/** The row as shown: the clock's status, and the row version storing it will give. */
export function shownRow<
  T extends { status: AgreementStatus; startMonth: string; months: number; rowVersion: number },
>(row: T, currentMonth: string): T {
  const status = shownStatus(row, currentMonth);
  return status === row.status ? row : { ...row, status, rowVersion: row.rowVersion + 1 };
}

/**
 * The same in SQL over `agreements` aliased `alias`, with `month` a parameter holding the first
 * day of the current month (`$n::date`).
 */
export function shownStatusSql(alias: string, month: string): string {
  return `(case when ${alias}.status in ('approved', 'active') and ${alias}.start_month <= ${month}
     then case when (${alias}.start_month + make_interval(months => ${alias}.months))::date <= ${month}
               then 'expired' else 'active' end
     else ${alias}.status end)`;
}

/**
 * The stored statuses an agreement shown in one of `shown` may have: what the filter asks for,
 * and the statuses the clock moves when it asks for one they move to (keeps the status index).
 */
export function storedStatusesFor(shown: readonly AgreementStatus[]): AgreementStatus[] {
  const out = new Set(shown);
  if (shown.includes('active') || shown.includes('expired')) for (const s of CLOCKED) out.add(s);
  return [...out];
}
