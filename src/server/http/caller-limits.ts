import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { RouteCost } from './route-costs';

/**
 * Requests in flight per caller (a user or an API key, whichever session or process it comes
 * through in this process), so one tenant cannot hold every worker, connection or core:
 *
 * - every request: at most `requests` at once (REQUEST_CONCURRENCY_PER_CALLER);
 * - `costly` and `ingest` routes (route-costs.ts): at most `costly` of them at once
 *   (COSTLY_CONCURRENCY_PER_CALLER);
 * - `stream` routes (the live event stream): at most `streams` open (LIVE_STREAMS_PER_CALLER);
 *   they do not count as requests in flight.
 *
 * One over the cap is a 429 CONCURRENCY_LIMITED with Retry-After; nothing of it runs. A request
 * holds its place until both its handler has settled and its response has ended, so a client that
 * hangs up does not free the place while the server still works for it. The counts are this
 * process's (WEB_CONCURRENCY processes: each has its own).
 */
export type CallerLimits = { requests: number; costly: number; streams: number };

type Counts = { requests: number; costly: number; streams: number };

type Place = { isClosed: boolean; runningHandlers: number; release: () => void };

const RETRY_AFTER_SECONDS = 1;

/** The caller a request counts against: the user or the API key (unauthenticated: not counted). */
export function callerKeyOf(req: FastifyRequest): string | null {
  return req.actor ? `${req.actor.kind}:${req.actor.id}` : null;
}

/**
 * Registers the caps. Call after the auth hook (the caller is known) and before the routes (their
 * handlers are wrapped to know when they settle).
 */
export function registerCallerLimits(app: FastifyInstance, limits: CallerLimits): void {
  const counts = new Map<string, Counts>();
  const places = new WeakMap<FastifyRequest, Place>();

  app.addHook('onRoute', (route: RouteOptions) => {
    const handler = route.handler;
    route.handler = function wrapped(this: unknown, req: FastifyRequest, reply: FastifyReply) {
      const place = places.get(req);
      if (!place) return handler.call(this as never, req, reply);
      place.runningHandlers += 1;
      const settle = () => {
        place.runningHandlers -= 1;
        if (place.isClosed && place.runningHandlers === 0) place.release();
      };
      let result: unknown;
      try {
        result = handler.call(this as never, req, reply);
      } catch (error) {
        settle();
        throw error;
      }
      Promise.resolve(result).then(settle, settle);
      return result;
    } as typeof handler;
  });

  app.addHook('onRequest', async (req, reply) => {
    const key = callerKeyOf(req);
    if (key === null || req.is404) return;
    const cost: RouteCost = req.routeOptions.config.cost ?? 'light';
    const count = counts.get(key) ?? { requests: 0, costly: 0, streams: 0 };
    const isStream = cost === 'stream';
    const isCostly = cost === 'costly' || cost === 'ingest';
    const refusal = isStream
      ? count.streams >= limits.streams
        ? `You have ${count.streams} live event streams open, the most one caller may; close one first`
        : null
      : count.requests >= limits.requests
        ? `You have ${count.requests} requests in progress, the most one caller may run at once`
        : isCostly && count.costly >= limits.costly
          ? `You have ${count.costly} costly requests in progress (exports, statements, simulations, uploads), the most one caller may run at once`
          : null;
    if (refusal) {
      return reply
        .status(429)
        .header('retry-after', String(RETRY_AFTER_SECONDS))
        .send({
          code: 'CONCURRENCY_LIMITED',
          message: `${refusal}; retry when one has finished`,
          details: {
            retryAfterSeconds: RETRY_AFTER_SECONDS,
            limit: isStream ? limits.streams : isCostly ? limits.costly : limits.requests,
          },
        });
    }
    if (isStream) count.streams += 1;
    else count.requests += 1;
    if (isCostly) count.costly += 1;
    counts.set(key, count);
    let isReleased = false;
    const place: Place = {
      isClosed: false,
      runningHandlers: 0,
      release: () => {
        if (isReleased) return;
        isReleased = true;
        if (isStream) count.streams -= 1;
        else count.requests -= 1;
        if (isCostly) count.costly -= 1;
        if (count.requests === 0 && count.costly === 0 && count.streams === 0) counts.delete(key);
      },
    };
    places.set(req, place);
    const onEnd = () => {
      place.isClosed = true;
      if (place.runningHandlers === 0) place.release();
    };
    // 'finish': the whole answer is handed to the socket; 'close': sent, or the client hung up
    reply.raw.once('finish', onEnd);
    reply.raw.once('close', onEnd);
  });
}
