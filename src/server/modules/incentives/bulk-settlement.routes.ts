import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorResponses } from '../../../shared/schemas/common';
import {
  bulkApproveResultSchema,
  bulkApproveSchema,
  payoutPreviewQuerySchema,
  payoutPreviewSchema,
  settlementPreviewParamsSchema,
  settlementPreviewSchema,
} from '../../../shared/schemas/bulk-settlement';
import { actorOf, guarded, typed } from '../../http/route';
import { createBulkSettlementService } from './bulk-settlement';

/** Settlement in bulk: approve a whole period, and the preview the confirmations state. */
export async function bulkSettlementRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { db, incentives, incentiveLists } = fastify.services;
  const bulk = createBulkSettlementService({ db, incentives, lists: incentiveLists });

  app.post('/programs/:code/periods/approve', {
    ...guarded('programs:approve', ['incentives'], {
      summary:
        'Approve every closed statement of a period whose snapshot still holds (one transaction per statement); disputed, changed-since-close and over-budget statements are listed as exceptions and left',
      params: z.object({ code: z.string().min(1).max(40) }),
      body: bulkApproveSchema,
      response: { 200: bulkApproveResultSchema, ...errorResponses },
    }),
    handler: (req) =>
      bulk.approvePeriod({ actor: actorOf(req), code: req.params.code, period: req.body.period }),
  });

  app.get('/programs/:code/periods/:period/settlement-preview', {
    ...guarded('payouts:manage', ['incentives'], {
      summary:
        'What closing, approving all and building a batch would do now: statements, amount due, exceptions expected, the batch',
      params: settlementPreviewParamsSchema,
      response: { 200: settlementPreviewSchema, ...errorResponses },
    }),
    handler: (req) =>
      bulk.previewSettlement({
        actor: actorOf(req),
        code: req.params.code,
        period: req.params.period,
      }),
  });

  app.get('/payouts/preview', {
    ...guarded('payouts:manage', ['incentives'], {
      summary:
        'The batch POST /payouts would build now: approved statements not yet in a batch, dealers, totals per currency',
      querystring: payoutPreviewQuerySchema,
      response: { 200: payoutPreviewSchema, ...errorResponses },
    }),
    handler: (req) =>
      bulk.previewPayout({ actor: actorOf(req), programCode: req.query.programCode }),
  });
}
