import { describe, expect, it } from 'vitest';
import {
  dealerLabel,
  formatChange,
  formatInt,
  formatMoney,
  percentChange,
  personName,
  sumDecimals,
} from './format';

describe('sumDecimals', () => {
  it('sums decimal strings exactly', () => {
    expect(sumDecimals(['0.1', '0.2'])).toBe('0.3');
    expect(sumDecimals(['41250.50', '-62975.85', '1.35'])).toBe('-21724');
    expect(sumDecimals(['999999999999999.999999', '0.000001'])).toBe('1000000000000000');
    expect(sumDecimals([])).toBe('0');
  });
});

describe('formatMoney', () => {
  it('formats the decimal string without going through a float', () => {
    expect(formatMoney('1234.5', 'USD')).toMatch(/1,234\.50/);
    expect(formatMoney('9007199254740993.01', 'USD')).toMatch(/9,007,199,254,740,993\.01/);
    expect(formatMoney(null)).toBe('–');
  });
});

describe('formatInt', () => {
  it('never shows a negative zero (an interval bound of -0.3 units rounds to 0)', () => {
    expect(formatInt(Math.round(-0.3))).toBe('0');
    expect(formatInt(-2)).toMatch(/^-2$|^−2$/);
    expect(formatInt(null)).toBe('–');
  });
});

describe('percentChange', () => {
  it('is null without a base', () => {
    expect(percentChange(10, 0)).toBeNull();
    expect(percentChange(110, 100)).toBeCloseTo(10);
    expect(formatChange(-3)).toMatch(/^−3\.0/);
  });
});

describe('names instead of ids', () => {
  it('reads a recorded actor as its name, and a dealer as name with code', () => {
    expect(personName('user:12:Dana Reyes')).toBe('Dana Reyes');
    expect(personName('key:3:DMS feed')).toBe('DMS feed');
    expect(personName('Dana Reyes')).toBe('Dana Reyes');
    expect(personName(null)).toBe('–');
    expect(dealerLabel({ dealerCode: 'D0012', dealerName: 'Harbor Motors' })).toBe(
      'Harbor Motors (D0012)',
    );
    expect(dealerLabel({ dealerCode: 'D0012' })).toBe('D0012');
  });
});
