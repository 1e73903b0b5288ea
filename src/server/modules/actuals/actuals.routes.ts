import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { code, readErrorResponses } from '../../../shared/schemas/common';
import {
  dealerMonthlyActualsSchema,
  monthlyActualsQuery,
  regionTotalsSchema,
} from '../../../shared/schemas/network';
import { dealerHomeSchema } from '../../../shared/schemas/dealer-home';
import { actorOf, guarded, typed } from '../../http/route';

const tags = ['actuals'];
const errors = readErrorResponses;

export async function actualsRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { actuals, dealerHome } = fastify.services;

  app.get('/dealers/:code/home', {
    ...guarded('network:read', tags, {
      summary:
        'The dealer home in one answer: the dealer, its monthly actuals by model line (last 24 months, retail net) and its 10 newest transactions',
      params: z.object({ code }),
      response: { 200: dealerHomeSchema, ...errors },
    }),
    handler: (req) => dealerHome.getDealerHome({ actor: actorOf(req), code: req.params.code }),
  });

  app.get('/dealers/:code/actuals/monthly', {
    ...guarded('transactions:read', tags, {
      summary:
        "A dealer's monthly actuals by model line (default: retail deliveries net of unwinds, last 24 months)",
      params: z.object({ code }),
      querystring: monthlyActualsQuery,
      response: { 200: dealerMonthlyActualsSchema, ...errors },
    }),
    handler: (req) =>
      actuals.getDealerMonthly({ actor: actorOf(req), dealerCode: req.params.code, ...req.query }),
  });

  app.get('/actuals/regions', {
    ...guarded('transactions:read', tags, {
      summary:
        'Monthly totals by region (children of ?region, or the top of the tree), within your scope',
      querystring: monthlyActualsQuery.extend({ region: code.optional() }),
      response: { 200: regionTotalsSchema, ...errors },
    }),
    handler: (req) =>
      actuals.getRegionTotals({
        actor: actorOf(req),
        regionCode: req.query.region,
        from: req.query.from,
        to: req.query.to,
        kind: req.query.kind,
      }),
  });
}
