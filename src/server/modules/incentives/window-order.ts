/**
 * A cumulative window settles in order (docs/incentives.md, "A window settles in order"). The
 * monthly statements of a quarterly (or whole-program) window each pay the window's earned so far
 * minus what the dealer's earlier statements of the window put up for payment: every stored one,
 * closed (not yet approved) included, so a closed January is never paid again by February. A
 * dealer's statements of a window are approved in period order: a later one is approved only when
 * the earlier ones are (an earlier closed figure can still change by a re-close until then, and
 * the later statement's snapshot check catches it), and never an earlier one after a later one
 * (the later statement's cumulative amount already paid it).
 */
import { AppError } from '../../../shared/errors';
import { inWords } from '../../../shared/months';

/** Whether `other` is an earlier period than `period` of the same window ('program' first). */
export function isEarlierInWindow(other: string, period: string): boolean {
  return other !== period && (other === 'program' || other < period);
}

const SETTLED = new Set(['approved', 'paid']);

/** What an approval of `period` waits for or comes too late after, from the dealer's window. */
export function windowOrder(
  period: string,
  window: readonly { period: string; status: string }[],
): { blockedBy: string[]; settledBy: string[] } {
  const blockedBy: string[] = [];
  const settledBy: string[] = [];
  for (const s of window) {
    if (s.period === period) continue;
    if (isEarlierInWindow(s.period, period) && s.status === 'closed') blockedBy.push(s.period);
    else if (isEarlierInWindow(period, s.period) && SETTLED.has(s.status)) settledBy.push(s.period);
  }
  return { blockedBy: blockedBy.sort(), settledBy: settledBy.sort() };
}

/** A later statement of the window is approved or paid: it settled `period`'s money already. */
export function settledByLater(
  period: string,
  window: readonly { period: string; status: string }[],
): boolean {
  return settledInLater(period, window) !== null;
}

/**
 * The first later period of the window whose approved or paid statement settled `period`'s money
 * (its cumulative amount paid the window so far), or null. A dealer's `period` left without a
 * stored statement of its own is shown as settled there, never as a live payable statement.
 */
export function settledInLater(
  period: string,
  window: readonly { period: string; status: string }[],
): string | null {
  const later = window
    .filter((s) => isEarlierInWindow(period, s.period) && SETTLED.has(s.status))
    .map((s) => s.period)
    .sort();
  return later[0] ?? null;
}

/** 409 WINDOW_OUT_OF_ORDER when the dealer's statement of `period` may not be approved now. */
export function assertWindowOrder(options: {
  code: string;
  dealerCode: string;
  period: string;
  window: readonly { period: string; status: string }[];
}) {
  const { code, dealerCode, period } = options;
  const { blockedBy, settledBy } = windowOrder(period, options.window);
  if (blockedBy.length === 0 && settledBy.length === 0) return;
  const names = (list: string[]) => list.map(inWords).join(', ');
  throw new AppError(
    'WINDOW_OUT_OF_ORDER',
    blockedBy.length > 0
      ? `${dealerCode}'s statement of ${names(blockedBy)} (${code}) is closed but not approved; a window settles in order: approve it first, then ${inWords(period)}`
      : `${dealerCode}'s statement of ${names(settledBy)} (${code}) is already approved and paid ${inWords(period)} with it (a cumulative window); ${inWords(period)} may not be approved after it`,
    { period, blockedBy, settledBy },
  );
}

/**
 * The first period from `periods[from]` on that can still pay a dealer an adjustment: open, and no
 * later statement of the dealer in its window approved (that statement paid the window so far, and
 * the period's close puts nothing more up for the dealer). Undefined when none is left.
 */
export async function firstPayablePeriod(options: {
  periods: readonly { period: string }[];
  from: number;
  isClosed: (period: string) => Promise<boolean>;
  /** the dealer's stored statements of `period`'s window */
  windowOf: (period: string) => Promise<{ period: string; status: string }[]>;
  /**
   * Take `period`'s window lock (the close's and the approval's, held to the end of the caller's
   * transaction) before reading whether it is closed: a close or approval in flight either sees
   * the adjustment the caller then writes, or has committed and the period is passed over. Without
   * it an adjustment could land in a period closed (or approved) meanwhile, never paid.
   */
  lock: (period: string) => Promise<void>;
}): Promise<string | undefined> {
  for (let at = Math.max(options.from, 0); at < options.periods.length; at++) {
    const { period } = options.periods[at]!;
    await options.lock(period);
    if (await options.isClosed(period)) continue;
    if (!settledByLater(period, await options.windowOf(period))) return period;
  }
  return undefined;
}
