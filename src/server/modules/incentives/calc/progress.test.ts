import { describe, expect, it } from 'vitest';
import { bevUnitsNeeded, calculateProgress, hypotheticalTransactions, whatIf } from './progress';
import { DEALER, makeProgram, makeSale, makeSales } from './test-fixtures';

describe('progress', () => {
  it('units: 42 so far, 8 more reach the 50 tier, which adds 8 × 200 + 42 × 100', () => {
    const p = calculateProgress({
      program: makeProgram(),
      dealer: DEALER,
      asOf: '2026-02-25',
      transactions: makeSales(42),
    });
    expect(p.period).toBe('2026-Q1');
    expect(p.measureValue).toBe('42');
    expect(p.tierReached).toBe('0');
    expect(p.earned).toBe('4200.00');
    expect(p.nextTier).toEqual({ from: '50', value: '200' });
    expect(p.needed).toEqual({ measure: '8', units: 8, revenue: null });
    expect(p.nextTierAdds).toBe('5800.00');
  });

  it('counts only what is dated up to asOf', () => {
    const p = calculateProgress({
      program: makeProgram(),
      dealer: DEALER,
      asOf: '2026-01-10',
      transactions: makeSales(42),
    });
    expect(p.measureValue).toBe('6');
  });

  it('at the top tier there is no next tier', () => {
    const p = calculateProgress({
      program: makeProgram(),
      dealer: DEALER,
      asOf: '2026-03-31',
      transactions: makeSales(55),
    });
    expect(p.nextTier).toBeNull();
    expect(p.needed).toBeNull();
    expect(p.nextTierAdds).toBeNull();
  });

  it('ev_share: the BEVs to add (numerator and denominator both grow)', () => {
    const program = makeProgram({
      measure: 'ev_share',
      tiers: [
        { from: '0', value: '0' },
        { from: '30', value: '500' },
      ],
    });
    const p = calculateProgress({
      program,
      dealer: DEALER,
      asOf: '2026-03-01',
      transactions: [...makeSales(2), ...makeSales(8, { powertrain: 'ICE', sku: 'ICE-1' })],
    });
    expect(p.measureValue).toBe('20');
    // (2 + n) / (10 + n) ≥ 30%  ⇔  n ≥ 10 / 7  ⇒  2
    expect(p.needed).toEqual({ measure: '10', units: 2, revenue: null });
    // 12 units: 4 BEV = 33.3% → 500 × 12
    expect(p.nextTierAdds).toBe('6000.00');
    expect(bevUnitsNeeded({ qualifyingUnits: 0, bevUnits: 0, targetPercent: 50 })).toBe(1);
    expect(bevUnitsNeeded({ qualifyingUnits: 5, bevUnits: 4, targetPercent: 100 })).toBeNull();
  });

  it('agreement_attainment: the units to reach the next percentage', () => {
    const program = makeProgram({
      measure: 'agreement_attainment',
      tiers: [
        { from: '80', value: '100' },
        { from: '100', value: '300' },
      ],
    });
    const p = calculateProgress({
      program,
      dealer: DEALER,
      asOf: '2026-03-01',
      transactions: makeSales(25),
      plannedQuantity: 30,
    });
    expect(p.measureValue).toBe('83.333333');
    expect(p.needed?.units).toBe(5);
    expect(p.needed?.measure).toMatch(/^16\.66666/);
    expect(p.nextTierAdds).toBe('6500.00');
  });

  it('revenue: the gap in money and in typical units', () => {
    const program = makeProgram({
      measure: 'revenue',
      benefit: 'percent_of_revenue',
      tiers: [
        { from: '0', value: '1' },
        { from: '1000000', value: '2' },
      ],
    });
    const p = calculateProgress({
      program,
      dealer: DEALER,
      asOf: '2026-03-01',
      transactions: makeSales(20, { amount: '45000.00' }),
    });
    expect(p.needed).toEqual({ measure: '100000', units: 3, revenue: '100000' });
    // 23 × 45,000 × 2% − 20 × 45,000 × 1%
    expect(p.nextTierAdds).toBe('11700.00');
  });

  it('growth without a prior year cannot say what is needed', () => {
    const program = makeProgram({
      measure: 'growth',
      growthBasis: 'units',
      tiers: [{ from: '5', value: '1' }],
    });
    const p = calculateProgress({
      program,
      dealer: DEALER,
      asOf: '2026-03-01',
      transactions: makeSales(3),
    });
    expect(p.needed).toBeNull();
    expect(p.note).toContain('prior-year');
  });
});

describe('what-if', () => {
  it('"5 more BEVs of model line SUV" is answered by the same engine', () => {
    const program = makeProgram({ qualifying: { powertrains: ['BEV'] } });
    const input = { program, dealer: DEALER, asOf: '2026-03-15', transactions: makeSales(47) };
    const extra = hypotheticalTransactions({
      template: {
        sku: 'SUV-EV-1',
        modelLineCode: 'SUV',
        powertrain: 'BEV',
        segment: 'suv',
        msrp: '50000.00',
        amountPerUnit: '45000.00',
      },
      quantity: 5,
      date: '2026-03-20',
      currency: 'USD',
    });
    const result = whatIf({ input, extraTransactions: extra });
    expect(result.before.measureValue).toBe('47');
    expect(result.after.measureValue).toBe('52');
    expect(result.after.tierReached).toBe('50');
    expect(result.addedEarned).toBe('5700.00');
  });

  it('extra units that do not qualify add nothing', () => {
    const program = makeProgram({ qualifying: { powertrains: ['BEV'] } });
    const input = { program, dealer: DEALER, asOf: '2026-03-15', transactions: makeSales(47) };
    const result = whatIf({
      input,
      extraTransactions: [makeSale({ powertrain: 'ICE', occurredOn: '2026-03-16' })],
    });
    expect(result.addedEarned).toBe('0.00');
  });
});
