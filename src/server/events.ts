import { EventEmitter } from 'node:events';
import type { Db } from './db/db';

/**
 * Domain events. Live pages subscribe through server-sent events (src/server/http/sse). Payloads
 * stay small (a NOTIFY carries at most 8,000 bytes): readers look the details up.
 */
export type DomainEvents = {
  /** A batch is in the feed and in the monthly roll-up; its dealers are in `ingest_batches`. */
  'transactions.ingested': { batchId: number; inserted: number };
};

export type EventBus = {
  emit<K extends keyof DomainEvents>(name: K, payload: DomainEvents[K]): void;
  on<K extends keyof DomainEvents>(
    name: K,
    listener: (payload: DomainEvents[K]) => void,
  ): () => void;
  /** Resolves once events emitted from now on reach this bus's listeners. */
  ready(): Promise<void>;
  close(): Promise<void>;
};

/** The channel that carries domain events between the processes sharing a database. */
export const EVENTS_CHANNEL = 'forecourt_events';

type Message = {
  [K in keyof DomainEvents]: { name: K; payload: DomainEvents[K] };
}[keyof DomainEvents];

/**
 * Without a database: events stay in this process (tests of one service). With one: every event
 * goes out as a NOTIFY on `forecourt_events` and comes back through LISTEN, so every API process
 * on the database (this one included) hears every event, whichever process emitted it. The
 * LISTEN starts with the first subscriber.
 */
export function createEventBus(db?: Db): EventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const deliver = (message: Message) => emitter.emit(message.name, message.payload);
  let listening: Promise<() => Promise<void>> | null = null;
  const listen = () =>
    (listening ??= db!
      .listen(EVENTS_CHANNEL, (payload) => {
        try {
          deliver(JSON.parse(payload) as Message);
        } catch (error) {
          process.emitWarning(`unreadable event on ${EVENTS_CHANNEL}: ${(error as Error).message}`);
        }
      })
      .catch((error: unknown) => {
        listening = null; // the next subscriber tries again
        throw error;
      }));
  return {
    emit(name, payload) {
      const message = { name, payload } as Message;
      if (!db) {
        deliver(message);
        return;
      }
      db.query('select pg_notify($1, $2)', [EVENTS_CHANNEL, JSON.stringify(message)]).catch(
        (error: Error) => process.emitWarning(`event ${name} not sent: ${error.message}`),
      );
    },
    on(name, listener) {
      if (db) void listen().catch(() => undefined);
      emitter.on(name, listener);
      return () => emitter.off(name, listener);
    },
    async ready() {
      if (db) await listen();
    },
    async close() {
      const stop = listening;
      listening = null;
      if (stop) await (await stop)();
    },
  };
}
