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
});
