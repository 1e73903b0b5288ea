import type { FastifyInstance, FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { AppError } from '../../../shared/errors';
import { errorSchema, page } from '../../../shared/schemas/common';
import {
  ingestResultSchema,
  transactionFilterSchema,
  transactionInputSchema,
  transactionSchema,
} from '../../../shared/schemas/transactions';
import { actorOf, SECURED, typed } from '../../http/route';
import { formatOf } from './ingest-parsers';

const tags = ['transactions'];
export const INGEST_TYPES = [
  'application/json',
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'text/csv',
];

/**
 * A batch that stops before the end of its body (a malformed or oversized record) is answered
 * while the sender may still be sending. The rest of the body is read and thrown away (at most
 * the byte limit, then the connection is dropped), so a sender that goes on sending still gets the
 * answer instead of a reset (Node leaves a request body that was read from, but not to its end,
 * unread). Past the byte limit the connection is closed after the answer instead.
 */
export function discardRest(
  body: Readable,
  error: unknown,
  reply: FastifyReply,
  limitBytes: number,
) {
  if (body.readableEnded || body.destroyed) return;
  if (error instanceof AppError && error.code === 'PAYLOAD_TOO_LARGE') {
    reply.header('connection', 'close');
    return;
  }
  let discarded = 0;
  body.unpipe();
  body.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limitBytes) body.destroy();
  });
  body.resume();
}

/** Ingest routes get the raw body stream (parsed row by row in the service), not a parsed body. */
async function ingestRoutes(fastify: FastifyInstance, opts: { ingestLimitBytes: number }) {
  const app = typed(fastify);
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  fastify.addContentTypeParser(INGEST_TYPES, (_req, payload, done) => done(null, payload));

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
    handler: async (req, reply) => {
      const format = formatOf(req.headers['content-type']);
      if (!format)
        throw new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          `Send application/json, application/x-ndjson or text/csv`,
        );
      const length = Number(req.headers['content-length'] ?? 0);
      if (length > opts.ingestLimitBytes) {
        throw new AppError(
          'PAYLOAD_TOO_LARGE',
          `The body is larger than ${Math.round(opts.ingestLimitBytes / 1048576)} MB`,
          { limitBytes: opts.ingestLimitBytes },
        );
      }
      const body = req.body as unknown as Readable;
      try {
        return await fastify.services.transactions.ingest({
          actor: actorOf(req),
          format,
          body,
          byteLimit: opts.ingestLimitBytes,
        });
      } catch (error) {
        discardRest(body, error, reply, opts.ingestLimitBytes);
        throw error;
      }
    },
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
    config: { access: 'transactions:read' },
    schema: {
      summary: 'List transactions you can see, newest first, with filters and paging',
      tags,
      security: SECURED,
      querystring: transactionFilterSchema,
      response: {
        200: page(transactionSchema),
        400: errorSchema,
        401: errorSchema,
        403: errorSchema,
      },
    },
    handler: async (req) => {
      const result = await transactions.findTransactions({
        actor: actorOf(req),
        filter: req.query,
      });
      return { ...result, limit: req.query.limit, offset: req.query.offset };
    },
  });

  app.get('/transactions/export', {
    config: { access: 'transactions:read' },
    schema: {
      summary: 'Export matching transactions as CSV (streamed)',
      tags,
      security: SECURED,
      querystring: transactionFilterSchema.omit({ limit: true, offset: true }),
      produces: ['text/csv'],
      response: { 400: errorSchema, 401: errorSchema, 403: errorSchema },
    },
    handler: async (req, reply) => {
      reply.header('content-type', 'text/csv; charset=utf-8');
      reply.header('content-disposition', 'attachment; filename="transactions.csv"');
      const csv = Readable.from(
        transactions.exportTransactions({ actor: actorOf(req), filter: req.query }),
      );
      return reply.send(csv as never);
    },
  });
}
