/**
 * API shapes of incentive programs (issue 4) around the definition of ./program: program
 * versions, statements, progress, what-if, claims, disputes, settlement and payouts.
 */
import { z } from 'zod';
import { code, decimalString, isoDate, pagingQuery } from './common';
import { POWERTRAINS } from './catalog';

const money = z
  .string()
  .describe(
    'decimal string in the currency\'s minor unit ("20.00", JPY "23524"), rounded half-up per line',
  );
const problem = z.object({ path: z.string(), code: z.string(), message: z.string() });

export const PROGRAM_STATUSES = ['draft', 'published', 'closed'] as const;
export type ProgramStatus = (typeof PROGRAM_STATUSES)[number];

export const programVersionSchema = z
  .object({
    versionNo: z.number().int(),
    effectiveFrom: z.string(),
    status: z.enum(['draft', 'published']),
    sha256: z.string().nullable(),
    publishedBy: z.string().nullable(),
    publishedAt: z.string().nullable(),
  })
  .meta({ id: 'ProgramVersion' });

export const programSchema = z
  .object({
    code: z.string(),
    status: z.enum(PROGRAM_STATUSES),
    createdBy: z.string(),
    /** The version shown: the latest one (a draft when one is pending). */
    versionNo: z.number().int(),
    definition: z.record(z.string(), z.unknown()),
    versions: z.array(programVersionSchema),
    warnings: z.array(problem),
  })
  .meta({ id: 'Program' });
export type ProgramView = z.infer<typeof programSchema>;

export const programSummarySchema = programSchema
  .omit({ definition: true, versions: true })
  .extend({
    name: z.string(),
    currency: z.string(),
    startDate: z.string(),
    endDate: z.string(),
    measure: z.string(),
  });
export type ProgramSummary = z.infer<typeof programSummarySchema>;

export const programVersionCreateSchema = z.object({
  effectiveFrom: isoDate.describe('the first day the new version applies (a window start)'),
  definition: z.unknown().describe('the full ProgramDefinition; the code must stay the same'),
});

/** The path of one dealer's statement: /programs/{code}/statements/{dealerCode}…. */
export const statementParams = z.object({
  code: z.string().min(1).max(40),
  dealerCode: z.string().min(1).max(40),
});

export const periodQuery = z.object({
  period: z
    .string()
    .regex(/^(\d{4}-(0[1-9]|1[0-2])|\d{4}-Q[1-4]|program)$/, 'expected 2026-03, 2026-Q1 or program')
    .optional()
    .describe('default: the period containing today'),
});

/**
 * `settled_later`: the dealer has no statement of its own for the period because a later
 * statement of the same cumulative window was approved first and paid the window so far
 * (`settledIn` names it); nothing is payable or changeable here.
 */
export const STATEMENT_STATUSES = ['open', 'closed', 'approved', 'paid', 'settled_later'] as const;
export type StatementStatus = (typeof STATEMENT_STATUSES)[number];

/**
 * Why a correction line (docs/incentives.md, "Late rows after settlement", "A VIN is paid once").
 * The vin_* codes name a move caused by another dealer's delivery or approval of the same VIN.
 */
export const VIN_CORRECTION_REASONS = [
  'vin_paid_to_other_dealer',
  'vin_delivered_by_other_dealer',
  'vin_freed',
] as const;
export type VinCorrectionReason = (typeof VIN_CORRECTION_REASONS)[number];
export const CORRECTION_REASONS = [
  'late_row',
  'settled_unwind',
  'recomputed',
  ...VIN_CORRECTION_REASONS,
] as const;
export type CorrectionReason = (typeof CORRECTION_REASONS)[number];

