/**
 * Live updates: `GET /api/v1/events` is a server-sent event stream for any signed-in user or key.
 * When a batch of the feed commits, every open stream whose scope holds one of the batch's dealers
 * receives
 *
 *   event: feed
 *   data: {"batchId":12,"dealerCodes":["DLR-ALPHA"],"inserted":40}
 *
 * with only the dealers the reader may see (a dealer never learns of another dealer's sales),
 * and the web app refetches what the page shows (actuals, agreements, incentive progress: all of
 * them are computed from the feed on read). A comment line every 25 s keeps proxies from closing
 * an idle stream; `retry` tells the browser to reconnect after 5 s.
 *
 * The events come through the database (NOTIFY on `forecourt_events`, see events.ts), so a stream
 * open on one API process hears of batches that any process ingested or rolled up.
 *
 * A stream lives only as long as the credential that opened it: every 2 s each process checks
 * the sessions and API keys of its open streams in one query (findLiveCredentials) and ends the
 * streams whose session was signed out, expired or belongs to a deactivated user, or whose key was
 * revoked, whichever process did it (the database is the truth). The check does not extend a
 * session's sliding expiry.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorSchema } from '../../shared/schemas/common';
import type { Actor } from '../auth/actor';
import { SESSION_COOKIE, sha256 } from '../modules/auth/auth.service';
import { findLiveCredentials } from '../modules/auth/live-credentials';
import { actorOf, SECURED, typed } from './route';

const HEARTBEAT_MS = 25_000;
/** How often the credentials of open streams are checked again. */
export const CREDENTIAL_CHECK_MS = 2_000;

type Credential = { sessionHash: string } | { apiKeyId: number };

type BatchDealer = { id: number; code: string; regionPath: string };

export async function liveRoutes(app: FastifyInstance) {
  const { db, events } = app.services;
  const open = new Set<() => void>();
  const credentials = new Map<() => void, Credential>();

  // One check for all open streams of this process; streams whose credential is gone end.
  let checking = false;
  const checkCredentials = async () => {
    if (checking || credentials.size === 0) return;
    checking = true;
    try {
      const streams = [...credentials];
      const live = await findLiveCredentials(db, {
        sessionHashes: streams.flatMap(([, c]) => ('sessionHash' in c ? [c.sessionHash] : [])),
        apiKeyIds: streams.flatMap(([, c]) => ('apiKeyId' in c ? [c.apiKeyId] : [])),
      });
      for (const [end, c] of streams) {
        const ok =
          'sessionHash' in c ? live.sessions.has(c.sessionHash) : live.apiKeys.has(c.apiKeyId);
        if (!ok) end();
      }
    } catch (error) {
      app.log.warn({ err: error }, 'live stream credential check failed');
    } finally {
      checking = false;
    }
  };
  const credentialTimer = setInterval(() => void checkCredentials(), CREDENTIAL_CHECK_MS);
  credentialTimer.unref();

  // One lookup per batch, shared by every open stream of this process.
  const dealersOfBatch = new Map<number, Promise<BatchDealer[]>>();
  const lookUp = (batchId: number) => {
    let found = dealersOfBatch.get(batchId);
    if (!found) {
      found = db
        .query<BatchDealer>(
          `select d.id, d.code, r.path as "regionPath"
           from ingest_batches b join dealers d on d.id = any(b.dealer_ids)
           join regions r on r.id = d.region_id
           where b.id = $1 order by d.code`,
          [batchId],
        )
        .then((r) => r.rows);
      dealersOfBatch.set(batchId, found);
      setTimeout(() => dealersOfBatch.delete(batchId), 60_000).unref();
    }
    return found;
  };
  const visibleTo = (actor: Actor, dealers: BatchDealer[]) => {
    const scope = actor.scope;
    if (scope.kind === 'network') return dealers;
    if (scope.kind === 'region') return dealers.filter((d) => d.regionPath.startsWith(scope.path));
    return dealers.filter((d) => scope.dealerIds.includes(d.id));
  };

  // Streams end when the server closes (tests and shutdown do not wait for the browser).
  app.addHook('preClose', async () => {
    clearInterval(credentialTimer);
    for (const end of open) end();
  });

  typed(app).get('/events', {
    config: { access: 'authenticated' },
    schema: {
      summary:
        'Live updates as server-sent events (event "feed" when a batch for a dealer in scope is stored and in the monthly roll-up)',
      tags: ['live'],
      security: SECURED,
      produces: ['text/event-stream'],
      response: { 200: z.string().describe('text/event-stream'), 401: errorSchema },
    },
    handler: async (req, reply) => {
      const actor = actorOf(req);
      const token = req.cookies[SESSION_COOKIE];
      const credential: Credential | null =
        actor.kind === 'api_key'
          ? { apiKeyId: actor.id }
          : token
            ? { sessionHash: sha256(token) }
            : null;
      // the headers go out once this process listens: a batch committed after that is heard
      await events.ready();
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write('retry: 5000\n: live\n\n');
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
      heartbeat.unref();
      const unsubscribe = events.on('transactions.ingested', (event) => {
        void lookUp(event.batchId)
          .then((dealers) => {
            const visible = visibleTo(actor, dealers);
            if (visible.length === 0 || res.writableEnded) return;
            const data = {
              batchId: event.batchId,
              dealerCodes: visible.map((d) => d.code),
              // the batch's count only when every dealer of it is visible
              inserted: visible.length === dealers.length ? event.inserted : null,
            };
            res.write(`event: feed\ndata: ${JSON.stringify(data)}\n\n`);
          })
          .catch((error: unknown) => req.log.warn({ err: error }, 'live update lookup failed'));
      });
      const end = () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(end);
        credentials.delete(end);
        if (!res.writableEnded) res.end();
      };
      open.add(end);
      if (credential) credentials.set(end, credential);
      req.raw.on('close', end);
    },
  });
}
