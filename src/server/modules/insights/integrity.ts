/**
 * Integrity detectors (issue 14 §4): documented incentive fraud patterns, each flag with its
 * evidence (VINs, dates, amounts, tiers) rather than a score. Pure: rows in, flags out.
 *
 * - `month_end_spike_unwound`: a dealer's deliveries in the last days of a month far above its
 *   pace in the rest of that month (≥ 5 units and ≥ 3× the expected count), a large share of
 *   whose VINs (≥ 40 %, ≥ 3) were unwound after the month closed — sales booked to reach a
 *   target and reversed after the payout. The tiers the spike carried the month over are listed.
 * - `unwind_rate`: unwinds per delivery far above the peers' median: at least 5 unwinds, 3× the
 *   median, and a Poisson tail probability under 1 in 10,000 at the median rate.
 * - `duplicate_vin`: a VIN delivered again (by the same or another dealer) while an earlier
 *   delivery of it stands (not unwound).
 * - `claim_not_delivered`: an incentive claim whose VIN the claimant never delivered in the feed.
 */
import { median } from '../../../shared/math';
import { Dec, moneyString } from '../../../shared/money';

export type FeedRow = {
  dealer: string;
  kind: string;
  vin: string | null;
  quantity: number;
  /** decimal string */
  amount: string;
  /** YYYY-MM-DD */
  occurredOn: string;
};

export type ClaimRow = {
  id: number;
  dealer: string;
  vin: string;
  program: string;
  deliveredOn: string;
};

export type FlagKind =
  | 'month_end_spike_unwound'
  | 'unwind_rate'
  | 'duplicate_vin'
  | 'claim_not_delivered'
  | 'self_delivery'
  | 'demo_loaner_as_retail';

export type IntegrityFlag = {
  kind: FlagKind;
  dealer: string;
  /** Stable identity of the finding (a re-scan updates, never duplicates, a flag). */
  key: string;
  /** YYYY-MM-DD: the date the pattern concerns. */
  on: string;
  summary: string;
  evidence: Record<string, unknown>;
  /** Money at stake (decimal string): the revenue of the units concerned. */
  amountAtStake: string;
};

export type IntegrityOptions = {
  /** Unit thresholds of the monthly volume tiers in force (listed as evidence when crossed). */
  tierThresholds?: number[];
  currency?: string;
  endDays?: number;
  minSpike?: number;
  spikeMultiple?: number;
  minUnwoundShare?: number;
  minUnwinds?: number;
  rateMultiple?: number;
  maxTailProbability?: number;
};