export const statementLineSchema = z
  .object({
    lineNo: z.number().int(),
    kind: z.enum(['benefit', 'clawback', 'adjustment', 'cap', 'correction']),
    transactionId: z.string().nullable(),
    date: z.string().nullable(),
    vin: z.string().nullable(),
    sku: z.string().nullable(),
    quantity: z.number().int().nullable(),
    basis: z.string().nullable(),
    rate: z.string().nullable(),
    tierFrom: z.string().nullable(),
    parts: z.array(z.record(z.string(), z.unknown())).nullable(),
    unitPrice: z
      .string()
      .nullable()
      .describe('percent_of_msrp lines: the MSRP of one unit valid on the transaction date'),
    amount: money,
    explanation: z.string(),
    correctsPeriod: z
      .string()
      .nullable()
      .optional()
      .describe('a correction line: the settled period it belongs to'),
    correctsLineNo: z
      .number()
      .int()
      .nullable()
      .optional()
      .describe("a correction line: the line of that period's statement it corrects"),
    correctionReason: z
      .enum(CORRECTION_REASONS)
      .nullable()
      .optional()
      .describe(
        "a correction line: why. late_row: a row stored after the period was settled; settled_unwind: an unwind of a settled sale; recomputed: the tier or cap moved on the lines already settled; vin_paid_to_other_dealer / vin_delivered_by_other_dealer: the dealer's own delivery (correctsTransactionId) taken back because the vehicle is paid to, or was delivered earlier by, another dealer (who is not named); vin_freed: the delivery paid now that the other dealer's sale of the vehicle no longer stands. Lines approved before these codes existed read late_row or recomputed",
      ),
    correctsTransactionId: z
      .string()
      .nullable()
      .optional()
      .describe(
        "a correction line with a vin_* reason: the dealer's own delivery it is about (its vin and date are the line's)",
      ),
    co2: z
      .object({ gPerKm: z.string(), thresholdGPerKm: z.string(), belowGPerKm: z.string() })
      .nullable()
      .optional()
      .describe(
        "per_g_co2_below lines: the SKU's WLTP g/km, the program's threshold and the g/km below it (the line's basis is below × units)",
      ),
  })
  .meta({ id: 'StatementLine' });
export type StatementLineView = z.infer<typeof statementLineSchema>;

export const statementSchema = z
  .object({
    programCode: z.string(),
    versionNo: z.number().int(),
    dealerCode: z.string(),
    dealerName: z.string(),
    period: z.string(),
    window: z.object({ label: z.string(), start: z.string(), end: z.string() }),
    cutoff: z.string(),
    eligible: z.boolean(),
    ineligibleReasons: z.array(z.string()),
    measureValue: z.string().nullable(),
    measureNote: z.string().nullable(),
    tierReached: z.string().nullable(),
    tierValue: z.string().nullable(),
    lineCount: z.number().int(),
    capApplied: z.boolean(),
    earned: money,
    previouslySettled: money,
    amountDue: money,
    currency: z.string(),
    status: z.enum(STATEMENT_STATUSES),
    approvedBy: z.string().nullable(),
    settledIn: z
      .string()
      .nullable()
      .optional()
      .describe(
        'status settled_later: the later period of the window whose approved statement paid this one',
      ),
  })
  .meta({ id: 'Statement' });
export type StatementView = z.infer<typeof statementSchema>;

export const statementSnapshotSchema = z
  .object({
    seq: z.number().int().describe('1 for the first close, then one more per re-close'),
    sha256: z.string().describe('SHA-256 of the canonical JSON of the frozen statement'),
    closedAt: z.string(),
    closedBy: z.string(),
    changedSinceClose: z
      .boolean()
      .nullable()
      .describe('closed statements: whether recomputing now differs (approval would be refused)'),
  })
  .meta({ id: 'StatementSnapshot' });

/**
 * Why a transaction of the period earns nothing (a statement's `excluded`); the web's
 * incentive-labels.ts says each in a plain sentence. `paid_to_other_dealer` and
 * `delivered_by_other_dealer`: a VIN earns once across the network within a program
 * (docs/incentives.md, "A VIN is paid once").
 */
export const STATEMENT_EXCLUSION_REASONS = [
  'late',
  'currency_mismatch',
  'duplicate_clawback',
  'sale_category',
  'buyer_type',
  'no_report',
  'paid_to_other_dealer',
  'delivered_by_other_dealer',
  'charged_back_unwind',
] as const;
export const statementExclusionReasonSchema = z.enum(STATEMENT_EXCLUSION_REASONS);
export type StatementExclusionReason = z.infer<typeof statementExclusionReasonSchema>;

export const statementDetailSchema = statementSchema
  .extend({
    /** The snapshot shown (closed) or approved (approved, paid); null while open. */
    snapshot: statementSnapshotSchema.nullable().optional(),
    lines: z.array(statementLineSchema),
    excluded: z.array(
      z.object({
        transactionId: z.string(),
        reason: statementExclusionReasonSchema,
        detail: z.string(),
        vin: z.string().nullable().optional(),
        sku: z.string().nullable().optional(),
      }),
    ),
  })
  .meta({ id: 'StatementDetail' });
