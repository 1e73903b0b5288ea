import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  allocate,
  allocateSku,
  prepareDealers,
  DEALER_TIERS,
  type AllocationFormula,
  type DealerAllocationInput,
} from './allocation';

const FORMULA: AllocationFormula = {
  weights: { turnAndEarn: 0.5, daysSupply: 0.3, commitment: 0.2 },
  turnAndEarnDays: 90,
  targetDaysSupply: 60,
  caps: { standard: null, plus: null, premier: null },
  bevRequiresEvCertification: true,
};

const dealerArb = (i: number) =>
  fc.record({
    dealerCode: fc.constant(`D${String(i).padStart(3, '0')}`),
    isActive: fc.boolean().map((b) => b || i % 5 !== 0),
    isEvCertified: fc.boolean(),
    tier: fc.constantFrom(...DEALER_TIERS),
    recentSales: fc.integer({ min: 0, max: 400 }),
    expectedDailySales: fc.double({ min: 0, max: 5, noNaN: true }),
    onHand: fc.integer({ min: 0, max: 300 }),
    openCommitment: fc.integer({ min: 0, max: 200 }),
  });

const dealersArb = fc
  .integer({ min: 1, max: 25 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => dealerArb(i))));

const formulaArb: fc.Arbitrary<AllocationFormula> = fc.record({
  weights: fc.record({
    turnAndEarn: fc.constantFrom(0, 0.2, 0.5, 1),
    daysSupply: fc.constantFrom(0, 0.3, 1),
    commitment: fc.constantFrom(0, 0.2, 0.7),
  }),
  turnAndEarnDays: fc.constant(90),
  targetDaysSupply: fc.integer({ min: 1, max: 120 }),
  caps: fc.record({
    standard: fc.option(fc.integer({ min: 0, max: 30 })),
    plus: fc.option(fc.integer({ min: 0, max: 60 })),
    premier: fc.constant(null),
  }),
  bevRequiresEvCertification: fc.boolean(),
});

const capacity = (dealers: DealerAllocationInput[], f: AllocationFormula, isBev: boolean) =>
  dealers.reduce((s, d) => {
    const ok = d.isActive && !(isBev && f.bevRequiresEvCertification && !d.isEvCertified);
    return ok ? s + (f.caps[d.tier] ?? Infinity) : s;
  }, 0);

