import { describe, expect, it } from 'vitest';
import { daysSupply } from './days-supply';

const position = { stock: 3, inTransit: 2, inBuild: 1, onOrder: 2, pendingAllocation: 2 };

describe("days' supply", () => {
  it('divides everything promised to the dealer by the expected daily sales', () => {
    const r = daysSupply({
      position,
      expectedDailySales: 0.5,
      today: '2026-04-20',
      nextEta: '2026-04-25',
    });
    expect(r).toEqual({ daysSupply: 20, stockDays: 6, runsOutBeforeNextDelivery: false });
  });

  it('warns when the stock runs out before the next vehicle arrives', () => {
    const r = daysSupply({
      position,
      expectedDailySales: 0.5,
      today: '2026-04-20',
      nextEta: '2026-05-01',
    });
    expect(r.runsOutBeforeNextDelivery).toBe(true);
    const none = daysSupply({
      position: { ...position, inTransit: 0 },
      expectedDailySales: 0.05,
      today: '2026-04-20',
      nextEta: null,
    });
    expect(none).toMatchObject({ stockDays: 60, runsOutBeforeNextDelivery: false });
  });

  it('has no days without expected sales', () => {
    expect(
      daysSupply({ position, expectedDailySales: 0, today: '2026-04-20', nextEta: null }),
    ).toEqual({
      daysSupply: null,
      stockDays: null,
      runsOutBeforeNextDelivery: false,
    });
  });
});
