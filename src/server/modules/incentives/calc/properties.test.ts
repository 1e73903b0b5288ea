/**
 * Property tests of the tier maths and the statement (fast-check, ≤ 200 runs each).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../../../shared/money';
import type {
  IncentiveTransaction,
  ProgramDefinitionInput,
} from '../../../../shared/schemas/program';
import { calculateStatement } from './statement';
import { DEALER, makeProgram } from './test-fixtures';

const RUNS = { numRuns: 150 };

function cents(n: number): string {
  const negative = n < 0;
  const a = Math.abs(n);
  return `${negative ? '-' : ''}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** Micro-units (6 decimals) as a decimal string. */
function micros(n: number): string {
  return `${Math.floor(n / 1_000_000)}.${String(n % 1_000_000).padStart(6, '0')}`;
}

type RowSpec = {
  day: number;
  quantity: number;
  amountCents: number;
  bev: boolean;
  msrpCents: number;
};

const rowSpec = fc.record({
  day: fc.integer({ min: 0, max: 89 }),
  quantity: fc.integer({ min: 1, max: 3 }),
  amountCents: fc.integer({ min: 1, max: 9_000_000 }),
  bev: fc.boolean(),
  msrpCents: fc.integer({ min: 1_000_000, max: 9_000_000 }),
});

function rows(specs: readonly RowSpec[], unwindEvery = 0): IncentiveTransaction[] {
  return specs.map((s, i) => {
    const isUnwind = unwindEvery > 0 && i % unwindEvery === unwindEvery - 1;
    const q = isUnwind ? -s.quantity : s.quantity;
    return {
      id: i + 1,
      kind: isUnwind ? 'unwind' : 'retail_delivery',
      sku: s.bev ? 'EV' : 'ICE',
      modelLineCode: 'SUV',
      powertrain: s.bev ? 'BEV' : 'ICE',
      segment: 'suv',
      msrp: cents(s.msrpCents),
      vin: null,
      quantity: q,
      amount: cents(isUnwind ? -s.amountCents : s.amountCents),
      currency: 'USD',
      occurredOn: new Date(Date.UTC(2026, 0, 1 + s.day)).toISOString().slice(0, 10),
      receivedAt: null,
      externalId: null,
    };
  });
}

/** Ascending distinct `from`s and non-decreasing values. */
function tiersArb(maxFrom: number, maxValueMicros: number) {
  return fc
    .tuple(
      fc.uniqueArray(fc.integer({ min: 0, max: maxFrom }), { minLength: 1, maxLength: 5 }),
      fc.array(fc.integer({ min: 0, max: maxValueMicros }), { minLength: 5, maxLength: 5 }),
    )
    .map(([froms, values]) => {
      const f = [...froms].sort((a, b) => a - b);
      const v = values.slice(0, f.length).sort((a, b) => a - b);
      return f.map((from, i) => ({ from: String(from), value: micros(v[i] as number) }));
    });
}

function earned(
  program: ProgramDefinitionInput | Partial<ProgramDefinitionInput>,
  txs: IncentiveTransaction[],
) {
  return new Dec(
    calculateStatement({
      program: makeProgram(program),
      dealer: DEALER,
      period: '2026-Q1',
      transactions: txs,
      includeLines: false,
    }).earned,
  );
}

