// Over 600 lines: the unit tests of statement.ts, one describe per rule of the calculation.
import { describe, expect, it } from 'vitest';
import { Dec } from '../../../../shared/money';
import type { SettledUnitBenefit } from '../../../../shared/schemas/program';
import { calculateStatement, groupTransactionsByWindow, type Statement } from './statement';
import { DEALER, makeProgram, makeSale, makeSales } from './test-fixtures';

function sumLines(statement: Statement): string {
  return statement.lines.reduce((t, l) => t.plus(l.amount), new Dec(0)).toFixed(2);
}

describe('the worked check of issue 4', () => {
  const tiers = [
    { from: '0', value: '100' },
    { from: '50', value: '200' },
  ];
  const sales = makeSales(60);

  it('retroactive pays 60 × 200 = 12,000.00', () => {
    const s = calculateStatement({
      program: makeProgram({ tiers, tierMode: 'retroactive' }),
      dealer: DEALER,
      period: '2026-Q1',
      transactions: sales,
    });
    expect(s.measureValue).toBe('60');
    expect(s.tierReached).toBe('50');
    expect(s.earned).toBe('12000.00');
    expect(s.lines).toHaveLength(60);
    expect(s.lines.every((l) => l.amount === '200.00' && l.rate === '200')).toBe(true);
    expect(sumLines(s)).toBe(s.earned);
  });

  it('incremental pays 50 × 100 + 10 × 200 = 7,000.00, allocated by date then id', () => {
    const s = calculateStatement({
      program: makeProgram({ tiers, tierMode: 'incremental' }),
      dealer: DEALER,
      period: '2026-Q1',
      transactions: [...sales].reverse(),
    });
    expect(s.earned).toBe('7000.00');
    expect(s.lines.slice(0, 50).every((l) => l.amount === '100.00')).toBe(true);
    expect(s.lines.slice(50).every((l) => l.amount === '200.00')).toBe(true);
    expect(s.lines.map((l) => l.transactionId)).toEqual(sales.map((t) => t.id));
    expect(s.lines[50]?.explanation).toContain('unit 51 at 200 per unit');
    expect(sumLines(s)).toBe('7000.00');
  });

  it('the totals-only path gives the same cents', () => {
    for (const tierMode of ['retroactive', 'incremental'] as const) {
      const input = {
        program: makeProgram({ tiers, tierMode }),
        dealer: DEALER,
        period: '2026-Q1',
        transactions: sales,
      };
      const full = calculateStatement(input);
      const totals = calculateStatement({ ...input, includeLines: false });
      expect(totals.lines).toEqual([]);
      expect(totals.lineCount).toBe(full.lineCount);
      expect(totals.earned).toBe(full.earned);
      expect(totals.amountDue).toBe(full.amountDue);
    }
  });
});

