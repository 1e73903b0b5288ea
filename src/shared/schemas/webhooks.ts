import { z } from 'zod';
import { code, page, pagingQuery } from './common';

/**
 * The events Forecourt announces (docs/integration.md, "Events and webhooks"). Each is written to
 * the outbox by a trigger in the transaction of the change (migration 0022). `network`: the event
 * names no dealer, so only subscriptions without a dealer-group scope receive it.
 */
export const WEBHOOK_EVENTS = {
  'agreement.proposed': {
    entity: 'agreement',
    network: false,
    about: 'An agreement was proposed to its dealer',
  },
  'agreement.accepted': {
    entity: 'agreement',
    network: false,
    about: 'The dealer accepted an agreement',
  },
  'agreement.approved': {
    entity: 'agreement',
    network: false,
    about: 'The OEM approved an agreement (a new version)',
  },
  'agreement.activated': {
    entity: 'agreement',
    network: false,
    about: 'An approved agreement became active',
  },
  'agreement.rejected': { entity: 'agreement', network: false, about: 'An agreement was rejected' },
  'agreement.cancelled': {
    entity: 'agreement',
    network: false,
    about: 'An agreement was cancelled',
  },
  'agreement.expired': {
    entity: 'agreement',
    network: false,
    about: 'An agreement reached the end of its term',
  },
  'agreement.amendment_proposed': {
    entity: 'agreement',
    network: false,
    about: 'An amendment of an active agreement was proposed',
  },
  'agreement.amended': {
    entity: 'agreement',
    network: false,
    about: 'An amendment was approved: the agreement has a new version',
  },
  'statement.closed': {
    entity: 'statement',
    network: false,
    about: 'A period was closed (or re-closed): the statement snapshot is frozen',
  },
  'statement.approved': {
    entity: 'statement',
    network: false,
    about: 'Finance approved a statement',
  },
  'statement.paid': {
    entity: 'statement',
    network: false,
    about: 'A statement was paid (its payout batch was marked paid)',
  },
  'payout_batch.built': {
    entity: 'payout_batch',
    network: true,
    about: 'A payout batch was built from approved statements',
  },
  'payout_batch.exported': {
    entity: 'payout_batch',
    network: true,
    about: 'A payout batch was first exported for accounts payable',
  },
  'payout_batch.paid': {
    entity: 'payout_batch',
    network: true,
    about: 'A payout batch was marked paid',
  },
  'dispute.opened': { entity: 'dispute', network: false, about: 'A dealer opened a dispute' },
  'dispute.resolved': {
    entity: 'dispute',
    network: false,
    about: 'A dispute was resolved (adjusted or rejected)',
  },
  'claim.decided': { entity: 'claim', network: false, about: 'A claim was approved or rejected' },
  'forecast_cycle.locked': {
    entity: 'forecast_cycle',
    network: true,
    about: 'A forecast cycle was locked: the consensus is frozen',
  },
  'demand_plan.published': {
    entity: 'forecast_cycle',
    network: true,
    about: "A forecast cycle's demand plan was published",
  },
  'actuals.rolled_up': {
    entity: 'ingest_batch',
    network: false,
    about: "A feed batch is in the dealer's monthly actuals (one event per dealer of the batch)",
  },
  'allocation_run.published': {
    entity: 'allocation_round',
    network: false,
    about:
      'An allocation round was published (a run, or a re-allocation): one event per dealer with units in it, naming its units per SKU',
  },
  'allocation.accepted': {
    entity: 'allocation_decision',
    network: false,
    about: 'A dealer accepted some or all of its allocated units of a SKU',
  },
  'allocation.declined': {
    entity: 'allocation_decision',
    network: false,
    about: 'A dealer declined its allocated units of a SKU',
  },
  'allocation.expired': {
    entity: 'allocation_decision',
    network: false,
    about: "A dealer's allocated units were left undecided past the acceptance window",
  },
  'integrity_flag.opened': {
    entity: 'integrity_flag',
    network: false,
    about: 'An integrity scan found a new pattern at a dealer (a flag to review)',
  },
  'integrity_flag.confirmed': {
    entity: 'integrity_flag',
    network: false,
    about: 'An integrity flag was confirmed',
  },
  'integrity_flag.dismissed': {
    entity: 'integrity_flag',
    network: false,
    about: 'An integrity flag was dismissed (with a reason)',
  },
} as const;

