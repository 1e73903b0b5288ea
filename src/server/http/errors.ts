import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, ERROR_STATUS, type ErrorCode, type Problem } from '../../shared/errors';
import { isConnectionLost, isStatementCancelled } from '../db/errors';

/** When a request whose statement timed out may try again. */
const TIMEOUT_RETRY_AFTER_SECONDS = 5;

/** The one mapping from errors to HTTP answers: `{ code, message, details }`. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError | Error, request, reply) => {
    if (error instanceof AppError) {
      return reply.status(error.status).send({
        code: error.code,
        message: error.message,
        details: error.details,
      });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext ?? 'body';
      const problems: Problem[] = error.validation.map((v) => {
        const keys = (v.params as { keys?: unknown } | undefined)?.keys;
        const unknownKeys =
          v.keyword === 'unrecognized_keys' && Array.isArray(keys) ? (keys as string[]) : [];
        const path = [v.instancePath.replace(/^\//, '').replace(/\//g, '.'), unknownKeys.join(',')]
          .filter(Boolean)
          .join('.');
        return {
          path: path ? `${where}.${path}` : where,
          code: String(
            v.params?.issue && typeof v.params.issue === 'object' && 'code' in v.params.issue
              ? v.params.issue.code
              : v.keyword,
          ),
          message: v.message ?? 'invalid',
        };
      });
      return reply.status(400).send({
        code: 'VALIDATION_FAILED',
        message: `The request ${where} is invalid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
        details: { problems },
      });
    }
    const fe = error as FastifyError;
    const mapped = mapFastifyError(fe);
    if (mapped) {
      return reply.status(ERROR_STATUS[mapped.code]).send({ ...mapped, details: {} });
    }
    if (isConnectionLost(error)) {
      request.log.warn({ err: error }, 'the database connection was lost');
      return reply
        .status(503)
        .header('retry-after', '1')
        .send({
          code: 'DATABASE_UNAVAILABLE',
          message: `The database connection was lost during the request; retry it (request id ${request.id}).`,
          details: { requestId: request.id },
        });
    }
    const clash = concurrentWrite(error);
    if (clash) {
      request.log.warn({ err: error }, 'a write clashed with another one');
      return reply.status(409).send(clash);
    }
    if (isStatementCancelled(error)) {
      request.log.warn(
        { err: error },
        'a statement of the request was cancelled (statement timeout)',
      );
      return reply
        .status(503)
        .header('retry-after', String(TIMEOUT_RETRY_AFTER_SECONDS))
        .send({
          code: 'DATABASE_TIMEOUT',
          message: `The request's database work took too long and was stopped; nothing it was writing was kept. Narrow the request (a shorter period, fewer dealers) or retry later (request id ${request.id}).`,
          details: { requestId: request.id, retryAfterSeconds: TIMEOUT_RETRY_AFTER_SECONDS },
        });
    }
    const rejected = dataException(error);
    if (rejected) {
      request.log.warn({ err: error }, 'the database refused a value');
      return reply.status(400).send({
        code: 'BAD_REQUEST',
        message: `A value in the request is not one the database accepts: ${rejected.message}`,
        details: { sqlState: rejected.sqlState },
      });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({
      code: 'INTERNAL',
      message: `Something went wrong on our side. Quote request id ${request.id} when reporting it.`,
      details: { requestId: request.id },
    });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({
      code: 'NOT_FOUND',
      message: `No route ${request.method} ${request.url.split('?')[0]}`,
      details: {},
    });
  });
}

/**
 * Two writes of the same thing at once (two payout builds, two decisions of one dispute): the
 * database keeps one and refuses the other with a unique violation (23505), a serialization
 * failure (40001) or a deadlock (40P01). That is the request's conflict with another one, not a
 * server fault: a 409 `CONCURRENT_CHANGE` (the transaction rolled back: nothing of it is
 * written), never a 500. The one place for it, so no route has to catch it. Services still take
 * their own locks where the second request should get a domain answer ("already paid").
 */
export function concurrentWrite(
  error: unknown,
): { code: 'CONCURRENT_CHANGE'; message: string; details: Record<string, unknown> } | null {
  if (typeof error !== 'object' || error === null || !('severity' in error)) return null;
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  if (code !== '23505' && code !== '40001' && code !== '40P01') return null;
  const key = typeof constraint === 'string' ? constraint : undefined;
  return {
    code: 'CONCURRENT_CHANGE',
    message:
      code === '23505'
        ? `Another request wrote the same record at the same time${key ? ` (${key})` : ''}; nothing of this one was saved. Reload and try again if it is still needed.`
        : 'Another request changed the same records at the same time; nothing of this one was saved. Try again.',
    details: { sqlState: code, ...(key ? { constraint: key } : {}) },
  };
}

/** What a data exception means, in words that reveal no stored value (the log has the rest). */
const DATA_EXCEPTIONS: Record<string, string> = {
  '22001': 'a text is too long',
  '22003': 'a number is out of range',
  '22007': 'a date or time is malformed',
  '22008': 'a date or time is out of range',
  '22021': 'a text holds a byte it cannot (NUL)',
  '22P02': 'a value is malformed',
  '54000': 'a value is too large to index',
};

/**
 * A PostgreSQL data exception (SQLSTATE class 22: a value out of range, an invalid date or byte
 * sequence, …) or 54000 (a value too large for an index) is the input's fault, not the server's:
 * a 400 with the SQLSTATE. Every other database error stays a 500, so server bugs are not masked.
 */
function dataException(error: unknown): { sqlState: string; message: string } | null {
  if (typeof error !== 'object' || error === null || !('severity' in error)) return null;
  const { code } = error as { code?: unknown };
  // a division by zero (22012) is the server's arithmetic, not the input: it stays a 500
  if (typeof code !== 'string' || code === '22012') return null;
  if (!(/^22[0-9A-Z]{3}$/.test(code) || code === '54000')) return null;
  return { sqlState: code, message: DATA_EXCEPTIONS[code] ?? 'a value is invalid' };
}

function mapFastifyError(error: FastifyError): { code: ErrorCode; message: string } | null {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than allowed' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'UNSUPPORTED_MEDIA_TYPE', message: error.message };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'MALFORMED_BODY', message: 'The JSON body is empty' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { code: 'BAD_REQUEST', message: error.message };
    default:
      break;
  }
  if (error.statusCode === 400 && error instanceof SyntaxError) {
    return { code: 'MALFORMED_BODY', message: `The body is not valid JSON: ${error.message}` };
  }
  if (error.statusCode === 429) {
    return { code: 'RATE_LIMITED', message: error.message };
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return { code: 'BAD_REQUEST', message: error.message };
  }
  return null;
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (headers or URL over the size limit,
 * a malformed request line, a client too slow) get the one error shape too, `{ code, message,
 * details }`, instead of Fastify's default `{ error, message, statusCode }`.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, label, code, message]: [number, string, ErrorCode, string] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'Request Header Fields Too Large',
          'HEADERS_TOO_LARGE',
          'The URL or the headers are larger than allowed (16 KiB)',
        ]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'REQUEST_TIMEOUT', 'The request took too long to arrive']
        : [400, 'Bad Request', 'BAD_REQUEST', 'The request is not valid HTTP'];
  const body = JSON.stringify({ code, message, details: {} });
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${label}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(error);
}