describe('benefits', () => {
  it('per_unit rounds half-up per line: 0.005 per unit pays 0.01 a unit, −0.01 an unwind', () => {
    const program = makeProgram({ tiers: [{ from: '0', value: '0.005' }] });
    for (const includeLines of [true, false]) {
      const s = calculateStatement({
        program,
        dealer: DEALER,
        period: '2026-Q1',
        transactions: [
          ...makeSales(3),
          makeSale({ kind: 'unwind', quantity: -1, amount: '-1', occurredOn: '2026-03-01' }),
        ],
        includeLines,
      });
      expect(s.earned).toBe('0.02');
      if (includeLines)
        expect(s.lines.map((l) => l.amount)).toEqual(['0.01', '0.01', '0.01', '-0.01']);
    }
  });

  it('percent_of_revenue rounds each line half-up to the cent', () => {
    const program = makeProgram({
      benefit: 'percent_of_revenue',
      tiers: [{ from: '0', value: '0.5' }],
    });
    // 0.5% of 1001.00 = 5.005 → 5.01; of 1000.90 = 5.0045 → 5.00
    const s = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-Q1',
      transactions: [
        makeSale({ amount: '1001.00', occurredOn: '2026-01-02' }),
        makeSale({ amount: '1000.90', occurredOn: '2026-01-03' }),
      ],
    });
    expect(s.lines.map((l) => l.amount)).toEqual(['5.01', '5.00']);
    expect(s.earned).toBe('10.01');
    const totals = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-Q1',
      transactions: [
        makeSale({ amount: '1001.00', occurredOn: '2026-01-02' }),
        makeSale({ amount: '1000.90', occurredOn: '2026-01-03' }),
      ],
      includeLines: false,
    });
    expect(totals.earned).toBe('10.01');
    expect(s.lines[0]?.basis).toBe('1001');
  });

  it('an unwind rounds away from zero too, so it takes back exactly what the sale paid', () => {
    const program = makeProgram({
      benefit: 'percent_of_revenue',
      tiers: [{ from: '0', value: '0.5' }],
    });
    const s = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-Q1',
      transactions: [
        makeSale({ amount: '1001.00', occurredOn: '2026-01-02' }),
        makeSale({ kind: 'unwind', quantity: -1, amount: '1001.00', occurredOn: '2026-01-09' }),
      ],
    });
    expect(s.lines.map((l) => l.amount)).toEqual(['5.01', '-5.01']);
    expect(s.earned).toBe('0.00');
    expect(s.measureValue).toBe('0');
  });

  it('percent_of_msrp pays value% of the SKU MSRP per paying unit', () => {
    const program = makeProgram({
      benefit: 'percent_of_msrp',
      tiers: [{ from: '1', value: '2.5' }],
    });
    const s = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-Q1',
      transactions: [makeSale({ msrp: '41999.99', quantity: 2, amount: '80000.00' })],
    });
    // 2.5% × 41,999.99 × 2 = 2,099.9995 → 2,100.00
    expect(s.lines[0]?.basis).toBe('83999.98');
    expect(s.earned).toBe('2100.00');
    expect(s.volumes.payingMsrp).toBe('83999.98');
  });

  it('lump_sum pays once per dealer and window, at the tier reached', () => {
    const program = makeProgram({
      benefit: 'lump_sum',
      tiers: [
        { from: '10', value: '5000' },
        { from: '20', value: '12500.50' },
      ],
    });
    const below = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-Q1',
      transactions: makeSales(9),
    });
    expect(below.earned).toBe('0.00');
    expect(below.lines).toEqual([]);
    const s = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-Q1',
      transactions: makeSales(25),
    });
    expect(s.lines).toHaveLength(1);
    expect(s.lines[0]).toMatchObject({ transactionId: null, kind: 'benefit', amount: '12500.50' });
    expect(s.earned).toBe('12500.50');
  });

  it('below the first tier every paying transaction has a zero line saying why', () => {
    const program = makeProgram({ tiers: [{ from: '5', value: '100' }] });
    const s = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-Q1',
      transactions: makeSales(3),
    });
    expect(s.tierReached).toBeNull();
    expect(s.lines).toHaveLength(3);
    expect(s.lines.every((l) => l.amount === '0.00')).toBe(true);
    expect(s.lines[0]?.explanation).toContain('no tier reached');
  });

  it('incremental revenue tiers split a transaction across the boundary (one line, two parts)', () => {
    const program = makeProgram({
      measure: 'revenue',
      benefit: 'percent_of_revenue',
      tierMode: 'incremental',
      tiers: [
        { from: '0', value: '1' },
        { from: '100000', value: '2' },
      ],
    });
    const s = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-Q1',
      transactions: [
        makeSale({ amount: '60000.00', occurredOn: '2026-01-02' }),
        makeSale({ amount: '60000.00', occurredOn: '2026-01-03' }),
      ],
    });
    // 1% of 60,000 = 600; then 1% of 40,000 + 2% of 20,000 = 400 + 400 = 800
    expect(s.lines.map((l) => l.amount)).toEqual(['600.00', '800.00']);
    expect(s.lines[1]?.parts?.map((p) => [p.from, p.to, p.rate])).toEqual([
      ['60000', '100000', '1'],
      ['100000', '120000', '2'],
    ]);
    expect(s.lines[1]?.rate).toBeNull();
    expect(s.earned).toBe('1400.00');
  });

  it('incremental volume beyond the measure stays at the reached tier', () => {
    // Qualifying: SUVs only (40, below the 50 tier); paying: everything (60 units).
    const program = makeProgram({
      tierMode: 'incremental',
      qualifying: { modelLines: ['SUV'] },
      paying: { modelLines: [] },
    });
    const s = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-Q1',
      transactions: [...makeSales(40), ...makeSales(20, { modelLineCode: 'SEDAN' })],
    });
    expect(s.tierReached).toBe('0');
    expect(s.earned).toBe('6000.00');
  });
});

