import { z } from 'zod';

const money = z.string().describe('decimal string in the currency (rounded half-up per line)');

export const reconciliationQuerySchema = z.object({
  period: z.string().max(20).optional().describe('the settlement period; default the current one'),
});

export const reconciliationBucketSchema = z.object({
  bucket: z.enum(['statement_line', 'correction_line', 'excluded']),
  reason: z
    .string()
    .nullable()
    .describe(
      'excluded: why (late, currency_mismatch, duplicate_clawback, sale_category, buyer_type, no_report, paid_to_other_dealer, delivered_by_other_dealer, measure_only, dealer_ineligible, no_approved_claim, counts_in_other_window, no_open_period); correction_line: the period whose statement pays it; statement_line: null, or lump_sum',
    ),
  rows: z.number().int(),
  units: z.number().int().describe('Σ signed quantity'),
  revenue: z.string().describe('Σ signed amount of the rows'),
  amount: money.describe('Σ of their lines (statement or correction); 0 for excluded rows'),
});
export type ReconciliationBucket = z.infer<typeof reconciliationBucketSchema>;

export const reconciliationSchema = z
  .object({
    programCode: z.string(),
    period: z.string(),
    window: z.object({ label: z.string(), start: z.string(), end: z.string() }),
    cutoff: z.string(),
    graceUntil: z.string(),
    currency: z.string(),
    closedAt: z.string().nullable(),
    feedRows: z.number().int().describe('feed rows inside the window and filters'),
    accountedRows: z.number().int(),
    buckets: z.array(reconciliationBucketSchema),
    statementEarned: money.describe("Σ earned of the period's statements"),
    linesWithoutRow: money.describe(
      'statement lines without a feed row (lump sum, cap, adjustments, corrections received): with the statement_line bucket they add up to statementEarned',
    ),
    correctionsWithoutRow: money.describe(
      'correction lines for this period without a feed row (a late row moved the tier or cap)',
    ),
    dealers: z.array(
      z.object({
        dealerCode: z.string(),
        feedRows: z.number().int(),
        statementLines: z.number().int(),
        correctionLines: z.number().int(),
        excluded: z.number().int(),
        earned: money,
        linesWithoutRow: money,
        correctionsWithoutRow: money,
      }),
    ),
    unaccounted: z
      .array(z.object({ dealerCode: z.string(), transactionId: z.string() }))
      .describe('feed rows in no bucket: always empty'),
  })
  .meta({ id: 'Reconciliation' });
export type ReconciliationView = z.infer<typeof reconciliationSchema>;
