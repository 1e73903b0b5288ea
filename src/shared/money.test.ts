import { describe, expect, it } from 'vitest';
import { checkMinorUnit, fitsMinorUnit, formatMinor, minorUnitPattern } from './money';

describe('money in the minor unit', () => {
  it('formats stored amounts of any scale in the currency minor unit', () => {
    expect(formatMinor('20.000000', 'USD')).toBe('20.00');
    expect(formatMinor('-200.000000', 'USD')).toBe('-200.00');
    expect(formatMinor('23524.000000', 'JPY')).toBe('23524');
    expect(formatMinor('23524.00', 'JPY ')).toBe('23524');
    expect(formatMinor('0.005', 'USD')).toBe('0.01'); // the one rule, half-up
    expect(formatMinor(null, 'USD')).toBeNull();
  });

  it('knows the pattern of each currency and refuses finer input with the field named', () => {
    expect(minorUnitPattern('USD').test('20.00')).toBe(true);
    expect(minorUnitPattern('USD').test('20.000000')).toBe(false);
    expect(minorUnitPattern('JPY').test('23524')).toBe(true);
    expect(minorUnitPattern('JPY').test('23524.00')).toBe(false);
    expect(fitsMinorUnit('150.5', 'USD')).toBe(true);
    expect(fitsMinorUnit('0.005', 'USD')).toBe(false);
    expect(fitsMinorUnit('10.5', 'JPY')).toBe(false);
    expect(() => checkMinorUnit('0.005', 'USD', 'body.amount')).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        details: { problems: [expect.objectContaining({ path: 'body.amount' })] },
      }),
    );
  });
});
