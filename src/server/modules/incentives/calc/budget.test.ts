import { describe, expect, it } from 'vitest';
import { calculateBudgetUse } from './budget';

describe('budget', () => {
  const earned = [
    { dealerCode: 'D1', earned: '60000.00' },
    { dealerCode: 'D2', earned: '45000.50' },
    { dealerCode: 'D3', earned: '-500.00' },
  ];

  it('shows an overrun, never pro-rates', () => {
    expect(
      calculateBudgetUse({ program: { currency: 'USD', budget: '100000.00' }, earned }),
    ).toEqual({
      currency: 'USD',
      budget: '100000.00',
      dealerCount: 3,
      totalEarned: '104500.50',
      remaining: '0.00',
      overrun: '4500.50',
      isOverrun: true,
      usedPercent: '104.50',
    });
  });

  it('within budget: the remainder', () => {
    const use = calculateBudgetUse({ program: { currency: 'USD', budget: '200000' }, earned });
    expect(use).toMatchObject({
      remaining: '95499.50',
      overrun: '0.00',
      isOverrun: false,
      usedPercent: '52.25',
    });
  });

  it('no budget: nothing to overrun', () => {
    const use = calculateBudgetUse({
      program: { currency: 'JPY', budget: null },
      earned: [{ dealerCode: 'D1', earned: '1500' }],
    });
    expect(use).toMatchObject({
      budget: null,
      totalEarned: '1500',
      remaining: null,
      overrun: '0',
      isOverrun: false,
    });
  });
});
