import type { FastifyInstance } from 'fastify';
import { AppError } from '../../../shared/errors';
import { hasPermission, PERMISSIONS } from '../../../shared/permissions';
import { errorSchema, okSchema } from '../../../shared/schemas/common';
import { loginSchema, meSchema } from '../../../shared/schemas/accounts';
import type { Actor } from '../../auth/actor';
import { actorOf, guarded, typed } from '../../http/route';
import { SESSION_COOKIE } from './auth.service';

const tags = ['auth'];

export function describeActor(actor: Actor) {
  const scope =
    actor.scope.kind === 'network'
      ? { kind: 'network' as const, label: 'Whole network' }
      : actor.scope.kind === 'region'
        ? {
            kind: 'region' as const,
            label: actor.scope.regionCode,
            regionCode: actor.scope.regionCode,
          }
        : {
            kind: 'dealers' as const,
            label: actor.scope.label,
            dealerCodes: actor.scope.dealerCodes,
          };
  return {
    kind: actor.kind,
    id: actor.id,
    name: actor.name,
    role: actor.role,
    permissions: PERMISSIONS.filter((p) => hasPermission(actor.role, p)),
    scope,
    csrfToken: actor.csrfToken,
  };
}

export async function authRoutes(
  fastify: FastifyInstance,
  opts: { loginRateLimit: number; cookieSecure: boolean; sessionTtlHours: number },
) {
  const app = typed(fastify);
  const { auth } = fastify.services;

  app.post('/auth/login', {
    // Limited per client address and account, counted after the body is parsed; the service
    // limits failures per account across addresses (LOGIN_ACCOUNT_MAX_FAILURES).
    config: {
      access: 'public',
      rateLimit: {
        max: opts.loginRateLimit,
        timeWindow: '1 minute',
        hook: 'preHandler',
        keyGenerator: (req) =>
          `${req.ip}|${String((req.body as { email?: unknown } | undefined)?.email ?? '').toLowerCase()}`,
      },
    },
    schema: {
      summary: 'Sign in with e-mail and password; sets an HttpOnly session cookie',
      tags,
      body: loginSchema,
      response: { 200: meSchema, 400: errorSchema, 401: errorSchema, 429: errorSchema },
    },
    handler: async (req, reply) => {
      const client = { address: req.ip, userAgent: req.headers['user-agent'] ?? null };
      const session = await auth.login(req.body, client).catch((error: unknown) => {
        if (error instanceof AppError && typeof error.details.retryAfterSeconds === 'number') {
          void reply.header('retry-after', String(error.details.retryAfterSeconds));
        }
        throw error;
      });
      reply.setCookie(SESSION_COOKIE, session.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        // Secure whenever the request came over HTTPS (through a trusted proxy too: TRUST_PROXY)
        secure: opts.cookieSecure || req.protocol === 'https',
        maxAge: opts.sessionTtlHours * 3600,
      });
      const actor = await auth.actorFromSession(session.token);
      return describeActor(actor);
    },
  });

  app.post('/auth/logout', {
    ...guarded('authenticated', tags, {
      summary: 'Sign out: ends the session',
      response: { 200: okSchema, 401: errorSchema, 403: errorSchema },
    }),
    handler: async (req, reply) => {
      const token = req.cookies[SESSION_COOKIE];
      if (token) await auth.logout(token);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true as const };
    },
  });

  app.get('/auth/me', {
    ...guarded('authenticated', tags, {
      summary: 'Who am I: role, permissions, scope and the CSRF token for writes',
      response: { 200: meSchema, 401: errorSchema },
    }),
    handler: async (req) => describeActor(actorOf(req)),
  });
}
