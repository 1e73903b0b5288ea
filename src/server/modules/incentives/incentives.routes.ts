import type { FastifyInstance } from 'fastify';

/** Routes of incentive programs under /api/v1 (programs, statements, claims, disputes, payouts). */
export async function incentivesRoutes(_fastify: FastifyInstance) {}
