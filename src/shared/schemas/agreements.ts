import { z } from 'zod';
import type { Permission } from '../permissions';
import { code, isoMonth, pagingQuery } from './common';
import { TRANSACTION_KINDS } from './transactions';

export const AGREEMENT_STATUSES = [
  'draft',
  'proposed',
  'accepted',
  'approved',
  'active',
  'expired',
  'cancelled',
  'rejected',
] as const;
export type AgreementStatus = (typeof AGREEMENT_STATUSES)[number];
export const FREQUENCIES = ['monthly', 'quarterly'] as const;
export const TARGET_KINDS = ['model_line', 'sku', 'product_group'] as const;
export const TRANSITIONS = ['propose', 'accept', 'return', 'approve', 'reject', 'cancel'] as const;
export type Transition = (typeof TRANSITIONS)[number];

/** The permission each transition needs: its route declares it and the service checks it. */
export const TRANSITION_PERMISSION = {
  propose: 'agreements:write',
  accept: 'agreements:accept',
  return: 'agreements:accept',
  approve: 'agreements:approve',
  reject: 'agreements:approve',
  cancel: 'agreements:write',
} as const satisfies Record<Transition, Permission>;

export const REVISION_DECISIONS = ['accept', 'approve', 'reject'] as const;
export type RevisionDecision = (typeof REVISION_DECISIONS)[number];

/** Amendments: the dealer principal accepts, an OEM approver approves, either side rejects. */
export const REVISION_DECISION_ACCESS = {
  accept: 'agreements:accept',
  approve: 'agreements:approve',
  reject: { anyOf: ['agreements:accept', 'agreements:approve'] },
} as const satisfies Record<RevisionDecision, Permission | { anyOf: Permission[] }>;

export const targetSchema = z.object({ kind: z.enum(TARGET_KINDS), code });

const plannedPeriodSchema = z.object({
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$/, 'a period such as 2026-03 or 2026-Q1'),
  quantity: z.number().int().min(0, 'a planned quantity is not negative'),
  revenue: z
    .string()
    .regex(/^\d{1,14}(\.\d{1,2})?$/, 'a non-negative decimal string such as "125000.00"')
    .optional(),
});

export const agreementLineInputSchema = z
  .object({
    target: targetSchema,
    planned: z
      .array(plannedPeriodSchema)
      .optional()
      .describe('every period of the term once; or give total and spread'),
    total: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('spread over the periods when planned is not given'),
    spread: z
      .enum(['even', 'seasonal'])
      .default('even')
      .describe("seasonal: by the dealer's last 24 months of this product"),
  })
  .refine((l) => l.planned !== undefined || l.total !== undefined, {
    message: 'give planned per period or a total to spread',
    path: ['planned'],
  });
export type AgreementLineInput = z.infer<typeof agreementLineInputSchema>;

export const agreementCreateSchema = z.object({
  dealerCode: code,
  startMonth: isoMonth,
  months: z.number().int().min(1).max(60),
  frequency: z.enum(FREQUENCIES).default('monthly'),
  countedKinds: z
    .array(z.enum(TRANSACTION_KINDS))
    .min(1)
    .default(['retail_delivery', 'unwind'])
    .describe('which transaction kinds count as actuals; default retail deliveries net of unwinds'),
  lines: z.array(agreementLineInputSchema).min(1).max(200),
});
export type AgreementCreate = z.infer<typeof agreementCreateSchema>;

export const agreementUpdateSchema = agreementCreateSchema.omit({ dealerCode: true }).extend({
  version: z.number().int().describe('the row version you edited (optimistic concurrency)'),
});

export const transitionBodySchema = z.object({
  version: z.number().int().describe('the row version you saw'),
  comment: z.string().max(2000).optional().describe('required to return, reject or cancel'),
});

export const revisionCreateSchema = z.object({
  version: z.number().int(),
  comment: z.string().max(2000).optional(),
  lines: z.array(agreementLineInputSchema).min(1).max(200),
});

export const revisionDecisionSchema = z.object({ comment: z.string().max(2000).optional() });

export const expectationsUpdateSchema = z.object({
  items: z
    .array(
      z.object({
        lineNo: z.number().int().positive(),
        period: z.string().describe('a period of the term, e.g. 2026-03 or 2026-Q1'),
        expectedQuantity: z
          .number()
          .int()
          .min(0)
          .nullable()
          .describe('what the dealer expects to deliver; null removes the expectation'),
        comment: z.string().max(2000).optional(),
      }),
    )
    .min(1)
    .max(1000),
});
export type ExpectationsUpdate = z.infer<typeof expectationsUpdateSchema>;

