import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorSchema, rowId } from '../../../shared/schemas/common';
import { actorOf, guarded, typed } from '../../http/route';

export const jobSchema = z
  .object({
    id: z.number().int(),
    kind: z.string(),
    status: z.enum(['queued', 'running', 'succeeded', 'failed']),
    progress: z.number(),
    message: z.string().nullable(),
    params: z.unknown(),
    result: z.unknown(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'Job' });

export async function jobsRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { jobs } = fastify.services;

  app.get('/jobs', {
    ...guarded('jobs:read', ['jobs'], {
      summary: 'Recent long-running jobs (recalculation, forecasting, imports) with progress',
      querystring: z.object({ kind: z.string().max(60).optional() }),
      response: { 200: z.array(jobSchema), 401: errorSchema, 403: errorSchema },
    }),
    handler: (req) => jobs.findJobs({ actor: actorOf(req), kind: req.query.kind }),
  });

  app.get('/jobs/:id', {
    ...guarded('jobs:read', ['jobs'], {
      summary: "One job's status and progress",
      params: z.object({ id: rowId }),
      response: { 200: jobSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema },
    }),
    handler: (req) => jobs.getJob({ actor: actorOf(req), id: req.params.id }),
  });
}