describe('the allocation formula', () => {
  it('gives whole units, never more than the supply, adding up exactly to what the caps allow', () => {
    fc.assert(
      fc.property(
        dealersArb,
        formulaArb,
        fc.integer({ min: 0, max: 2000 }),
        fc.boolean(),
        (dealers, formula, supply, isBev) => {
          const out = allocate({ supply, isBev, dealers, formula });
          const total = out.dealers.reduce((s, d) => s + d.units, 0);
          for (const d of out.dealers) {
            expect(Number.isInteger(d.units)).toBe(true);
            expect(d.units).toBeGreaterThanOrEqual(0);
            if (d.cap !== null) expect(d.units).toBeLessThanOrEqual(d.cap);
          }
          expect(total).toBeLessThanOrEqual(supply);
          expect(total).toBe(out.allocated);
          expect(total).toBe(Math.min(supply, capacity(dealers, formula, isBev)));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('gives an ineligible dealer nothing', () => {
    fc.assert(
      fc.property(dealersArb, formulaArb, fc.integer({ min: 0, max: 2000 }), (dealers, f, s) => {
        const out = allocate({ supply: s, isBev: true, dealers, formula: f });
        out.dealers.forEach((d, i) => {
          const input = dealers[i]!;
          if (!input.isActive || (f.bevRequiresEvCertification && !input.isEvCertified)) {
            expect(d.isEligible).toBe(false);
            expect(d.units).toBe(0);
            expect(d.explanation).toMatch(/^No units/);
          }
        });
      }),
      { numRuns: 300 },
    );
  });

  it('rounds by largest remainder: each dealer gets the floor or the floor + 1 of its quota', () => {
    fc.assert(
      fc.property(dealersArb, fc.integer({ min: 0, max: 2000 }), (dealers, supply) => {
        const out = allocate({ supply, isBev: false, dealers, formula: FORMULA });
        const extra = out.dealers.filter((d) => d.units === Math.floor(d.quota + 1e-9) + 1);
        for (const d of out.dealers)
          expect(d.units - Math.floor(d.quota + 1e-9)).toBeGreaterThanOrEqual(0);
        for (const d of out.dealers)
          expect(d.units - Math.floor(d.quota + 1e-9)).toBeLessThanOrEqual(1);
        // the bumped dealers have fractional parts at least as large as any dealer not bumped
        const rest = out.dealers.filter((d) => d.quota > 0 && !extra.includes(d));
        const minBumped = Math.min(...extra.map((d) => d.quota - Math.floor(d.quota + 1e-9)));
        for (const d of rest)
          expect(d.quota - Math.floor(d.quota + 1e-9)).toBeLessThanOrEqual(minBumped + 1e-9);
      }),
      { numRuns: 300 },
    );
  });

  it('never gives a dealer fewer units when its sales go up and all else stays equal', () => {
    fc.assert(
      fc.property(
        dealersArb,
        formulaArb,
        fc.integer({ min: 0, max: 2000 }),
        fc.boolean(),
        fc.nat(),
        fc.integer({ min: 1, max: 300 }),
        (dealers, formula, supply, isBev, pick, more) => {
          const i = pick % dealers.length;
          const before = allocate({ supply, isBev, dealers, formula }).dealers[i]!.units;
          const grown = dealers.map((d, j) =>
            j === i ? { ...d, recentSales: d.recentSales + more } : d,
          );
          const after = allocate({ supply, isBev, dealers: grown, formula }).dealers[i]!.units;
          expect(after).toBeGreaterThanOrEqual(before);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('explains a result with its parts, and splits 10 units 7:3 by sales alone', () => {
    const dealer = (code: string, recentSales: number): DealerAllocationInput => ({
      dealerCode: code,
      isActive: true,
      isEvCertified: false,
      tier: 'standard',
      recentSales,
      expectedDailySales: 0,
      onHand: 0,
      openCommitment: 0,
    });
    const out = allocate({
      supply: 10,
      isBev: false,
      dealers: [dealer('A', 70), dealer('B', 30)],
      formula: FORMULA,
    });
    expect(out.dealers.map((d) => d.units)).toEqual([7, 3]);
    expect(out.parts).toEqual({ turnAndEarn: 1, daysSupply: 0, commitment: 0 });
    expect(out.dealers[0]!.explanation).toBe(
      '7 of 10 units: 70.0% of recent sales (weight 1.00) gives a share of 70.0%, 7.00 units, a whole number.',
    );
    const bev = allocate({
      supply: 10,
      isBev: true,
      dealers: [dealer('A', 70), { ...dealer('B', 30), isEvCertified: true }],
      formula: FORMULA,
    });
    expect(bev.dealers.map((d) => d.units)).toEqual([0, 10]);
    expect(bev.dealers[0]!.explanation).toBe('No units: BEVs go only to EV-certified dealers.');
  });

  it('breaks equal remainders by dealer code and caps by tier', () => {
    const d = (code: string, tier: 'standard' | 'plus'): DealerAllocationInput => ({
      dealerCode: code,
      isActive: true,
      isEvCertified: true,
      tier,
      recentSales: 10,
      expectedDailySales: 0,
      onHand: 0,
      openCommitment: 0,
    });
    const even = allocate({
      supply: 5,
      isBev: false,
      dealers: [d('C', 'plus'), d('A', 'plus'), d('B', 'plus')],
      formula: FORMULA,
    });
    expect(even.dealers.map((x) => x.units)).toEqual([1, 2, 2]);
    const capped = allocate({
      supply: 9,
      isBev: false,
      dealers: [d('A', 'standard'), d('B', 'plus'), d('C', 'plus')],
      formula: { ...FORMULA, caps: { standard: 1, plus: null, premier: null } },
    });
    expect(capped.dealers.map((x) => x.units)).toEqual([1, 4, 4]);
    expect(capped.dealers[0]!.explanation).toMatch(/capped at 1 for the standard tier/);
  });

  it('gives the same result per SKU when a run prepares the dealers once for all its SKUs', () => {
    fc.assert(
      fc.property(
        dealersArb,
        formulaArb,
        fc.array(fc.tuple(fc.integer({ min: 0, max: 800 }), fc.boolean()), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.integer({ min: 0, max: 24 }),
        (dealers, formula, skus, excludedAt) => {
          const prepared = prepareDealers(dealers, formula);
          const excluded = excludedAt < dealers.length ? new Set([excludedAt]) : null;
          // the run's order: every SKU on the shared preparation, then the sentences
          const outs = skus.map(([supply, isBev], k) =>
            allocateSku(prepared, supply, isBev, k === 0 ? excluded : null),
          );
          skus.forEach(([supply, isBev], k) => {
            const alone = allocate({
              supply,
              isBev,
              formula,
              dealers:
                k === 0 && excluded
                  ? dealers.map((d, i) => (excluded.has(i) ? { ...d, isActive: false } : d))
                  : dealers,
            });
            expect(outs[k]!.allocated).toBe(alone.allocated);
            alone.dealers.forEach((d, i) => {
              expect(outs[k]!.units[i]).toBe(d.units);
              expect(outs[k]!.explanation(i)).toBe(d.explanation);
            });
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
