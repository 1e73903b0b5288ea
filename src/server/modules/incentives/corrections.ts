/**
 * Late rows after settlement (docs/incentives.md): a row stored after its period was closed that
 * still counts there (dated in the period, arriving within graceDays), and an unwind of a
 * settled unit, become CORRECTION lines in the next open statement of the dealer and program.
 *
 * For a closed period P (the last period of its window: earlier periods of a cumulative window
 * are carried by the window's later statements) and a later period Q, the rows P passes to Q are
 * those with an id in (L, U]: L is the feed at P's close, or at the close of the periods between
 * P and Q when all of them are closed (each took the rows stored before its close); U is the feed
 * at Q's close, or no bound while Q is open. The correction is exactly the difference of P's
 * statement recomputed with the rows up to U and up to L, itemised: one line per late row (its
 * line in the recomputed statement, naming the settled sale's line for an unwind) and, when a
 * late row moved the tier or the cap, one line with the difference on the lines already settled.
 */
import { Dec, roundMoney } from '../../../shared/money';
import type { StatementAdjustment } from '../../../shared/schemas/program';
import type { SettlementPeriod, Statement } from './calc';
import type { ClosedPeriod, CorrectionsRepository, LateRow } from './corrections.repository';

/** One source period whose late rows pass into the target, with the feed interval (L, U]. */
export type CorrectionSource = {
  period: SettlementPeriod;
  after: string;
  upTo: string | null;
};

function maxId(a: string, b: string): string {
  return BigInt(a) >= BigInt(b) ? a : b;
}

/**
 * The closed periods whose late rows pass into `target`, with their feed intervals. Periods in
 * `periods` order (listSettlementPeriods).
 */
export function correctionSources(options: {
  periods: readonly SettlementPeriod[];
  closed: ReadonlyMap<string, ClosedPeriod>;
  target: string;
  /**
   * A cumulative statement carries the corrections of the earlier periods of its window too (as
   * it carries their rows): its amount due subtracts what those periods settled, corrections
   * included. Default true; false gives the corrections placed in the target itself.
   */
  withWindow?: boolean;
}): CorrectionSource[] {
  const qi = options.periods.findIndex((p) => p.period === options.target);
  if (qi < 0 || options.closed.size === 0) return [];
  if (options.withWindow === false) return sourcesInto(options.periods, options.closed, qi);
  const label = options.periods[qi]!.window.label;
  const sources: CorrectionSource[] = [];
  for (let k = 0; k <= qi; k++) {
    if (options.periods[k]!.window.label !== label) continue;
    sources.push(...sourcesInto(options.periods, options.closed, k));
  }
  return sources;
}

function sourcesInto(
  periods: readonly SettlementPeriod[],
  closed: ReadonlyMap<string, ClosedPeriod>,
  qi: number,
): CorrectionSource[] {
  const target = periods[qi]!.period;
  const upTo = closed.get(target)?.lastFeedId ?? null;
  const sources: CorrectionSource[] = [];
  for (let i = 0; i < qi; i++) {
    const p = periods[i]!;
    const own = closed.get(p.period);
    if (!own || !isLastOfWindow(periods, i)) continue;
    let after = own.lastFeedId;
    let isBlocked = false;
    for (let k = i + 1; k < qi; k++) {
      const between = closed.get(periods[k]!.period);
      if (!between) {
        isBlocked = true; // an open period between takes them
        break;
      }
      after = maxId(after, between.lastFeedId);
    }
    if (isBlocked || (upTo !== null && BigInt(upTo) <= BigInt(after))) continue;
    sources.push({ period: p, after, upTo });
  }
  return sources;
}

export function isLastOfWindow(periods: readonly SettlementPeriod[], i: number): boolean {
  const next = periods[i + 1];
  return !next || next.window.label !== periods[i]!.window.label;
}

/**
 * The period a row stored after P's close is paid in: the next period of P's window still open
 * at its arrival (a cumulative statement counts it itself), else the first later period open
 * then; null when none is left (the program's last period was closed before it arrived).
 */
export function carrierOf(options: {
  periods: readonly SettlementPeriod[];
  closed: ReadonlyMap<string, ClosedPeriod>;
  source: string;
  rowId: string;
}): string | null {
  const { periods, closed } = options;
  const i = periods.findIndex((p) => p.period === options.source);
  const id = BigInt(options.rowId);
  for (let k = i + 1; k < periods.length; k++) {
    const c = closed.get(periods[k]!.period);
    if (!c || BigInt(c.lastFeedId) >= id) return periods[k]!.period;
  }
  return null;
}

type ComputePeriod = (options: {
  period: string;
  dealerIds: number[];
  maxFeedId: string | null;
}) => Promise<Map<number, Statement>>;

