/**
 * Integrity detectors on generated feeds: the clean demo network flags fewer than 1 % of its
 * dealers; every planted pattern (a month-end spike unwound after the month, an unwind rate far
 * above peers, a VIN delivered twice by two dealers, a claim for a VIN the claimant never
 * delivered) is flagged on the dealer that planted it, with its evidence.
 */
import { describe, expect, it } from 'vitest';
import { type DemoOptions, generateNetwork, generateTransactions } from '../demo/generator';
import { detectIntegrityFlags, type FeedRow, poissonTail } from './integrity';
import { detectRdrFlags, type RdrRow } from './integrity-rdr';

const OPTIONS: DemoOptions = {
  seed: 21,
  dealers: 150,
  months: 24,
  endMonth: '2026-10',
  modelLines: 12,
};

function demoFeed(): FeedRow[] {
  const network = generateNetwork(OPTIONS);
  const rows: FeedRow[] = [];
  for (const t of generateTransactions(network, OPTIONS)) {
    if (t.kind !== 'retail_delivery' && t.kind !== 'unwind') continue;
    rows.push({
      dealer: t.dealerCode,
      kind: t.kind,
      vin: t.vin,
      quantity: t.quantity,
      amount: t.amount,
      occurredOn: t.occurredOn,
    });
  }
  return rows;
}

describe('integrity detectors', () => {
  const clean = demoFeed();
  const dealers = [...new Set(clean.map((r) => r.dealer))].sort();

  it('computes Poisson tails', () => {
    expect(poissonTail(0, 3)).toBe(1);
    expect(poissonTail(1, 2)).toBeCloseTo(1 - Math.exp(-2), 10);
  });

  it('flags fewer than 1 % of the clean demo dealers', () => {
    const flagged = new Set(detectIntegrityFlags(clean).map((f) => f.dealer));
    expect(dealers.length).toBeGreaterThanOrEqual(140);
    expect(flagged.size / dealers.length).toBeLessThan(0.01);
  });

  it('flags every planted pattern on its dealer, with evidence', () => {
    const [spiker, unwinder, copier, claimer] = dealers.slice(10, 14) as [
      string,
      string,
      string,
      string,
    ];
    const planted: FeedRow[] = [...clean];
    // A bank of 9 sales released on the last two days of June 2026, 6 unwound in July.
    for (let i = 0; i < 9; i += 1) {
      const vin = `PLANTSPIKE${String(i).padStart(7, '0')}`;
      planted.push({
        dealer: spiker,
        kind: 'retail_delivery',
        vin,
        quantity: 1,
        amount: '40000.00',
        occurredOn: `2026-06-${i % 2 ? 29 : 30}`,
      });
      if (i < 6)
        planted.push({
          dealer: spiker,
          kind: 'unwind',
          vin,
          quantity: -1,
          amount: '-40000.00',
          occurredOn: '2026-07-15',
        });
    }
    // 25 of one dealer's deliveries unwound.
    const own = clean
      .filter((r) => r.dealer === unwinder && r.kind === 'retail_delivery' && r.vin)
      .slice(0, 25);
    for (const d of own)
      planted.push({
        ...d,
        kind: 'unwind',
        quantity: -1,
        amount: `-${d.amount}`,
        occurredOn: d.occurredOn.replace(/-\d\d$/, '-28'),
      });
    // Another dealer reports a VIN the first one delivered (and never unwound).
    const taken = clean.find(
      (r) => r.dealer === unwinder && r.kind === 'retail_delivery' && r.vin && !own.includes(r),
    )!;
    planted.push({ ...taken, dealer: copier, occurredOn: '2026-09-10' });
    const claims = [
      { id: 77, dealer: claimer, vin: taken.vin!, program: 'P-BEV', deliveredOn: '2026-09-01' },
    ];

    const flags = detectIntegrityFlags(planted, claims, { tierThresholds: [20, 40, 60] });
    const of = (kind: string, dealer: string) =>
      flags.filter((f) => f.kind === kind && f.dealer === dealer);
    const spike = of('month_end_spike_unwound', spiker);
    expect(spike).toHaveLength(1);
    expect(spike[0]!.evidence.unwound).toHaveLength(6);
    expect(spike[0]!.amountAtStake).toBe('240000.00');
    expect(of('unwind_rate', unwinder)).toHaveLength(1);
    expect(of('duplicate_vin', copier)[0]!.evidence.vin).toBe(taken.vin);
    expect(of('duplicate_vin', unwinder)).toHaveLength(1);
    expect(of('claim_not_delivered', claimer)[0]!.evidence).toMatchObject({
      claimId: 77,
      deliveredBy: [unwinder, copier],
    });
    // Nobody else is flagged beyond the clean baseline.
    const baseline = new Set(detectIntegrityFlags(clean).map((f) => f.dealer));
    const others = new Set(
      flags
        .map((f) => f.dealer)
        .filter((d) => ![spiker, unwinder, copier, claimer].includes(d) && !baseline.has(d)),
    );
    expect([...others]).toEqual([]);
  });
});

