#!/usr/bin/env node
/**
 * A minimal receiver of Forecourt's webhooks (Standard Webhooks: webhook-id, webhook-timestamp,
 * webhook-signature v1 HMAC-SHA256), verifying every delivery with the maintained
 * `standardwebhooks` package, answering quickly and handing the event on.
 *
 *   npm install standardwebhooks          # in your own project; Forecourt's repository has it
 *   WEBHOOK_SECRET=whsec_... PORT=8787 node examples/webhook-receiver.mjs
 *
 * What to do with an event (see docs/integration.md): fetch the document it links to with an API
 * key (Authorization: Bearer ...) and post it to the ERP: e.g. on `payout_batch.built`, GET
 * /api/v1/payouts/{code}/pain001 for the bank and /api/v1/payouts/{code}/journal once paid.
 *
 * Delivery is at least once: keep the webhook-id of what you processed and ignore repeats.
 */
import { createServer } from 'node:http';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

const secret = process.env.WEBHOOK_SECRET;
if (!secret) {
  console.error('Set WEBHOOK_SECRET to the subscription secret (whsec_...) shown once at creation');
  process.exit(1);
}
const port = Number(process.env.PORT ?? 8787);
const webhook = new Webhook(secret);
/** webhook-ids already processed (use a database table in production). */
const seen = new Set();
const MAX_BODY = 1024 * 1024;

const server = createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(405).end();
    return;
  }
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY) req.destroy();
    else chunks.push(chunk);
  });
  req.on('end', () => {
    // verify the raw bytes as sent: re-serialised JSON would not match the signature
    const payload = Buffer.concat(chunks).toString('utf8');
    let event;
    try {
      event = webhook.verify(payload, {
        'webhook-id': String(req.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
      });
    } catch (error) {
      const reason = error instanceof WebhookVerificationError ? error.message : 'bad request';
      console.warn(`rejected delivery: ${reason}`);
      res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid signature');
      return;
    }
    const id = String(req.headers['webhook-id']);
    if (seen.has(id)) {
      res.writeHead(200).end();
      return;
    }
    seen.add(id);
    // answer within seconds; do the ERP posting after (a queue in production)
    res.writeHead(204).end();
    setImmediate(() => handle(id, event));
  });
});

function handle(id, event) {
  console.log(
    `${new Date().toISOString()} ${id} ${event?.type ?? '(no type)'}`,
    JSON.stringify(event),
  );
}

server.listen(port, () => console.log(`webhook receiver on http://127.0.0.1:${port}/`));
