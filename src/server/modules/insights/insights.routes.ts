import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { code, errorResponses } from '../../../shared/schemas/common';
import {
  agreementRiskDetailSchema,
  calibrationStartSchema,
  dealerOutlookSchema,
  interventionBodySchema,
  interventionSchema,
  interventionsQuerySchema,
  riskBoardQuerySchema,
  riskBoardSchema,
} from '../../../shared/schemas/insights';
import { jobSchema } from '../jobs/jobs.routes';
import { createWhatIfAll } from '../incentives/what-if-all';
import { actorOf, created, guarded, typed } from '../../http/route';
import { integrityRoutes } from './integrity.routes';
import { programRiskRoutes } from './program-risk.routes';

const tags = ['insights'];

export async function insightsRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { insights, incentives, db } = fastify.services;
  const whatIfAll = createWhatIfAll({ db, incentives, today: fastify.services.today });

  app.get('/insights/risks', {
    ...guarded('agreements:read', tags, {
      summary:
        'The risk board: approved and active agreements in scope by expected shortfall in money, with the calibrated probability of reaching the commitment, drivers and interventions',
      querystring: riskBoardQuerySchema,
      response: { 200: riskBoardSchema, ...errorResponses },
    }),
    handler: (req) => insights.getBoard({ actor: actorOf(req), ...req.query }),
  });

  app.get('/insights/risks/:code', {
    ...guarded('agreements:read', tags, {
      summary:
        "One agreement's risk: totals and each line, with the history of each probability over the term",
      params: z.object({ code }),
      response: { 200: agreementRiskDetailSchema, ...errorResponses },
    }),
    handler: (req) => insights.getAgreementRisk({ actor: actorOf(req), code: req.params.code }),
  });

  app.post('/insights/risks/refresh', {
    ...guarded('agreements:write', tags, {
      summary: 'Recompute every risk of the network now (the nightly job); follow it on /jobs/:id',
      response: { 202: jobSchema, ...errorResponses },
    }),
    handler: async (req, reply) =>
      reply.status(202).send(await insights.startRefresh({ actor: actorOf(req) })),
  });

  app.post('/insights/risks/calibrate', {
    ...guarded('agreements:write', tags, {
      summary:
        "Fit the network's own recalibration of the risk probabilities now (the nightly insights.risk-calibration job: a backtest of the ended terms); follow it on /jobs/:id (409 while one runs). With `refresh`, every risk is recomputed with it when it ends",
      body: calibrationStartSchema.nullish(),
      response: { 202: jobSchema, ...errorResponses },
    }),
    handler: async (req, reply) => {
      const job = await insights.startCalibration({ actor: actorOf(req), data: req.body ?? {} });
      return reply.status(202).header('location', `/api/v1/jobs/${job.id}`).send(job);
    },
  });

  app.get('/insights/dealers/:code/outlook', {
    ...guarded('agreements:read', tags, {
      summary:
        "A dealer's outlook: the probability of reaching each commitment, and what the units that lift it would add in incentives (the what-if across its programs)",
      params: z.object({ code }),
      response: { 200: dealerOutlookSchema, ...errorResponses },
    }),
    handler: (req) =>
      insights.getDealerOutlook({
        actor: actorOf(req),
        dealerCode: req.params.code,
        whatIfAll: (input) => whatIfAll.whatIfAll(input),
      }),
  });

  app.get('/insights/interventions', {
    ...guarded('agreements:read', tags, {
      summary: 'Logged interventions (who, what, when) and their outcome once the term is over',
      querystring: interventionsQuerySchema,
      response: { 200: z.array(interventionSchema), ...errorResponses },
    }),
    handler: (req) => insights.listInterventions({ actor: actorOf(req), ...req.query }),
  });

  app.post('/insights/interventions', {
    ...guarded('agreements:write', tags, {
      summary: 'Log an intervention on a dealer (and agreement): its outcome is tracked',
      body: interventionBodySchema,
      response: { 201: interventionSchema, ...errorResponses },
    }),
    handler: async (req, reply) =>
      created(reply, await insights.logIntervention({ actor: actorOf(req), data: req.body })),
  });

  await integrityRoutes(fastify);
  await programRiskRoutes(fastify);
}
