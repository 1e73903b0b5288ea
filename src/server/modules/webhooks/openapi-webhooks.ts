/**
 * The OpenAPI 3.1 `webhooks` section: one entry per event type, with its envelope and payload
 * schema and the Standard Webhooks headers (app.ts passes it to @fastify/swagger).
 */
import { z } from 'zod';
import {
  PING_EVENT,
  WEBHOOK_EVENTS,
  WEBHOOK_PAYLOADS,
  webhookEnvelopeSchema,
} from '../../../shared/schemas/webhooks';

const HEADERS = [
  ['webhook-id', 'The event id (msg_<n>): the same on every retry and replay; deduplicate on it'],
  ['webhook-timestamp', 'Seconds since the epoch when this attempt was signed'],
  ['webhook-signature', 'v1,<base64 HMAC-SHA256 of "id.timestamp.body" with the secret>'],
] as const;

/** The JSON Schema of a zod schema, as an OpenAPI 3.1 schema object (no `$schema`). */
function jsonSchemaOf(schema: z.ZodType) {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12' });
  return rest;
}

function operation(type: string, about: string, data: z.ZodType) {
  return {
    post: {
      summary: type,
      description: `${about}. Signed per Standard Webhooks (verify with the standardwebhooks package and the subscription's whsec_ secret). Answer 2xx to acknowledge; anything else is retried with exponential backoff over about three days; 410 disables the subscription.`,
      tags: ['webhooks'],
      parameters: HEADERS.map(([name, description]) => ({
        name,
        in: 'header',
        required: true,
        description,
        schema: { type: 'string' },
      })),
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: jsonSchemaOf(webhookEnvelopeSchema(type, data)),
          },
        },
      },
      responses: {
        '200': { description: 'Received (any 2xx)' },
        '410': { description: 'Gone: the subscription is disabled' },
      },
    },
  };
}

export function openApiWebhooks(): Record<string, unknown> {
  const entries: [string, unknown][] = Object.entries(WEBHOOK_EVENTS).map(([type, event]) => [
    type,
    operation(type, event.about, WEBHOOK_PAYLOADS[event.entity]!),
  ]);
  entries.push([
    PING_EVENT,
    operation(
      PING_EVENT,
      'A test sent by POST /webhooks/{id}/ping',
      z.object({ version: z.literal(1), subscriptionId: z.number().int(), links: z.object({}) }),
    ),
  ]);
  return Object.fromEntries(entries);
}