describe('integrity detectors on the retail delivery report', () => {
  const clean = demoFeed();
  const deliveries = clean.filter((r) => r.kind === 'retail_delivery');
  const dealers = [...new Set(deliveries.map((r) => r.dealer))].sort();
  // A realistic report: about 2 % employee sales, 0.2 % to the dealer itself, 1 % demonstrators,
  // 0.5 % loaners, the rest retail with a delivery mileage (a few demonstrators' mileages).
  let state = 12345;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const report: RdrRow[] = deliveries.map((d) => {
    const u = random();
    const category =
      u < 0.02 ? 'employee' : u < 0.03 ? 'demonstrator' : u < 0.035 ? 'loaner' : 'retail';
    return {
      dealer: d.dealer,
      vin: d.vin,
      occurredOn: d.occurredOn,
      amount: d.amount,
      saleCategory: category,
      buyerType: random() < 0.002 ? 'dealer' : 'individual',
      odometerKm: random() < 0.003 ? 1500 : Math.floor(random() * 40),
    };
  });
  const counts = (rows: FeedRow[]) => {
    const by = new Map<string, number>();
    for (const r of rows) by.set(r.dealer, (by.get(r.dealer) ?? 0) + r.quantity);
    return by;
  };

  it('flags fewer than 1 % of the clean demo dealers', () => {
    const flags = detectRdrFlags(report, { deliveries: counts(deliveries) });
    expect(new Set(flags.map((f) => f.dealer)).size / dealers.length).toBeLessThan(0.01);
  });

  it('flags every planted case: deliveries to itself, to employees, demonstrators as retail', () => {
    const [own, staff, demo] = dealers.slice(20, 23) as [string, string, string];
    const planted = report.map((r) => ({ ...r }));
    const of = (dealer: string) => planted.filter((r) => r.dealer === dealer);
    // Four cars sold to the dealer itself at the end of June 2026.
    const ownRows = of(own)
      .filter((r) => r.occurredOn.startsWith('2026-06'))
      .slice(0, 4);
    for (const r of ownRows) r.buyerType = 'dealer';
    // A quarter of one dealer's sales to its employees.
    const staffRows = of(staff).filter((_, i) => i % 4 === 0);
    for (const r of staffRows) r.saleCategory = 'employee';
    // A fifth of another's "retail" sales are demonstrators or loaners (by category or mileage).
    const demoRows = of(demo).filter((_, i) => i % 5 === 0);
    demoRows.forEach((r, i) => {
      if (i % 2) Object.assign(r, { odometerKm: 4200, saleCategory: 'retail' });
      else r.saleCategory = 'loaner';
    });
    const monthUnits = new Map<string, number>();
    for (const d of deliveries) {
      const key = `${d.dealer}|${d.occurredOn.slice(0, 7)}`;
      monthUnits.set(key, (monthUnits.get(key) ?? 0) + 1);
    }
    const flags = detectRdrFlags(planted, {
      deliveries: counts(deliveries),
      monthUnits,
      tierThresholds: [monthUnits.get(`${own}|2026-06`)! - 1],
    });
    const ownFlag = flags.find((f) => f.dealer === own && f.key === `self:${own}:2026-06`)!;
    expect(ownFlag.kind).toBe('self_delivery');
    expect((ownFlag.evidence.deliveries as { vin: string }[]).map((d) => d.vin).sort()).toEqual(
      ownRows.map((r) => r.vin).sort(),
    );
    expect(ownFlag.evidence.tiersAffected).toHaveLength(1);
    const sum = (rows: RdrRow[]) => rows.reduce((s, r) => s + Number(r.amount), 0).toFixed(2);
    expect(ownFlag.amountAtStake).toBe(sum(ownRows));
    const staffFlag = flags.find((f) => f.dealer === staff && f.kind === 'self_delivery')!;
    expect(staffFlag.evidence.units).toBeGreaterThanOrEqual(staffRows.length);
    const demoFlag = flags.find((f) => f.dealer === demo && f.kind === 'demo_loaner_as_retail')!;
    const vins = new Set((demoFlag.evidence.vins as { vin: string }[]).map((v) => v.vin));
    expect(demoRows.every((r) => vins.has(r.vin!))).toBe(true);
    const baseline = new Set(
      detectRdrFlags(report, { deliveries: counts(deliveries) }).map((f) => f.dealer),
    );
    const others = flags
      .map((f) => f.dealer)
      .filter((d) => ![own, staff, demo].includes(d) && !baseline.has(d));
    expect(others).toEqual([]);
  });
});
