/**
 * The totals from groups (the network recalculation) against the line-by-line statement: the
 * same cents, measure, tier and line count for every settlement period, with late arrivals,
 * late unwinds, other kinds and currencies, filters, caps, adjustments and ineligible dealers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type {
  IncentiveTransaction,
  ProgramDefinitionInput,
} from '../../../../shared/schemas/program';
import {
  aggregationMode,
  calculateStatementFromGroups,
  groupTransactions,
  isAggregatable,
  type TransactionGroup,
} from './aggregate';
import { listSettlementPeriods } from './periods';
import { calculateStatement } from './statement';
import { DEALER, makeProgram } from './test-fixtures';

function cents(n: number): string {
  const a = Math.abs(n);
  return `${n < 0 ? '-' : ''}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

function micros(n: number): string {
  return `${Math.floor(n / 1_000_000)}.${String(n % 1_000_000).padStart(6, '0')}`;
}

const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n)).toISOString().slice(0, 10);

const rowSpec = fc.record({
  day: fc.integer({ min: -40, max: 380 }),
  quantity: fc.integer({ min: 1, max: 4 }),
  amountCents: fc.integer({ min: 1, max: 9_000_000 }),
  msrpCents: fc.constantFrom(3_599_000, 4_512_317, 5_000_050, 2_999_999),
  bev: fc.boolean(),
  modelLine: fc.constantFrom('SUV', 'SEDAN'),
  kind: fc.constantFrom('retail_delivery', 'retail_delivery', 'unwind', 'invoice', 'registration'),
  currency: fc.constantFrom('USD', 'USD', 'USD', 'CAD'),
  // Arrival: on time, a few days later, or weeks later (late for short grace).
  delay: fc.constantFrom(null, 0, 1, 3, 12, 45, 100),
});

type RowSpec = typeof rowSpec extends fc.Arbitrary<infer T> ? T : never;

function rows(specs: readonly RowSpec[]): IncentiveTransaction[] {
  return specs.map((s, i) => {
    const unwind = s.kind === 'unwind';
    return {
      id: i + 1,
      kind: s.kind as IncentiveTransaction['kind'],
      sku: `${s.modelLine}-${s.bev ? 'EV' : 'ICE'}`,
      modelLineCode: s.modelLine,
      powertrain: s.bev ? 'BEV' : 'ICE',
      segment: s.modelLine === 'SUV' ? 'suv' : 'midsize',
      msrp: cents(s.msrpCents),
      vin: null,
      quantity: unwind ? -s.quantity : s.quantity,
      amount: cents(unwind ? -s.amountCents : s.amountCents),
      currency: s.currency,
      occurredOn: day(s.day),
      receivedAt: s.delay === null ? null : `${day(s.day + s.delay)}T08:00:00Z`,
      externalId: null,
    };
  });
}

function tiersArb(maxFrom: number, maxValueMicros: number, exactCents = false) {
  return fc
    .tuple(
      fc.uniqueArray(fc.integer({ min: 0, max: maxFrom }), { minLength: 1, maxLength: 4 }),
      fc.array(fc.integer({ min: 0, max: maxValueMicros }), { minLength: 4, maxLength: 4 }),
    )
    .map(([froms, values]) => {
      const f = [...froms].sort((a, b) => a - b);
      const v = values.slice(0, f.length).sort((a, b) => a - b);
      return f.map((from, i) => ({
        from: String(from),
        value: micros(
          exactCents ? (v[i] as number) - ((v[i] as number) % 10_000) : (v[i] as number),
        ),
      }));
    });
}

const periods = fc.constantFrom(
  { measurementPeriod: 'month' as const, payoutFrequency: 'month' as const },
  { measurementPeriod: 'quarter' as const, payoutFrequency: 'quarter' as const },
  { measurementPeriod: 'quarter' as const, payoutFrequency: 'month' as const },
  { measurementPeriod: 'program' as const, payoutFrequency: 'quarter' as const },
  { measurementPeriod: 'program' as const, payoutFrequency: 'month' as const },
);

type Filter = NonNullable<ProgramDefinitionInput['qualifying']>;

const filterArb: fc.Arbitrary<Filter> = fc.record({
  modelLines: fc.constantFrom<string[]>([], ['SUV'], ['SEDAN']),
  powertrains: fc.constantFrom<Filter['powertrains']>([], ['BEV'], ['ICE']),
  kinds: fc.constantFrom<Filter['kinds']>(
    ['retail_delivery'],
    ['invoice'],
    ['registration', 'retail_delivery'],
  ),
});

const shapeArb = fc.oneof(
  fc.record({
    measure: fc.constant('units' as const),
    benefit: fc.constant('per_unit' as const),
    tiers: tiersArb(40, 900_000_000),
    tierMode: fc.constant('retroactive' as const),
  }),
  fc.record({
    measure: fc.constant('units' as const),
    benefit: fc.constant('per_unit' as const),
    tiers: tiersArb(40, 900_000_000, true),
    tierMode: fc.constant('incremental' as const),
  }),
  fc.record({
    measure: fc.constantFrom('revenue' as const, 'units' as const),
    benefit: fc.constant('percent_of_revenue' as const),
    tiers: tiersArb(40, 9_000_000),
  }),
  fc.record({
    measure: fc.constantFrom(
      'units' as const,
      'ev_share' as const,
      'agreement_attainment' as const,
    ),
    benefit: fc.constantFrom('percent_of_msrp' as const, 'lump_sum' as const, 'per_unit' as const),
    tiers: tiersArb(60, 99_000_000),
  }),
  fc.record({
    measure: fc.constant('growth' as const),
    growthBasis: fc.constant('units' as const),
    growthBenefitBase: fc.constantFrom('all' as const, 'increment' as const),
    benefit: fc.constant('per_unit' as const),
    tiers: tiersArb(50, 99_000_000, true),
  }),
  fc.record({
    measure: fc.constant('growth' as const),
    growthBasis: fc.constant('revenue' as const),
    growthBenefitBase: fc.constant('all' as const),
    benefit: fc.constant('percent_of_revenue' as const),
    tiers: tiersArb(50, 9_000_000),
  }),
);

/** Benefits whose lines depend on the order of the transactions (the `ordered` mode). */
const orderedShapeArb = fc.oneof(
  fc.record({
    measure: fc.constant('revenue' as const),
    benefit: fc.constant('percent_of_revenue' as const),
    tiers: tiersArb(150_000, 9_000_000),
    tierMode: fc.constant('incremental' as const),
  }),
  fc.record({
    measure: fc.constant('units' as const),
    benefit: fc.constant('per_unit' as const),
    tiers: tiersArb(12, 900_000_000).filter((t) => t.some((x) => !/0000$/.test(x.value))),
    tierMode: fc.constant('incremental' as const),
  }),
  fc.record({
    measure: fc.constant('growth' as const),
    growthBasis: fc.constant('units' as const),
    growthBenefitBase: fc.constant('increment' as const),
    benefit: fc.constantFrom('percent_of_msrp' as const, 'per_unit' as const),
    tiers: tiersArb(50, 99_000_000),
  }),
  fc.record({
    measure: fc.constant('growth' as const),
    growthBasis: fc.constant('revenue' as const),
    growthBenefitBase: fc.constant('increment' as const),
    benefit: fc.constant('percent_of_revenue' as const),
    tiers: tiersArb(50, 9_000_000),
  }),
);

