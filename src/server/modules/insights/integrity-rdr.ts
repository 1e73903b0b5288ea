/**
 * Integrity patterns read from the retail delivery report (rdr_sales, issue 14 §4). Pure.
 *
 * - `self_delivery`: deliveries to the dealer itself (buyer type `dealer`) — three or more in one
 *   month — or deliveries to the dealer itself and its employees (sale category `employee`) at a
 *   share far above the peers' (≥ 5 units, ≥ 3× the peers' median share with a floor of 1 %, a
 *   Poisson tail under 1 in 10,000 at that share).
 * - `demo_loaner_as_retail`: demonstrators and loaners counted as retail deliveries: the report
 *   says `demonstrator` or `loaner`, or a `retail` sale of a new vehicle with a demonstrator's
 *   odometer (≥ 1,000 km); flagged at a share far above the peers' (same test).
 *
 * Each flag lists the VINs, dates, amounts, the monthly unit tiers the units carried a month over,
 * and the money at stake (the revenue of the units).
 */
import { median } from '../../../shared/math';
import { Dec, moneyString } from '../../../shared/money';
import { poissonTail, type IntegrityFlag } from './integrity';

export type RdrRow = {
  dealer: string;
  vin: string | null;
  /** YYYY-MM-DD, the delivery date */
  occurredOn: string;
  amount: string;
  saleCategory: string;
  buyerType: string;
  odometerKm: number | null;
};

export type RdrOptions = {
  /** Retail deliveries per dealer in the same window (the denominator of the shares). */
  deliveries: ReadonlyMap<string, number>;
  /** Retail deliveries per dealer and month (YYYY-MM), for the tiers a month crossed. */
  monthUnits?: ReadonlyMap<string, number>;
  tierThresholds?: number[];
  currency?: string;
  demoOdometerKm?: number;
};

const MIN_UNITS = 5;
const MULTIPLE = 3;
const FLOOR = 0.01;
const MAX_TAIL = 1e-4;
const SELF_PER_MONTH = 3;

