import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { ConnectionLostError } from '../db/errors';
import { clientErrorHandler, registerErrorHandling } from './errors';

/** An error as the PostgreSQL drivers throw it (node-postgres and PGlite: severity and SQLSTATE). */
function dbError(code: string, message: string) {
  return Object.assign(new Error(message), { severity: 'ERROR', code });
}

async function answerTo(error: Error) {
  const app = Fastify({ logger: false });
  registerErrorHandling(app);
  app.get('/', async () => {
    throw error;
  });
  const res = await app.inject({ method: 'GET', url: '/' });
  await app.close();
  return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
}

describe('the error handler and database errors', () => {
  it('answers a data exception (SQLSTATE class 22) or 54000 with 400 and its SQLSTATE', async () => {
    for (const [code, message] of [
      ['22003', 'value "3000000000" is out of range for type integer'],
      ['22021', 'invalid byte sequence for encoding "UTF8": 0x00'],
      ['22008', 'date/time field value out of range: "0000-01-01"'],
      ['22007', 'invalid input syntax for type date: "x"'],
      ['22P02', 'invalid input syntax for type integer: "x"'],
      ['54000', 'index row size 9000 exceeds btree version 4 maximum 2704'],
    ] as const) {
      const { status, body } = await answerTo(dbError(code, message));
      expect(status, code).toBe(400);
      expect(body).toMatchObject({ code: 'BAD_REQUEST', details: { sqlState: code } });
      // in words of its own: a database message may quote a stored value
      expect(body.message).not.toContain(message);
      expect(body.message).toMatch(/^A value in the request is not one the database accepts: /);
    }
  });

  it('keeps other database errors (server bugs) a 500 that reveals nothing', async () => {
    for (const code of ['42P01', '42703', '23502', '23503', 'XX000', '22012']) {
      const { status, body } = await answerTo(
        dbError(code, 'relation "secret_table" does not exist'),
      );
      expect(status, code).toBe(500);
      expect(body.code).toBe('INTERNAL');
      expect(JSON.stringify(body)).not.toContain('secret_table');
    }
    // a code alone (a Node system error, say) is not a database error
    const plain = Object.assign(new Error('x'), { code: '22003' });
    expect((await answerTo(plain)).status).toBe(500);
  });

  it('answers two writes of the same thing at once (23505, 40001, 40P01) with 409 CONCURRENT_CHANGE that quotes no value', async () => {
    for (const code of ['23505', '40001', '40P01']) {
      const error = Object.assign(
        dbError(code, 'duplicate key value violates unique constraint: Key (code)=(SECRET-1)'),
        { constraint: 'payout_batches_code_key' },
      );
      const { status, body } = await answerTo(error);
      expect(status, code).toBe(409);
      expect(body).toMatchObject({ code: 'CONCURRENT_CHANGE', details: { sqlState: code } });
      expect(body.message).toMatch(/nothing of this one was saved/);
      expect(JSON.stringify(body)).not.toContain('SECRET-1');
    }
    // a code alone is not a database error
    const plain = Object.assign(new Error('x'), { code: '23505' });
    expect((await answerTo(plain)).status).toBe(500);
  });

  it('answers a lost connection (a terminated backend, a failover) with 503 and retry-after', async () => {
    for (const error of [
      dbError('57P01', 'terminating connection due to administrator command'),
      dbError('08006', 'connection failure'),
      new Error('Connection terminated unexpectedly'),
      new Error('Client has encountered a connection error and is not queryable'),
      new ConnectionLostError(Object.assign(new Error('write ECONNRESET'), { code: 'ECONNRESET' })),
    ]) {
      const app = Fastify({ logger: false });
      registerErrorHandling(app);
      app.get('/', async () => {
        throw error;
      });
      const res = await app.inject({ method: 'GET', url: '/' });
      await app.close();
      expect(res.statusCode, error.message).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.json()).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    }
  });

  it('answers a request the HTTP parser refuses (a URL over the header limit) as { code, message }', async () => {
    const app = Fastify({ logger: false, clientErrorHandler });
    registerErrorHandling(app);
    app.get('/', async () => ({ ok: true }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    try {
      const res = await fetch(`http://127.0.0.1:${port}/?q=${'y'.repeat(70_000)}`);
      expect(res.status).toBe(431);
      expect(await res.json()).toMatchObject({
        code: 'HEADERS_TOO_LARGE',
        message: expect.any(String),
      });
    } finally {
      await app.close();
    }
  });
});
