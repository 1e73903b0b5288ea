import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { code, errorResponses, errorSchema, page } from '../../../shared/schemas/common';
import {
  allocationDecisionSchema,
  allocationOverrideSchema,
  allocationResultFilterSchema,
  allocationResultSchema,
  allocationRunCreateSchema,
  allocationRunFilterSchema,
  allocationRunListSchema,
  allocationRunSchema,
  allocationSettingsSchema,
  allocationWhatIfRunSchema,
  allocationWhatIfSchema,
  dealerAvailabilitySchema,
  dealerProfileSchema,
  pipelineEventInputSchema,
  pipelineIngestResultSchema,
  supplyDemandQuerySchema,
  supplyDemandSchema,
  vehicleDetailSchema,
  vehicleFilterSchema,
  vehicleSchema,
} from '../../../shared/schemas/availability';
import { actorOf, created, guarded, SECURED, typed } from '../../http/route';
import { ingestStreamedBody, INGEST_TYPES, takeRawIngestBodies } from '../../http/streaming-ingest';

const tags = ['availability'];
const errors = errorResponses;
const codeParams = z.object({ code });
const runParams = z.object({ code: z.string().min(1).max(80) });

/** The pipeline feed gets the raw body stream, parsed row by row (like the actuals feed). */
async function pipelineIngestRoutes(fastify: FastifyInstance, opts: { ingestLimitBytes: number }) {
  const app = typed(fastify);
  takeRawIngestBodies(fastify);
  app.post('/availability/pipeline', {
    config: { access: 'pipeline:write' },
    validatorCompiler: () => (data) => ({ value: data }),
    schema: {
      summary:
        'Ingest vehicle pipeline events by VIN: a JSON array, NDJSON or CSV. All or nothing; idempotent per dealer on (source, externalId)',
      description:
        'Events: ordered (sku, orderType dealer|stock, options), planned (planWeek YYYY-Www, plant), in_build, built, in_transit (eta), at_dealer, delivered (deliveryExternalId: the retail delivery in the actuals feed), cancelled. CSV header: event,dealerCode,vin,occurredOn,sku,orderType,options,planWeek,plant,eta,deliveryExternalId,source,externalId (options separated by ";"). A batch with any invalid row is rejected whole with every problem (row, field, code, message). A VIN belongs to the dealer of its order; an event for a VIN without an order is a row error.',
      tags,
      security: SECURED,
      consumes: INGEST_TYPES,
      body: z.array(pipelineEventInputSchema),
      response: { 200: pipelineIngestResultSchema, 413: errorSchema, 415: errorSchema, ...errors },
    },
    handler: (req, reply) =>
      ingestStreamedBody(req, reply, opts.ingestLimitBytes, (input) =>
        fastify.services.availability.ingestPipeline({ actor: actorOf(req), ...input }),
      ),
  });
}