export type StatementDetail = z.infer<typeof statementDetailSchema>;

export const statementListSchema = z.object({
  programCode: z.string(),
  period: z.string(),
  currency: z.string(),
  items: z.array(statementSchema),
  totalEarned: money,
  totalAmountDue: money,
  budget: z.object({
    budget: z.string().nullable(),
    totalEarned: z.string(),
    remaining: z.string().nullable(),
    overrun: z.string(),
    isOverrun: z.boolean(),
    usedPercent: z.string().nullable(),
  }),
});
export type StatementList = z.infer<typeof statementListSchema>;

export const progressSchema = z
  .object({
    programCode: z.string(),
    programName: z.string(),
    currency: z.string(),
    period: z.string(),
    window: z.object({ label: z.string(), start: z.string(), end: z.string() }),
    asOf: z.string(),
    eligible: z.boolean(),
    measure: z.string(),
    measureValue: z.string().nullable(),
    measureNote: z.string().nullable(),
    tierReached: z.string().nullable(),
    earned: money,
    previouslySettled: money,
    amountDue: money,
    nextTier: z.object({ from: z.string(), value: z.string() }).nullable(),
    needed: z
      .object({
        measure: z.string(),
        units: z.number().int().nullable(),
        revenue: z.string().nullable(),
      })
      .nullable(),
    nextTierAdds: z.string().nullable(),
    message: z.string().describe('"7 more units earn you 14000.00 USD more"'),
    note: z.string().nullable(),
  })
  .meta({ id: 'IncentiveProgress' });
export type ProgressView = z.infer<typeof progressSchema>;

export const dealerIncentivesSchema = z.object({
  dealerCode: z.string(),
  asOf: z.string(),
  programs: z.array(progressSchema),
});
export type DealerIncentives = z.infer<typeof dealerIncentivesSchema>;

export const whatIfBodySchema = z
  .object({
    programCode: code,
    quantity: z
      .number()
      .int()
      .min(-10_000)
      .max(10_000)
      .refine((n) => n !== 0, 'must not be 0'),
    sku: code.optional().describe('a SKU of the catalog; or modelLine (+ powertrain)'),
    modelLine: code.optional(),
    powertrain: z.enum(POWERTRAINS).optional(),
    amountPerUnit: decimalString.optional().describe('default: the SKU MSRP'),
    date: isoDate.optional().describe('default: today'),
    period: z.string().optional(),
  })
  .refine((b) => b.sku !== undefined || b.modelLine !== undefined, {
    message: 'name a sku or a modelLine',
    path: ['sku'],
  });
export type WhatIfBody = z.infer<typeof whatIfBodySchema>;

export const whatIfResultSchema = z.object({
  before: progressSchema,
  after: progressSchema,
  addedEarned: money,
});
export type WhatIfResult = z.infer<typeof whatIfResultSchema>;

/** What-if across all programs (issue 13): "5 more BEVs" on every program the dealer is in. */
export const whatIfAllBodySchema = z.object({
  quantity: z.number().int().min(1).max(1000),
  powertrain: z.enum(POWERTRAINS).optional(),
  modelLine: code.optional(),
  sku: code
    .optional()
    .describe('default: the first SKU (by code) matching powertrain and modelLine'),
  amountPerUnit: decimalString.optional().describe('default: the SKU MSRP'),
});
export type WhatIfAllBody = z.infer<typeof whatIfAllBodySchema>;

export const whatIfAllResultSchema = z.object({
  dealerCode: z.string(),
  template: z
    .object({ sku: z.string(), modelLine: z.string(), powertrain: z.string() })
    .describe('the catalog SKU the hypothetical units copy'),
  programs: z.array(
    z.object({
      programCode: z.string(),
      name: z.string(),
      currency: z.string(),
      period: z.string(),
      before: money,
      after: money,
      added: money,
    }),
  ),
  totals: z.array(z.object({ currency: z.string(), added: money })),
});
export type WhatIfAllResult = z.infer<typeof whatIfAllResultSchema>;