function checkAgainstLines(
  shapes: fc.Arbitrary<Partial<ProgramDefinitionInput>>,
  maxRows: number,
  numRuns: number,
) {
  fc.assert(
    fc.property(
      shapes,
      periods,
      fc.constantFrom(0, 5, 20),
      filterArb,
      fc.option(filterArb, { nil: undefined }),
      fc.array(rowSpec, { minLength: 0, maxLength: maxRows }),
      fc.option(fc.integer({ min: 0, max: 500_000 }), { nil: null }),
      fc.integer({ min: -100_000, max: 100_000 }),
      fc.boolean(),
      fc.boolean(),
      (
        shape,
        period,
        graceDays,
        qualifying,
        paying,
        specs,
        capCents,
        previousCents,
        adjust,
        eligible,
      ) => {
        const input: Partial<ProgramDefinitionInput> = {
          ...shape,
          ...period,
          startDate: '2026-01-01',
          endDate: '2026-12-31',
          graceDays,
          qualifying,
          capPerDealer: capCents === null ? null : cents(capCents),
        };
        if (paying) input.paying = paying;
        let program;
        try {
          program = makeProgram(input);
        } catch {
          return; // a combination the definition rejects
        }
        expect(aggregationMode(program)).not.toBeNull();
        const txs = rows(specs);
        const grouped = groupTransactions({ program, transactions: txs });
        const groups: TransactionGroup[] = grouped.groups;
        const dealer = eligible ? DEALER : { ...DEALER, status: 'inactive' as const };
        for (const s of listSettlementPeriods({ program })) {
          const common = {
            program,
            dealer,
            period: s.period,
            plannedQuantity: 30,
            priorYear: {
              units: 25,
              revenue: '900000.00',
              payingUnits: 18,
              payingRevenue: '700000.00',
            },
            previouslySettled: cents(previousCents),
            adjustments: adjust ? [{ reference: 'ADJ-1', amount: '12.345', explanation: 'x' }] : [],
          };
          const reference = calculateStatement({
            ...common,
            transactions: txs,
            includeLines: true,
          });
          const fromGroups = calculateStatementFromGroups({
            ...common,
            groups,
            classes: grouped.classes,
            tierColumns: grouped.tierColumns,
            ...(aggregationMode(program) === 'ordered' ? { orderedRows: grouped.orderedRows } : {}),
          });
          expect(fromGroups).not.toBeNull();
          // Without rows, the ordered mode names the months to walk row by row (or needs none).
          const needMonths = new Set<string>();
          const twoPhase = calculateStatementFromGroups({
            ...common,
            groups,
            classes: grouped.classes,
            tierColumns: grouped.tierColumns,
            needMonths,
          });
          const pick = (x: typeof reference) => ({
            earned: x.earned,
            amountDue: x.amountDue,
            benefitTotal: x.benefitTotal,
            capApplied: x.capApplied,
            measureValue: x.measureValue,
            measureNote: x.measureNote,
            tierReached: x.tierReached,
            lineCount: x.lineCount,
            previouslySettled: x.previouslySettled,
            eligible: x.eligible,
            cutoff: x.cutoff,
            qualifyingUnits: x.volumes.qualifyingUnits,
            payingUnits: x.volumes.payingUnits,
            payingRevenue: x.volumes.payingRevenue,
          });
          expect(pick(fromGroups!)).toEqual(pick(reference));
          if (needMonths.size === 0) expect(pick(twoPhase!)).toEqual(pick(reference));
          else {
            expect(twoPhase).toBeNull();
            expect(aggregationMode(program)).toBe('ordered');
            const inMonths = grouped.orderedRows.filter(
              (r) =>
                needMonths.has(r.occurredOn.slice(0, 7)) ||
                (r.quantity < 0 &&
                  r.receivedOn !== null &&
                  r.receivedOn.slice(0, 7) > r.occurredOn.slice(0, 7)),
            );
            const second = calculateStatementFromGroups({
              ...common,
              groups,
              classes: grouped.classes,
              tierColumns: grouped.tierColumns,
              orderedRows: inMonths,
            });
            expect(pick(second!)).toEqual(pick(reference));
          }
        }
      },
    ),
    { numRuns },
  );
}

