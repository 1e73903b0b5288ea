import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorResponses, okSchema, rowId } from '../../../shared/schemas/common';
import {
  webhookCreateSchema,
  webhookCreatedSchema,
  webhookDeliveryDetailSchema,
  webhookDeliveryPageSchema,
  webhookDeliveryQuerySchema,
  webhookListSchema,
  webhookPingSchema,
  webhookRotateSchema,
  webhookRotatedSchema,
  webhookSubscriptionSchema,
  webhookUpdateSchema,
} from '../../../shared/schemas/webhooks';
import { actorOf, SECURED, typed } from '../../http/route';

const idParams = z.object({ id: rowId });
const access = { access: 'webhooks:manage' as const };
const tags = ['webhooks'];

export async function webhooksRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { webhooks } = fastify.services;

  app.get('/webhooks', {
    config: access,
    schema: {
      summary: 'Webhook subscriptions (secrets are never listed)',
      tags,
      security: SECURED,
      response: { 200: webhookListSchema, ...errorResponses },
    },
    handler: (req) => webhooks.findSubscriptions({ actor: actorOf(req) }),
  });

  app.post('/webhooks', {
    config: access,
    schema: {
      summary: 'Subscribe a URL to events; the answer shows the signing secret this once',
      tags,
      security: SECURED,
      body: webhookCreateSchema,
      response: { 201: webhookCreatedSchema, ...errorResponses },
    },
    handler: async (req, reply) =>
      reply
        .status(201)
        .send(await webhooks.createSubscription({ actor: actorOf(req), data: req.body })),
  });

  app.get('/webhooks/dead-letters', {
    config: access,
    schema: {
      summary: 'Deliveries that failed their last attempt (or got 410), newest first',
      tags,
      security: SECURED,
      querystring: webhookDeliveryQuerySchema.omit({ state: true }),
      response: { 200: webhookDeliveryPageSchema, ...errorResponses },
    },
    handler: (req) =>
      webhooks.findDeliveries({ actor: actorOf(req), filter: { ...req.query, state: 'dead' } }),
  });

  app.get('/webhooks/deliveries/:id', {
    config: access,
    schema: {
      summary:
        'One delivery: its event payload and every attempt (status, duration, answer ≤ 4 KB)',
      tags,
      security: SECURED,
      params: idParams,
      response: { 200: webhookDeliveryDetailSchema, ...errorResponses },
    },
    handler: (req) => webhooks.getDelivery({ actor: actorOf(req), id: req.params.id }),
  });

  app.post('/webhooks/deliveries/:id/replay', {
    config: access,
    schema: {
      summary: 'Send a delivery again (same webhook-id), from its first attempt',
      tags,
      security: SECURED,
      params: idParams,
      response: { 200: webhookDeliveryDetailSchema, ...errorResponses },
    },
    handler: (req) => webhooks.replayDelivery({ actor: actorOf(req), id: req.params.id }),
  });

  app.get('/webhooks/:id', {
    config: access,
    schema: {
      summary: 'One webhook subscription',
      tags,
      security: SECURED,
      params: idParams,
      response: { 200: webhookSubscriptionSchema, ...errorResponses },
    },
    handler: (req) => webhooks.getSubscription({ actor: actorOf(req), id: req.params.id }),
  });

  app.patch('/webhooks/:id', {
    config: access,
    schema: {
      summary: 'Change a subscription: URL, events, scope, enable or disable',
      tags,
      security: SECURED,
      params: idParams,
      body: webhookUpdateSchema,
      response: { 200: webhookSubscriptionSchema, ...errorResponses },
    },
    handler: (req) =>
      webhooks.updateSubscription({ actor: actorOf(req), id: req.params.id, data: req.body }),
  });

  app.delete('/webhooks/:id', {
    config: access,
    schema: {
      summary: 'Delete a subscription and its delivery log',
      tags,
      security: SECURED,
      params: idParams,
      response: { 200: okSchema, ...errorResponses },
    },
    handler: (req) => webhooks.deleteSubscription({ actor: actorOf(req), id: req.params.id }),
  });

  app.post('/webhooks/:id/ping', {
    config: access,
    schema: {
      summary: 'Queue a signed webhook.ping to this subscription',
      tags,
      security: SECURED,
      params: idParams,
      response: { 202: webhookPingSchema, ...errorResponses },
    },
    handler: async (req, reply) =>
      reply
        .status(202)
        .send(await webhooks.pingSubscription({ actor: actorOf(req), id: req.params.id })),
  });

  app.post('/webhooks/:id/rotate-secret', {
    config: access,
    schema: {
      summary:
        'Rotate the signing secret: the new one is shown this once; the previous one signs beside it for graceHours',
      tags,
      security: SECURED,
      params: idParams,
      body: webhookRotateSchema,
      response: { 200: webhookRotatedSchema, ...errorResponses },
    },
    handler: (req) =>
      webhooks.rotateSecret({
        actor: actorOf(req),
        id: req.params.id,
        graceHours: req.body?.graceHours ?? 24,
      }),
  });

  app.get('/webhooks/:id/deliveries', {
    config: access,
    schema: {
      summary: "A subscription's delivery log, newest first (filter by state)",
      tags,
      security: SECURED,
      params: idParams,
      querystring: webhookDeliveryQuerySchema,
      response: { 200: webhookDeliveryPageSchema, ...errorResponses },
    },
    handler: (req) =>
      webhooks.findDeliveries({
        actor: actorOf(req),
        subscriptionId: req.params.id,
        filter: req.query,
      }),
  });
}
