import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec, roundMoney } from './money';
import { divRoundHalfUp, formatScaled, mulSafe, parseScaled } from './fixed';

describe('exact scaled integers', () => {
  it('parses decimal strings exactly or refuses', () => {
    expect(parseScaled('45123.17', 2)).toBe(4512317);
    expect(parseScaled('-0.5', 2)).toBe(-50);
    expect(parseScaled('7', 2)).toBe(700);
    expect(parseScaled('1.250', 2)).toBe(125);
    expect(parseScaled('1.255', 2)).toBeNull();
    expect(parseScaled('-0', 2)).toBe(0);
    expect(parseScaled('99999999999999.99', 2)).toBeNull();
    expect(parseScaled('1e3', 2)).toBeNull();
    expect(parseScaled('', 2)).toBeNull();
    expect(parseScaled('1.2.3', 2)).toBeNull();
  });

  it('formats back', () => {
    expect(formatScaled(4512317, 2)).toBe('45123.17');
    expect(formatScaled(-5, 2)).toBe('-0.05');
    expect(formatScaled(0, 2)).toBe('0.00');
    expect(formatScaled(1500, 0)).toBe('1500');
  });

  it('multiplies only within the safe range', () => {
    expect(mulSafe(3, 4)).toBe(12);
    expect(mulSafe(2 ** 30, 2 ** 30)).toBeNull();
  });

  it('rounds half away from zero exactly like roundMoney', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
        fc.constantFrom(1, 100, 10_000, 100_000_000),
        (n, d) => {
          const expected = roundMoney(new Dec(n).div(d), 'JPY').toNumber();
          expect(divRoundHalfUp(n, d)).toBe(expected);
        },
      ),
      { numRuns: 200 },
    );
    expect(divRoundHalfUp(5, 10)).toBe(1);
    expect(divRoundHalfUp(-5, 10)).toBe(-1);
    expect(divRoundHalfUp(-4, 10)).toBe(-0);
  });
});