describe('totals from groups', () => {
  it('give the cents of the line-by-line statement for every settlement period', () => {
    checkAgainstLines(fc.oneof(shapeArb, orderedShapeArb), 70, 250);
  });

  it('walk only the months that may cross a range boundary (order-dependent benefits)', () => {
    checkAgainstLines(orderedShapeArb, 200, 120);
  });

  it('pays whole months above a boundary from the rounded sums and walks only the crossing month', () => {
    const program = makeProgram({
      measure: 'revenue',
      benefit: 'percent_of_revenue',
      tierMode: 'incremental',
      tiers: [
        { from: '0', value: '0.5' },
        { from: '100000', value: '1.25' },
      ],
    });
    // Amounts with odd cents, so each line rounds; an unwind in March above the boundary.
    const txs = rows(
      Array.from({ length: 40 }, (_, i) => ({
        day: i * 2,
        quantity: 1,
        amountCents: 3_333_337 + i * 7,
        msrpCents: 3_599_000,
        bev: false,
        modelLine: 'SUV',
        kind: i === 35 ? 'unwind' : 'retail_delivery',
        currency: 'USD',
        delay: 1,
      })),
    );
    const grouped = groupTransactions({ program, transactions: txs });
    const common = {
      program,
      dealer: DEALER,
      period: '2026-Q1',
      groups: grouped.groups,
      classes: grouped.classes,
      tierColumns: grouped.tierColumns,
    };
    const needMonths = new Set<string>();
    expect(calculateStatementFromGroups({ ...common, needMonths })).toBeNull();
    expect([...needMonths]).toEqual(['2026-01']);
    const reference = calculateStatement({
      program,
      dealer: DEALER,
      period: '2026-Q1',
      transactions: txs,
    });
    const january = grouped.orderedRows.filter((r) => r.occurredOn < '2026-02-01');
    const totals = calculateStatementFromGroups({ ...common, orderedRows: january });
    expect(totals!.earned).toBe(reference.earned);
    expect(reference.lines.filter((l) => l.parts && l.parts.length > 1)).toHaveLength(1);
  });

  it('need the rows in order where the lines depend on it, and rows where dates split months', () => {
    expect(
      aggregationMode(
        makeProgram({
          measure: 'revenue',
          benefit: 'percent_of_revenue',
          tierMode: 'incremental',
          tiers: [
            { from: '0', value: '0.5' },
            { from: '100000', value: '1.25' },
          ],
        }),
      ),
    ).toBe('ordered');
    expect(
      aggregationMode(
        makeProgram({ tierMode: 'incremental', tiers: [{ from: '0', value: '0.005' }] }),
      ),
    ).toBe('ordered');
    expect(aggregationMode(makeProgram({ tierMode: 'incremental' }))).toBe('groups');
    expect(isAggregatable(makeProgram({ tierMode: 'incremental' }))).toBe(true);
    expect(aggregationMode(makeProgram({ startDate: '2026-01-15' }))).toBeNull();
    expect(aggregationMode(makeProgram({ requiresClaim: true }))).toBeNull();
  });
});