describe('measures in statements', () => {
  it('agreement_attainment: qualifying units / planned × 100', () => {
    const program = makeProgram({
      measure: 'agreement_attainment',
      tiers: [
        { from: '90', value: '100' },
        { from: '100', value: '250' },
      ],
    });
    const input = { program, dealer: DEALER, period: '2026-Q1', transactions: makeSales(27) };
    const s = calculateStatement({ ...input, plannedQuantity: 30 });
    expect(s.measureValue).toBe('90');
    expect(s.earned).toBe('2700.00');
    const none = calculateStatement(input);
    expect(none.measureValue).toBeNull();
    expect(none.measureNote).toContain('planned quantity');
    expect(none.earned).toBe('0.00');
  });

  it('ev_share: BEV units / qualifying units, paying on BEVs only', () => {
    const program = makeProgram({
      measure: 'ev_share',
      paying: { powertrains: ['BEV'] },
      tiers: [
        { from: '20', value: '300' },
        { from: '40', value: '700' },
      ],
    });
    const s = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-Q1',
      transactions: [...makeSales(4), ...makeSales(6, { powertrain: 'ICE', sku: 'SUV-ICE-1' })],
    });
    expect(s.measureValue).toBe('40');
    expect(s.lines).toHaveLength(4);
    expect(s.earned).toBe('2800.00');
  });

  it('ev_share is exact: 1 of 3 is 33.333333…%, below a 33.333334 tier', () => {
    const program = makeProgram({
      measure: 'ev_share',
      tiers: [{ from: '33.333334', value: '1' }],
    });
    const s = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-Q1',
      transactions: [makeSale(), ...makeSales(2, { powertrain: 'HEV' })],
    });
    expect(s.measureValue).toBe('33.333333');
    expect(s.tierReached).toBeNull();
  });

  it('growth with growthBenefitBase all pays on all paying volume', () => {
    const program = makeProgram({
      measure: 'growth',
      growthBasis: 'units',
      growthBenefitBase: 'all',
      tiers: [
        { from: '0', value: '100' },
        { from: '10', value: '200' },
      ],
    });
    const s = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-Q1',
      transactions: makeSales(44),
      priorYear: { units: 40, revenue: '0' },
    });
    expect(s.measureValue).toBe('10');
    expect(s.earned).toBe('8800.00');
  });

  it('growth with growthBenefitBase increment pays only above the prior year', () => {
    const program = makeProgram({
      measure: 'growth',
      growthBasis: 'units',
      growthBenefitBase: 'increment',
      tiers: [{ from: '5', value: '200' }],
    });
    const sales = makeSales(44);
    const s = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-Q1',
      transactions: sales,
      priorYear: { units: 40, revenue: '0' },
    });
    expect(s.earned).toBe('800.00');
    expect(s.lines.filter((l) => l.amount !== '0.00').map((l) => l.transactionId)).toEqual(
      sales.slice(40).map((t) => t.id),
    );
    expect(s.lines[0]?.explanation).toContain("within the prior year's 40 units: not paid");
    const noPrior = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-Q1',
      transactions: sales,
    });
    expect(noPrior.measureValue).toBeNull();
    expect(noPrior.earned).toBe('0.00');
  });

  it('growth on revenue can have a negative tier (hold the decline within 5%)', () => {
    const program = makeProgram({
      measure: 'growth',
      growthBasis: 'revenue',
      benefit: 'percent_of_revenue',
      tiers: [{ from: '-5', value: '1' }],
    });
    const s = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-Q1',
      transactions: makeSales(19, { amount: '10000.00' }),
      priorYear: { units: 20, revenue: '200000.00' },
    });
    expect(s.measureValue).toBe('-5');
    expect(s.earned).toBe('1900.00');
  });
});