export type WebhookEventType = keyof typeof WEBHOOK_EVENTS;
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENTS) as [
  WebhookEventType,
  ...WebhookEventType[],
];
/** The test ping (`POST /webhooks/{id}/ping`): sent to one subscription, never subscribed to. */
export const PING_EVENT = 'webhook.ping';

export const webhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);

const url = z
  .string()
  .trim()
  .min(1)
  .max(2000)
  .describe('http(s) URL of the receiver (private, loopback and link-local targets are refused)');

export const webhookCreateSchema = z.object({
  url,
  description: z.string().trim().max(200).default(''),
  eventTypes: z.array(webhookEventTypeSchema).min(1).max(WEBHOOK_EVENT_TYPES.length),
  /** only the events of this dealer group's dealers (absent: every event) */
  dealerGroupCode: code.nullable().optional(),
});
export type WebhookCreate = z.infer<typeof webhookCreateSchema>;

export const webhookUpdateSchema = z.object({
  url: url.optional(),
  description: z.string().trim().max(200).optional(),
  eventTypes: z.array(webhookEventTypeSchema).min(1).max(WEBHOOK_EVENT_TYPES.length).optional(),
  dealerGroupCode: code.nullable().optional(),
  isEnabled: z.boolean().optional(),
});
export type WebhookUpdate = z.infer<typeof webhookUpdateSchema>;

export const webhookSubscriptionSchema = z
  .object({
    id: z.number().int(),
    url: z.string(),
    description: z.string(),
    eventTypes: z.array(z.string()),
    dealerGroupCode: z.string().nullable(),
    dealerGroupName: z.string().nullable(),
    isEnabled: z.boolean(),
    disabledReason: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    previousSecretUntil: z
      .string()
      .nullable()
      .describe('after a rotation: the previous secret signs beside the new one until then'),
    pending: z.number().int(),
    delivered: z.number().int(),
    dead: z.number().int(),
  })
  .meta({ id: 'WebhookSubscription' });
export type WebhookSubscription = z.infer<typeof webhookSubscriptionSchema>;

export const webhookCreatedSchema = webhookSubscriptionSchema.extend({
  secret: z.string().describe('Standard Webhooks signing secret (whsec_…): shown this once only'),
});

/** Rotation: how long the previous secret keeps signing beside the new one. */
export const webhookRotateSchema = z
  .object({
    graceHours: z
      .number()
      .min(0)
      .max(7 * 24)
      .default(24)
      .describe('hours the previous secret still signs beside the new one (0: it stops at once)'),
  })
  .nullish();
export type WebhookRotate = z.infer<typeof webhookRotateSchema>;

export const webhookRotatedSchema = webhookCreatedSchema.describe(
  'The subscription with its new secret (shown this once only)',
);

export const webhookListSchema = z.object({ items: z.array(webhookSubscriptionSchema) });

export const DELIVERY_STATES = ['pending', 'delivered', 'dead'] as const;

export const webhookDeliverySchema = z
  .object({
    id: z.number().int(),
    subscriptionId: z.number().int(),
    subscriptionUrl: z.string(),
    eventId: z.string().describe('the webhook-id header: msg_<outbox id>'),
    eventType: z.string(),
    entityType: z.string(),
    entityId: z.string(),
    state: z.enum(DELIVERY_STATES),
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'WebhookDelivery' });
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;

export const webhookAttemptSchema = z.object({
  attempt: z.number().int(),
  statusCode: z.number().int().nullable(),
  durationMs: z.number().int(),
  responseBody: z.string().nullable(),
  error: z.string().nullable(),
  at: z.string(),
});
export type WebhookAttempt = z.infer<typeof webhookAttemptSchema>;

export const webhookDeliveryDetailSchema = webhookDeliverySchema.extend({
  payload: z.record(z.string(), z.unknown()),
  attemptLog: z.array(webhookAttemptSchema),
});

