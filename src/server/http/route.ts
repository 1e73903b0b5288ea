import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AppError } from '../../shared/errors';
import type { RouteAccess } from '../../shared/permissions';
import type { Actor } from '../auth/actor';
import type { ScopeHolder } from '../db/scope';
import type { Services } from '../services';
import type { RouteEntry } from '../app';
import type { RouteCost } from './route-costs';

/* eslint-disable @typescript-eslint/consistent-type-definitions -- module augmentation needs interfaces */
declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission this route needs. Every route must declare one (tests/routes-guarded). */
    access?: RouteAccess;
    /**
     * What the route costs (http/route-costs.ts); when absent, the central table's entry. Every
     * API route has one or the other (tests/route-costs.test.ts).
     */
    cost?: RouteCost;
  }
  interface FastifyRequest {
    actor: Actor | null;
    /** the database scope the request's work runs in (db/scope.ts), set once the actor is known */
    dbScope: ScopeHolder;
  }
  interface FastifyInstance {
    services: Services;
    routeTable: RouteEntry[];
  }
}
/* eslint-enable @typescript-eslint/consistent-type-definitions */

/** The app with zod-typed route schemas. */
export function typed(app: FastifyInstance) {
  return app.withTypeProvider<ZodTypeProvider>();
}

/** The authenticated actor of a request on a guarded route. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new AppError('UNAUTHENTICATED', 'Sign in first');
  return request.actor;
}

/** OpenAPI security for guarded routes. */
export const SECURED: { [scheme: string]: string[] }[] = [{ session: [] }, { bearer: [] }];

/**
 * The `config` and `schema` of a guarded route: the permission it needs (tests/routes-guarded) and
 * its OpenAPI tags and security, around the rest of its schema (summary, params, body, response).
 * `app.get('/x', { ...guarded('x:read', tags, { summary, response }), handler })`.
 */
export function guarded<S extends FastifySchema & { summary: string }>(
  access: RouteAccess,
  tags: string[],
  schema: S,
) {
  const { summary, ...rest } = schema;
  return { config: { access }, schema: { summary, tags, security: SECURED, ...rest } };
}

/**
 * Answers 201 Created with the record a create made:
 * `handler: async (req, reply) => created(reply, await svc.createThing({ actor: actorOf(req), data: req.body }))`.
 */
export function created<T, R>(reply: { status(code: 201): { send(payload: T): R } }, record: T): R {
  return reply.status(201).send(record);
}
