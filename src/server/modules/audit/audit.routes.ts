import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../../../shared/schemas/common';
import { auditPageSchema, auditQuerySchema } from '../../../shared/schemas/audit';
import { actorOf, guarded, typed } from '../../http/route';

export async function auditRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { audit } = fastify.services;

  app.get('/audit-log', {
    ...guarded('users:manage', ['accounts'], {
      summary:
        'The audit log: sign-ins and permission changes, newest first (filter by kind, user, from/to)',
      querystring: auditQuerySchema,
      response: { 200: auditPageSchema, ...errorResponses },
    }),
    handler: (req) => audit.findEntries({ actor: actorOf(req), filter: req.query }),
  });
}