export function detectRdrFlags(rows: readonly RdrRow[], options: RdrOptions): IntegrityFlag[] {
  const currency = options.currency ?? 'USD';
  const odometer = options.demoOdometerKm ?? 1000;
  const flags: IntegrityFlag[] = [];
  const money = (list: readonly RdrRow[]) =>
    moneyString(
      list.reduce((s, r) => s.plus(new Dec(r.amount).abs()), new Dec(0)),
      currency,
    );
  const evidenceOf = (list: readonly RdrRow[]) =>
    [...list]
      .sort((a, b) => (a.occurredOn < b.occurredOn ? -1 : a.occurredOn > b.occurredOn ? 1 : 0))
      .map((r) => ({
        vin: r.vin,
        deliveredOn: r.occurredOn,
        amount: r.amount,
        saleCategory: r.saleCategory,
        buyerType: r.buyerType,
        odometerKm: r.odometerKm,
      }));
  /** The monthly unit tiers these units carried their months over. */
  const tiersAffected = (dealer: string, list: readonly RdrRow[]) => {
    const perMonth = new Map<string, number>();
    for (const r of list)
      perMonth.set(r.occurredOn.slice(0, 7), (perMonth.get(r.occurredOn.slice(0, 7)) ?? 0) + 1);
    const out: { month: string; monthUnits: number; flaggedUnits: number; tiers: number[] }[] = [];
    for (const [month, n] of [...perMonth].sort()) {
      const total = options.monthUnits?.get(`${dealer}|${month}`) ?? n;
      const tiers = (options.tierThresholds ?? []).filter((t) => total - n < t && t <= total);
      if (tiers.length > 0) out.push({ month, monthUnits: total, flaggedUnits: n, tiers });
    }
    return out;
  };

  const isSelf = (r: RdrRow) => r.buyerType === 'dealer' || r.saleCategory === 'employee';
  const isDemo = (r: RdrRow) =>
    r.saleCategory === 'demonstrator' ||
    r.saleCategory === 'loaner' ||
    (r.saleCategory === 'retail' && r.odometerKm !== null && r.odometerKm >= odometer);

  // Deliveries to the dealer itself, concentrated in a month.
  const ownByMonth = new Map<string, RdrRow[]>();
  for (const r of rows) {
    if (r.buyerType !== 'dealer') continue;
    const key = `${r.dealer}|${r.occurredOn.slice(0, 7)}`;
    ownByMonth.set(key, [...(ownByMonth.get(key) ?? []), r]);
  }
  const flaggedByMonth = new Set<string>();
  for (const [key, list] of ownByMonth) {
    if (list.length < SELF_PER_MONTH) continue;
    const [dealer, month] = key.split('|') as [string, string];
    flaggedByMonth.add(dealer);
    const tiers = tiersAffected(dealer, list);
    flags.push({
      kind: 'self_delivery',
      dealer,
      key: `self:${dealer}:${month}`,
      on: list.reduce((m, r) => (r.occurredOn > m ? r.occurredOn : m), ''),
      summary: `${list.length} deliveries in ${month} to ${dealer} itself (the report's buyer is the dealer)${tiers.length ? `; without them the month stays below tier threshold ${tiers.flatMap((t) => t.tiers).join(', ')}` : ''}`,
      evidence: { month, units: list.length, deliveries: evidenceOf(list), tiersAffected: tiers },
      amountAtStake: money(list),
    });
  }

  // Shares far above the peers'.
  const share = (
    kind: 'self_delivery' | 'demo_loaner_as_retail',
    match: (r: RdrRow) => boolean,
    describe: string,
  ) => {
    const byDealer = new Map<string, RdrRow[]>();
    for (const r of rows)
      if (match(r)) byDealer.set(r.dealer, [...(byDealer.get(r.dealer) ?? []), r]);
    const rates = [...options.deliveries]
      .filter(([, n]) => n >= 20)
      .map(([dealer, n]) => (byDealer.get(dealer)?.length ?? 0) / n);
    const peerMedian = median(rates);
    const floor = Math.max(peerMedian, FLOOR);
    for (const [dealer, list] of byDealer) {
      const n = options.deliveries.get(dealer) ?? list.length;
      const k = list.length;
      if (k < MIN_UNITS || n === 0) continue;
      const rate = k / n;
      const tail = poissonTail(k, n * floor);
      if (rate < MULTIPLE * floor || tail > MAX_TAIL) continue;
      if (
        kind === 'self_delivery' &&
        flaggedByMonth.has(dealer) &&
        list.every((r) => r.buyerType === 'dealer')
      )
        continue;
      const tiers = tiersAffected(dealer, list);
      flags.push({
        kind,
        dealer,
        key: `${kind === 'self_delivery' ? 'self-share' : 'demo-share'}:${dealer}`,
        on: list.reduce((m, r) => (r.occurredOn > m ? r.occurredOn : m), ''),
        summary: `${k} of ${n} deliveries (${(100 * rate).toFixed(1)} %) ${describe}, against a peer median of ${(100 * peerMedian).toFixed(1)} %; at the peers' share that many has a chance of ${tail < 1e-9 ? 'under 1 in a billion' : `1 in ${Math.round(1 / tail).toLocaleString('en-US')}`}`,
        evidence: {
          deliveries: n,
          units: k,
          rate: Math.round(rate * 10000) / 10000,
          peerMedianRate: Math.round(peerMedian * 10000) / 10000,
          tailProbability: tail,
          vins: evidenceOf(list).slice(0, 500),
          tiersAffected: tiers,
        },
        amountAtStake: money(list),
      });
    }
  };
  share('self_delivery', isSelf, 'went to the dealer itself or its employees');
  share(
    'demo_loaner_as_retail',
    isDemo,
    `were demonstrators or loaners counted as retail (category, or ≥ ${odometer.toLocaleString('en-US')} km on a new retail sale)`,
  );
  return flags;
}
