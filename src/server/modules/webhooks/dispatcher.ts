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
    const secrets = d.previousSecret ? [d.secret, d.previousSecret] : [d.secret];
    const headers = signHeaders(secrets, messageId(d.outboxId), body);
    const result = await postWebhook({
      url: d.url,
      headers: { ...headers },
      body,
      timeoutMs: config.timeoutMs,
      allowPrivate: config.allowPrivate,
    });
    return recordOf(d, result, config);
  }

  /** Sends in flight, and answers waiting to be recorded (one transaction for all waiting). */
  const inFlight = new Set<Promise<void>>();
  let answered: AttemptRecord[] = [];
  let flushing: Promise<void> | null = null;
  let flushTimer: ReturnType<typeof setTimeout> | null = null;

  function flush(): Promise<void> {
    if (flushing) return flushing;
    if (answered.length === 0) return Promise.resolve();
    const records = answered;
    answered = [];
    flushing = db
      .transaction((tx) => repo.recordAttempts(tx, records))
      .catch((error: unknown) => {
        // not recorded: the leases run out and the deliveries are sent again (at least once)
        deps.onError?.(error);
      })
      .finally(() => {
        flushing = null;
        wake(); // recorded: the entities' next events may go
        if (answered.length) void flush();
      });
    return flushing;
  }

  function startSend(d: ClaimedDelivery) {
    const sending: Promise<void> = sendOne(d)
      .then((record) => {
        answered.push(record);
        // answers that come close together are recorded together
        flushTimer ??= setTimeout(() => {
          flushTimer = null;
          void flush();
        }, 2);
      })
      .finally(() => {
        inFlight.delete(sending);
        wake();
      });
    inFlight.add(sending);
  }

  /**
   * Claims what is due, up to the free slots, and starts sending it; the number claimed. Each
   * answer is recorded as it comes (grouped with the others waiting), so a slow receiver holds
   * one slot, not the round.
   */
  async function fill(): Promise<number> {
    const free = config.concurrency - inFlight.size;
    if (free <= 0) return 0;
    const claimed = await repo.claim(free, leaseMs);
    claimed.forEach(startSend);
    return claimed.length;
  }

  /** One round for tests: claim, send, record, and wait for all of it. */
  async function round(): Promise<number> {
    const claimed = await fill();
    await Promise.all([...inFlight]);
    await flush();
    await flushing;
    return claimed;
  }

  async function run() {
    // claim in groups: while more than three quarters of the slots are busy, wait for answers
    const claimAt = Math.max(1, Math.floor(config.concurrency / 4));
    while (running) {
      isWoken = false;
      try {
        if (config.concurrency - inFlight.size >= claimAt && (await fill()) > 0) continue;
        if (inFlight.size > 0) {
          await sleep(config.idlePollMs); // an answer or its record wakes the loop
          continue;
        }
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
    await Promise.all([...inFlight]);
    await flush();
    await flushing;
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
