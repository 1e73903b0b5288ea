import { describe, expect, it } from 'vitest';
import { programFilterSchema } from '../../../../shared/schemas/program';
import { matchesFilter } from './filters';
import { makeSale } from './test-fixtures';

describe('filters: sale categories of the retail delivery report', () => {
  const filter = programFilterSchema.parse({
    kinds: ['retail_delivery'],
    excludeSaleCategories: ['demonstrator', 'employee'],
  });

  it('leaves out the excluded categories, keeps the others and rows without a report', () => {
    expect(matchesFilter({ filter, transaction: makeSale({ saleCategory: 'demonstrator' }) })).toBe(
      false,
    );
    expect(matchesFilter({ filter, transaction: makeSale({ saleCategory: 'employee' }) })).toBe(
      false,
    );
    expect(matchesFilter({ filter, transaction: makeSale({ saleCategory: 'retail' }) })).toBe(true);
    expect(matchesFilter({ filter, transaction: makeSale({ saleCategory: 'fleet' }) })).toBe(true);
    expect(matchesFilter({ filter, transaction: makeSale() })).toBe(true);
    expect(matchesFilter({ filter, transaction: makeSale({ saleCategory: null }) })).toBe(true);
  });

  it('excludes nothing when the rule is absent, and keeps definitions without it unchanged', () => {
    const plain = programFilterSchema.parse({ kinds: ['retail_delivery'] });
    expect('excludeSaleCategories' in plain).toBe(false);
    expect(
      matchesFilter({ filter: plain, transaction: makeSale({ saleCategory: 'demonstrator' }) }),
    ).toBe(true);
  });

  it('refuses an unknown category', () => {
    expect(
      programFilterSchema.safeParse({ kinds: ['retail_delivery'], excludeSaleCategories: ['gift'] })
        .success,
    ).toBe(false);
  });

  it('excludes buyer types, and rows without a report only when the filter says so', () => {
    const buyers = programFilterSchema.parse({
      kinds: ['retail_delivery'],
      excludeBuyerTypes: ['dealer'],
    });
    const sale = (saleCategory: 'retail' | null, buyerType: 'dealer' | 'individual' | null) =>
      makeSale({ saleCategory, buyerType });
    expect(matchesFilter({ filter: buyers, transaction: sale('retail', 'dealer') })).toBe(false);
    expect(matchesFilter({ filter: buyers, transaction: sale('retail', 'individual') })).toBe(true);
    expect(matchesFilter({ filter: buyers, transaction: sale(null, null) })).toBe(true);
    const strict = programFilterSchema.parse({
      kinds: ['retail_delivery'],
      withoutReport: 'exclude',
    });
    expect(matchesFilter({ filter: strict, transaction: sale(null, null) })).toBe(false);
    expect(matchesFilter({ filter: strict, transaction: sale('retail', 'individual') })).toBe(true);
    // a program excluding retail excludes an unreported row too (it counts as retail)
    const noRetail = programFilterSchema.parse({ excludeSaleCategories: ['retail'] });
    expect(matchesFilter({ filter: noRetail, transaction: sale(null, null) })).toBe(false);
  });
});
