import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Readable } from 'node:stream';
import { errorSchema, page } from '../../../shared/schemas/common';
import {
  ingestResultSchema,
  transactionFilterSchema,
  transactionInputSchema,
  transactionSchema,
} from '../../../shared/schemas/transactions';
import { actorOf, guarded, SECURED, typed } from '../../http/route';
import { sendCsv } from '../../http/csv-export';
import { ingestStreamedBody, INGEST_TYPES, takeRawIngestBodies } from '../../http/streaming-ingest';

const tags = ['transactions'];
/** Ingest routes get the raw body stream (parsed row by row in the service), not a parsed body. */
async function ingestRoutes(fastify: FastifyInstance, opts: { ingestLimitBytes: number }) {
  const app = typed(fastify);
  takeRawIngestBodies(fastify);

  app.post('/transactions', {
    config: { access: 'transactions:write' },
    // The body streams through the service's own row validation; the schema documents it.
    validatorCompiler: () => (data) => ({ value: data }),
    schema: {
      summary:
        'Ingest actuals: a JSON array, NDJSON or CSV with the same columns. All or nothing; idempotent per dealer on (source, externalId)',
      description:
        'Content types: application/json (an array), application/x-ndjson (one object a line) or text/csv (header: kind,dealerCode,sku,vin,quantity,amount,currency,occurredOn,source,externalId). A batch with any invalid row is rejected whole with every problem (row, field, code, message). Rows are numbered from 1 (the CSV header is row 0). One record (a JSON element, an NDJSON line, a CSV record) holds at most 65,536 characters. A key repeated inside the batch with different content is a row error naming both rows.',
      tags,
      security: SECURED,
      consumes: INGEST_TYPES,
      body: z.array(transactionInputSchema),
      response: {
        200: ingestResultSchema,
        400: errorSchema,
        401: errorSchema,
        403: errorSchema,
        413: errorSchema,
        415: errorSchema,
      },
    },
    handler: (req, reply) =>
      ingestStreamedBody(req, reply, opts.ingestLimitBytes, (input) =>
        fastify.services.transactions.ingest({ actor: actorOf(req), ...input }),
      ),
  });
}

export async function transactionsRoutes(
  fastify: FastifyInstance,
  opts: { ingestLimitBytes: number },
) {
  const app = typed(fastify);
  const { transactions } = fastify.services;
  await fastify.register(ingestRoutes, opts);

  app.get('/transactions', {
    ...guarded('transactions:read', tags, {
      summary: 'List transactions you can see, newest first, with filters and paging',
      querystring: transactionFilterSchema,
      response: {
        200: page(transactionSchema),
        400: errorSchema,
        401: errorSchema,
        403: errorSchema,
      },
    }),
    handler: async (req) => {
      const result = await transactions.findTransactions({
        actor: actorOf(req),
        filter: req.query,
      });
      return { ...result, limit: req.query.limit, offset: req.query.offset };
    },
  });

  app.get('/transactions/export', {
    ...guarded('transactions:read', tags, {
      summary: 'Export matching transactions as CSV (streamed)',
      querystring: transactionFilterSchema.omit({ limit: true, offset: true }),
      produces: ['text/csv'],
      response: { 400: errorSchema, 401: errorSchema, 403: errorSchema },
    }),
    handler: async (req, reply) => {
      const csv = Readable.from(
        transactions.exportTransactions({ actor: actorOf(req), filter: req.query }),
      );
      return sendCsv(reply, 'transactions.csv', csv);
    },
  });
}
