import type { FastifyInstance, FastifyRequest } from 'fastify';
import { routeCostOf } from './route-costs';

export { COSTLY_ROUTES } from './route-costs';

/** The caller a costly route counts against: the user or the API key (else the address). */
export function costlyRouteKey(req: FastifyRequest): string {
  return req.actor ? `${req.actor.kind}:${req.actor.id}` : `ip:${req.ip}`;
}

/**
 * Gives every costly route (route-costs.ts: the table or the route's `config.cost`) a per-caller
 * rate limit: each user or API key may call each of them at most COSTLY_RATE_LIMIT_PER_MINUTE
 * times a minute (issue 12, "expensive pages a dealer can call"). Also writes each route's cost
 * into its config, where the in-flight caps (caller-limits.ts) read it. Register before
 * @fastify/rate-limit: this hook sets `config.rateLimit` on the route, which the plugin's own
 * onRoute hook then reads. The limit runs before the handler, after the auth hook has set the actor.
 */
export function registerCostlyRouteLimits(app: FastifyInstance, perMinute: number): void {
  app.addHook('onRoute', (route) => {
    // a GET route's HEAD twin runs the same handler: it counts too
    const costs = [route.method]
      .flat()
      .map((m) => routeCostOf(m, route.url, route.config?.cost))
      .filter((c) => c !== undefined);
    const cost = costs.includes('costly') ? 'costly' : costs[0];
    if (cost === undefined) return;
    route.config = { ...(route.config ?? {}), cost };
    if (cost !== 'costly') return;
    route.config = {
      ...route.config,
      rateLimit: {
        max: perMinute,
        timeWindow: '1 minute',
        hook: 'preHandler',
        keyGenerator: costlyRouteKey,
      },
    };
  });
}
