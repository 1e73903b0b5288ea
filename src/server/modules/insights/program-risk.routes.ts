import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { code, errorResponses } from '../../../shared/schemas/common';
import {
  programRiskListSchema,
  programRiskQuerySchema,
} from '../../../shared/schemas/program-risk';
import { actorOf, guarded, typed } from '../../http/route';

const tags = ['insights'];

/** Program tier risks (issue 14 §1): the board's list and one dealer's programs. */
export async function programRiskRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { programRisk } = fastify.services;

  app.get('/insights/program-risks', {
    ...guarded('programs:read', tags, {
      summary:
        "Each eligible dealer × running incentive program in scope: the probability of reaching each tier by the window's end, the expected outcome with its 80 % interval, the expected shortfall in units and money, and the units that reach a tier; by the next tier's expected missed money",
      querystring: programRiskQuerySchema,
      response: { 200: programRiskListSchema, ...errorResponses },
    }),
    handler: (req) => programRisk.listProgramRisks({ actor: actorOf(req), ...req.query }),
  });

  app.get('/insights/dealers/:code/program-risks', {
    ...guarded('programs:read', tags, {
      summary: "One dealer's tier risks in each running program it is eligible for",
      params: z.object({ code }),
      response: { 200: programRiskListSchema, ...errorResponses },
    }),
    handler: (req) =>
      programRisk.getDealerProgramRisks({ actor: actorOf(req), dealerCode: req.params.code }),
  });
}
