import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { code, errorResponses, errorSchema } from '../../../shared/schemas/common';
import {
  dealerAreasBodySchema,
  dealerAreasSchema,
  effectivenessQuerySchema,
  effectivenessSchema,
  marketIngestResultSchema,
  marketQuerySchema,
  marketRegistrationSchema,
  marketRowInputSchema,
} from '../../../shared/schemas/market';
import { actorOf, guarded, SECURED, typed } from '../../http/route';
import { ingestStreamedBody, INGEST_TYPES, takeRawIngestBodies } from '../../http/streaming-ingest';

const tags = ['market'];
const params = z.object({ code });

/** The market feed gets the raw body stream, parsed row by row (like the actuals feed). */
async function marketIngestRoutes(fastify: FastifyInstance, opts: { ingestLimitBytes: number }) {
  const app = typed(fastify);
  takeRawIngestBodies(fastify);
  app.post('/market/registrations', {
    config: { access: 'market:write' },
    validatorCompiler: () => (data) => ({ value: data }),
    schema: {
      summary:
        'Ingest all-brand registrations by area × segment × month: a JSON array, NDJSON or CSV. All or nothing; idempotent per (area, segment, month)',
      description:
        'CSV header: area,areaName,areaKind,segment,month,units (areaName and areaKind optional). A key sent again with the same units changes nothing; with other units it replaces them. The same key twice in a batch with different units is a row error. A batch with any invalid row is rejected whole with every problem (row, field, code, message). Network keys only.',
      tags,
      security: SECURED,
      consumes: INGEST_TYPES,
      body: z.array(marketRowInputSchema),
      response: {
        200: marketIngestResultSchema,
        413: errorSchema,
        415: errorSchema,
        ...errorResponses,
      },
    },
    handler: (req, reply) =>
      ingestStreamedBody(req, reply, opts.ingestLimitBytes, (input) =>
        fastify.services.market.ingest({ actor: actorOf(req), ...input }),
      ),
  });
}

export async function marketRoutes(fastify: FastifyInstance, opts: { ingestLimitBytes: number }) {
  const app = typed(fastify);
  const { market } = fastify.services;
  await fastify.register(marketIngestRoutes, opts);

  app.get('/market/registrations', {
    ...guarded('network:read', tags, {
      summary:
        "All-brand registrations by area, segment and month (a dealer: its own areas' only), newest first",
      querystring: marketQuerySchema,
      response: { 200: z.array(marketRegistrationSchema), ...errorResponses },
    }),
    handler: (req) => market.findRegistrations({ actor: actorOf(req), filter: req.query }),
  });

  app.get('/market/dealers/:code/areas', {
    ...guarded('network:read', tags, {
      summary: "A dealer's areas of responsibility",
      params,
      response: { 200: dealerAreasSchema, ...errorResponses },
    }),
    handler: (req) => market.getDealerAreas({ actor: actorOf(req), dealerCode: req.params.code }),
  });

  app.put('/market/dealers/:code/areas', {
    ...guarded('network:write', tags, {
      summary: "Set a dealer's areas of responsibility (replaces the list; areas from the feed)",
      params,
      body: dealerAreasBodySchema,
      response: { 200: dealerAreasSchema, ...errorResponses },
    }),
    handler: (req) =>
      market.setDealerAreas({
        actor: actorOf(req),
        dealerCode: req.params.code,
        areas: req.body.areas,
      }),
  });

  app.get('/market/effectiveness', {
    ...guarded('network:read', tags, {
      summary:
        "Sales effectiveness of the dealers in scope: sales ÷ expected, expected = Σ segments (the brand's share in the region) × (all-brand registrations in the dealer's areas), with the decomposition by segment",
      querystring: effectivenessQuerySchema,
      response: { 200: effectivenessSchema, ...errorResponses },
    }),
    handler: (req) => market.getEffectiveness({ actor: actorOf(req), ...req.query }),
  });
}
