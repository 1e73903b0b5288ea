import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorSchema } from '../../../shared/schemas/common';
import { ledgerVerifySchema } from '../../../shared/schemas/agreements';
import { actorOf, guarded, typed } from '../../http/route';

export async function ledgerRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { ledger } = fastify.services;

  app.get('/ledger/verify', {
    ...guarded('ledger:verify', ['ledger'], {
      summary:
        'Verify the whole hash chain and every document it records; points at the first broken entry',
      response: { 200: ledgerVerifySchema, 401: errorSchema, 403: errorSchema },
    }),
    handler: (req) => ledger.verifyFor({ actor: actorOf(req) }),
  });

  app.get('/ledger/entries', {
    ...guarded('ledger:verify', ['ledger'], {
      summary: 'Ledger entries (optionally of one entity, e.g. an agreement code)',
      querystring: z.object({
        entityType: z.string().max(60).optional(),
        entityId: z.string().max(120).optional(),
      }),
      response: {
        200: z.array(
          z.object({
            seq: z.number().int(),
            entityType: z.string(),
            entityId: z.string(),
            action: z.string(),
            payloadSha256: z.string(),
            actor: z.string(),
            recordedAt: z.string(),
            prevHash: z.string(),
            hash: z.string(),
          }),
        ),
        401: errorSchema,
        403: errorSchema,
      },
    }),
    handler: (req) => ledger.findEntries({ actor: actorOf(req), filter: req.query }),
  });
}
