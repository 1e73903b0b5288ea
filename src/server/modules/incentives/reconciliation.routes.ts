import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorResponses } from '../../../shared/schemas/common';
import {
  reconciliationQuerySchema,
  reconciliationSchema,
} from '../../../shared/schemas/reconciliation';
import { actorOf, guarded, typed } from '../../http/route';

/** GET /programs/{code}/reconciliation?period=: every feed row of the period in one bucket. */
export async function reconciliationRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { incentives } = fastify.services;

  app.get('/programs/:code/reconciliation', {
    ...guarded('statements:read', ['incentives'], {
      summary:
        "A period's reconciliation: every feed row inside the program's window and filters in a statement line, a correction line or an excluded line (dealers in your scope)",
      params: z.object({ code: z.string().min(1).max(40) }),
      querystring: reconciliationQuerySchema,
      response: { 200: reconciliationSchema, ...errorResponses },
    }),
    handler: (req) =>
      incentives.getReconciliation({
        actor: actorOf(req),
        code: req.params.code,
        period: req.query.period,
      }),
  });
}
