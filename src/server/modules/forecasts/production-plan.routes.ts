import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorResponses, rowId } from '../../../shared/schemas/common';
import {
  productionPlanQuerySchema,
  productionPlanSchema,
  productionPlantsInputSchema,
  productionPlantsSchema,
} from '../../../shared/schemas/production-plan';
import { actorOf, guarded, typed } from '../../http/route';
import { sendCsv } from '../../http/csv-export';
import { productionPlanCsv } from './production-plan';

const tags = ['forecasts'];

export async function productionPlanRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { productionPlan } = fastify.services;

  app.get('/forecasts/cycles/:id/production-plan', {
    ...guarded('forecasts:read', tags, {
      summary:
        'The locked demand plan for production planning: plant, SKU, month, whole units and interval (JSON or CSV; SAP PIR / Oracle / Dynamics demand forecast import)',
      params: z.object({ id: rowId }),
      querystring: productionPlanQuerySchema,
      produces: ['application/json', 'text/csv'],
      response: { 200: productionPlanSchema, ...errorResponses },
    }),
    handler: async (req, reply) => {
      const plan = await productionPlan.getProductionPlan({
        actor: actorOf(req),
        id: req.params.id,
      });
      if (req.query.format === 'json') return plan;
      return sendCsv(reply, `production-plan-${plan.cycleMonth}.csv`, productionPlanCsv(plan));
    },
  });

  app.get('/settings/production-plants', {
    ...guarded('forecasts:read', tags, {
      summary: 'The plant of each model line or SKU for the production plan export',
      response: { 200: productionPlantsSchema, ...errorResponses },
    }),
    handler: (req) => productionPlan.getPlants({ actor: actorOf(req) }),
  });

  app.put('/settings/production-plants', {
    ...guarded('forecasts:manage', tags, {
      summary: 'Set the plant of each model line or SKU (OEM)',
      body: productionPlantsInputSchema,
      response: { 200: productionPlantsSchema, ...errorResponses },
    }),
    handler: (req) => productionPlan.updatePlants({ actor: actorOf(req), data: req.body }),
  });
}
