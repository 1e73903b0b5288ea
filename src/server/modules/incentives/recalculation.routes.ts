import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorResponses } from '../../../shared/schemas/common';
import { actorOf, guarded, typed } from '../../http/route';
import { jobSchema } from '../jobs/jobs.routes';

const startedSchema = z
  .object({
    jobId: z.number().int(),
    /** where to follow the job's progress */
    href: z.string(),
    job: jobSchema,
  })
  .meta({ id: 'RecalculationStarted' });

/** POST /programs/recalculate: the network recalculation as a job with progress (OEM only). */
export async function recalculationRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { incentives } = fastify.services;

  app.post('/programs/recalculate', {
    ...guarded('payouts:manage', ['incentives'], {
      summary:
        "Start recalculating every program's current statements as a job; follow it at GET /jobs/{id} (409 while one runs)",
      response: { 202: startedSchema, ...errorResponses },
    }),
    handler: async (req, reply) => {
      const job = await incentives.startRecalculation({ actor: actorOf(req) });
      const href = `/api/v1/jobs/${job.id}`;
      return reply.code(202).header('location', href).send({ jobId: job.id, href, job });
    },
  });
}
