import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorResponses, rowId } from '../../../shared/schemas/common';
import {
  acceptAllBodySchema,
  acceptAllResultSchema,
} from '../../../shared/schemas/forecast-review';
import { actorOf, guarded, typed } from '../../http/route';
import { createBulkReview } from './review-bulk';

/** Regional review in bulk: accept every pending adjustment in scope in one request. */
export async function forecastReviewBulkRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const review = createBulkReview({ db: fastify.services.db });

  app.post('/forecasts/cycles/:id/adjustments/accept', {
    ...guarded('forecasts:review', ['forecasts'], {
      summary:
        'Accept every pending dealer adjustment of the cycle in your scope (or of the dealers named), in one transaction',
      params: z.object({ id: rowId }),
      body: acceptAllBodySchema,
      response: { 200: acceptAllResultSchema, ...errorResponses },
    }),
    handler: (req) => review.acceptAll({ actor: actorOf(req), id: req.params.id, data: req.body }),
  });
}
