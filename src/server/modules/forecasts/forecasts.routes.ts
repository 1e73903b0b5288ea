import type { FastifyInstance } from 'fastify';

/** Routes of the forecast cycle under /api/v1/forecasts. */
export async function forecastsRoutes(_fastify: FastifyInstance) {}
