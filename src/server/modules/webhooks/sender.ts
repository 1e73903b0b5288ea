/**
 * One HTTP POST of a signed webhook: a time-out on the whole exchange, no redirects followed,
 * at most 4 KB of the answer kept, the target re-checked at connection time (url-safety.ts).
 */
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { isPublicAddress, parseTargetUrl, safeLookup } from './url-safety';

export const MAX_RESPONSE_BYTES = 4096;

export type SendResult = {
  statusCode: number | null;
  /** the start of the answer's body (≤ 4 KB, decoded as UTF-8, NUL bytes dropped) */
  body: string | null;
  durationMs: number;
  error: string | null;
};

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 64 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

export function postWebhook(options: {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivate: boolean;
}): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, durationMs: elapsed() });
    };
    let url: URL;
    try {
      url = parseTargetUrl(options.url);
    } catch (error) {
      return resolve({
        statusCode: null,
        body: null,
        durationMs: 0,
        error: (error as Error).message,
      });
    }
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (!options.allowPrivate && isIP(host) && !isPublicAddress(host))
      return resolve({
        statusCode: null,
        body: null,
        durationMs: 0,
        error: `refused: ${host} is a private address`,
      });
    const isHttps = url.protocol === 'https:';
    const request = (isHttps ? https : http).request(url, {
      method: 'POST',
      agent: isHttps ? agents.https : agents.http,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(options.body),
        'user-agent': 'Forecourt-Webhooks/1',
        ...options.headers,
      },
      ...(options.allowPrivate ? {} : { lookup: safeLookup as never }),
    });
    const timer = setTimeout(() => {
      request.destroy(new Error(`timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    request.on('error', (error) => finish({ statusCode: null, body: null, error: error.message }));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      response.on('data', (chunk: Buffer) => {
        if (kept < MAX_RESPONSE_BYTES) {
          const part = chunk.subarray(0, MAX_RESPONSE_BYTES - kept);
          chunks.push(part);
          kept += part.length;
        }
      });
      const done = () =>
        finish({
          statusCode: response.statusCode ?? null,
          body: truncateBody(Buffer.concat(chunks)),
          error: null,
        });
      response.on('end', done);
      // an answer that goes on beyond the time-out: its status counts, the rest is dropped
      response.on('error', done);
      response.on('aborted', done);
    });
    request.end(options.body);
  });
}

/** At most 4 KB of an answer as text (a cut UTF-8 sequence dropped, no NUL bytes). */
export function truncateBody(bytes: Buffer): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(
    bytes.subarray(0, MAX_RESPONSE_BYTES),
  );
  return text.replaceAll('\u0000', '').replace(/\uFFFD$/, '');
}
