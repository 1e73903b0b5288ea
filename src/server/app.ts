import { sustainabilityRoutes } from './modules/sustainability/sustainability.routes';
import { connectedRoutes } from './modules/connected/connected.routes';
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Env } from './env';
import type { RouteAccess } from '../shared/permissions';
import { clientErrorHandler, registerErrorHandling } from './http/errors';
import { registerAuthHook } from './http/auth-hook';
import { registerSecurityHeaders } from './http/security-headers';
import { registerReadAfterWrite } from './http/read-after-write';
import { registerCostlyRouteLimits } from './http/costly-routes';
import { registerCallerLimits } from './http/caller-limits';
import { routeCostOf, type RouteCost } from './http/route-costs';
import { registerInputRules } from './http/input-rules';
import { liveRoutes } from './http/sse';
import { typed } from './http/route';
import type { Services } from './services';
import { accountsRoutes } from './modules/accounts/accounts.routes';
import { auditRoutes } from './modules/audit/audit.routes';
import { agreementsRoutes } from './modules/agreements/agreements.routes';
import { jobsRoutes } from './modules/jobs/jobs.routes';
import { forecastsRoutes } from './modules/forecasts/forecasts.routes';
import { forecastReviewBulkRoutes } from './modules/forecasts/review-bulk.routes';
import { incentivesRoutes } from './modules/incentives/incentives.routes';
import { statementPdfRoutes } from './modules/incentives/statement-pdf.routes';
import { bulkSettlementRoutes } from './modules/incentives/bulk-settlement.routes';
import { programSimulationRoutes } from './modules/incentives/program-simulation.routes';
import { recalculationRoutes } from './modules/incentives/recalculation.routes';
import { reconciliationRoutes } from './modules/incentives/reconciliation.routes';
import { inboxRoutes } from './modules/inbox/inbox.routes';
import { insightsRoutes } from './modules/insights/insights.routes';
import { marketRoutes } from './modules/market/market.routes';
import { performanceRoutes } from './modules/insights/performance.routes';
import { ledgerRoutes } from './modules/ledger/ledger.routes';
import { actualsRoutes } from './modules/actuals/actuals.routes';
import { authRoutes } from './modules/auth/auth.routes';
import { catalogRoutes } from './modules/catalog/catalog.routes';
import { networkRoutes } from './modules/network/network.routes';
import { transactionsRoutes } from './modules/transactions/transactions.routes';
import { webhooksRoutes } from './modules/webhooks/webhooks.routes';
import { openApiWebhooks } from './modules/webhooks/openapi-webhooks';
import { rdrRoutes } from './modules/rdr/rdr.routes';
import { paymentsRoutes } from './modules/payments/payments.routes';
import { productionPlanRoutes } from './modules/forecasts/production-plan.routes';
import { availabilityRoutes } from './modules/availability/availability.routes';

export const WEB_DIST = fileURLToPath(new URL('../../dist/web', import.meta.url));

/**
 * Every route with the access it declared and its cost, declared or from http/route-costs.ts
 * (tests walk it to prove each route is guarded and classified).
 */
export type RouteEntry = {
  method: string;
  url: string;
  access: RouteAccess | undefined;
  cost: RouteCost | undefined;
};

export type AppOptions = { env: Env; services: Services; logger?: boolean; serveWeb?: boolean };