export async function availabilityRoutes(
  fastify: FastifyInstance,
  opts: { ingestLimitBytes: number },
) {
  const app = typed(fastify);
  const { availability, allocation } = fastify.services;
  await fastify.register(pipelineIngestRoutes, opts);

  app.get('/availability/vehicles', {
    ...guarded('availability:read', tags, {
      summary: 'List vehicles (current state per VIN) you can see, with filters and paging',
      querystring: vehicleFilterSchema,
      response: { 200: page(vehicleSchema), ...errors },
    }),
    handler: async (req) => {
      const result = await availability.findVehicles({ actor: actorOf(req), filter: req.query });
      return { ...result, limit: req.query.limit, offset: req.query.offset };
    },
  });

  app.get('/availability/vehicles/:vin', {
    ...guarded('availability:read', tags, {
      summary: "A vehicle's current state and its history of events",
      params: z.object({ vin: z.string().min(1).max(17) }),
      response: { 200: vehicleDetailSchema, ...errors },
    }),
    handler: (req) => availability.getVehicle({ actor: actorOf(req), vin: req.params.vin }),
  });

  app.get('/availability/dealers/:code', {
    ...guarded('availability:read', tags, {
      summary:
        "A dealer's availability: stock and pipeline per model line and SKU, days' supply, this month's allocation, what can be ordered",
      params: codeParams,
      response: { 200: dealerAvailabilitySchema, ...errors },
    }),
    handler: (req) =>
      availability.getDealerAvailability({ actor: actorOf(req), dealerCode: req.params.code }),
  });

  app.patch('/availability/dealers/:code/profile', {
    ...guarded('allocation:manage', tags, {
      summary: "Set a dealer's allocation attributes (EV certification, tier)",
      params: codeParams,
      body: dealerProfileSchema,
      response: {
        200: z.object({
          isEvCertified: z.boolean(),
          tier: z.enum(['standard', 'plus', 'premier']),
        }),
        ...errors,
      },
    }),
    handler: (req) =>
      availability.setDealerProfile({
        actor: actorOf(req),
        dealerCode: req.params.code,
        data: req.body,
      }),
  });

  app.get('/availability/supply-demand', {
    ...guarded('availability:read', tags, {
      summary:
        'Supply vs demand per model line: forecast, orders, stock, in transit, commitments, allocation',
      querystring: supplyDemandQuerySchema,
      response: { 200: supplyDemandSchema, ...errors },
    }),
    handler: (req) => availability.getSupplyDemand({ actor: actorOf(req), month: req.query.month }),
  });

  app.get('/allocation/settings', {
    ...guarded('availability:read', tags, {
      summary: 'The allocation weights and rules (published with every run)',
      response: { 200: allocationSettingsSchema, ...errors },
    }),
    handler: (req) => allocation.getSettings({ actor: actorOf(req) }),
  });

  app.put('/allocation/settings', {
    ...guarded('allocation:manage', tags, {
      summary: 'Change the allocation weights and rules (for runs created after)',
      body: allocationSettingsSchema.partial().strict(),
      response: { 200: allocationSettingsSchema, ...errors },
    }),
    handler: (req) => allocation.updateSettings({ actor: actorOf(req), data: req.body }),
  });

  app.post('/allocation/what-if', {
    ...guarded('allocation:manage', tags, {
      summary:
        'What the formula would allocate (nothing saved): the summary and a page of the results; settings may be tried out',
      body: allocationWhatIfSchema,
      response: { 200: allocationWhatIfRunSchema, ...errors },
    }),
    handler: (req) => allocation.whatIf({ actor: actorOf(req), data: req.body }),
  });

  app.get('/allocation/runs', {
    ...guarded('availability:read', tags, {
      summary: 'Allocation runs, newest first (dealers: published runs)',
      querystring: allocationRunFilterSchema,
      response: { 200: allocationRunListSchema, ...errors },
    }),
    handler: (req) => allocation.findRuns({ actor: actorOf(req), filter: req.query }),
  });

  app.post('/allocation/runs', {
    ...guarded('allocation:manage', tags, {
      summary:
        'Create a draft allocation run: the supply per SKU of a model line, allocated by the formula',
      body: allocationRunCreateSchema,
      response: { 201: allocationRunSchema, ...errors },
    }),
    handler: async (req, reply) =>
      created(reply, await allocation.createRun({ actor: actorOf(req), data: req.body })),
  });

  app.get('/allocation/runs/:code', {
    ...guarded('availability:read', tags, {
      summary:
        'An allocation run with its formula and summary per SKU and model line (a dealer: of its own results); the rows: …/results',
      params: runParams,
      response: { 200: allocationRunSchema, ...errors },
    }),
    handler: (req) => allocation.getRun({ actor: actorOf(req), code: req.params.code }),
  });

  app.get('/allocation/runs/:code/results', {
    ...guarded('availability:read', tags, {
      summary:
        "A page of an allocation run's results with their inputs and explanations, filtered (a dealer sees its own)",
      description:
        'In the order of round, dealer code and SKU code. q searches the dealer’s code and name; allocatedOnly=true leaves out rows without units.',
      params: runParams,
      querystring: allocationResultFilterSchema,
      response: { 200: page(allocationResultSchema), ...errors },
    }),
    handler: (req) => {
      const { allocatedOnly, ...filter } = req.query;
      return allocation.findResults({
        actor: actorOf(req),
        code: req.params.code,
        filter: { ...filter, allocatedOnly: allocatedOnly === 'true' },
      });
    },
  });

  app.post('/allocation/runs/:code/overrides', {
    ...guarded('allocation:manage', tags, {
      summary: "Override a dealer's units of a SKU in a draft run, with a reason",
      params: runParams,
      body: allocationOverrideSchema,
      response: { 200: allocationRunSchema, 422: errorSchema, ...errors },
    }),
    handler: (req) =>
      allocation.overrideResult({ actor: actorOf(req), code: req.params.code, data: req.body }),
  });

  app.post('/allocation/runs/:code/publish', {
    ...guarded('allocation:manage', tags, {
      summary:
        'Publish a run: recorded in the ledger (formula, inputs, results, overrides); dealers may decide',
      params: runParams,
      response: { 200: allocationRunSchema, ...errors },
    }),
    handler: (req) => allocation.publishRun({ actor: actorOf(req), code: req.params.code }),
  });

  app.post('/allocation/runs/:code/decisions', {
    ...guarded('allocation:decide', tags, {
      summary:
        'Accept (part of) or decline the units allocated to your dealership; accepted units become orders',
      params: runParams,
      body: allocationDecisionSchema,
      response: { 200: allocationRunSchema, ...errors },
    }),
    handler: (req) =>
      allocation.decide({ actor: actorOf(req), code: req.params.code, data: req.body }),
  });

  app.post('/allocation/runs/:code/reallocate', {
    ...guarded('allocation:manage', tags, {
      summary:
        'Re-allocate declined (and expired) units by the same formula: a new round, in the ledger',
      params: runParams,
      response: { 200: allocationRunSchema, ...errors },
    }),
    handler: (req) => allocation.reallocate({ actor: actorOf(req), code: req.params.code }),
  });
}
