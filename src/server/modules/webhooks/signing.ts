/**
 * Standard Webhooks signing through the maintained `standardwebhooks` package (never by hand):
 * secrets are `whsec_` + base64 of 24 random bytes; a message carries `webhook-id`,
 * `webhook-timestamp` (seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256>`).
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export const SECRET_PREFIX = 'whsec_';

/** A new signing secret in the Standard Webhooks format. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64');
}

/** The webhook-id of an outbox event: the same on every attempt and every replay. */
export function messageId(outboxId: number | string): string {
  return `msg_${outboxId}`;
}

export type SignedHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/**
 * The three Standard Webhooks headers of one attempt (signed at `at`, now by default). With
 * several secrets (a rotation's grace window: the new one first, then the previous one) the
 * signatures are space-separated, as the specification allows: a receiver verifies with either.
 */
export function signHeaders(
  secret: string | readonly string[],
  msgId: string,
  body: string,
  at: Date = new Date(),
): SignedHeaders {
  // the package signs with whole seconds; the header must carry the same ones
  const seconds = new Date(Math.floor(at.getTime() / 1000) * 1000);
  const secrets = typeof secret === 'string' ? [secret] : secret;
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(seconds.getTime() / 1000),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(msgId, seconds, body)).join(' '),
  };
}
