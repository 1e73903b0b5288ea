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
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorSchema } from '../../shared/schemas/common';
import type { Actor } from '../auth/actor';
import { actorOf, SECURED, typed } from './route';

const HEARTBEAT_MS = 25_000;

type BatchDealer = { id: number; code: string; regionPath: string };

export async function liveRoutes(app: FastifyInstance) {
  const { db, events } = app.services;
  const open = new Set<() => void>();

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
        if (!res.writableEnded) res.end();
      };
      open.add(end);
      req.raw.on('close', end);
    },
  });
}
