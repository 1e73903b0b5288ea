/**
 * Settlement in bulk (docs/incentives.md, "Settlement in bulk"): approving every closed
 * statement of a period in one action, with the exceptions left for one-by-one approval, and
 * the preview whose totals the confirmations state.
 */
import { z } from 'zod';

/** Checked in this order; the first that applies is the statement's reason. */
export const BULK_EXCEPTION_REASONS = [
  'disputed',
  'out_of_order',
  'changed_since_close',
  'over_budget',
] as const;

export const bulkApproveSchema = z.object({ period: z.string().min(1).max(20) });

export const bulkExceptionSchema = z
  .object({
    dealerCode: z.string(),
    dealerName: z.string(),
    reason: z.enum(BULK_EXCEPTION_REASONS),
    message: z.string(),
    /** the snapshot's amount due (what approval would approve) */
    amountDue: z.string(),
    details: z
      .record(z.string(), z.unknown())
      .describe(
        'disputed: disputeIds; out_of_order: blockedBy (earlier periods of the window closed, not approved), settledBy (later ones approved); changed_since_close: the difference summary (totals before and after, lines added, removed, changed); over_budget: budget, approvedBefore',
      ),
  })
  .meta({ id: 'BulkSettlementException' });
export type BulkException = z.infer<typeof bulkExceptionSchema>;

const approvedSchema = z.object({
  count: z.number().int(),
  totalAmountDue: z.string(),
  dealers: z.array(z.object({ dealerCode: z.string(), amountDue: z.string() })),
});

export const bulkApproveResultSchema = z
  .object({
    programCode: z.string(),
    period: z.string(),
    currency: z.string(),
    approved: approvedSchema,
    exceptions: z.array(bulkExceptionSchema),
  })
  .meta({ id: 'BulkApproveResult' });
export type BulkApproveResult = z.infer<typeof bulkApproveResultSchema>;

export const settlementPreviewParamsSchema = z.object({
  code: z.string().min(1).max(40),
  period: z.string().min(1).max(20),
});

export const payoutPreviewQuerySchema = z.object({
  programCode: z.string().min(1).max(40).optional().describe('default: every program'),
});
const payoutPreviewFields = {
  statements: z.number().int(),
  dealers: z.number().int(),
  totals: z.array(z.object({ currency: z.string(), amount: z.string() })),
};
export const payoutPreviewSchema = z
  .object({ programCode: z.string().nullable(), ...payoutPreviewFields })
  .describe('what POST /payouts would put in a batch now: approved statements not yet in a batch')
  .meta({ id: 'PayoutPreview' });
export type PayoutPreview = z.infer<typeof payoutPreviewSchema>;

export const settlementPreviewSchema = z
  .object({
    programCode: z.string(),
    period: z.string(),
    currency: z.string(),
    status: z.enum(['open', 'closed']),
    closable: z.boolean(),
    closableReason: z.string(),
    close: z
      .object({ statements: z.number().int(), totalAmountDue: z.string() })
      .nullable()
      .describe('what closing would freeze (null once the period is closed)'),
    approve: z.object({
      closed: z.number().int().describe('closed statements waiting for approval'),
      statements: z.number().int().describe('what "approve all" would approve'),
      totalAmountDue: z.string(),
      exceptions: z.array(bulkExceptionSchema),
    }),
    statements: z
      .object({ closed: z.number().int(), approved: z.number().int(), paid: z.number().int() })
      .describe('stored statements of the period in your scope, by status'),
    payout: z
      .object(payoutPreviewFields)
      .describe(
        'what POST /payouts { programCode } would put in a batch now: approved statements of the program not yet in a batch (every period)',
      ),
  })
  .meta({ id: 'SettlementPreview' });
export type SettlementPreview = z.infer<typeof settlementPreviewSchema>;
