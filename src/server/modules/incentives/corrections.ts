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
  // the VINs of the deliveries another dealer's delivery or approval of the VIN moved (named)
  const moved = dealerIds.flatMap((id) => {
    const b = before.get(id);
    const a = after.get(id);
    return b && a ? vinMovedDeliveries(b, a) : [];
  });
  const vins = moved.length > 0 ? await options.repo.findVins(moved) : new Map<string, string>();
  for (const dealerId of dealerIds) {
    const b = before.get(dealerId);
    const a = after.get(dealerId);
    if (!b || !a) continue;
    const lines = itemise(source.period.period, b, a, lateById, vins);
    if (lines.length > 0) out.set(dealerId, lines);
  }
  return out;
}

const VIN_EXCLUSIONS = new Set(['paid_to_other_dealer', 'delivered_by_other_dealer']);

/** Settled sale lines of `s` by feed row (benefit lines of units sold). */
function saleLines(s: Statement) {
  const out = new Map<string, { lineNo: number; amount: string; quantity: number; date: string }>();
  s.lines.forEach((l, i) => {
    if (l.transactionId !== null && l.kind === 'benefit' && (l.quantity ?? 0) > 0) {
      out.set(String(l.transactionId), {
        lineNo: i + 1,
        amount: l.amount,
        quantity: l.quantity ?? 1,
        date: l.date ?? '',
      });
    }
  });
  return out;
}

/** Excluded rows of `s` because their VIN earned with another dealer, by feed row. */
function vinExcluded(s: Statement) {
  return new Map(
    s.excluded
      .filter((e) => VIN_EXCLUSIONS.has(e.reason))
      .map((e) => [String(e.transactionId), e.reason]),
  );
}

/**
 * The dealer's deliveries whose payment another dealer's delivery or approval of the same VIN
 * moved between `before` and `after`: paid before and excluded after (taken back), or excluded
 * before and paid after (freed).
 */
export function vinMovedDeliveries(before: Statement, after: Statement): string[] {
  const paidBefore = saleLines(before);
  const paidAfter = saleLines(after);
  const excludedBefore = vinExcluded(before);
  const excludedAfter = vinExcluded(after);
  return [
    ...[...paidBefore.keys()].filter((id) => excludedAfter.has(id) && !paidAfter.has(id)),
    ...[...paidAfter.keys()].filter((id) => excludedBefore.has(id)),
  ];
}

/**
 * Why a delivery's payment is taken back, as the dealer reads it: never the other dealer (a
 * dealer sees none of another's data).
 */
const TAKE_BACK = {
  paid_to_other_dealer: {
    reason: 'vin_paid_to_other_dealer',
    text: 'this vehicle is paid to another dealer by a statement approved earlier (a vehicle is paid once, to the first approval paying it)',
  },
  delivered_by_other_dealer: {
    reason: 'vin_delivered_by_other_dealer',
    text: "another dealer's earlier delivery of this vehicle, reported after the period was settled, earns it (a vehicle is paid once)",
  },
} as const;

/** The correction lines turning `before` into `after` (P's statement with the late rows). */
export function itemise(
  period: string,
  before: Statement,
  after: Statement,
  late: ReadonlyMap<string, LateRow>,
  /** The VINs of the deliveries another dealer's delivery of the VIN moved (vinMovedDeliveries). */
  vins: ReadonlyMap<string, string> = new Map(),
): StatementAdjustment[] {
  // The settled sale lines of P: an unwind of one is corrected by exactly what it was paid.
  const settledLine = saleLines(before);
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
  const blockedBefore = vinExcluded(before);
  const delivery = (id: string, date: string | null) =>
    `${vins.get(id) ?? 'vehicle'} delivered ${date ?? '?'} (transaction ${id})`;
  for (const l of after.lines) {
    if (l.transactionId === null || l.kind !== 'benefit' || (l.quantity ?? 0) <= 0) continue;
    const id = String(l.transactionId);
    if (late.has(id) || !blockedBefore.has(id)) continue;
    itemised = itemised.plus(l.amount);
    out.push({
      reference: `COR-${period}-${id}`,
      amount: l.amount,
      explanation: `${delivery(id, l.date)}, excluded in ${period} (${blockedBefore.get(id)!}): paid now, this vehicle no longer earns with another dealer (its sale there was unwound or charged back, or this dealer's approved payment came first): ${l.explanation}`,
      correction: {
        period,
        lineNo: null,
        transactionId: id,
        quantity: l.quantity,
        reason: 'vin_freed',
        deliveryId: id,
      },
    });
  }
  // A delivery the period paid, excluded now because another dealer's delivery or approval of
  // its VIN earns it (docs/incentives.md, "A VIN is paid once"): taken back by what its line
  // paid, naming the delivery and why. The line names no feed row of its own (as the tier's
  // difference, below): the approval records nothing for it and the reconciliation counts it
  // with the corrections without a row, as before.
  const excludedAfter = vinExcluded(after);
  const paidAfter = saleLines(after);
  for (const [id, paid] of settledLine) {
    const why = excludedAfter.get(id) as keyof typeof TAKE_BACK | undefined;
    if (why === undefined || paidAfter.has(id)) continue;
    const amount = new Dec(paid.amount).neg().toFixed();
    itemised = itemised.plus(amount);
    out.push({
      reference: `COR-${period}-${id}-taken-back`,
      amount,
      explanation: `${delivery(id, paid.date)}, paid ${paid.amount} for ${period}: taken back, ${TAKE_BACK[why].text}`,
      correction: {
        period,
        lineNo: null,
        transactionId: null,
        reason: TAKE_BACK[why].reason,
        deliveryId: id,
      },
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
