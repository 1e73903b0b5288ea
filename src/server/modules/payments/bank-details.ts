/**
 * Bank details of a dealer: validation (IBAN mod-97 per ISO 13616, BIC per ISO 9362, US ABA
 * routing number checksum) and masking for readers who are not OEM finance.
 */
import type { Problem } from '../../../shared/errors';

/** IBAN lengths per country (ISO 13616 registry, the SEPA countries and common others). */
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24,
  AE: 23,
  AT: 20,
  BE: 16,
  BG: 22,
  CH: 21,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  EE: 20,
  ES: 24,
  FI: 18,
  FR: 27,
  GB: 22,
  GI: 23,
  GR: 27,
  HR: 21,
  HU: 28,
  IE: 22,
  IS: 26,
  IT: 27,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MT: 31,
  NL: 18,
  NO: 15,
  PL: 28,
  PT: 25,
  RO: 24,
  SA: 24,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  TR: 26,
  VA: 22,
};

/** The IBAN without spaces, upper case. */
export function normaliseIban(value: string): string {
  return value.replace(/\s+/g, '').toUpperCase();
}

/** ISO 13616 check: move the first four characters to the end, letters to numbers, mod 97 = 1. */
export function isValidIban(value: string): boolean {
  const iban = normaliseIban(value);
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{1,30}$/.test(iban)) return false;
  const expected = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expected !== undefined && iban.length !== expected) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const digits = ch >= 'A' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of digits) remainder = (remainder * 10 + Number(d)) % 97;
  }
  return remainder === 1;
}

export const BIC_PATTERN = /^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/;

/** The ABA routing number checksum: 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) ≡ 0 mod 10. */
export function isValidAbaRouting(value: string): boolean {
  if (!/^\d{9}$/.test(value)) return false;
  const d = [...value].map(Number);
  const sum = 3 * (d[0]! + d[3]! + d[6]!) + 7 * (d[1]! + d[4]! + d[7]!) + (d[2]! + d[5]! + d[8]!);
  return sum % 10 === 0;
}

export type BankAccountInput =
  | { scheme: 'iban'; accountHolder: string; iban: string; bic: string; currency: string }
  | {
      scheme: 'us_aba';
      accountHolder: string;
      routingNumber: string;
      accountNumber: string;
      currency: string;
    };

/** Problems of a bank account (paths under `body.`). */
export function bankAccountProblems(input: BankAccountInput): Problem[] {
  const problems: Problem[] = [];
  if (input.scheme === 'iban') {
    if (!isValidIban(input.iban)) {
      problems.push({
        path: 'body.iban',
        code: 'invalid_iban',
        message: 'not a valid IBAN (country, length or mod-97 check digits)',
      });
    }
    if (!BIC_PATTERN.test(input.bic.toUpperCase())) {
      problems.push({
        path: 'body.bic',
        code: 'invalid_bic',
        message: 'not a valid BIC (8 or 11 characters)',
      });
    } else if (
      isValidIban(input.iban) &&
      input.bic.slice(4, 6).toUpperCase() !== normaliseIban(input.iban).slice(0, 2)
    ) {
      problems.push({
        path: 'body.bic',
        code: 'bic_country_mismatch',
        message: "the BIC's country is not the IBAN's country",
      });
    }
  } else {
    if (!isValidAbaRouting(input.routingNumber)) {
      problems.push({
        path: 'body.routingNumber',
        code: 'invalid_routing_number',
        message: 'not a valid ABA routing number (9 digits with the ABA checksum)',
      });
    }
    if (!/^\d{4,17}$/.test(input.accountNumber)) {
      problems.push({
        path: 'body.accountNumber',
        code: 'invalid_account_number',
        message: 'a US account number has 4 to 17 digits',
      });
    }
  }
  return problems;
}

/** Everything but the last four characters hidden (spaces kept out). */
export function mask(value: string | null): string | null {
  if (value === null) return null;
  const clean = value.replace(/\s+/g, '');
  if (clean.length <= 4) return '•'.repeat(clean.length);
  return '•'.repeat(clean.length - 4) + clean.slice(-4);
}