export const webhookDeliveryQuerySchema = pagingQuery.extend({
  state: z.enum(DELIVERY_STATES).optional(),
});
export type WebhookDeliveryQuery = z.infer<typeof webhookDeliveryQuerySchema>;
export const webhookDeliveryPageSchema = page(webhookDeliverySchema);

export const webhookPingSchema = z.object({ deliveryId: z.number().int(), eventId: z.string() });

/** Payload schemas (the `data` of the envelope) for the OpenAPI document's `webhooks` section. */
const links = z
  .record(z.string(), z.string())
  .describe('API paths (relative to the server) to read the details');
const base = { version: z.literal(1), links };
const agreementPayload = z.object({
  ...base,
  agreementId: z.number().int(),
  agreementCode: z.string(),
  dealerCode: z.string(),
  status: z.string(),
  approvedVersion: z.number().int().nullable().optional(),
  revisionId: z.number().int().optional(),
});
const statementPayload = z.object({
  ...base,
  statementId: z.number().int(),
  programCode: z.string(),
  dealerCode: z.string(),
  period: z.string(),
  status: z.string(),
  amountDue: z.string().describe('decimal string'),
  currency: z.string(),
  snapshotId: z.number().int().optional(),
  snapshotSeq: z.number().int().optional(),
  sha256: z.string().optional(),
});
const payoutPayload = z.object({
  ...base,
  payoutBatchId: z.number().int(),
  payoutBatchCode: z.string(),
  status: z.string(),
  glAccount: z.string(),
});
const disputePayload = z.object({
  ...base,
  disputeId: z.number().int(),
  programCode: z.string(),
  dealerCode: z.string(),
  period: z.string(),
  status: z.string(),
});
const claimPayload = z.object({
  ...base,
  claimId: z.number().int(),
  programCode: z.string(),
  dealerCode: z.string(),
  vin: z.string(),
  status: z.string(),
});
const cyclePayload = z.object({
  ...base,
  cycleId: z.number().int(),
  cycleMonth: z.string(),
  horizon: z.number().int(),
  status: z.string(),
});
const rollupPayload = z.object({
  ...base,
  batchId: z.number().int(),
  dealerCode: z.string(),
  inserted: z.number().int(),
});
const allocationRoundPayload = z.object({
  ...base,
  runId: z.number().int(),
  runCode: z.string(),
  month: z.string().describe('YYYY-MM'),
  modelLineCode: z.string(),
  round: z.number().int().describe('0: the run; 1, 2 …: re-allocations of declined units'),
  acceptUntil: z.string().describe('the last day to accept or decline (YYYY-MM-DD)'),
  dealerCode: z.string(),
  units: z.number().int().describe("the dealer's units in this round"),
  skus: z.array(z.object({ sku: z.string(), units: z.number().int() })),
});
const allocationDecisionPayload = z.object({
  ...base,
  runId: z.number().int(),
  runCode: z.string(),
  round: z.number().int(),
  dealerCode: z.string(),
  sku: z.string(),
  units: z.number().int().describe('the units allocated'),
  acceptedUnits: z.number().int(),
  decision: z.enum(['accepted', 'declined', 'expired']),
});
const integrityFlagPayload = z.object({
  ...base,
  flagId: z.number().int(),
  kind: z.string(),
  dealerCode: z.string(),
  onDate: z.string(),
  status: z.enum(['open', 'confirmed', 'dismissed']),
  amountAtStake: z.string().describe('decimal string'),
  reason: z.string().nullable().optional().describe('confirmed or dismissed: why'),
});
export const WEBHOOK_PAYLOADS: Record<string, z.ZodType> = {
  allocation_round: allocationRoundPayload,
  allocation_decision: allocationDecisionPayload,
  integrity_flag: integrityFlagPayload,
  agreement: agreementPayload,
  statement: statementPayload,
  payout_batch: payoutPayload,
  dispute: disputePayload,
  claim: claimPayload,
  forecast_cycle: cyclePayload,
  ingest_batch: rollupPayload,
};

/** The body of every delivery (Standard Webhooks' recommended envelope). */
export function webhookEnvelopeSchema(type: string, data: z.ZodType) {
  return z.object({
    type: z.literal(type),
    timestamp: z.string().describe('when the change committed (ISO 8601)'),
    data,
  });
}