describe('caps, adjustments, eligibility, currency', () => {
  it('a cap appears as a negative cap line so the lines still sum to the total', () => {
    const program = makeProgram({ capPerDealer: '10000.00' });
    const s = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-Q1',
      transactions: makeSales(60),
    });
    expect(s.benefitTotal).toBe('12000.00');
    expect(s.capApplied).toBe(true);
    expect(s.lines.at(-1)).toMatchObject({ kind: 'cap', amount: '-2000.00' });
    expect(s.earned).toBe('10000.00');
    expect(sumLines(s)).toBe('10000.00');
    const totals = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-Q1',
      transactions: makeSales(60),
      includeLines: false,
    });
    expect(totals.earned).toBe('10000.00');
    expect(totals.lineCount).toBe(61);
  });

  it('adjustment lines add to earned', () => {
    const s = calculateStatement({
      program: makeProgram(),
      dealer: DEALER,
      period: '2026-Q1',
      transactions: makeSales(2),
      adjustments: [{ reference: 'DSP-7', amount: '-50.005', explanation: 'dispute resolved' }],
      previouslySettled: '100.00',
    });
    expect(s.lines.at(-1)).toMatchObject({ kind: 'adjustment', amount: '-50.01' });
    expect(s.earned).toBe('149.99');
    expect(s.amountDue).toBe('49.99');
  });

  it('an ineligible dealer earns nothing and is told why', () => {
    const program = makeProgram({ eligibility: { regions: ['US-EAST'] } });
    const s = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-Q1',
      transactions: makeSales(60),
    });
    expect(s.eligible).toBe(false);
    expect(s.ineligibleReasons[0]).toContain('US-EAST');
    expect(s.measureValue).toBe('60');
    expect(s.lines).toEqual([]);
    expect(s.earned).toBe('0.00');
  });

  it('transactions in another currency are excluded and listed', () => {
    const s = calculateStatement({
      program: makeProgram(),
      dealer: DEALER,
      period: '2026-Q1',
      transactions: [makeSale({ currency: 'CAD' }), makeSale()],
    });
    expect(s.measureValue).toBe('1');
    expect(s.excluded).toMatchObject([{ reason: 'currency_mismatch' }]);
  });

  it('wholesale kinds do not count unless listed; unwinds net only in retail programs', () => {
    const txs = [
      makeSale(),
      makeSale({ kind: 'invoice' }),
      makeSale({ kind: 'unwind', quantity: -1, amount: '-45000.00' }),
    ];
    const retail = calculateStatement({
      program: makeProgram(),
      dealer: DEALER,
      period: '2026-Q1',
      transactions: txs,
    });
    expect(retail.measureValue).toBe('0');
    const wholesale = calculateStatement({
      program: makeProgram({ qualifying: { kinds: ['invoice'] } }),
      dealer: DEALER,
      period: '2026-Q1',
      transactions: txs,
    });
    expect(wholesale.measureValue).toBe('1');
  });
});

describe('grace days', () => {
  const program = makeProgram({
    measurementPeriod: 'month',
    payoutFrequency: 'month',
    graceDays: 5,
  });

  it('a sale dated in the period that arrives within the grace days counts', () => {
    const s = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-01',
      transactions: [makeSale({ occurredOn: '2026-01-31', receivedAt: '2026-02-05T23:59:59Z' })],
    });
    expect(s.measureValue).toBe('1');
  });

  it('a sale arriving later does not count for its period (nor any other) and is listed as late', () => {
    const late = makeSale({ occurredOn: '2026-01-31', receivedAt: '2026-02-06T00:00:00Z' });
    const jan = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-01',
      transactions: [late],
    });
    expect(jan.measureValue).toBe('0');
    expect(jan.excluded).toMatchObject([{ transactionId: late.id, reason: 'late' }]);
    const feb = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-02',
      transactions: [late],
    });
    expect(feb.measureValue).toBe('0');
  });

  it('an unwind arriving after its period’s grace counts on its arrival date', () => {
    const unwind = makeSale({
      kind: 'unwind',
      quantity: -1,
      amount: '-45000.00',
      occurredOn: '2026-01-30',
      receivedAt: '2026-02-20',
    });
    const jan = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-01',
      transactions: [unwind],
    });
    expect(jan.measureValue).toBe('0');
    const feb = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-02',
      transactions: [...makeSales(3, {}, '2026-02-02'), unwind],
    });
    expect(feb.measureValue).toBe('2');
    expect(feb.lines.at(-1)).toMatchObject({ date: '2026-02-20', amount: '-100.00' });
    expect(groupTransactionsByWindow({ program, transactions: [unwind] }).get('2026-02')).toEqual([
      unwind,
    ]);
  });

  it('cumulative statements use each payout period’s own deadline', () => {
    const cumulative = makeProgram({
      measurementPeriod: 'program',
      payoutFrequency: 'month',
      graceDays: 5,
    });
    const sale = makeSale({ occurredOn: '2026-01-20', receivedAt: '2026-02-20' });
    const jan = calculateStatement({
      program: cumulative,
      dealer: DEALER,
      period: '2026-01',
      transactions: [sale],
    });
    expect(jan.measureValue).toBe('0');
    const feb = calculateStatement({
      program: cumulative,
      dealer: DEALER,
      period: '2026-02',
      transactions: [sale],
    });
    expect(feb.measureValue).toBe('1');
  });
});

