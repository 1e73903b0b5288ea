/**
 * The sender loop, one per API process, on both engines. It claims due deliveries with
 * `FOR UPDATE SKIP LOCKED` and a lease (webhooks.repository.ts `claim`), so any number of
 * processes share the work and a sender killed mid-send leaves its deliveries to be claimed again
 * once their lease ends (at least once). It sleeps until the next delivery falls due, and wakes at
 * once when a change commits with new deliveries (the outbox trigger's NOTIFY on
 * `forecourt_webhooks`, heard through the engine's LISTEN) or a replay or ping is queued.
 */
import type { Db } from '../../db/db';
import { runAsSystem } from '../../db/scope';
import { outcomeOf, retryDelayMs } from './backoff';
import { postWebhook, type SendResult } from './sender';
import { messageId, signHeaders } from './signing';
import {
  WEBHOOKS_CHANNEL,
  type AttemptRecord,
  type ClaimedDelivery,
  type WebhooksRepository,
} from './webhooks.repository';

export type DispatcherConfig = {
  timeoutMs: number;
  retryBaseMs: number;
  maxAttempts: number;
  allowPrivate: boolean;
  /** deliveries sent at once by this process */
  concurrency: number;
  /** the longest sleep when nothing is due (a safety net under LISTEN/NOTIFY) */
  idlePollMs: number;
};

/** The body of a delivery: Standard Webhooks' envelope around the event's payload. */
export function envelopeOf(d: Pick<ClaimedDelivery, 'eventType' | 'payload' | 'createdAt'>) {
  return JSON.stringify({
    type: d.eventType,
    timestamp: new Date(d.createdAt).toISOString(),
    data: d.payload,
  });
}

/** What an attempt's answer means for its delivery. */
export function recordOf(
  d: ClaimedDelivery,
  result: SendResult,
  config: Pick<DispatcherConfig, 'retryBaseMs' | 'maxAttempts'>,
): AttemptRecord {
  const outcome = outcomeOf(result.statusCode);
  const isLast = d.attempts >= config.maxAttempts;
  return {
    deliveryId: d.id,
    subscriptionId: d.subscriptionId,
    attempt: d.attempts,
    state:
      outcome === 'delivered' ? 'delivered' : outcome === 'gone' || isLast ? 'dead' : 'pending',
    delayMs: outcome === 'failed' && !isLast ? retryDelayMs(d.attempts, config.retryBaseMs) : 0,
    statusCode: result.statusCode,
    durationMs: result.durationMs,
    responseBody: result.body,
    error: result.error,
    isGone: outcome === 'gone',
  };
}

export function createDispatcher(deps: {
  db: Db;
  repo: WebhooksRepository;
  config: DispatcherConfig;
  onError?: (error: unknown) => void;
}) {
  const { db, repo, config } = deps;
  const leaseMs = config.timeoutMs * 2 + 5000;
  let running = false;
  let loop: Promise<void> | null = null;
  let stopListening: (() => Promise<void>) | null = null;
  let wakeUp: (() => void) | null = null;
  let isWoken = false;

  function wake() {
    isWoken = true;
    wakeUp?.();
  }

  function sleep(ms: number): Promise<void> {
    if (isWoken) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });
  }

  async function sendOne(d: ClaimedDelivery): Promise<AttemptRecord> {
    const body = envelopeOf(d);
    const headers = signHeaders(d.secret, messageId(d.outboxId), body);
    const result = await postWebhook({
      url: d.url,
      headers: { ...headers },
      body,
      timeoutMs: config.timeoutMs,
      allowPrivate: config.allowPrivate,
    });
    return recordOf(d, result, config);
  }

  /** Claims and sends one round; the number of deliveries it sent. */
  async function round(): Promise<number> {
    const claimed = await repo.claim(config.concurrency, leaseMs);
    if (claimed.length === 0) return 0;
    const records = await Promise.all(claimed.map(sendOne));
    await db.transaction((tx) => repo.recordAttempts(tx, records));
    return claimed.length;
  }

  async function run() {
    while (running) {
      isWoken = false;
      try {
        if ((await round()) > 0) continue;
        const due = await repo.nextDueInMs();
        await sleep(
          due === null ? config.idlePollMs : Math.min(Math.max(due, 5), config.idlePollMs),
        );
      } catch (error) {
        if (!running) break;
        deps.onError?.(error);
        await sleep(1000);
      }
    }
  }

  return {
    /** Starts this process's sender (idempotent). */
    async start() {
      if (running) return;
      running = true;
      stopListening = await runAsSystem(() => db.listen(WEBHOOKS_CHANNEL, wake));
      loop = runAsSystem(run);
    },
    /** Stops taking deliveries and waits for the round in flight. */
    async stop() {
      running = false;
      wake();
      await loop;
      loop = null;
      const stop = stopListening;
      stopListening = null;
      if (stop) await stop();
    },
    wake,
    /** One round now (tests and the CLI): the number of deliveries sent. */
    round: () => runAsSystem(round),
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
