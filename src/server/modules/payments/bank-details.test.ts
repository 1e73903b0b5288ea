import { describe, expect, it } from 'vitest';
import { bankAccountProblems, isValidAbaRouting, isValidIban, mask } from './bank-details';

describe('bank details', () => {
  it('checks IBANs with mod-97 and the country length', () => {
    expect(isValidIban('DE89 3704 0044 0532 0130 00')).toBe(true);
    expect(isValidIban('GB82WEST12345698765432')).toBe(true);
    expect(isValidIban('DE89370400440532013001')).toBe(false); // check digits off
    expect(isValidIban('DE8937040044053201300')).toBe(false); // one short
    expect(isValidIban('XX')).toBe(false);
  });
  it('checks ABA routing numbers', () => {
    expect(isValidAbaRouting('021000021')).toBe(true);
    expect(isValidAbaRouting('011000015')).toBe(true);
    expect(isValidAbaRouting('021000022')).toBe(false);
    expect(isValidAbaRouting('12345678')).toBe(false);
  });
  it('names the field of each problem', () => {
    expect(
      bankAccountProblems({
        scheme: 'iban',
        accountHolder: 'X',
        iban: 'DE89370400440532013000',
        bic: 'COBAFRFFXXX',
        currency: 'EUR',
      }).map((p) => p.code),
    ).toEqual(['bic_country_mismatch']);
    expect(
      bankAccountProblems({
        scheme: 'us_aba',
        accountHolder: 'X',
        routingNumber: '021000022',
        accountNumber: '12',
        currency: 'USD',
      }).map((p) => p.path),
    ).toEqual(['body.routingNumber', 'body.accountNumber']);
  });
  it('masks all but the last four characters', () => {
    expect(mask('DE89 3704 0044 0532 0130 00')).toBe('••••••••••••••••••3000');
    expect(mask('123')).toBe('•••');
    expect(mask(null)).toBeNull();
  });
});