describe('unwinds and clawbacks', () => {
  const program = makeProgram({ measurementPeriod: 'month', payoutFrequency: 'month' });
  const sold = makeSale({
    occurredOn: '2026-01-15',
    externalId: 'DMS-1',
    vin: 'VINSOLD0000000001',
  });
  const settled: SettledUnitBenefit[] = [
    {
      transactionId: sold.id,
      window: '2026-01',
      vin: sold.vin,
      externalId: 'DMS-1',
      quantity: 1,
      amount: '187.50',
    },
  ];

  it('an unwind naming a sale settled in an earlier window claws back exactly what was paid', () => {
    const unwind = makeSale({
      kind: 'unwind',
      quantity: -1,
      amount: '-45000.00',
      occurredOn: '2026-02-03',
      vin: null,
      originalExternalId: 'DMS-1',
    });
    const s = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-02',
      transactions: [...makeSales(2, {}, '2026-02-01'), unwind],
      settledUnitBenefits: settled,
    });
    expect(s.measureValue).toBe('2');
    expect(s.lines.filter((l) => l.kind === 'clawback')).toMatchObject([
      { transactionId: unwind.id, amount: '-187.50', quantity: -1 },
    ]);
    expect(s.earned).toBe('12.50');
    expect(sumLines(s)).toBe('12.50');
  });

  it('by VIN too, and only once per sale', () => {
    const byVin = makeSale({
      kind: 'unwind',
      quantity: -1,
      amount: '-1',
      occurredOn: '2026-02-03',
      vin: sold.vin,
    });
    const again = makeSale({
      kind: 'unwind',
      quantity: -1,
      amount: '-1',
      occurredOn: '2026-02-04',
      vin: sold.vin,
    });
    const s = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-02',
      transactions: [byVin, again],
      settledUnitBenefits: settled,
      includeLines: false,
    });
    expect(s.earned).toBe('-187.50');
    expect(s.excluded).toMatchObject([{ transactionId: again.id, reason: 'duplicate_clawback' }]);
  });

  it('an unwind without a reference counts on its own date', () => {
    const unwind = makeSale({
      kind: 'unwind',
      quantity: -1,
      amount: '-1',
      occurredOn: '2026-02-03',
      vin: null,
    });
    const s = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-02',
      transactions: [...makeSales(2, {}, '2026-02-01'), unwind],
      settledUnitBenefits: settled,
    });
    expect(s.measureValue).toBe('1');
    expect(s.earned).toBe('100.00');
  });

  it('an unwind of a sale settled in the same (cumulative) window nets instead', () => {
    const cumulative = makeProgram({ measurementPeriod: 'program', payoutFrequency: 'month' });
    const unwind = makeSale({
      kind: 'unwind',
      quantity: -1,
      amount: '-1',
      occurredOn: '2026-02-03',
      vin: sold.vin,
    });
    const s = calculateStatement({
      program: cumulative,
      dealer: DEALER,
      period: '2026-02',
      transactions: [sold, unwind],
      settledUnitBenefits: [{ ...settled[0]!, window: 'program' }],
      previouslySettled: '100.00',
    });
    expect(s.lines.some((l) => l.kind === 'clawback')).toBe(false);
    expect(s.earned).toBe('0.00');
    expect(s.amountDue).toBe('-100.00');
  });

  it('a unit paid by a claim adjustment is clawed back in any window, its own too, once', () => {
    const unwind = makeSale({
      kind: 'unwind',
      quantity: -1,
      amount: '-1',
      occurredOn: '2026-01-20',
      vin: null,
      originalExternalId: 'DMS-1',
    });
    const byClaim: SettledUnitBenefit = { ...settled[0]!, window: '2026-02', claimId: '7' };
    const run = (entry: SettledUnitBenefit) =>
      calculateStatement({
        program,
        dealer: DEALER,
        period: '2026-01',
        transactions: [unwind],
        settledUnitBenefits: [entry],
      });
    // the sale's own window (January): the claim's sale is in no statement, nothing nets
    const s = run(byClaim);
    expect(s.lines.filter((l) => l.kind === 'clawback')).toMatchObject([
      { transactionId: unwind.id, amount: '-187.50' },
    ]);
    expect(s.lines[0]!.explanation).toMatch(/paid by the adjustment of claim 7 in 2026-02/);
    expect(s.earned).toBe('-187.50');
    // clawed back by an approved statement of January: January keeps it, another window not
    expect(run({ ...byClaim, clawedBackIn: '2026-01' }).earned).toBe('-187.50');
    expect(
      run({ ...byClaim, clawedBackIn: '2026-03' }).lines.some((l) => l.kind === 'clawback'),
    ).toBe(false);
  });
});

