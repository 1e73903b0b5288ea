import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { code, readErrorResponses } from '../../../shared/schemas/common';
import {
  co2LedgerQuery,
  co2LedgerSchema,
  dealerSustainabilitySchema,
  fleetDashboardSchema,
  marketCode,
  programCo2Schema,
  regulationCreateSchema,
  regulationSchema,
  vehicleDataSchema,
  vehicleDataUpdateSchema,
  whatIfResultSchema,
  whatIfSchema,
  zevDashboardSchema,
} from '../../../shared/schemas/sustainability';
import { actorOf, guarded, typed } from '../../http/route';

const tags = ['sustainability'];
const errors = readErrorResponses;
const yearQuery = z.coerce.number().int().min(2000).max(2100).optional();

export async function sustainabilityRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { sustainability } = fastify.services;

  app.get('/sustainability/regulations', {
    ...guarded('sustainability:read', tags, {
      summary: 'CO2 and ZEV regulations, every version (the current one per market flagged)',
      querystring: z.object({ market: marketCode.optional() }),
      response: { 200: z.object({ items: z.array(regulationSchema) }), ...errors },
    }),
    handler: (req) =>
      sustainability.findRegulations({ actor: actorOf(req), market: req.query.market }),
  });

  app.post('/sustainability/regulations', {
    ...guarded('sustainability:write', tags, {
      summary:
        "A new version of a market's regulation (targets, window, premium, pools; or ZEV shares)",
      body: regulationCreateSchema,
      response: { 201: regulationSchema, ...errors },
    }),
    handler: async (req, reply) => {
      reply.code(201);
      return sustainability.createRegulation({ actor: actorOf(req), data: req.body });
    },
  });

  app.get('/sustainability/vehicle-data', {
    ...guarded('sustainability:read', tags, {
      summary: 'Environmental data of the active SKUs: powertrain, WLTP CO2, mass, range, battery',
      response: { 200: z.object({ items: z.array(vehicleDataSchema) }), ...errors },
    }),
    handler: (req) => sustainability.findVehicleData({ actor: actorOf(req) }),
  });

  app.patch('/sustainability/vehicle-data/:sku', {
    ...guarded('catalog:write', tags, {
      summary: "Changes a SKU's environmental data",
      params: z.object({ sku: code }),
      body: vehicleDataUpdateSchema,
      response: { 200: vehicleDataSchema, ...errors },
    }),
    handler: (req) =>
      sustainability.updateVehicleData({
        actor: actorOf(req),
        sku: req.params.sku,
        data: req.body,
      }),
  });

  app.get('/sustainability/ledger', {
    ...guarded('sustainability:read', tags, {
      summary: 'The CO2 ledger per VIN of a market (deliveries net of unwinds), within your scope',
      querystring: co2LedgerQuery,
      response: { 200: co2LedgerSchema, ...errors },
    }),
    handler: (req) => sustainability.findLedger({ actor: actorOf(req), ...req.query }),
  });

  app.get('/sustainability/fleet', {
    ...guarded('sustainability:read', tags, {
      summary: 'OEM: fleet average vs target on the averaging window, projected premium, gaps',
      querystring: z.object({ market: marketCode, year: yearQuery }),
      response: { 200: fleetDashboardSchema, ...errors },
    }),
    handler: (req) => sustainability.getFleet({ actor: actorOf(req), ...req.query }),
  });

  app.get('/sustainability/zev', {
    ...guarded('sustainability:read', tags, {
      summary: 'OEM: zero-emission share of deliveries per ZEV state vs the model year requirement',
      querystring: z.object({ market: marketCode, modelYear: yearQuery }),
      response: { 200: zevDashboardSchema, ...errors },
    }),
    handler: (req) => sustainability.getZev({ actor: actorOf(req), ...req.query }),
  });

  app.get('/sustainability/dealers/:code', {
    ...guarded('sustainability:read', tags, {
      summary:
        "A dealer's EV share vs the ask, its premium contribution, the next sale's CO2 value",
      params: z.object({ code }),
      querystring: z.object({ market: marketCode, year: yearQuery }),
      response: { 200: dealerSustainabilitySchema, ...errors },
    }),
    handler: (req) =>
      sustainability.getDealer({ actor: actorOf(req), dealerCode: req.params.code, ...req.query }),
  });

  app.get('/sustainability/programs', {
    ...guarded('sustainability:read', tags, {
      summary: "OEM: each published program's CO2 reduction per 1,000 of incentive this year",
      querystring: z.object({ market: marketCode }),
      response: { 200: programCo2Schema, ...errors },
    }),
    handler: (req) =>
      sustainability.findProgramCo2({ actor: actorOf(req), market: req.query.market }),
  });

  app.post('/sustainability/what-if', {
    ...guarded('sustainability:read', tags, {
      summary: '"+N BEVs of line X in region R this year": fleet average, premium, incentive cost',
      body: whatIfSchema,
      response: { 200: whatIfResultSchema, ...errors },
    }),
    handler: (req) => sustainability.whatIf({ actor: actorOf(req), ...req.body }),
  });
}
