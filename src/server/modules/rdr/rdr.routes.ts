import type { FastifyInstance } from 'fastify';
import { errorSchema } from '../../../shared/schemas/common';
import { rdrReportSchema, rdrResultSchema } from '../../../shared/schemas/rdr';
import { actorOf, SECURED, typed } from '../../http/route';

export async function rdrRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { rdr } = fastify.services;

  app.post('/rdr', {
    config: { access: 'transactions:write' },
    schema: {
      summary:
        'Retail delivery report (STAR-style RDR) in: each delivery becomes an actuals feed row with its details stored. All or nothing; idempotent per dealer on (source, dealNumber)',
      description:
        'JSON only (no XML parser is bundled). Each delivery: dealNumber, dealerCode, vin, sku, saleDate, deliveryDate, saleCategory (retail, fleet, lease, demonstrator, loaner, employee), buyer { type, postcode, state, country }, salespersonId, odometerKm, amounts { salePrice, currency }, and cancelsDealNumber for a cancellation. Problems carry the delivery row (from 1) and the field. Conformance fixtures: fixtures/rdr/ in the repository.',
      tags: ['transactions'],
      security: SECURED,
      body: rdrReportSchema,
      response: {
        200: rdrResultSchema,
        400: errorSchema,
        401: errorSchema,
        403: errorSchema,
      },
    },
    handler: (req) => rdr.ingestReport({ actor: actorOf(req), report: req.body }),
  });
}