export const agreementLineSchema = z.object({
  lineNo: z.number().int(),
  target: z.object({ kind: z.enum(TARGET_KINDS), code: z.string(), label: z.string() }),
  plannedQuantities: z.array(z.number().int()),
  plannedRevenue: z.array(z.string()).nullable(),
});
export type AgreementLine = z.infer<typeof agreementLineSchema>;

export const agreementTermsSchema = z.object({
  code: z.string(),
  dealerCode: z.string(),
  startMonth: z.string(),
  months: z.number().int(),
  frequency: z.enum(FREQUENCIES),
  countedKinds: z.array(z.string()),
  periods: z.array(z.string()),
  lines: z.array(agreementLineSchema),
});
export type AgreementTerms = z.infer<typeof agreementTermsSchema>;

export const lineChangeSchema = z.object({
  lineNo: z.number().int(),
  target: z.string(),
  change: z.enum(['added', 'removed', 'changed']),
  periods: z.array(
    z.object({
      period: z.string(),
      from: z.number().int().nullable(),
      to: z.number().int().nullable(),
    }),
  ),
});
export type LineChange = z.infer<typeof lineChangeSchema>;

export const agreementOverlapSchema = z
  .object({
    agreementId: z.number().int(),
    code: z.string(),
    status: z.string(),
    startMonth: z.string(),
    endMonth: z.string(),
    fromMonth: z.string().describe('the first month both terms cover'),
    toMonth: z.string().describe('the last month both terms cover'),
    skus: z.array(z.string()),
    suggestions: z.array(
      z.union([
        z.object({ action: z.literal('amend'), agreementId: z.number().int(), code: z.string() }),
        z.object({ action: z.literal('start_after'), startMonth: z.string() }),
      ]),
    ),
  })
  .meta({ id: 'AgreementOverlap' });

/** What names an agreement in every answer: its id and code, its dealer, region and status. */
const agreementHead = {
  id: z.number().int(),
  code: z.string(),
  dealerCode: z.string(),
  dealerName: z.string(),
  regionCode: z.string(),
  status: z.enum(AGREEMENT_STATUSES),
};

export const agreementSchema = z
  .object({
    ...agreementHead,
    version: z.number().int(),
    approvedVersion: z.number().int().nullable(),
    statusComment: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    renewedFrom: z.string().nullable(),
    terms: agreementTermsSchema,
    pendingRevision: z
      .object({
        id: z.number().int(),
        status: z.string(),
        comment: z.string().nullable(),
        createdAt: z.string(),
        terms: agreementTermsSchema,
        changes: z.array(lineChangeSchema),
      })
      .nullable(),
    allowedTransitions: z.array(z.enum(TRANSITIONS)),
    overlaps: z
      .array(agreementOverlapSchema)
      .describe(
        'other agreements of the dealer committing the same SKUs in the same months (shown while drafting; proposing is refused while any is there)',
      ),
    approval: z
      .object({
        canApprove: z.boolean(),
        reason: z.string().nullable().describe('why the reader cannot approve, and who can'),
        approvers: z.array(z.string()).describe('who may approve (never the author: four eyes)'),
      })
      .nullable()
      .describe('for an accepted agreement: who approves it'),
    events: z.array(
      z.object({
        action: z.string(),
        fromStatus: z.string().nullable(),
        toStatus: z.string().nullable(),
        comment: z.string().nullable(),
        actor: z.string(),
        at: z.string(),
      }),
    ),
  })
  .meta({ id: 'Agreement' });
export type Agreement = z.infer<typeof agreementSchema>;

export const agreementSummarySchema = z
  .object({
    ...agreementHead,
    startMonth: z.string(),
    endMonth: z.string(),
    frequency: z.enum(FREQUENCIES),
    lineCount: z.number().int(),
    plannedTotal: z.number().int(),
    plannedToDate: z.number().int(),
    actualToDate: z.number().int(),
    attainmentPct: z.number().nullable().describe('actual to date ÷ planned to date × 100'),
    gap: z.number().int().describe('actual to date − planned to date'),
    projectedTotal: z
      .number()
      .int()
      .nullable()
      .describe('run-rate projection to the end of the term'),
    projectedAttainmentPct: z.number().nullable(),
  })
  .meta({ id: 'AgreementSummary' });
export type AgreementSummary = z.infer<typeof agreementSummarySchema>;

export const agreementFilterSchema = pagingQuery.extend({
  dealer: code.optional(),
  region: code.optional(),
  status: z.enum(AGREEMENT_STATUSES).optional(),
  period: isoMonth.optional().describe('agreements whose term includes this month'),
  q: z.string().max(100).optional(),
  sort: z.enum(['code', 'dealer', 'attainment', 'gap', 'projection']).default('code'),
  order: z.enum(['asc', 'desc']).default('asc'),
});
export type AgreementFilter = z.infer<typeof agreementFilterSchema>;

