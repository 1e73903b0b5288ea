/**
 * A local webhook receiver for tests and the bench: verifies every request's Standard Webhooks
 * signature with the standardwebhooks package and records what arrived. Each path answers as its
 * behaviour says: `ok` 200, `flaky` 500 on the first try of each webhook-id then 200, `gone` 410.
 */
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

export type Received = {
  path: string;
  id: string;
  type: string;
  data: Record<string, unknown>;
  isVerified: boolean;
  status: number;
  at: number;
  /** the request as it came, to verify with other secrets (rotation) */
  headers: Record<string, string>;
  body: string;
};

export type Receiver = {
  url: string;
  received: Received[];
  /** the secret to verify a path's requests with (unknown paths fail verification) */
  secrets: Map<string, string>;
  behaviour: Map<string, 'ok' | 'flaky' | 'gone' | 'slow'>;
  /** resolves once `predicate` holds over what arrived (polls every 20 ms, fails after `ms`) */
  waitFor(predicate: (r: Received[]) => boolean, ms?: number): Promise<void>;
  close(): Promise<void>;
};

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const secrets = new Map<string, string>();
  const behaviour = new Map<string, 'ok' | 'flaky' | 'gone' | 'slow'>();
  const tried = new Set<string>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      const id = String(req.headers['webhook-id'] ?? '');
      let isVerified = false;
      let parsed: { type?: string; data?: Record<string, unknown> } = {};
      try {
        const secret = secrets.get(path);
        if (secret) {
          parsed = new Webhook(secret).verify(
            body,
            req.headers as Record<string, string>,
          ) as typeof parsed;
          isVerified = true;
        }
      } catch {
        isVerified = false;
      }
      const mode = behaviour.get(path) ?? 'ok';
      let status = 200;
      if (mode === 'gone') status = 410;
      if (mode === 'flaky' && !tried.has(`${path} ${id}`)) {
        tried.add(`${path} ${id}`);
        status = 500;
      }
      const answer = () => {
        received.push({
          path,
          id,
          type: parsed.type ?? '',
          data: parsed.data ?? {},
          isVerified,
          status,
          at: performance.now(),
          headers: req.headers as Record<string, string>,
          body,
        });
        res
          .writeHead(status, { 'content-type': 'text/plain' })
          .end(status === 500 ? 'try later' : 'ok');
      };
      if (mode === 'slow') setTimeout(answer, 25);
      else answer();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    secrets,
    behaviour,
    async waitFor(predicate, ms = 15_000) {
      const started = Date.now();
      while (!predicate(received)) {
        if (Date.now() - started > ms)
          throw new Error(
            `receiver: condition not met in ${ms} ms; got ${JSON.stringify(received.map((r) => [r.path, r.type, r.status]))}`,
          );
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
