import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  compareDecimalStrings,
  incentiveTransactionSchema,
  parseProgramDefinition,
  programDefinitionSchema,
} from './program';

const valid = {
  code: 'SUV-VOLUME-2026',
  name: 'SUV volume bonus',
  currency: 'USD',
  startDate: '2026-01-01',
  endDate: '2026-03-31',
  measurementPeriod: 'quarter',
  payoutFrequency: 'quarter',
  measure: 'units',
  tiers: [
    { from: '0', value: '100' },
    { from: '50', value: '200' },
  ],
  benefit: 'per_unit',
};

function problemsOf(input: unknown) {
  const result = parseProgramDefinition(input);
  return result.problems.map((p) => `${p.path}:${p.code}`);
}

describe('program definition', () => {
  it('applies the defaults and fills paying with qualifying', () => {
    const result = parseProgramDefinition(valid);
    expect(result.ok).toBe(true);
    expect(result.program).toMatchObject({
      description: '',
      graceDays: 0,
      tierMode: 'retroactive',
      capPerDealer: null,
      budget: null,
      requiresClaim: false,
      eligibility: { regions: [], dealerGroups: [], dealers: [], requiresActiveAgreement: false },
      qualifying: {
        modelLines: [],
        skus: [],
        powertrains: [],
        segments: [],
        kinds: ['retail_delivery'],
      },
    });
    expect(result.program?.paying).toEqual(result.program?.qualifying);
    expect(result.program?.paying).not.toBe(result.program?.qualifying);
  });

  it('keeps an explicit paying filter', () => {
    const result = parseProgramDefinition({ ...valid, paying: { powertrains: ['BEV'] } });
    expect(result.program?.paying.powertrains).toEqual(['BEV']);
    expect(result.program?.paying.kinds).toEqual(['retail_delivery']);
  });

  it('every example of docs/incentives.md is a valid definition', () => {
    const doc = readFileSync(new URL('../../../docs/incentives.md', import.meta.url), 'utf8');
    const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) =>
      JSON.parse(m[1] as string),
    );
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    const measures = new Set<string>();
    for (const block of blocks) {
      expect(parseProgramDefinition(block).problems).toEqual([]);
      measures.add(block.measure);
    }
    expect([...measures].sort()).toEqual([
      'agreement_attainment',
      'ev_share',
      'growth',
      'revenue',
      'units',
    ]);
  });

  it('reports tiers out of order, duplicated and negative, each with its path', () => {
    expect(
      problemsOf({
        ...valid,
        tiers: [
          { from: '50', value: '100' },
          { from: '50', value: '-1' },
          { from: '10', value: '300' },
          { from: '-5', value: '1' },
        ],
      }),
    ).toEqual([
      'tiers.1.value:negative_value',
      'tiers.1.from:tier_duplicated',
      'tiers.2.from:tiers_not_ascending',
      'tiers.3.from:negative_value',
      'tiers.3.from:tiers_not_ascending',
    ]);
    expect(problemsOf({ ...valid, tiers: [] })).toEqual(['tiers:too_small']);
    expect(problemsOf({ ...valid, tiers: [{ from: '1e3', value: '1' }] })).toEqual([
      'tiers.0.from:invalid_format',
    ]);
  });

  it('compares tier decimals exactly, not as floats', () => {
    expect(
      problemsOf({
        ...valid,
        tiers: [
          { from: '0.1', value: '1' },
          { from: '0.10', value: '2' },
        ],
      }),
    ).toEqual(['tiers.1.from:tier_duplicated']);
    expect(compareDecimalStrings('999999999999999.000001', '999999999999999')).toBe(1);
    expect(compareDecimalStrings('-0', '0')).toBe(0);
    expect(compareDecimalStrings('-2.5', '-2.25')).toBe(-1);
  });

  it('incremental only with units + per_unit or revenue + percent_of_revenue', () => {
    expect(problemsOf({ ...valid, tierMode: 'incremental' })).toEqual([]);
    expect(problemsOf({ ...valid, tierMode: 'incremental', benefit: 'lump_sum' })).toEqual([
      'tierMode:incremental_not_allowed',
    ]);
    expect(problemsOf({ ...valid, tierMode: 'incremental', measure: 'ev_share' })).toEqual([
      'tierMode:incremental_not_allowed',
    ]);
    expect(
      problemsOf({
        ...valid,
        tierMode: 'incremental',
        measure: 'revenue',
        benefit: 'percent_of_revenue',
        tiers: [
          { from: '0', value: '1' },
          { from: '100000', value: '2.5' },
        ],
      }),
    ).toEqual([]);
  });

  it('dates: real calendar dates, end on or after start', () => {
    expect(problemsOf({ ...valid, endDate: '2026-02-30' })).toEqual(['endDate:invalid_date']);
    expect(problemsOf({ ...valid, startDate: '2026-13-01' })).toEqual(['startDate:invalid_date']);
    expect(problemsOf({ ...valid, startDate: '2026-04-01' })).toEqual(['endDate:end_before_start']);
    expect(problemsOf({ ...valid, endDate: '2026-01-01', startDate: '2026-01-01' })).toEqual([]);
    expect(problemsOf({ ...valid, endDate: '2028-02-29' })).toEqual([]);
  });

  it('growth options only with measure growth; growth needs a basis; increment must fit the benefit', () => {
    expect(problemsOf({ ...valid, growthBasis: 'units', growthBenefitBase: 'all' })).toEqual([
      'growthBasis:growth_option_without_growth',
      'growthBenefitBase:growth_option_without_growth',
    ]);
    expect(problemsOf({ ...valid, measure: 'growth' })).toEqual(['growthBasis:required']);
    expect(
      problemsOf({
        ...valid,
        measure: 'growth',
        growthBasis: 'units',
        growthBenefitBase: 'increment',
      }),
    ).toEqual([]);
    expect(
      problemsOf({
        ...valid,
        measure: 'growth',
        growthBasis: 'revenue',
        growthBenefitBase: 'increment',
      }),
    ).toEqual(['growthBenefitBase:increment_benefit_mismatch']);
    expect(
      problemsOf({
        ...valid,
        measure: 'growth',
        growthBasis: 'units',
        tiers: [{ from: '-10', value: '50' }],
      }),
    ).toEqual([]);
  });

  it('percentages, periods, caps and budgets', () => {
    expect(
      problemsOf({ ...valid, benefit: 'percent_of_msrp', tiers: [{ from: '0', value: '100.5' }] }),
    ).toEqual(['tiers.0.value:percentage_out_of_range']);
    expect(
      problemsOf({ ...valid, measure: 'ev_share', tiers: [{ from: '101', value: '1' }] }),
    ).toEqual(['tiers.0.from:percentage_out_of_range']);
    expect(
      problemsOf({ ...valid, measurementPeriod: 'month', payoutFrequency: 'quarter' }),
    ).toEqual(['payoutFrequency:payout_longer_than_measurement']);
    expect(
      problemsOf({ ...valid, measurementPeriod: 'program', payoutFrequency: 'month' }),
    ).toEqual([]);
    expect(problemsOf({ ...valid, capPerDealer: '100.001', budget: '-5' })).toEqual([
      'capPerDealer:too_many_decimals',
      'budget:negative_value',
    ]);
    expect(problemsOf({ ...valid, currency: 'JPY', capPerDealer: '100.5' })).toEqual([
      'capPerDealer:too_many_decimals',
    ]);
  });

  it('reports every problem at once: missing, unknown, malformed and cross-field', () => {
    const { name: _name, ...withoutName } = valid;
    expect(
      problemsOf({
        ...withoutName,
        tierMod: 'incremental',
        currency: 'XXX',
        graceDays: -1,
        qualifying: { kinds: [], powertrains: ['DIESEL'] },
        eligibility: { regions: 'US' },
        startDate: '2026-04-01',
      }).sort(),
    ).toEqual(
      [
        'name:required',
        'tierMod:unrecognized_key',
        'currency:invalid_value',
        'graceDays:too_small',
        'qualifying.kinds:too_small',
        'qualifying.powertrains.0:invalid_value',
        'eligibility.regions:invalid_type',
        'endDate:end_before_start',
      ].sort(),
    );
    expect(problemsOf('not a program')).toEqual([':invalid_type']);
  });

  it('can be turned into JSON Schema for the OpenAPI document', () => {
    const schema = programDefinitionSchema.toJSONSchema({ io: 'input' });
    expect(JSON.stringify(schema)).toContain('"tierMode"');
  });
});

describe('transaction rows', () => {
  it('validates what-if rows sent by the API', () => {
    const row = {
      id: 'what-if-1',
      kind: 'retail_delivery',
      sku: 'SUV-EV-1',
      modelLineCode: 'SUV',
      powertrain: 'BEV',
      segment: 'suv',
      msrp: '50000.00',
      vin: null,
      quantity: 5,
      amount: '225000.00',
      currency: 'USD',
      occurredOn: '2026-03-20',
    };
    expect(incentiveTransactionSchema.safeParse(row).success).toBe(true);
    expect(incentiveTransactionSchema.safeParse({ ...row, quantity: 1.5 }).success).toBe(false);
  });
});
