import { describe, expect, it } from 'vitest';
import type { ProgramTierRisk } from '../../../shared/schemas/program-risk';
import { packTiers, unpackTiers } from './program-risk-store';

type Driver = ProgramTierRisk['drivers'][number];

const tier = (k: number, drivers: Driver[], reached = false): ProgramTierRisk => ({
  tier: k,
  from: String(10 * k),
  value: '100.00',
  threshold: reached ? 10 * k : k === 5 ? null : 10 * k,
  reached,
  probability: reached ? 1 : 1 / (k + 1),
  shortfall: k,
  unitsNow: k,
  unitsFor80: k,
  adds: '10.00',
  pays: '20.00',
  expectedShortfallMoney: '5.00',
  drivers,
});
const pace = (k: number): Driver => ({
  kind: 'pace',
  units: k,
  text: `${k} units behind tier ${k} so far`,
});
const seasonality: Driver = {
  kind: 'seasonality',
  units: 2,
  text: 'the remaining months sold 2 units less',
};
const trend = (units: number): Driver => ({
  kind: 'last_year',
  units,
  text: 'the forecast expects 3 more',
});
const mix: Driver = { kind: 'mix', units: 3, text: 'Brio: 3 fewer', additive: false };

describe('program risk tiers, stored', () => {
  const tiers = [
    tier(1, [], true),
    tier(2, [pace(2), seasonality, trend(-1), mix]),
    tier(3, [pace(3), seasonality, trend(-1.1), mix]),
    tier(4, [pace(4), seasonality, trend(-1.1), mix]),
    tier(5, []),
  ];

  it('stores a driver of the previous open tier by its index, and gives the tiers back', () => {
    const stored = JSON.parse(JSON.stringify(packTiers(tiers))) as unknown[];
    expect((stored as { drivers: unknown[] }[]).map((x) => x.drivers)).toEqual([
      [],
      [pace(2), seasonality, trend(-1), mix],
      // the trend's units differ by the rounding: stored in full
      [pace(3), 1, trend(-1.1), 3],
      [pace(4), 1, 2, 3],
      [],
    ]);
    expect(unpackTiers(stored)).toEqual(tiers);
    expect(JSON.stringify(stored).length).toBeLessThan(JSON.stringify(tiers).length);
  });

  it('reads a row stored in full, or from before the drivers, as it is', () => {
    expect(unpackTiers(JSON.parse(JSON.stringify(tiers)))).toEqual(tiers);
    const { drivers: _none, ...bare } = tiers[1]!;
    expect(unpackTiers([bare])).toEqual([{ ...bare, drivers: [] }]);
  });

  it('refuses an index the tier before does not have', () => {
    expect(() => unpackTiers([{ ...tiers[1]!, drivers: [0] }])).toThrow(/no driver 0/);
  });
});