export const CLAIM_STATUSES = ['invalid', 'validated', 'approved', 'rejected'] as const;
export const claimCheckSchema = z.object({
  check: z.string(),
  ok: z.boolean(),
  message: z.string(),
});
export const claimSchema = z
  .object({
    id: z.number().int(),
    programCode: z.string(),
    dealerCode: z.string(),
    dealerName: z.string(),
    vin: z.string(),
    sku: z.string(),
    deliveredOn: z.string(),
    evidenceName: z.string().nullable(),
    transactionId: z.string().nullable(),
    status: z.enum(CLAIM_STATUSES),
    checks: z.array(claimCheckSchema),
    decisionReason: z.string().nullable(),
    submittedBy: z.string(),
    decidedBy: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'Claim' });
export type ClaimView = z.infer<typeof claimSchema>;

export const claimInputSchema = z.object({
  dealerCode: code,
  vin: z.string().min(1).max(17),
  sku: code,
  deliveredOn: isoDate,
  evidenceName: z.string().max(200).optional(),
});
export type ClaimInput = z.infer<typeof claimInputSchema>;

export const claimDecisionSchema = z.object({
  decision: z.enum(['approve', 'reject']),
  reason: z.string().min(1).max(2000),
});

export const disputeMessageSchema = z.object({
  id: z.number().int(),
  side: z.enum(['dealer', 'oem']),
  author: z.string(),
  body: z.string(),
  attachmentName: z.string().nullable(),
  createdAt: z.string(),
});
/** A dispute, with the currency of its statement (or program). */
export const disputeSchema = z
  .object({
    id: z.number().int(),
    programCode: z.string(),
    dealerCode: z.string(),
    period: z.string(),
    dealerName: z.string(),
    transactionId: z.string().nullable(),
    transaction: z
      .object({
        occurredOn: z.string(),
        vin: z.string().nullable(),
        sku: z.string(),
        amount: z.string(),
        currency: z.string(),
      })
      .nullable()
      .describe('the disputed statement line (date, VIN, SKU, amount); null for a claim'),
    claimId: z.number().int().nullable(),
    status: z.enum(['open', 'adjusted', 'rejected']),
    resolution: z.string().nullable(),
    adjustment: z.string().nullable(),
    ageDays: z.number().int(),
    createdBy: z.string(),
    resolvedBy: z.string().nullable(),
    createdAt: z.string(),
    currency: z
      .string()
      .describe("the disputed statement's currency (the program's while none is stored)"),
    messages: z.array(disputeMessageSchema),
  })
  .meta({ id: 'Dispute' });
export type DisputeView = z.infer<typeof disputeSchema>;

export const disputeCreateSchema = z
  .object({
    programCode: code,
    dealerCode: code,
    period: z.string().min(1).max(20),
    transactionId: z.string().regex(/^\d+$/).optional(),
    claimId: z.number().int().positive().optional(),
    comment: z.string().min(1).max(4000),
    attachmentName: z.string().max(200).optional(),
  })
  .refine((b) => b.transactionId !== undefined || b.claimId !== undefined, {
    message: 'name the disputed statement line (transactionId) or claim (claimId)',
    path: ['transactionId'],
  });
export const disputeMessageCreateSchema = z.object({
  body: z.string().min(1).max(4000),
  attachmentName: z.string().max(200).optional(),
});
export const disputeResolveSchema = z
  .object({
    outcome: z.enum(['adjust', 'reject']),
    amount: decimalString.optional().describe('credit (+) or debit (-); required with adjust'),
    reason: z.string().min(1).max(4000),
  })
  .refine((b) => b.outcome === 'reject' || (b.amount !== undefined && Number(b.amount) !== 0), {
    message: 'an adjustment needs a non-zero amount',
    path: ['amount'],
  });

export const closePeriodSchema = z.object({ period: z.string().min(1).max(20) });
export const closePeriodResultSchema = z.object({
  programCode: z.string(),
  period: z.string(),
  statements: z.number().int(),
  /** statements frozen anew by this close (a re-close leaves unchanged ones as they were) */
  snapshots: z.number().int().optional(),
  /** whether the period was closed before (a re-close of statements not yet approved) */
  reclosed: z.boolean().optional(),
  totalAmountDue: z.string(),
});
export const approveStatementSchema = z.object({ period: z.string().min(1).max(20) });

