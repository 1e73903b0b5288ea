import { z } from 'zod';
import { isoMonth } from './common';

const accountCode = z
  .string()
  .min(1)
  .max(20)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ -');

export const bankAccountInputSchema = z.discriminatedUnion('scheme', [
  z.strictObject({
    scheme: z.literal('iban'),
    accountHolder: z.string().min(1).max(140),
    iban: z.string().min(5).max(42).describe('spaces allowed; checked with mod-97'),
    bic: z.string().min(8).max(11),
    currency: z.string().regex(/^[A-Z]{3}$/),
  }),
  z.strictObject({
    scheme: z.literal('us_aba'),
    accountHolder: z.string().min(1).max(140),
    routingNumber: z.string().min(9).max(9).describe('ABA routing number, checksum checked'),
    accountNumber: z.string().min(4).max(17),
    currency: z.string().regex(/^[A-Z]{3}$/),
  }),
]);
export type BankAccountInputBody = z.infer<typeof bankAccountInputSchema>;

export const bankAccountSchema = z
  .object({
    dealerCode: z.string(),
    dealerName: z.string(),
    scheme: z.enum(['iban', 'us_aba']),
    accountHolder: z.string(),
    iban: z.string().nullable(),
    bic: z.string().nullable(),
    routingNumber: z.string().nullable(),
    accountNumber: z.string().nullable(),
    currency: z.string(),
    isMasked: z
      .boolean()
      .describe('true unless the reader is OEM finance: all but the last four characters hidden'),
    updatedBy: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'BankAccount' });
export type BankAccountView = z.infer<typeof bankAccountSchema>;

export const glAccountsInputSchema = z.strictObject({
  incentiveExpense: accountCode.describe('debited by the accrual (P&L)'),
  accruedLiability: accountCode.describe('credited by the accrual, debited when paid'),
  payoutClearing: accountCode.describe('credited when a payout batch is paid (bank / AP clearing)'),
  costCentres: z
    .record(z.string().min(1).max(60), accountCode)
    .describe('region code → cost centre; a dealer takes its nearest region with one'),
  defaultCostCentre: accountCode,
  debtorName: z.string().min(1).max(140).describe("the OEM's name on credit transfers"),
  debtorIban: z.string().max(42).nullable(),
  debtorBic: z.string().max(11).nullable(),
  debtorUsAccount: z.string().max(17).nullable(),
  debtorUsRouting: z.string().max(9).nullable(),
});
export const glAccountsSchema = glAccountsInputSchema.meta({ id: 'GlAccounts' });
export type GlAccounts = z.infer<typeof glAccountsSchema>;

export const journalLineSchema = z
  .object({
    journalId: z.string(),
    postingDate: z.string(),
    lineNo: z.number().int(),
    entry: z.enum(['reversal', 'accrual', 'clearing']),
    account: z.string(),
    costCentre: z.string(),
    region: z.string(),
    programCode: z.string(),
    period: z.string().nullable(),
    debit: z.string(),
    credit: z.string(),
    currency: z.string(),
    text: z.string(),
  })
  .meta({ id: 'JournalLine' });
export type JournalLine = z.infer<typeof journalLineSchema>;

export const journalSchema = z
  .object({
    journalId: z.string(),
    kind: z.enum(['accrual', 'payout_clearing']),
    lines: z.array(journalLineSchema),
    totals: z.array(z.object({ currency: z.string(), debit: z.string(), credit: z.string() })),
    note: z.string(),
  })
  .meta({ id: 'Journal' });
export type Journal = z.infer<typeof journalSchema>;

export const journalFormat = z.enum(['json', 'csv']).default('json');

export const accrualJournalQuery = z.object({
  month: isoMonth.describe('the accounting month the journal closes'),
  format: journalFormat,
});

export const payoutJournalQuery = z.object({ format: journalFormat });

/** A pain.001 carries one currency: a batch holding several is drawn once per currency. */
export const pain001Query = z.object({
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 currency code')
    .optional()
    .describe("only this currency's payments (needed when the batch holds several)"),
});