/** The correction lines of one source period for the dealers with late rows. */
export async function correctionsFrom(options: {
  repo: CorrectionsRepository;
  source: CorrectionSource;
  dealerIds: number[] | null;
  compute: ComputePeriod;
}): Promise<Map<number, StatementAdjustment[]>> {
  const { source } = options;
  const late = await options.repo.findLateRows({
    dealerIds: options.dealerIds,
    after: source.after,
    upTo: source.upTo,
    to: source.period.cutoff,
  });
  // and the dealers whose VIN another dealer's late row or confirmed flag freed (or blocked)
  const touched = await options.repo.findVinTouchedDealers({
    dealerIds: options.dealerIds,
    after: source.after,
    upTo: source.upTo,
    from: source.period.window.start,
    to: source.period.cutoff,
  });
  const out = new Map<number, StatementAdjustment[]>();
  if (late.length === 0 && touched.length === 0) return out;
  const dealerIds = [...new Set([...late.map((r) => r.dealerId), ...touched])];
  const [before, after] = await Promise.all([
    options.compute({ period: source.period.period, dealerIds, maxFeedId: source.after }),
    options.compute({ period: source.period.period, dealerIds, maxFeedId: source.upTo }),
  ]);
  const lateById = new Map(late.map((r) => [r.id, r]));
  for (const dealerId of dealerIds) {
    const b = before.get(dealerId);
    const a = after.get(dealerId);
    if (!b || !a) continue;
    const lines = itemise(source.period.period, b, a, lateById);
    if (lines.length > 0) out.set(dealerId, lines);
  }
  return out;
}

/** The correction lines turning `before` into `after` (P's statement with the late rows). */
export function itemise(
  period: string,
  before: Statement,
  after: Statement,
  late: ReadonlyMap<string, LateRow>,
): StatementAdjustment[] {
  // The settled sale lines of P: an unwind of one is corrected by exactly what it was paid.
  const settledLine = new Map<string, { lineNo: number; amount: string; quantity: number }>();
  before.lines.forEach((l, i) => {
    if (l.transactionId !== null && l.kind === 'benefit' && (l.quantity ?? 0) > 0) {
      settledLine.set(String(l.transactionId), {
        lineNo: i + 1,
        amount: l.amount,
        quantity: l.quantity ?? 1,
      });
    }
  });
  const out: StatementAdjustment[] = [];
  let itemised = new Dec(0);
  for (const l of after.lines) {
    if (l.transactionId === null || (l.kind !== 'benefit' && l.kind !== 'clawback')) continue;
    const row = late.get(String(l.transactionId));
    if (!row) continue;
    const sale = row.originalTxId;
    const original = sale !== null && (l.quantity ?? 0) < 0 ? settledLine.get(sale) : undefined;
    let amount = l.amount;
    let explanation = `${row.kind} ${row.externalId} (transaction ${row.id}) dated in ${period}, stored after it was settled: ${l.explanation}`;
    if (l.kind === 'benefit' && original) {
      // exactly what the settled line paid for these units (pro rata when the unwind is partial)
      const units = Math.min(Math.abs(l.quantity ?? 1), original.quantity);
      amount = roundMoney(
        new Dec(original.amount).times(units).div(original.quantity),
        after.currency,
      )
        .neg()
        .toFixed();
      explanation = `unwind ${row.externalId} (transaction ${row.id}) of sale ${sale}, paid ${original.amount} on line ${original.lineNo} of the settled statement, stored after ${period} was settled: clawed back`;
    }
    itemised = itemised.plus(amount);
    out.push({
      reference: `COR-${period}-${row.id}`,
      amount,
      explanation,
      correction: {
        period,
        lineNo: original?.lineNo ?? null,
        transactionId: row.id,
        quantity: l.quantity,
      },
    });
  }
  // A delivery the period excluded because its VIN earned elsewhere, freed since (the other
  // sale unwound or charged back): paid now, naming its own row, so that the approval records it
  // as a settled unit (the VIN is then paid to this dealer, once).
  const blockedBefore = new Map(
    before.excluded
      .filter(
        (e) => e.reason === 'paid_to_other_dealer' || e.reason === 'delivered_by_other_dealer',
      )
      .map((e) => [String(e.transactionId), e]),
  );
  for (const l of after.lines) {
    if (l.transactionId === null || l.kind !== 'benefit' || (l.quantity ?? 0) <= 0) continue;
    const id = String(l.transactionId);
    if (late.has(id) || !blockedBefore.has(id)) continue;
    itemised = itemised.plus(l.amount);
    out.push({
      reference: `COR-${period}-${id}`,
      amount: l.amount,
      explanation: `transaction ${id} dated in ${period}, excluded there (${blockedBefore.get(id)!.reason}): the other sale of its VIN was unwound or charged back after ${period} was settled: ${l.explanation}`,
      correction: { period, lineNo: null, transactionId: id, quantity: l.quantity },
    });
  }
  const rest = new Dec(after.earned).minus(before.earned).minus(itemised);
  if (!rest.isZero()) {
    const tier = (s: Statement) => (s.tierReached === null ? 'none' : `from ${s.tierReached}`);
    out.push({
      reference: `COR-${period}-recomputed`,
      amount: rest.toFixed(),
      explanation: `${period} recomputed with the rows stored after it was settled: measure ${before.measureValue ?? '–'} → ${after.measureValue ?? '–'}, tier ${tier(before)} → ${tier(after)}, benefit ${before.benefitTotal} → ${after.benefitTotal}${after.capApplied || before.capApplied ? ' (capped)' : ''}; the difference on the lines already settled`,
      correction: { period, lineNo: null, transactionId: null },
    });
  }
  return out;
}