/** Builds the HTTP application: API under /api/v1, OpenAPI, health checks and the web app. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { env, services } = options;
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : { level: env.LOG_LEVEL, redact: ['req.headers.authorization', 'req.headers.cookie'] },
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: env.BODY_LIMIT_MB * 1024 * 1024,
    // behind a proxy (TRUST_PROXY), req.ip and req.protocol come from X-Forwarded-For / -Proto
    trustProxy: env.TRUST_PROXY,
    clientErrorHandler,
  });
  registerSecurityHeaders(app);
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('services', services);
  // a large batch's roll-up (or vehicles' refresh) after its commit finishes (and is announced) before the database closes
  // and the jobs this process runs finish (the queue stops handing it new ones)
  app.addHook('onClose', async () => {
    await services.jobs.stopWorkers();
    await services.webhooks.stopDispatcher();
    await services.transactions.rollUpsSettled();
    await services.availability.refreshesSettled();
    await services.events.close();
    await services.auth.closeCache();
  });
  // signed-in actors kept for a few seconds, dropped on any revocation (auth/credential-cache.ts)
  await services.auth.startCache();
  registerErrorHandling(app);
  // Outside /api/v1 (the docs UI, the web app's files) routes are public unless they say otherwise.
  // Every /api/v1 route must declare its permission; tests/routes-guarded.test.ts walks them all.
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/v1') && route.config?.access === undefined) {
      route.config = { ...(route.config ?? {}), access: 'public' };
    }
    // Unknown query parameters are an error, not silently ignored (a misspelt filter would
    // otherwise return the whole list): every API route's query schema is strict.
    if (route.url.startsWith('/api/v1')) {
      const query = route.schema?.querystring;
      if (query instanceof z.ZodObject) {
        route.schema = { ...route.schema, querystring: query.strict() };
      } else if (query === undefined) {
        route.schema = { ...(route.schema ?? {}), querystring: z.object({}).strict() };
      }
    }
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD')
        routeTable.push({
          method,
          url: route.url,
          access: route.config?.access,
          cost: routeCostOf(method, route.url, route.config?.cost),
        });
    }
  });

  await app.register(cookie);
  registerCostlyRouteLimits(app, env.COSTLY_RATE_LIMIT_PER_MINUTE);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      code: 'RATE_LIMITED',
      message: `Too many attempts; try again in ${Math.ceil(ctx.ttl / 1000)} seconds`,
      details: { retryAfterSeconds: Math.ceil(ctx.ttl / 1000) },
    }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Forecourt API',
        version: '1.0.0',
        description:
          'The OEM and dealer network platform. Authenticate with a session cookie (web app; writes need the x-csrf-token header) or an API key as "Authorization: Bearer <key>". Errors are { code, message, details }.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'fc_session' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      // the events Forecourt sends (docs/integration.md, "Events and webhooks")
      webhooks: openApiWebhooks() as never,
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { docExpansion: 'list' } });
  registerAuthHook(app, { statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS });
  // one caller's requests in flight (after the auth hook: the caller is known)
  registerCallerLimits(app, {
    requests: env.REQUEST_CONCURRENCY_PER_CALLER,
    costly: env.COSTLY_CONCURRENCY_PER_CALLER,
    streams: env.LIVE_STREAMS_PER_CALLER,
  });
  registerReadAfterWrite(app, { secure: env.COOKIE_SECURE });
  registerInputRules(app);

  const t = typed(app);
  t.get('/api/openapi.json', {
    config: { access: 'public' },
    schema: { hide: true },
    handler: async () => app.swagger(),
  });
  t.get('/healthz', {
    config: { access: 'public' },
    schema: {
      summary: 'Liveness: the process answers',
      tags: ['health'],
      response: { 200: z.object({ status: z.literal('ok') }) },
    },
    handler: async () => ({ status: 'ok' as const }),
  });
  t.get('/readyz', {
    config: { access: 'public' },
    schema: {
      summary: 'Readiness: the database answers and migrations are applied',
      tags: ['health'],
      response: {
        200: z.object({ status: z.literal('ready'), engine: z.string() }),
        503: z.object({ status: z.literal('unavailable'), reason: z.string() }),
      },
    },
    handler: async (_req, reply) => {
      try {
        await services.db.query('select 1 from schema_migrations limit 1');
        return { status: 'ready' as const, engine: services.db.engine };
      } catch (error) {
        return reply
          .status(503)
          .send({ status: 'unavailable' as const, reason: (error as Error).message });
      }
    },
  });

  await app.register(
    async (api) => {
      await api.register(authRoutes, {
        loginRateLimit: env.LOGIN_RATE_LIMIT_PER_MINUTE,
        cookieSecure: env.COOKIE_SECURE,
        sessionTtlHours: env.SESSION_TTL_HOURS,
      });
      const ingest = { ingestLimitBytes: env.INGEST_LIMIT_MB * 1024 * 1024 };
      await api.register(accountsRoutes);
      await api.register(auditRoutes);
      await api.register(networkRoutes);
      await api.register(catalogRoutes);
      await api.register(transactionsRoutes, ingest);
      // in this order (the route table and the OpenAPI document list them so)
      for (const routes of [
        actualsRoutes,
        agreementsRoutes,
        ledgerRoutes,
        jobsRoutes,
        forecastsRoutes,
        forecastReviewBulkRoutes,
        incentivesRoutes,
        statementPdfRoutes,
        recalculationRoutes,
        reconciliationRoutes,
        inboxRoutes,
        insightsRoutes,
        bulkSettlementRoutes,
        rdrRoutes,
        paymentsRoutes,
        productionPlanRoutes,
        programSimulationRoutes,
        liveRoutes,
        webhooksRoutes,
      ]) {
        await api.register(routes);
      }
      await api.register(availabilityRoutes, ingest);
      await api.register(sustainabilityRoutes);
      await api.register(connectedRoutes);
      await api.register(marketRoutes, ingest);
      await api.register(performanceRoutes);
    },
    { prefix: '/api/v1' },
  );

  if (options.serveWeb !== false && existsSync(WEB_DIST)) {
    await app.register(fastifyStatic, { root: WEB_DIST, prefix: '/', wildcard: false });
    // The single-page app answers every non-API GET with index.html.
    app.get('/*', { config: { access: 'public' }, schema: { hide: true } }, (req, reply) => {
      if (req.url.startsWith('/api/')) {
        return reply.status(404).send({
          code: 'NOT_FOUND',
          message: `No route GET ${req.url.split('?')[0]}`,
          details: {},
        });
      }
      return reply.sendFile('index.html');
    });
  }
  return app;
}
