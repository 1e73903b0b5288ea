/**
 * Feeds whose body streams through the service row by row (the actuals feed, the vehicle
 * pipeline): the content types they take, the raw body instead of a parsed one, the size check,
 * and the draining of a body the service stopped reading. One place, so every streamed feed
 * answers bad media types, oversized bodies and early rejections the same way.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { AppError } from '../../shared/errors';
import { formatOf, type IngestFormat } from '../modules/transactions/ingest-parsers';

export const INGEST_TYPES = [
  'application/json',
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'text/csv',
];

/** In this plugin's routes, bodies of INGEST_TYPES arrive as the raw stream. */
export function takeRawIngestBodies(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  fastify.addContentTypeParser(INGEST_TYPES, (_req, payload, done) => done(null, payload));
}

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

/**
 * Checks the request's media type and declared size, then hands the body stream to `ingest`;
 * when `ingest` fails, the rest of the body is drained (discardRest) before the error answers.
 */
export async function ingestStreamedBody<T>(
  req: FastifyRequest,
  reply: FastifyReply,
  limitBytes: number,
  ingest: (input: { format: IngestFormat; body: Readable; byteLimit: number }) => Promise<T>,
): Promise<T> {
  const format = formatOf(req.headers['content-type']);
  if (!format)
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      'Send application/json, application/x-ndjson or text/csv',
    );
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > limitBytes) {
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `The body is larger than ${Math.round(limitBytes / 1048576)} MB`,
      { limitBytes },
    );
  }
  const body = req.body as unknown as Readable;
  try {
    return await ingest({ format, body, byteLimit: limitBytes });
  } catch (error) {
    discardRest(body, error, reply, limitBytes);
    throw error;
  }
}
