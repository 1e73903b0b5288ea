import type { FastifyInstance } from 'fastify';
import { errorResponses, readErrorResponses } from '../../../shared/schemas/common';
import {
  decompositionParamsSchema,
  dealerDecompositionSchema,
  interventionValueSchema,
  performanceQuerySchema,
  performanceSchema,
} from '../../../shared/schemas/insights-performance';
import { actorOf, guarded, typed } from '../../http/route';
import { sendCsv } from '../../http/csv-export';

const tags = ['insights'];

/** High performers, a dealer's decomposition (JSON and CSV) and the value of interventions. */
export async function performanceRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { performance } = fastify.services;

  app.get('/insights/performance', {
    ...guarded('agreements:read', tags, {
      summary:
        'Dealers in scope ranked by sales effectiveness, attainment and the probability of reaching their commitments; the high performers (top decile) and what distinguishes them from their peers (OEM roles)',
      querystring: performanceQuerySchema,
      response: { 200: performanceSchema, ...errorResponses },
    }),
    handler: (req) => performance.getHighPerformers({ actor: actorOf(req), ...req.query }),
  });

  app.get('/insights/performance/dealers/:code', {
    ...guarded('agreements:read', tags, {
      summary:
        "One dealer's decomposition: effectiveness by segment, attainment, risk and features, against its region's medians",
      params: decompositionParamsSchema,
      querystring: performanceQuerySchema,
      response: { 200: dealerDecompositionSchema, ...errorResponses },
    }),
    handler: (req) =>
      performance.getDecomposition({
        actor: actorOf(req),
        dealerCode: req.params.code,
        ...req.query,
      }),
  });

  app.get('/insights/performance/dealers/:code/export', {
    ...guarded('agreements:read', tags, {
      summary: "One dealer's decomposition as CSV (section, item, value, peer_median, detail)",
      params: decompositionParamsSchema,
      querystring: performanceQuerySchema,
      produces: ['text/csv'],
      response: readErrorResponses,
    }),
    handler: async (req, reply) => {
      const d = await performance.getDecomposition({
        actor: actorOf(req),
        dealerCode: req.params.code,
        ...req.query,
      });
      return sendCsv(
        reply,
        `performance-${d.dealer.dealerCode.replace(/[^\w.-]/g, '_')}.csv`,
        performance.decompositionCsv(d),
      );
    },
  });

  app.get('/insights/interventions/value', {
    ...guarded('agreements:read', tags, {
      summary:
        'The value of insights: attainment of agreements with logged interventions against comparable dealers without (same region and size band), once their terms have ended (OEM roles)',
      response: { 200: interventionValueSchema, ...errorResponses },
    }),
    handler: (req) => performance.getInterventionValue({ actor: actorOf(req) }),
  });
}
