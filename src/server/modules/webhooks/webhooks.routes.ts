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
import { actorOf, created, guarded, typed } from '../../http/route';

const idParams = z.object({ id: rowId });
const access = 'webhooks:manage';
const tags = ['webhooks'];

export async function webhooksRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { webhooks } = fastify.services;

  app.get('/webhooks', {
    ...guarded(access, tags, {
      summary: 'Webhook subscriptions (secrets are never listed)',
      response: { 200: webhookListSchema, ...errorResponses },
    }),
    handler: (req) => webhooks.findSubscriptions({ actor: actorOf(req) }),
  });

  app.post('/webhooks', {
    ...guarded(access, tags, {
      summary: 'Subscribe a URL to events; the answer shows the signing secret this once',
      body: webhookCreateSchema,
      response: { 201: webhookCreatedSchema, ...errorResponses },
    }),
    handler: async (req, reply) =>
      created(reply, await webhooks.createSubscription({ actor: actorOf(req), data: req.body })),
  });

  app.get('/webhooks/dead-letters', {
    ...guarded(access, tags, {
      summary: 'Deliveries that failed their last attempt (or got 410), newest first',
      querystring: webhookDeliveryQuerySchema.omit({ state: true }),
      response: { 200: webhookDeliveryPageSchema, ...errorResponses },
    }),
    handler: (req) =>
      webhooks.findDeliveries({ actor: actorOf(req), filter: { ...req.query, state: 'dead' } }),
  });

  app.get('/webhooks/deliveries/:id', {
    ...guarded(access, tags, {
      summary:
        'One delivery: its event payload and every attempt (status, duration, answer ≤ 4 KB)',
      params: idParams,
      response: { 200: webhookDeliveryDetailSchema, ...errorResponses },
    }),
    handler: (req) => webhooks.getDelivery({ actor: actorOf(req), id: req.params.id }),
  });

  app.post('/webhooks/deliveries/:id/replay', {
    ...guarded(access, tags, {
      summary: 'Send a delivery again (same webhook-id), from its first attempt',
      params: idParams,
      response: { 200: webhookDeliveryDetailSchema, ...errorResponses },
    }),
    handler: (req) => webhooks.replayDelivery({ actor: actorOf(req), id: req.params.id }),
  });

  app.get('/webhooks/:id', {
    ...guarded(access, tags, {
      summary: 'One webhook subscription',
      params: idParams,
      response: { 200: webhookSubscriptionSchema, ...errorResponses },
    }),
    handler: (req) => webhooks.getSubscription({ actor: actorOf(req), id: req.params.id }),
  });

  app.patch('/webhooks/:id', {
    ...guarded(access, tags, {
      summary: 'Change a subscription: URL, events, scope, enable or disable',
      params: idParams,
      body: webhookUpdateSchema,
      response: { 200: webhookSubscriptionSchema, ...errorResponses },
    }),
    handler: (req) =>
      webhooks.updateSubscription({ actor: actorOf(req), id: req.params.id, data: req.body }),
  });

  app.delete('/webhooks/:id', {
    ...guarded(access, tags, {
      summary: 'Delete a subscription and its delivery log',
      params: idParams,
      response: { 200: okSchema, ...errorResponses },
    }),
    handler: (req) => webhooks.deleteSubscription({ actor: actorOf(req), id: req.params.id }),
  });

  app.post('/webhooks/:id/ping', {
    ...guarded(access, tags, {
      summary: 'Queue a signed webhook.ping to this subscription',
      params: idParams,
      response: { 202: webhookPingSchema, ...errorResponses },
    }),
    handler: async (req, reply) =>
      reply
        .status(202)
        .send(await webhooks.pingSubscription({ actor: actorOf(req), id: req.params.id })),
  });

  app.post('/webhooks/:id/rotate-secret', {
    ...guarded(access, tags, {
      summary:
        'Rotate the signing secret: the new one is shown this once; the previous one signs beside it for graceHours',
      params: idParams,
      body: webhookRotateSchema,
      response: { 200: webhookRotatedSchema, ...errorResponses },
    }),
    handler: (req) =>
      webhooks.rotateSecret({
        actor: actorOf(req),
        id: req.params.id,
        graceHours: req.body?.graceHours ?? 24,
      }),
  });

  app.get('/webhooks/:id/deliveries', {
    ...guarded(access, tags, {
      summary: "A subscription's delivery log, newest first (filter by state)",
      params: idParams,
      querystring: webhookDeliveryQuerySchema,
      response: { 200: webhookDeliveryPageSchema, ...errorResponses },
    }),
    handler: (req) =>
      webhooks.findDeliveries({
        actor: actorOf(req),
        subscriptionId: req.params.id,
        filter: req.query,
      }),
  });
}