describe('tier maths properties', () => {
  it('payouts never fall as volume rises (units, per unit, each mode)', () => {
    fc.assert(
      fc.property(
        tiersArb(120, 500_000_000),
        fc.constantFrom('retroactive', 'incremental'),
        fc.array(rowSpec, { minLength: 0, maxLength: 80 }),
        fc.array(rowSpec, { minLength: 1, maxLength: 40 }),
        (tiers, tierMode, base, more) => {
          const program = { tiers, tierMode: tierMode as 'retroactive' | 'incremental' };
          const fewer = earned(program, rows(base));
          const moreVolume = earned(program, rows([...base, ...more]));
          expect(moreVolume.gte(fewer)).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it('payouts never fall as revenue rises (revenue, percent of revenue, each mode)', () => {
    fc.assert(
      fc.property(
        tiersArb(200_000, 20_000_000),
        fc.constantFrom('retroactive', 'incremental'),
        fc.array(rowSpec, { minLength: 0, maxLength: 40 }),
        fc.array(rowSpec, { minLength: 1, maxLength: 20 }),
        (tiers, tierMode, base, more) => {
          const program = {
            measure: 'revenue' as const,
            benefit: 'percent_of_revenue' as const,
            tiers: tiers.map((t) => ({ from: String(Number(t.from) * 1000), value: t.value })),
            tierMode: tierMode as 'retroactive' | 'incremental',
          };
          expect(earned(program, rows([...base, ...more])).gte(earned(program, rows(base)))).toBe(
            true,
          );
        },
      ),
      RUNS,
    );
  });

  it('incremental never exceeds retroactive for the same non-decreasing tiers', () => {
    fc.assert(
      fc.property(
        tiersArb(120, 99_000_000),
        fc.array(rowSpec, { minLength: 0, maxLength: 120 }),
        fc.boolean(),
        (tiers, specs, onRevenue) => {
          const shape = onRevenue
            ? {
                measure: 'revenue' as const,
                benefit: 'percent_of_revenue' as const,
                tiers: tiers.map((t) => ({
                  from: String(Number(t.from) * 10_000),
                  value: t.value,
                })),
              }
            : { tiers };
          const txs = rows(specs);
          const incremental = earned({ ...shape, tierMode: 'incremental' }, txs);
          const retroactive = earned({ ...shape, tierMode: 'retroactive' }, txs);
          expect(incremental.lte(retroactive)).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it('caps hold: earned = min(benefit, cap) when there are no clawbacks or adjustments', () => {
    fc.assert(
      fc.property(
        tiersArb(60, 900_000_000),
        fc.integer({ min: 0, max: 5_000_000 }),
        fc.array(rowSpec, { minLength: 0, maxLength: 80 }),
        fc.constantFrom('per_unit', 'percent_of_msrp', 'lump_sum'),
        (tiers, capCents, specs, benefit) => {
          const program = makeProgram({
            tiers: tiers.map((t) => ({
              from: t.from,
              value: benefit === 'percent_of_msrp' ? new Dec(t.value).mod(100).toFixed() : t.value,
            })),
            capPerDealer: cents(capCents),
            benefit: benefit as 'per_unit' | 'percent_of_msrp' | 'lump_sum',
          });
          for (const includeLines of [true, false]) {
            const s = calculateStatement({
              program,
              dealer: DEALER,
              period: '2026-Q1',
              transactions: rows(specs, 7),
              includeLines,
            });
            const cap = new Dec(cents(capCents));
            expect(new Dec(s.earned).lte(cap)).toBe(true);
            expect(s.earned).toBe(Dec.min(new Dec(s.benefitTotal), cap).toFixed(2));
            expect(s.capApplied).toBe(new Dec(s.benefitTotal).gt(cap));
          }
        },
      ),
      RUNS,
    );
  });
});

const anyProgram = fc.oneof(
  fc.record({
    tiers: tiersArb(60, 900_000_000),
    tierMode: fc.constantFrom('retroactive' as const, 'incremental' as const),
  }),
  fc.record({
    measure: fc.constant('revenue' as const),
    benefit: fc.constant('percent_of_revenue' as const),
    tiers: tiersArb(500_000, 99_000_000),
    tierMode: fc.constantFrom('retroactive' as const, 'incremental' as const),
  }),
  fc.record({
    measure: fc.constantFrom('units' as const, 'ev_share' as const),
    benefit: fc.constantFrom('percent_of_msrp' as const, 'lump_sum' as const),
    tiers: tiersArb(60, 99_000_000),
  }),
  fc.record({
    measure: fc.constant('growth' as const),
    growthBasis: fc.constant('units' as const),
    growthBenefitBase: fc.constantFrom('all' as const, 'increment' as const),
    benefit: fc.constantFrom('per_unit' as const, 'percent_of_msrp' as const),
    tiers: tiersArb(50, 99_000_000),
  }),
  fc.record({
    measure: fc.constant('growth' as const),
    growthBasis: fc.constant('revenue' as const),
    growthBenefitBase: fc.constantFrom('all' as const, 'increment' as const),
    benefit: fc.constant('percent_of_revenue' as const),
    tiers: tiersArb(50, 99_000_000),
  }),
);

describe('statement properties', () => {
  it('lines sum to the totals exactly, and totals-only gives the same cents', () => {
    fc.assert(
      fc.property(
        anyProgram,
        fc.array(rowSpec, { minLength: 0, maxLength: 60 }),
        fc.integer({ min: 0, max: 5 }),
        fc.option(fc.integer({ min: 0, max: 2_000_000 }), { nil: null }),
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        (shape, specs, unwindEvery, capCents, previousCents) => {
          const program = makeProgram({
            ...shape,
            capPerDealer: capCents === null ? null : cents(capCents),
          });
          const input = {
            program,
            dealer: DEALER,
            period: '2026-Q1',
            transactions: rows(specs, unwindEvery),
            priorYear: { units: 20, revenue: '400000.00' },
            previouslySettled: cents(previousCents),
          };
          const full = calculateStatement(input);
          const sum = full.lines.reduce((t, l) => t.plus(l.amount), new Dec(0));
          expect(sum.toFixed(2)).toBe(full.earned);
          expect(new Dec(full.earned).minus(full.previouslySettled).toFixed(2)).toBe(
            full.amountDue,
          );
          for (const line of full.lines) expect(line.amount).toMatch(/^-?\d+\.\d{2}$/);
          const totals = calculateStatement({ ...input, includeLines: false });
          expect({ ...totals, lines: full.lines }).toEqual(full);
        },
      ),
      RUNS,
    );
  });

  it('recalculation is idempotent and does not depend on the order of the rows', () => {
    fc.assert(
      fc.property(
        anyProgram,
        fc.array(rowSpec, { minLength: 0, maxLength: 60 }),
        fc.integer({ min: 0, max: 5 }),
        (shape, specs, unwindEvery) => {
          const program = makeProgram(shape);
          const txs = rows(specs, unwindEvery);
          const input = {
            program,
            dealer: DEALER,
            period: '2026-Q1',
            transactions: txs,
            priorYear: { units: 20, revenue: '400000.00' },
          };
          const first = calculateStatement(input);
          expect(calculateStatement(input)).toEqual(first);
          expect(calculateStatement({ ...input, transactions: [...txs].reverse() })).toEqual(first);
        },
      ),
      RUNS,
    );
  });

  it('each line is rounded half-up to the cent (checked against integer arithmetic)', () => {
    fc.assert(
      fc.property(
        // Round percentages make exact half-cent ties common.
        fc.oneof(
          fc.integer({ min: 0, max: 99_999_999 }),
          fc.constantFrom(500_000, 250_000, 1_250_000, 50_000, 5_000, 2_500_000),
        ),
        fc.array(rowSpec, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 4 }),
        (valueMicros, specs, unwindEvery) => {
          const program = makeProgram({
            benefit: 'percent_of_revenue',
            tiers: [{ from: '0', value: micros(valueMicros) }],
          });
          const txs = rows(specs, unwindEvery);
          const input = { program, dealer: DEALER, period: '2026-Q1', transactions: txs };
          const s = calculateStatement(input);
          expect(calculateStatement({ ...input, includeLines: false }).earned).toBe(s.earned);
          const byId = new Map(txs.map((t) => [t.id, t]));
          if (s.tierReached === null) {
            expect(s.lines.every((l) => l.amount === '0.00')).toBe(true);
            return;
          }
          for (const line of s.lines) {
            const tx = byId.get(line.transactionId as number) as IncentiveTransaction;
            // exact cents = amountCents × valueMicros / 10^8, rounded half away from zero
            const n = BigInt(tx.amount.replace('.', '')) * BigInt(valueMicros);
            const d = 100_000_000n;
            const a = n < 0n ? -n : n;
            let q = a / d;
            if ((a % d) * 2n >= d) q += 1n;
            const expected = n < 0n ? -q : q;
            expect(BigInt(line.amount.replace('.', ''))).toBe(expected);
          }
        },
      ),
      RUNS,
    );
  });

  it('amounts finer than the cent fall back to decimals and still agree', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 9_999_999_999 }), { minLength: 1, maxLength: 20 }),
        fc.constantFrom('retroactive' as const, 'incremental' as const),
        (amounts, tierMode) => {
          const program = makeProgram({
            measure: 'revenue',
            benefit: 'percent_of_revenue',
            tierMode,
            tiers: [
              { from: '0', value: '1.5' },
              { from: '100000', value: '2.25' },
            ],
          });
          const txs = rows(
            amounts.map((a, i) => ({
              day: i,
              quantity: 1,
              amountCents: 1,
              bev: true,
              msrpCents: 100,
            })),
          ).map((t, i) => ({ ...t, amount: micros(amounts[i] as number) }));
          const input = { program, dealer: DEALER, period: '2026-Q1', transactions: txs };
          const full = calculateStatement(input);
          const totals = calculateStatement({ ...input, includeLines: false });
          expect(totals.earned).toBe(full.earned);
          expect(totals.volumes).toEqual(full.volumes);
        },
      ),
      { numRuns: 100 },
    );
  });
});
