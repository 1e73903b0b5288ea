import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Routes that compute from the feed or build whole documents: each user or API key may call each
 * of them at most COSTLY_RATE_LIMIT_PER_MINUTE times a minute, so one caller cannot take the
 * server from everyone (issue 12, "expensive pages a dealer can call").
 */
export const COSTLY_ROUTES = [
  'GET /api/v1/dealers/:code/incentives',
  'POST /api/v1/dealers/:code/incentives/what-if',
  'POST /api/v1/dealers/:code/incentives/what-if-all',
  'GET /api/v1/forecasts/accuracy',
  'GET /api/v1/transactions/export',
  'GET /api/v1/agreements/export',
  'GET /api/v1/agreements/rollup',
  'GET /api/v1/programs/:code/statements',
  'GET /api/v1/programs/:code/statements/:dealerCode/export',
  'GET /api/v1/programs/:code/statements/:dealerCode/pdf',
  'GET /api/v1/programs/:code/accruals',
  'GET /api/v1/programs/:code/simulation',
  'GET /api/v1/payouts/:code/export',
  'GET /api/v1/forecasts/cycles/:id/rollup',
  'GET /api/v1/actuals/regions',
  'GET /api/v1/ledger/verify',
] as const;

/** The caller a costly route counts against: the user or the API key (else the address). */
export function costlyRouteKey(req: FastifyRequest): string {
  return req.actor ? `${req.actor.kind}:${req.actor.id}` : `ip:${req.ip}`;
}

/**
 * Gives every costly route a per-caller rate limit. Register before @fastify/rate-limit: this
 * hook sets `config.rateLimit` on the route, which the plugin's own onRoute hook then reads. The
 * limit runs before the handler, after the auth hook has set the actor.
 */
export function registerCostlyRouteLimits(app: FastifyInstance, perMinute: number): void {
  const costly = new Set<string>(COSTLY_ROUTES);
  app.addHook('onRoute', (route) => {
    // a GET route's HEAD twin runs the same handler: it counts too
    const methods = [route.method].flat().map((m) => (m === 'HEAD' ? 'GET' : m));
    if (!methods.some((m) => costly.has(`${m} ${route.url}`))) return;
    route.config = {
      ...(route.config ?? {}),
      rateLimit: {
        max: perMinute,
        timeWindow: '1 minute',
        hook: 'preHandler',
        keyGenerator: costlyRouteKey,
      },
    };
  });
}