describe('cumulative settlement (measured on the program, paid monthly)', () => {
  const program = makeProgram({ measurementPeriod: 'program', payoutFrequency: 'month' });
  const january = makeSales(60, {}, '2026-01-01').map((t, i) => ({
    ...t,
    occurredOn: `2026-01-${String((i % 28) + 1).padStart(2, '0')}`,
  }));
  const februaryUnwinds = january.slice(0, 15).map((t, i) =>
    makeSale({
      kind: 'unwind',
      quantity: -1,
      amount: '-45000.00',
      vin: t.vin,
      occurredOn: `2026-02-${String(i + 1).padStart(2, '0')}`,
    }),
  );
  const all = [...january, ...februaryUnwinds];

  it('January settles 60 units at the 200 tier', () => {
    const s = calculateStatement({ program, dealer: DEALER, period: '2026-01', transactions: all });
    expect(s.isCumulative).toBe(true);
    expect(s.cutoff).toBe('2026-01-31');
    expect(s.earned).toBe('12000.00');
    expect(s.amountDue).toBe('12000.00');
  });

  it('February: 45 net units fall to the 100 tier, so the amount due is a clawback', () => {
    const s = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-02',
      transactions: all,
      previouslySettled: '12000.00',
    });
    expect(s.measureValue).toBe('45');
    expect(s.tierReached).toBe('0');
    expect(s.earned).toBe('4500.00');
    expect(s.amountDue).toBe('-7500.00');
    expect(sumLines(s)).toBe('4500.00');
  });

  it('March, nothing new: due is zero', () => {
    const s = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-03',
      transactions: all,
      previouslySettled: '4500.00',
    });
    expect(s.amountDue).toBe('0.00');
  });
});

describe('determinism', () => {
  it('the same input gives the same output, whatever the order of the rows', () => {
    const program = makeProgram({ tierMode: 'incremental', capPerDealer: '6000.00' });
    const rows = [
      ...makeSales(40),
      makeSale({ kind: 'unwind', quantity: -1, amount: '-1' }),
      ...makeSales(30),
    ];
    const a = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-Q1',
      transactions: rows,
    });
    const b = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-Q1',
      transactions: [...rows].reverse(),
    });
    expect(b).toEqual(a);
  });

  it('rejects a period the program does not have, with the field path', () => {
    expect(() =>
      calculateStatement({
        program: makeProgram(),
        dealer: DEALER,
        period: '2026-Q3',
        transactions: [],
      }),
    ).toThrowError(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        details: expect.objectContaining({
          problems: [expect.objectContaining({ path: 'period' })],
        }),
      }),
    );
  });
});
