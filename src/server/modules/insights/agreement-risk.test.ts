/**
 * The as-of basis (riskBasis) and the supply driver (assessCommitment with `supply`): the months
 * after the feed's last month are forecast, not counted as empty; a supply short of the next 30
 * days' expected sales lowers the expected outcome by exactly the driver, and the drivers add up.
 */
import { describe, expect, it } from 'vitest';
import { auraAgreement, HISTORY, lineHistory } from './test-fixtures';
import { assessCommitment } from './assess';
import { assessAgreement, riskBasis } from './agreement-risk';

const history = HISTORY;

describe('riskBasis', () => {
  it('is the current month while the feed is current', () => {
    expect(riskBasis('2026-04-20', '2026-04')).toEqual({ month: '2026-04', asOf: '2026-03-31' });
    expect(riskBasis('2026-04-20', '2026-03')).toEqual({ month: '2026-04', asOf: '2026-03-31' });
    expect(riskBasis('2026-04-20', null)).toEqual({ month: '2026-04', asOf: '2026-03-31' });
  });
  it('is the month after the last month with actuals when the feed stops earlier', () => {
    expect(riskBasis('2026-06-20', '2026-03')).toEqual({ month: '2026-04', asOf: '2026-03-31' });
    expect(riskBasis('2027-01-03', '2026-11')).toEqual({ month: '2026-12', asOf: '2026-11-30' });
  });
});

describe('assessAgreement as of the basis', () => {
  const agreement = auraAgreement({ aura: Array(12).fill(9) });
  // 2023-01 … 2026-03
  const line = lineHistory('1000000.00');
  const histories = new Map([[1, line]]);
  it('forecasts the months after the feed instead of counting them as empty', () => {
    const today = '2026-06-20';
    const basis = riskBasis(today, '2026-03');
    const [withBasis] = assessAgreement(agreement, histories, {
      today,
      currency: 'USD',
      basis: basis.month,
      asOf: basis.asOf,
    });
    const [naive] = assessAgreement(agreement, histories, { today, currency: 'USD' });
    expect(withBasis!.elapsedMonths).toBe(3);
    expect(withBasis!.asOf).toBe('2026-03-31');
    expect(naive!.elapsedMonths).toBe(5);
    expect(withBasis!.probability).toBeGreaterThan(naive!.probability + 0.2);
  });
});

describe('the supply driver', () => {
  const input = {
    label: 'Aura',
    history,
    plannedByMonth: Array(12).fill(9),
    elapsed: 3,
  };
  it('takes the units the supply cannot cover off the expected outcome, exactly', () => {
    const free = assessCommitment(input);
    const short = assessCommitment({
      ...input,
      supply: { units: 2, daysSupply: 6, label: 'Aura' },
    });
    expect(free.supply).toBeNull();
    expect(short.supply!.shortage).toBeGreaterThan(5);
    expect(short.expected).toBeCloseTo(free.expected - short.supply!.shortage, 9);
    expect(short.probability).toBeLessThan(free.probability);
    const driver = short.drivers.find((d) => d.kind === 'availability')!;
    expect(driver.units).toBeCloseTo(Math.round(short.supply!.shortage * 10) / 10, 9);
    for (const a of [free, short]) {
      const sum = a.drivers.reduce((s, d) => s + d.units, 0);
      expect(Math.abs(sum - Math.round((a.commitment - a.expected) * 10) / 10)).toBeLessThan(1e-9);
    }
    // "ask for allocation": the units the plan needs in the next 30 days beyond the supply.
    expect(short.supply!.ask).toBeGreaterThan(0);
    expect(short.supply!.probability).toBeGreaterThan(short.probability);
  });
  it('does nothing when the supply covers the window', () => {
    const plenty = assessCommitment({
      ...input,
      supply: { units: 200, daysSupply: 600, label: 'Aura' },
    });
    expect(plenty.supply!.shortage).toBe(0);
    expect(plenty.supply!.ask).toBe(0);
    expect(plenty.expected).toBeCloseTo(assessCommitment(input).expected, 9);
  });
});
