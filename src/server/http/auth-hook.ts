import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../shared/errors';
import { roleMeets } from '../../shared/permissions';
import type { Actor } from '../auth/actor';
import { CSRF_HEADER, SESSION_COOKIE } from '../modules/auth/auth.service';
import { dbScopeOf, runInScope, UNSET_DB_SCOPE } from '../db/scope';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

async function resolveActor(app: FastifyInstance, request: FastifyRequest): Promise<Actor | null> {
  const authorization = request.headers.authorization;
  if (authorization) {
    const [scheme, key] = authorization.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !key) {
      throw new AppError('UNAUTHENTICATED', 'Send API keys as "Authorization: Bearer <key>"');
    }
    return app.services.auth.actorFromApiKey(key);
  }
  const token = request.cookies[SESSION_COOKIE];
  if (!token) return null;
  const actor = await app.services.auth.actorFromSession(token);
  if (!SAFE_METHODS.has(request.method)) {
    const sent = request.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || sent !== actor.csrfToken) {
      throw new AppError(
        'CSRF_TOKEN_INVALID',
        `Writes with a session cookie must send the ${CSRF_HEADER} header from /api/v1/auth/me`,
      );
    }
  }
  return actor;
}

/**
 * Authenticates every request and enforces the permission its route declares. Routes without a
 * declared permission fail closed. `statementTimeoutMs`: the longest one statement of the request's
 * own database work may run (db/scope.ts; 0: no limit).
 */
export function registerAuthHook(
  app: FastifyInstance,
  { statementTimeoutMs = 0 }: { statementTimeoutMs?: number } = {},
): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('dbScope', null as never);
  // Row-level security (db/scope.ts): the request's work runs in a context whose database scope
  // is unset (no tenant rows) until the actor is known. Re-entered before the handler, as body
  // parsing may run outside it.
  app.addHook('onRequest', (request, _reply, done) => {
    request.dbScope = { current: UNSET_DB_SCOPE, statementTimeoutMs };
    runInScope(request.dbScope, done);
  });
  app.addHook('preHandler', (request, _reply, done) => {
    runInScope(request.dbScope, done);
  });
  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    const access = request.routeOptions.config.access;
    if (access === 'public') return;
    if (!access) {
      throw new AppError('FORBIDDEN', 'This route declares no permission and is closed');
    }
    // (the auth service looks sessions and keys up as the system: db/scope.ts systemDb)
    const actor = await resolveActor(app, request);
    if (!actor) throw new AppError('UNAUTHENTICATED', 'Sign in or send an API key');
    request.actor = actor;
    request.dbScope.current = dbScopeOf(actor.scope);
    if (access !== 'authenticated' && !roleMeets(actor.role, access)) {
      const needed = typeof access === 'string' ? access : access.anyOf.join(' or ');
      throw new AppError('FORBIDDEN', `Your role (${actor.role}) does not allow ${needed}`, {
        permission: needed,
      });
    }
  });
}
