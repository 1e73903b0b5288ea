import { z } from 'zod';
import { code, isoDate, pagingQuery } from './common';

export const TRANSACTION_KINDS = [
  'wholesale_order',
  'invoice',
  'retail_delivery',
  'registration',
  'unwind',
] as const;
export type TransactionKind = (typeof TRANSACTION_KINDS)[number];

/** The columns of a transaction in JSON, NDJSON and CSV (the CSV header uses these names). */
export const TRANSACTION_COLUMNS = [
  'kind',
  'dealerCode',
  'sku',
  'vin',
  'quantity',
  'amount',
  'currency',
  'occurredOn',
  'source',
  'externalId',
  'receivedAt',
  'originalExternalId',
] as const;

/** Columns a CSV may leave out. */
export const OPTIONAL_TRANSACTION_COLUMNS: readonly string[] = [
  'vin',
  'receivedAt',
  'originalExternalId',
];

export const transactionInputSchema = z.object({
  kind: z.enum(TRANSACTION_KINDS),
  dealerCode: z.string(),
  sku: z.string(),
  vin: z.string().length(17).nullable().optional(),
  quantity: z.number().int().describe('non-zero; negative for an unwind'),
  amount: z.string().describe('decimal string, e.g. "41250.00"; negative for an unwind'),
  currency: z.string().length(3),
  occurredOn: isoDate,
  source: z.string().max(60),
  externalId: z.string().max(120),
  receivedAt: z
    .string()
    .optional()
    .describe(
      "when the sender's system received the row: a date (YYYY-MM-DD, midnight UTC) or a timestamp with its zone; default the time of the POST; never in the future, never before occurredOn. Lateness and grace days are decided on it",
    ),
  originalExternalId: z
    .string()
    .max(120)
    .optional()
    .describe(
      'unwinds only: the externalId of the sale it reverses (same dealer and source); an unknown sale is a row error. Its incentive clawback is exactly what that sale was paid',
    ),
});
export type TransactionInput = z.infer<typeof transactionInputSchema>;

export const transactionSchema = z
  .object({
    id: z.number().int(),
    kind: z.enum(TRANSACTION_KINDS),
    dealerCode: z.string(),
    sku: z.string(),
    modelLineCode: z.string(),
    vin: z.string().nullable(),
    quantity: z.number().int(),
    amount: z.string(),
    currency: z.string(),
    occurredOn: z.string(),
    source: z.string(),
    externalId: z.string(),
    receivedAt: z.string().describe("when the sender's system received it"),
    ingestedAt: z
      .string()
      .describe('when it was posted to Forecourt (rows stored before this was kept: receivedAt)'),
    originalExternalId: z.string().nullable().describe('an unwind: the sale it reverses'),
  })
  .meta({ id: 'Transaction' });
export type Transaction = z.infer<typeof transactionSchema>;

export const ingestResultSchema = z
  .object({
    batchId: z.number().int(),
    received: z.number().int(),
    inserted: z.number().int(),
    duplicates: z
      .number()
      .int()
      .describe('rows whose (source, externalId) their dealer had already stored'),
    dealers: z.number().int().describe('distinct dealers in the batch'),
    rolledUp: z
      .boolean()
      .describe(
        'true when the monthly actuals, agreement attainment and the live `feed` event already include the batch; false for a batch of 100,000 new rows or more, whose rows are stored and whose roll-up follows within seconds in its own transaction (the `feed` event on `GET /events` marks it)',
      ),
  })
  .meta({ id: 'IngestResult' });
export type IngestResult = z.infer<typeof ingestResultSchema>;

export const transactionFilterSchema = pagingQuery.extend({
  dealer: code.optional().describe("the dealer's code (the same as dealerCode)"),
  dealerCode: code.optional().describe("the dealer's code, as the feed names it"),
  sku: code.optional(),
  modelLine: code.optional(),
  kind: z.enum(TRANSACTION_KINDS).optional(),
  from: isoDate.optional().describe('occurredOn on or after'),
  to: isoDate.optional().describe('occurredOn on or before'),
  vin: z.string().max(17).optional(),
  source: z.string().min(1).max(60).optional().describe('the sending system, as given on ingest'),
  externalId: z
    .string()
    .min(1)
    .max(120)
    .optional()
    .describe("the sender's id of the row, as given on ingest"),
  batchId: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe('the ingest batch (batchId of the ingest answer): read back what one POST stored'),
});
export type TransactionFilter = z.infer<typeof transactionFilterSchema>;
