import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorResponses } from '../../../shared/schemas/common';
import {
  programSimulationQuerySchema,
  programSimulationSchema,
} from '../../../shared/schemas/program-simulation';
import { actorOf, guarded, typed } from '../../http/route';
import { createProgramSimulation } from './program-simulation';

/** A program simulated on the forecast before it is published (its expected cost). */
export async function programSimulationRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { db, incentives } = fastify.services;
  const simulation = createProgramSimulation({ db, incentives });

  app.get('/programs/:code/simulation', {
    ...guarded('programs:write', ['incentives'], {
      summary:
        "The program's latest version (the draft about to be published) simulated on the forecast: expected cost with an 80 % interval, dealers expected per tier, against the budget",
      params: z.object({ code: z.string().min(1).max(40) }),
      querystring: programSimulationQuerySchema,
      response: { 200: programSimulationSchema, ...errorResponses },
    }),
    handler: (req) =>
      simulation.simulate({
        actor: actorOf(req),
        code: req.params.code,
        cycleId: req.query.cycleId,
      }),
  });
}