/** Statuses whose terms have actuals worth rolling up (when no status is asked for). */
export const ROLLUP_STATUSES = [
  'approved',
  'active',
  'expired',
] as const satisfies readonly AgreementStatus[];

/** A projected attainment under this counts as "at risk" (roll-ups count such agreements). */
export const AT_RISK_BELOW_PCT = 90;

export const agreementRollupQuerySchema = agreementFilterSchema
  .pick({ dealer: true, region: true, status: true, period: true, q: true })
  .extend({
    by: z
      .enum(['region', 'model_line'])
      .describe(
        'region: one level below the region filter (or below the top of the tree); model_line: lines on a model line or one of its SKUs, product-group lines as "group:CODE"',
      ),
  });
export type AgreementRollupQuery = z.infer<typeof agreementRollupQuerySchema>;

export const agreementRollupItemSchema = z.object({
  key: z.string(),
  name: z.string(),
  agreements: z.number().int(),
  plannedTotal: z.number().int(),
  plannedToDate: z.number().int(),
  actualToDate: z.number().int(),
  gap: z.number().int(),
  attainmentPct: z.number().nullable(),
  projectedTotal: z.number().int().nullable(),
  projectedAttainmentPct: z.number().nullable(),
  atRisk: z
    .number()
    .int()
    .nullable()
    .describe(`agreements projected under ${AT_RISK_BELOW_PCT} % (by region only)`),
});
export type AgreementRollupItem = z.infer<typeof agreementRollupItemSchema>;

export const agreementRollupSchema = z.object({
  by: z.enum(['region', 'model_line']),
  items: z.array(agreementRollupItemSchema),
});
export type AgreementRollup = z.infer<typeof agreementRollupSchema>;

const progressPeriodSchema = z.object({
  period: z.string(),
  plannedQuantity: z.number().int(),
  actualQuantity: z.number().int(),
  attainmentPct: z.number().nullable(),
  gap: z.number().int(),
  plannedRevenue: z.string().nullable(),
  actualRevenue: z.string(),
  isElapsed: z.boolean().describe('the period has started'),
  elapsedShare: z
    .number()
    .min(0)
    .max(1)
    .describe('the share of the period elapsed by today (0: not started, 1: over)'),
  expectedQuantity: z
    .number()
    .int()
    .nullable()
    .describe('what the dealer now expects to deliver in the period (null: not given)'),
});

const toDateSchema = z.object({
  plannedQuantity: z.number().int(),
  actualQuantity: z.number().int(),
  attainmentPct: z.number().nullable(),
  gap: z.number().int(),
  plannedTotal: z.number().int(),
  projectedTotal: z.number().int().nullable(),
  projectedAttainmentPct: z.number().nullable(),
});

export const agreementProgressSchema = z
  .object({
    agreementCode: z.string(),
    dealerCode: z.string(),
    status: z.enum(AGREEMENT_STATUSES),
    frequency: z.enum(FREQUENCIES),
    asOf: z.string().describe('the date the term-to-date figures run to'),
    periods: z.array(z.string()),
    lines: z.array(
      z.object({
        lineNo: z.number().int(),
        target: agreementLineSchema.shape.target,
        periods: z.array(progressPeriodSchema),
        termToDate: toDateSchema,
      }),
    ),
    totals: z.object({ periods: z.array(progressPeriodSchema), termToDate: toDateSchema }),
  })
  .meta({ id: 'AgreementProgress' });
export type AgreementProgress = z.infer<typeof agreementProgressSchema>;

export const productGroupSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    filter: z.object({
      powertrains: z.array(z.string()),
      segments: z.array(z.string()),
      modelLines: z.array(z.string()),
      skus: z.array(z.string()),
    }),
    skuCount: z.number().int(),
  })
  .meta({ id: 'ProductGroup' });
export type ProductGroup = z.infer<typeof productGroupSchema>;
export const productGroupCreateSchema = z.object({
  code,
  name: z.string().min(1).max(120),
  filter: z.object({
    powertrains: z.array(z.enum(['ICE', 'HEV', 'PHEV', 'BEV'])).default([]),
    segments: z.array(z.string()).default([]),
    modelLines: z.array(code).default([]),
    skus: z.array(code).default([]),
  }),
});

export const ledgerVerifySchema = z
  .object({
    ok: z.boolean(),
    entries: z.number().int(),
    headHash: z.string(),
    firstBroken: z
      .object({
        seq: z.number().int(),
        entityType: z.string(),
        entityId: z.string(),
        action: z.string(),
        reason: z.string(),
      })
      .nullable(),
  })
  .meta({ id: 'LedgerVerification' });
export type LedgerVerification = z.infer<typeof ledgerVerifySchema>;

export const notificationSchema = z
  .object({
    id: z.number().int(),
    kind: z.string(),
    message: z.string(),
    link: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'Notification' });
export type AppNotification = z.infer<typeof notificationSchema>;