export const payoutCreateSchema = z.object({
  programCode: code.optional().describe('default: every program'),
  glAccount: z.string().min(1).max(40).default('2150-INCENTIVES'),
});
export const payoutItemSchema = z.object({
  dealerCode: z.string(),
  dealerName: z.string(),
  erpVendorId: z.string().nullable(),
  amount: z.string(),
  currency: z.string(),
  glAccount: z.string(),
  reference: z.string(),
  programCode: z.string(),
  period: z.string(),
});
/** What a payout batch says of its life, in the batch and in the list of batches. */
const payoutBatchLife = {
  glAccount: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  paidAt: z.string().nullable(),
  state: z
    .enum(['built', 'exported', 'paid'])
    .describe(
      'in words: built (CSV not downloaded yet), exported (downloaded for accounts payable), paid',
    ),
  exportedAt: z.string().nullable().describe('first download of its CSV'),
};

export const payoutBatchSchema = z
  .object({
    code: z.string(),
    status: z.enum(['exported', 'paid']),
    ...payoutBatchLife,
    totals: z.array(z.object({ currency: z.string(), amount: z.string() })),
    items: z.array(payoutItemSchema),
  })
  .meta({ id: 'PayoutBatch' });
export type PayoutBatchView = z.infer<typeof payoutBatchSchema>;

export const accrualSchema = z.object({
  programCode: z.string(),
  currency: z.string(),
  asOf: z.string(),
  months: z.array(
    z
      .object({ month: z.string(), earned: z.string() })
      .describe('earned on transactions of the month'),
  ),
  earnedToDate: z.string(),
  projectedToWindowEnd: z.string(),
  budget: statementListSchema.shape.budget,
});
export type Accruals = z.infer<typeof accrualSchema>;

export const PAYOUT_BATCH_STATUSES = ['exported', 'paid'] as const;
export const payoutListQuery = pagingQuery.extend({
  status: z.enum(PAYOUT_BATCH_STATUSES).optional(),
});
export const payoutBatchSummarySchema = z
  .object({
    code: z.string(),
    status: z.enum(PAYOUT_BATCH_STATUSES),
    ...payoutBatchLife,
    approvedAt: z
      .string()
      .nullable()
      .describe('when the last of its statements was approved (the batch holds approved ones)'),
    dealerCount: z.number().int(),
    paymentCount: z.number().int(),
    totals: z.array(z.object({ currency: z.string(), amount: z.string() })),
  })
  .meta({ id: 'PayoutBatchSummary' });
export type PayoutBatchSummary = z.infer<typeof payoutBatchSummarySchema>;

export const SETTLEMENT_PERIOD_STATUSES = ['open', 'closed'] as const;
export const settlementPeriodSchema = z
  .object({
    period: z.string().describe('the statement period: 2026-03, 2026-Q1 or program'),
    start: z.string().describe('first day of the payout period'),
    end: z.string().describe('cut-off: the last transaction date the statement counts'),
    graceUntil: z
      .string()
      .describe('cut-off including the grace days: the last arrival date that still counts'),
    window: z.object({ label: z.string(), start: z.string(), end: z.string() }),
    isCumulative: z.boolean().describe('settled cumulatively from the window start'),
    hasStarted: z.boolean(),
    isCurrent: z.boolean().describe('contains today'),
    status: z.enum(SETTLEMENT_PERIOD_STATUSES),
    closedAt: z.string().nullable(),
    closedBy: z.string().nullable(),
    closable: z
      .boolean()
      .describe('offered for closing: the cut-off and the grace days have passed, not closed yet'),
    closableReason: z.string().describe('why it is (or is not yet) offered for closing'),
    statements: z
      .object({
        closed: z.number().int().describe('stored, waiting for approval'),
        approved: z.number().int(),
        paid: z.number().int(),
      })
      .describe('stored statements of the dealers in your scope, by status'),
  })
  .meta({ id: 'SettlementPeriod' });
export type SettlementPeriodView = z.infer<typeof settlementPeriodSchema>;
export const settlementPeriodListSchema = z.object({
  programCode: z.string(),
  versionNo: z.number().int().describe('the version whose dates the periods follow'),
  currency: z.string(),
  measurementPeriod: z.string(),
  payoutFrequency: z.string(),
  graceDays: z.number().int(),
  items: z.array(settlementPeriodSchema),
});
export type SettlementPeriodList = z.infer<typeof settlementPeriodListSchema>;
