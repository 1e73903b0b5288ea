import { describe, expect, it } from 'vitest';
import { tierSteps, type TierStepTier } from './program-risk-steps';

const options = { reachable: 40, lineName: 'Aura', programName: 'Aura H1', currency: 'USD' };
const tier = (t: Partial<TierStepTier> & { tier: number }): TierStepTier => ({
  reached: false,
  probability: 0.5,
  unitsFor80: 5,
  adds: '100.00',
  ...t,
});

describe("a program row's suggested steps", () => {
  it("put the next tier's step first, then a higher tier worth more, named as above the next", () => {
    // the row: "35 % · tier 1", and tier 2 is worth more (0.69 × 1,000 > 0.45 × 100)
    const steps = tierSteps(
      [
        tier({ tier: 1, probability: 0.35, unitsFor80: 10, adds: '100.00' }),
        tier({ tier: 2, probability: 0.11, unitsFor80: 35, adds: '1000.00' }),
      ],
      options,
    );
    expect(steps.map((s) => s.text)).toEqual([
      '10 more units of Aura reach tier 1 of Aura H1 (+100.00 USD): 35 % → 80 %',
      '35 more units of Aura reach tier 2 of Aura H1 (one above tier 1, the next) (+1000.00 USD): 11 % → 80 %',
    ]);
    expect(steps[0]).toMatchObject({ kind: 'incentive_tier', units: 10, amount: '100.00' });
  });

  it('leave out a higher tier worth less than the next one', () => {
    const steps = tierSteps(
      [
        tier({ tier: 1, probability: 0.2, unitsFor80: 8, adds: '500.00' }),
        tier({ tier: 2, probability: 0.1, unitsFor80: 20, adds: '50.00' }),
      ],
      options,
    );
    expect(steps.map((s) => s.units)).toEqual([8]);
  });

  it('word a higher step as above the next even when the next has none (out of reach)', () => {
    const steps = tierSteps(
      [
        tier({ tier: 1, reached: true, unitsFor80: 0 }),
        tier({ tier: 2, probability: 0.05, unitsFor80: 90, adds: '100.00' }),
        tier({ tier: 3, probability: 0.3, unitsFor80: 30, adds: '900.00' }),
        tier({ tier: 4, probability: 0.01, unitsFor80: 39, adds: '2000.00' }),
      ],
      { ...options, modelLine: 'AUR' },
    );
    expect(steps.map((s) => s.text)).toEqual([
      '39 more units of Aura reach tier 4 of Aura H1 (two above tier 2, the next) (+2000.00 USD): 1 % → 80 %',
      '30 more units of Aura reach tier 3 of Aura H1 (one above tier 2, the next) (+900.00 USD): 30 % → 80 %',
    ]);
    expect(steps[0]!.modelLine).toBe('AUR');
  });

  it('have none when every tier is reached or already 80 % likely', () => {
    expect(tierSteps([tier({ tier: 1, reached: true })], options)).toEqual([]);
    expect(tierSteps([tier({ tier: 1, probability: 0.85, unitsFor80: 0 })], options)).toEqual([]);
  });
});
