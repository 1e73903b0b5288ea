import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorResponses, rowId } from '../../../shared/schemas/common';
import {
  acceptBodySchema,
  accuracyQuerySchema,
  accuracySchema,
  adjustBodySchema,
  CYCLE_TRANSITIONS,
  cycleAdjustmentsSchema,
  cycleCreateSchema,
  cycleSchema,
  dealerGridSchema,
  demandPlanQuerySchema,
  demandPlanSchema,
  editResultSchema,
  overrideBodySchema,
  rollupQuerySchema,
  rollupSchema,
} from '../../../shared/schemas/forecasts';
import { csvLines, sendCsv } from '../../http/csv-export';
import { actorOf, created, guarded, typed } from '../../http/route';

const tags = ['forecasts'];
const idParams = z.object({ id: rowId });
const dealerParams = idParams.extend({ dealerCode: z.string().min(1).max(40) });
const errors = errorResponses;

/** Routes of the forecast cycle under /api/v1/forecasts. */
export async function forecastsRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { forecasts } = fastify.services;

  app.post('/forecasts/cycles', {
    ...guarded('forecasts:manage', tags, {
      summary: 'Open a monthly forecast cycle and start its baseline job',
      description:
        'The baseline (dealer × model line × month, pooled and reconciled to region and nation, with calibrated 80/95 % intervals) is built by a job: follow baselineJobId on /jobs/:id. The cycle moves to `adjusting` when it is done.',
      body: cycleCreateSchema,
      response: { 201: cycleSchema, ...errors },
    }),
    handler: async (req, reply) =>
      created(reply, await forecasts.createCycle({ actor: actorOf(req), data: req.body })),
  });

  app.get('/forecasts/cycles', {
    ...guarded('forecasts:read', tags, {
      summary: 'Forecast cycles, newest first (totals over the cells you can see)',
      response: { 200: z.array(cycleSchema), ...errors },
    }),
    handler: (req) => forecasts.findCycles({ actor: actorOf(req) }),
  });

  app.get('/forecasts/cycles/:id', {
    ...guarded('forecasts:read', tags, {
      summary: 'One forecast cycle: status, window, baseline job, EV adoption signals, totals',
      params: idParams,
      response: { 200: cycleSchema, ...errors },
    }),
    handler: (req) => forecasts.getCycle({ actor: actorOf(req), id: req.params.id }),
  });

  app.post('/forecasts/cycles/:id/:transition', {
    ...guarded('forecasts:manage', tags, {
      summary:
        'Move a cycle: close-window (adjusting → review), lock (→ locked: the consensus snapshot is frozen), publish (locked → published)',
      params: idParams.extend({ transition: z.enum(CYCLE_TRANSITIONS) }),
      response: { 200: cycleSchema, ...errors },
    }),
    handler: (req) =>
      forecasts.transition({
        actor: actorOf(req),
        id: req.params.id,
        transition: req.params.transition,
      }),
  });

  app.get('/forecasts/cycles/:id/dealers/:dealerCode', {
    ...guarded('forecasts:read', tags, {
      summary:
        "One dealer's grid: per model line the last 12 months, and per month the baseline, intervals, adjustment, override, consensus, actual, signals and every edit",
      params: dealerParams,
      response: { 200: dealerGridSchema, ...errors },
    }),
    handler: (req) =>
      forecasts.getDealerGrid({
        actor: actorOf(req),
        id: req.params.id,
        dealerCode: req.params.dealerCode,
      }),
  });

  app.put('/forecasts/cycles/:id/dealers/:dealerCode/cells', {
    ...guarded('forecasts:adjust', tags, {
      summary:
        "Adjust your dealer's cells inside the window (whole vehicles ≥ 0, a reason code each); all cells or none",
      params: dealerParams,
      body: adjustBodySchema,
      response: { 200: editResultSchema, ...errors },
    }),
    handler: (req) =>
      forecasts.adjustCells({
        actor: actorOf(req),
        id: req.params.id,
        dealerCode: req.params.dealerCode,
        data: req.body,
      }),
  });

  app.post('/forecasts/cycles/:id/dealers/:dealerCode/cells/override', {
    ...guarded('forecasts:review', tags, {
      summary: "Override a dealer's cells (a dealer of your region; before the cycle locks)",
      params: dealerParams,
      body: overrideBodySchema,
      response: { 200: editResultSchema, ...errors },
    }),
    handler: (req) =>
      forecasts.overrideCells({
        actor: actorOf(req),
        id: req.params.id,
        dealerCode: req.params.dealerCode,
        data: req.body,
      }),
  });

  app.post('/forecasts/cycles/:id/dealers/:dealerCode/cells/accept', {
    ...guarded('forecasts:review', tags, {
      summary:
        "Accept a dealer's adjustments (the cells named, or every pending one); removes an override",
      params: dealerParams,
      body: acceptBodySchema,
      response: { 200: editResultSchema, ...errors },
    }),
    handler: (req) =>
      forecasts.acceptCells({
        actor: actorOf(req),
        id: req.params.id,
        dealerCode: req.params.dealerCode,
        data: req.body,
      }),
  });

  app.get('/forecasts/cycles/:id/adjustments', {
    ...guarded('forecasts:review', tags, {
      summary:
        'The review list: dealers you review that adjusted cells (or whose cells were overridden), with those cells',
      params: idParams,
      response: { 200: cycleAdjustmentsSchema, ...errors },
    }),
    handler: (req) => forecasts.findAdjustments({ actor: actorOf(req), id: req.params.id }),
  });

  app.get('/forecasts/cycles/:id/rollup', {
    ...guarded('forecasts:read', tags, {
      summary:
        'Baseline, dealer-adjusted and consensus by region, model line or powertrain and month',
      params: idParams,
      querystring: rollupQuerySchema,
      response: { 200: rollupSchema, ...errors },
    }),
    handler: (req) =>
      forecasts.getRollup({ actor: actorOf(req), id: req.params.id, by: req.query.by }),
  });

  app.get('/forecasts/cycles/:id/demand-plan', {
    ...guarded('forecasts:read', tags, {
      summary:
        'The locked consensus for production planning: model line, SKU (recent mix), region, month, quantity and interval (JSON or CSV)',
      params: idParams,
      querystring: demandPlanQuerySchema,
      produces: ['application/json', 'text/csv'],
      response: { 200: demandPlanSchema, ...errors },
    }),
    handler: async (req, reply) => {
      const plan = await forecasts.getDemandPlan({ actor: actorOf(req), id: req.params.id });
      if (req.query.format === 'json') return plan;
      const header =
        'modelLine,sku,powertrain,skuShare,region,month,quantity,lower80,upper80,lower95,upper95\n';
      const rows = plan.rows.map((r) => [
        r.modelLine,
        r.sku,
        r.powertrain,
        r.skuShare,
        r.region,
        r.month,
        r.quantity,
        r.lower80,
        r.upper80,
        r.lower95,
        r.upper95,
      ]);
      return sendCsv(reply, `demand-plan-${plan.cycleMonth}.csv`, csvLines(header, rows));
    },
  });

  app.get('/forecasts/accuracy', {
    ...guarded('forecasts:read', tags, {
      summary:
        'Accuracy of locked snapshots as actuals arrive: WAPE, bias, MASE of the spreadsheet method, baseline, dealer-adjusted and consensus, and the value each step added',
      querystring: accuracyQuerySchema,
      response: { 200: accuracySchema, ...errors },
    }),
    handler: (req) =>
      forecasts.getAccuracy({ actor: actorOf(req), cycleId: req.query.cycleId, by: req.query.by }),
  });
}
