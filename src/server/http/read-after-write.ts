/**
 * The request half of the read replica (db/read-replica.ts): before the handler, whether this
 * request's heavy reads may go to the replica; after a successful write, the primary's WAL
 * position, noted for the actor and sent back (cookie for browsers, header for API clients) so
 * that the next read of that actor, on any API process, waits for the replica or uses the primary.
 * A write request reads the primary throughout.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '../auth/actor';
import { READ_AFTER_COOKIE, READ_AFTER_HEADER } from '../db/read-replica';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const actorKey = (actor: Actor) => `${actor.kind}:${actor.id}`;

function broughtLsn(request: FastifyRequest): string | undefined {
  const header = request.headers[READ_AFTER_HEADER];
  if (typeof header === 'string') return header;
  return request.cookies[READ_AFTER_COOKIE];
}

export function registerReadAfterWrite(app: FastifyInstance, options: { secure: boolean }): void {
  const routing = app.services.readRouting;
  if (!routing.hasReplica) return;
  app.addHook('preHandler', async (request) => {
    if (!request.actor || !request.dbScope) return;
    // a write request decides on what it reads (a period still open, a statement's state): the
    // primary, whatever the replica has replayed
    if (WRITES.has(request.method)) {
      request.dbScope.readsReplica = false;
      return;
    }
    request.dbScope.readsReplica = await routing.mayReadReplica(
      actorKey(request.actor),
      broughtLsn(request),
    );
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.actor || !WRITES.has(request.method) || reply.statusCode >= 400) return payload;
    const lsn = await routing.noteWrite(actorKey(request.actor));
    if (lsn) {
      void reply.header(READ_AFTER_HEADER, lsn);
      void reply.setCookie(READ_AFTER_COOKIE, lsn, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: options.secure || request.protocol === 'https',
        maxAge: 300,
      });
    }
    return payload;
  });
}