function daysInMonth(month: string): number {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** P(X ≥ k) for X ~ Poisson(λ). */
export function poissonTail(k: number, lambda: number): number {
  if (k <= 0) return 1;
  let term = Math.exp(-lambda);
  let cdf = term;
  for (let i = 1; i < k; i += 1) {
    term *= lambda / i;
    cdf += term;
  }
  return Math.max(0, 1 - cdf);
}

export function detectIntegrityFlags(
  rows: readonly FeedRow[],
  claims: readonly ClaimRow[] = [],
  options: IntegrityOptions = {},
): IntegrityFlag[] {
  const currency = options.currency ?? 'USD';
  const sumAmounts = (list: FeedRow[]) =>
    moneyString(
      list.reduce((s, r) => s.plus(new Dec(r.amount).abs()), new Dec(0)),
      currency,
    );
  const endDays = options.endDays ?? 3;
  const minSpike = options.minSpike ?? 5;
  const spikeMultiple = options.spikeMultiple ?? 3;
  const minUnwoundShare = options.minUnwoundShare ?? 0.4;
  const minUnwinds = options.minUnwinds ?? 5;
  const rateMultiple = options.rateMultiple ?? 3;
  const maxTail = options.maxTailProbability ?? 1e-4;
  const flags: IntegrityFlag[] = [];

  const deliveries = rows.filter((r) => r.kind === 'retail_delivery' && r.quantity > 0);
  const unwinds = rows.filter((r) => r.kind === 'unwind');
  const unwindsByVin = new Map<string, FeedRow[]>();
  for (const u of unwinds)
    if (u.vin) unwindsByVin.set(u.vin, [...(unwindsByVin.get(u.vin) ?? []), u]);

  // Month-end spikes unwound after the month.
  const byDealerMonth = new Map<string, FeedRow[]>();
  for (const d of deliveries) {
    const key = `${d.dealer}|${d.occurredOn.slice(0, 7)}`;
    const list = byDealerMonth.get(key);
    if (list) list.push(d);
    else byDealerMonth.set(key, [d]);
  }
  for (const [key, list] of byDealerMonth) {
    const [dealer, month] = key.split('|') as [string, string];
    const days = daysInMonth(month);
    const firstEndDay = days - endDays + 1;
    const end = list.filter((d) => Number(d.occurredOn.slice(8, 10)) >= firstEndDay);
    const rest = list.length - end.reduce((s, d) => s + d.quantity, 0);
    const expected = Math.max(1, (rest / (days - endDays)) * endDays);
    const endUnits = end.reduce((s, d) => s + d.quantity, 0);
    if (endUnits < minSpike || endUnits < spikeMultiple * expected) continue;
    const monthEnd = `${month}-${String(days).padStart(2, '0')}`;
    const unwound = end.filter(
      (d) =>
        d.vin &&
        (unwindsByVin.get(d.vin) ?? []).some((u) => u.dealer === dealer && u.occurredOn > monthEnd),
    );
    if (unwound.length < 3 || unwound.length < minUnwoundShare * end.length) continue;
    const monthUnits = list.reduce((s, d) => s + d.quantity, 0);
    const tiers = (options.tierThresholds ?? []).filter(
      (t) => monthUnits - unwound.length < t && t <= monthUnits,
    );
    flags.push({
      kind: 'month_end_spike_unwound',
      dealer,
      key: `spike:${dealer}:${month}`,
      on: monthEnd,
      summary: `${endUnits} deliveries in the last ${endDays} days of ${month} (about ${expected.toFixed(1)} expected at the month's pace); ${unwound.length} of them unwound after the month closed${tiers.length ? `; without them the month stays below tier threshold ${tiers.join(', ')}` : ''}`,
      evidence: {
        month,
        monthUnits,
        endOfMonthUnits: endUnits,
        expectedEndOfMonthUnits: Math.round(expected * 10) / 10,
        tiersCrossed: tiers,
        unwound: unwound.map((d) => ({
          vin: d.vin,
          deliveredOn: d.occurredOn,
          unwoundOn:
            (unwindsByVin.get(d.vin!) ?? []).find(
              (u) => u.dealer === dealer && u.occurredOn > monthEnd,
            )?.occurredOn ?? null,
          amount: d.amount,
        })),
      },
      amountAtStake: sumAmounts(unwound),
    });
  }

  // Unwind rates far above peers.
  const perDealer = new Map<string, { deliveries: number; unwinds: FeedRow[]; amount: Dec }>();
  for (const d of deliveries) {
    const s = perDealer.get(d.dealer) ?? { deliveries: 0, unwinds: [], amount: new Dec(0) };
    s.deliveries += d.quantity;
    perDealer.set(d.dealer, s);
  }
  for (const u of unwinds) {
    const s = perDealer.get(u.dealer) ?? { deliveries: 0, unwinds: [], amount: new Dec(0) };
    s.unwinds.push(u);
    perDealer.set(u.dealer, s);
  }
  const peerRates = [...perDealer.values()]
    .filter((s) => s.deliveries >= 20)
    .map((s) => s.unwinds.length / s.deliveries);
  const peerMedian = median(peerRates);
  const floorRate = Math.max(peerMedian, 0.005);
  for (const [dealer, s] of perDealer) {
    const count = s.unwinds.length;
    if (count < minUnwinds || s.deliveries === 0) continue;
    const rate = count / s.deliveries;
    const tail = poissonTail(count, s.deliveries * floorRate);
    if (rate < rateMultiple * floorRate || tail > maxTail) continue;
    const last = s.unwinds.reduce((m, u) => (u.occurredOn > m ? u.occurredOn : m), '');
    flags.push({
      kind: 'unwind_rate',
      dealer,
      key: `unwind-rate:${dealer}`,
      on: last,
      summary: `${count} unwinds on ${s.deliveries} deliveries (${(100 * rate).toFixed(1)} %) against a peer median of ${(100 * peerMedian).toFixed(1)} %; at the peers' rate that many has a chance of ${tail < 1e-9 ? 'under 1 in a billion' : `1 in ${Math.round(1 / tail).toLocaleString('en-US')}`}`,
      evidence: {
        deliveries: s.deliveries,
        unwinds: count,
        rate: Math.round(rate * 10000) / 10000,
        peerMedianRate: Math.round(peerMedian * 10000) / 10000,
        peers: peerRates.length,
        tailProbability: tail,
        vins: s.unwinds
          .slice(0, 50)
          .map((u) => ({ vin: u.vin, unwoundOn: u.occurredOn, amount: u.amount })),
      },
      amountAtStake: sumAmounts(s.unwinds),
    });
  }

  // The same VIN delivered while an earlier delivery of it stands.
  const events = [...deliveries, ...unwinds]
    .filter((r) => r.vin)
    .sort((a, b) =>
      a.vin! < b.vin!
        ? -1
        : a.vin! > b.vin!
          ? 1
          : a.occurredOn < b.occurredOn
            ? -1
            : a.occurredOn > b.occurredOn
              ? 1
              : a.kind === 'unwind'
                ? -1
                : 1,
    );
  let standing: FeedRow[] = [];
  let currentVin: string | null = null;
  for (const e of events) {
    if (e.vin !== currentVin) {
      currentVin = e.vin;
      standing = [];
    }
    if (e.kind === 'unwind') {
      const index = standing.findIndex((d) => d.dealer === e.dealer);
      if (index >= 0) standing.splice(index, 1);
      continue;
    }
    if (standing.length > 0) {
      const first = standing[0]!;
      const dealers = [...new Set([first.dealer, e.dealer])];
      for (const dealer of dealers) {
        flags.push({
          kind: 'duplicate_vin',
          dealer,
          key: `vin:${e.vin}:${dealer}`,
          on: e.occurredOn,
          summary: `VIN ${e.vin} delivered by ${first.dealer} on ${first.occurredOn} and again by ${e.dealer} on ${e.occurredOn} without an unwind in between`,
          evidence: {
            vin: e.vin,
            deliveries: [
              { dealer: first.dealer, deliveredOn: first.occurredOn, amount: first.amount },
              { dealer: e.dealer, deliveredOn: e.occurredOn, amount: e.amount },
            ],
          },
          amountAtStake: moneyString(new Dec(e.amount).abs(), currency),
        });
      }
    }
    standing.push(e);
  }

  // Claims whose VIN the claimant never delivered.
  const deliveredBy = new Map<string, Set<string>>();
  for (const d of deliveries)
    if (d.vin) deliveredBy.set(d.vin, (deliveredBy.get(d.vin) ?? new Set()).add(d.dealer));
  for (const c of claims) {
    const by = deliveredBy.get(c.vin);
    if (by?.has(c.dealer)) continue;
    flags.push({
      kind: 'claim_not_delivered',
      dealer: c.dealer,
      key: `claim:${c.id}`,
      on: c.deliveredOn,
      summary: `claim ${c.id} (${c.program}) for VIN ${c.vin}, which ${c.dealer} never delivered${by ? ` (delivered by ${[...by].join(', ')})` : ' (no delivery of it in the feed)'}`,
      evidence: {
        claimId: c.id,
        program: c.program,
        vin: c.vin,
        claimedDeliveredOn: c.deliveredOn,
        deliveredBy: by ? [...by] : [],
      },
      amountAtStake: '0.00',
    });
  }
  return flags;
}
