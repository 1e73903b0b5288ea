import { describe, expect, it } from 'vitest';
import { lineUnitPrice, priceOn, pricesOf, type PriceBook } from './pricing';

const book: PriceBook = new Map([
  [
    1,
    [
      { from: '1900-01-01', msrp: '45500.00' },
      { from: '2026-05-01', msrp: '49900.00' },
      { from: '2026-09-01', msrp: '48900.00' },
    ],
  ],
]);

describe('prices by date', () => {
  it('prices a date at the price valid on it (from its first day to the day before the next)', () => {
    expect(priceOn(book, 1, '2026-04-30', 'x')).toBe('45500.00');
    expect(priceOn(book, 1, '2026-05-01', 'x')).toBe('49900.00');
    expect(priceOn(book, 1, '2026-08-31', 'x')).toBe('49900.00');
    expect(priceOn(book, 1, '2027-01-01', 'x')).toBe('48900.00');
    expect(priceOn(book, 2, '2026-05-01', '31000.00')).toBe('31000.00');
    expect(pricesOf(book, 2, '31000.00')).toEqual([{ from: '1900-01-01', msrp: '31000.00' }]);
  });

  it('shows the unit price of a percent_of_msrp line as its basis over its quantity', () => {
    const line = { kind: 'benefit', quantity: -2, basis: '-99800.00' };
    expect(lineUnitPrice(line, 'percent_of_msrp', 'USD')).toBe('49900.00');
    expect(lineUnitPrice(line, 'percent_of_msrp', 'JPY')).toBe('49900');
    expect(lineUnitPrice(line, 'per_unit', 'USD')).toBeNull();
    expect(lineUnitPrice({ ...line, kind: 'adjustment' }, 'percent_of_msrp', 'USD')).toBeNull();
  });
});
