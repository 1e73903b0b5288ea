import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { code, errorSchema } from '../../../shared/schemas/common';
import {
  connectedSummarySchema,
  consentEntrySchema,
  consentGrantSchema,
  consentListQuery,
  consentRevokeSchema,
  opportunitiesQuery,
  opportunitySchema,
  revokeResultSchema,
  telematicsBatchSchema,
  telematicsResultSchema,
} from '../../../shared/schemas/connected';
import { actorOf, guarded, typed } from '../../http/route';

const tags = ['connected'];
const errors = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
};

export async function connectedRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { connected } = fastify.services;

  app.get('/connected/consents', {
    ...guarded('connected:read', tags, {
      summary: 'The consent registry (append-only: grants and revocations), newest first, in scope',
      querystring: consentListQuery,
      response: { 200: z.object({ items: z.array(consentEntrySchema) }), ...errors },
    }),
    handler: (req) => connected.findConsents({ actor: actorOf(req), ...req.query }),
  });

  app.post('/connected/consents', {
    ...guarded('connected:write', tags, {
      summary: "Records an owner's consent for a VIN and purpose (a ledger entry)",
      body: consentGrantSchema,
      response: { 201: consentEntrySchema, ...errors },
    }),
    handler: async (req, reply) => {
      reply.code(201);
      return connected.grantConsent({ actor: actorOf(req), data: req.body });
    },
  });

  app.post('/connected/consents/revoke', {
    ...guarded('connected:write', tags, {
      summary:
        "Revokes a consent: stops intake and deletes that purpose's readings (a ledger entry)",
      body: consentRevokeSchema,
      response: { 200: revokeResultSchema, ...errors },
    }),
    handler: (req) => connected.revokeConsent({ actor: actorOf(req), data: req.body }),
  });

  app.post('/connected/telematics', {
    ...guarded('connected:write', tags, {
      summary:
        'A batch of telematics readings (VSS names; no location): all under valid consent, or none',
      body: telematicsBatchSchema,
      response: { 200: telematicsResultSchema, ...errors },
    }),
    handler: (req) =>
      connected.ingestTelematics({ actor: actorOf(req), readings: req.body.readings }),
  });

  app.get('/connected/dealers/:code/opportunities', {
    ...guarded('connected:read', tags, {
      summary:
        "A dealer's opportunities from its consented vehicles, each with why and its consent",
      params: z.object({ code }),
      querystring: opportunitiesQuery,
      response: {
        200: z.object({ dealerCode: z.string(), items: z.array(opportunitySchema) }),
        ...errors,
      },
    }),
    handler: (req) =>
      connected.findOpportunities({
        actor: actorOf(req),
        dealerCode: req.params.code,
        batteryThreshold: req.query.batteryThreshold,
      }),
  });

  app.get('/connected/summary', {
    ...guarded('connected:read', tags, {
      summary: 'Connected vehicles in aggregate: consents, readings and opportunities (no VINs)',
      response: { 200: connectedSummarySchema, ...errors },
    }),
    handler: (req) => connected.getSummary({ actor: actorOf(req) }),
  });
}
