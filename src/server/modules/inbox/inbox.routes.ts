import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../../../shared/schemas/common';
import { inboxSchema } from '../../../shared/schemas/inbox';
import { actorOf, guarded, typed } from '../../http/route';

export async function inboxRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { inbox } = fastify.services;

  app.get('/inbox', {
    // Every role reads the network it is scoped to; the service builds the items from the
    // reader's own permissions and scope.
    ...guarded('network:read', ['inbox'], {
      summary:
        'What needs you today: proposals, windows closing, tiers within reach, reviews, periods to close, statements and batches, approvals (each with a link)',
      response: { 200: inboxSchema, ...errorResponses },
    }),
    handler: (req) => inbox.getInbox({ actor: actorOf(req) }),
  });
}
