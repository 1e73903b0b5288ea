import { describe, expect, it } from 'vitest';
import {
  draftOf,
  getAt,
  placeProblems,
  setAt,
  templateDraft,
  tierSummary,
  type Draft,
} from './program-form';

const stair = (over: Draft = {}): Draft => ({
  ...templateDraft(new Date(2026, 0, 15)),
  measurementPeriod: 'month',
  tiers: [
    { from: '0', value: '100' },
    { from: '50', value: '200' },
  ],
  ...over,
});

describe('program form helpers', () => {
  it('starts a new program on the first of next month, never in the past', () => {
    const d = templateDraft(new Date(2026, 11, 5));
    expect(d.startDate).toBe('2027-01-01');
    expect(d.endDate).toBe('2027-12-31');
    expect(templateDraft(new Date(2026, 2, 31)).startDate).toBe('2026-04-01');
  });

  it('reads and writes by field path without touching the original', () => {
    const draft = templateDraft(new Date(2026, 0, 15));
    const next = setAt(draft, 'tiers.1.from', '6');
    expect(getAt(next, 'tiers.1.from')).toBe('6');
    expect(getAt(draft, 'tiers.1.from')).toBe('5');
    const without = setAt(next, 'description', undefined);
    expect('description' in without).toBe(false);
    expect(getAt(setAt(draft, 'paying.kinds', ['invoice']), 'paying')).toEqual({
      kinds: ['invoice'],
    });
  });

  it('leaves paying out when the stored definition pays on the qualifying sales', () => {
    const q = {
      modelLines: [],
      skus: [],
      powertrains: ['BEV'],
      segments: [],
      kinds: ['retail_delivery'],
    };
    expect('paying' in draftOf({ qualifying: q, paying: structuredClone(q) })).toBe(false);
    expect(draftOf({ qualifying: q, paying: { ...q, powertrains: [] } }).paying).toBeDefined();
  });

  it('says what the tiers pay in one line', () => {
    expect(tierSummary(stair())).toBe(
      'from 0 units: $100 per unit on all units; from 50 units: $200 per unit on all units (measured each month)',
    );
    expect(tierSummary(stair({ tierMode: 'incremental' }))).toBe(
      'from 0 units: $100 per unit on the units up to 50; from 50 units: $200 per unit on the units above 50 (measured each month)',
    );
    expect(
      tierSummary(
        stair({
          measure: 'revenue',
          benefit: 'percent_of_revenue',
          measurementPeriod: 'program',
          tiers: [{ from: '100000', value: '1.5' }],
        }),
      ),
    ).toBe('from $100,000: 1.5 % of revenue on all revenue (measured over the whole program)');
    expect(
      tierSummary(stair({ benefit: 'lump_sum', tiers: [{ from: '10', value: '5000.00' }] })),
    ).toBe('from 10 units: $5,000 once per dealer and month (measured each month)');
    expect(tierSummary(stair({ tiers: [{ from: '', value: '1' }] }))).toBeNull();
  });

  it('puts server problems on their fields and keeps the rest', () => {
    const { errors, rest } = placeProblems([
      { path: 'tiers.1.from', code: 'tiers_not_ascending', message: 'ascending' },
      { path: 'body.eligibility.regions.0', code: 'invalid', message: 'bad region' },
      { path: 'tiers', code: 'too_small', message: 'at least one' },
      { path: 'colour', code: 'unrecognized_key', message: 'is not a field' },
      { path: 'tiers.1.from', code: 'tier_duplicated', message: 'second message' },
      { path: 'endDate', code: 'end_before_start', message: 'must be on or after startDate' },
    ]);
    expect(errors).toEqual({
      'tiers.1.from': 'ascending',
      'eligibility.regions': 'bad region',
      tiers: 'at least one',
      endDate: 'must be on or after the start date',
    });
    expect(rest.map((p) => p.path)).toEqual(['colour']);
  });
});
