/**
 * Heavy reads on a read replica (DATABASE_READ_URL, issue 18): accuracy, roll-ups, exports and
 * the feed's list read through `readDb`, which sends them to the replica unless the request must
 * see its actor's own write.
 *
 * Read-your-writes: after a successful write request, the primary's WAL position (LSN) is noted
 * for its actor (user or API key). A later request of that actor reads from the primary until the
 * replica has replayed past that position (one cheap question to the replica per request, asked
 * only while such a note exists, dropped once it holds or after NOTE_TTL_MS). Other actors read
 * from the replica, which may lag by the replication delay. The notes live in this process: with
 * WEB_CONCURRENCY > 1 a write and the next read can land on two processes, so a write request
 * also sends the LSN back as a cookie that any process reads (browser sessions carry it; API
 * clients that want read-your-writes send it as the `x-read-after-lsn` header).
 *
 * Without a replica, `readDb` is the primary. A replica that cannot be reached sends reads to the
 * primary (with a warning) rather than failing them.
 */
import type { Db } from './db';
import { currentScopeHolder } from './scope';

export const READ_AFTER_COOKIE = 'forecourt_lsn';
export const READ_AFTER_HEADER = 'x-read-after-lsn';
const NOTE_TTL_MS = 5 * 60_000;
const LSN = /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/;

export type ReadRouting = {
  /** The Db heavy reads use: the replica, or the primary when the request must see its writes. */
  readDb: Db;
  /** Whether a replica is configured. */
  hasReplica: boolean;
  /**
   * Whether a request of `actorKey` (with the LSN it may have brought) may read from the replica:
   * the request's scope holder keeps the answer (`readsReplica`) for everything it runs.
   */
  mayReadReplica(actorKey: string, broughtLsn: string | undefined): Promise<boolean>;
  /** Notes a committed write of `actorKey`; returns the primary's LSN after it. */
  noteWrite(actorKey: string): Promise<string | null>;
  close(): Promise<void>;
};

function compareLsn(a: string, b: string): number {
  const [ah, al] = a.split('/').map((x) => parseInt(x, 16));
  const [bh, bl] = b.split('/').map((x) => parseInt(x, 16));
  return ah! !== bh! ? ah! - bh! : al! - bl!;
}

/** A connection failure (not an SQL error): the replica is down or unreachable. */
function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return (
    code.startsWith('08') || code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === '57P03'
  );
}

export function createReadRouting(primary: Db, replica?: Db): ReadRouting {
  const notes = new Map<string, { lsn: string; at: number }>();
  if (!replica) {
    return {
      readDb: primary,
      hasReplica: false,
      mayReadReplica: async () => false,
      noteWrite: async () => null,
      close: async () => undefined,
    };
  }
  // outside a request (jobs, the system) and until the request's actor is known: the primary
  const target = (): Db => (currentScopeHolder()?.readsReplica === true ? replica : primary);
  /** Runs on the chosen engine; an unreachable replica falls back to the primary. */
  async function onTarget<T>(work: (db: Db) => Promise<T>): Promise<T> {
    const db = target();
    if (db === primary) return work(primary);
    try {
      return await work(replica!);
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      process.emitWarning(`read replica unreachable, reading from the primary: ${String(error)}`);
      return work(primary);
    }
  }
  const readDb: Db = {
    engine: primary.engine,
    connectionString: primary.connectionString,
    query: (sql, params) => onTarget((db) => db.query(sql, params)),
    transaction: (fn) => onTarget((db) => db.transaction(fn)),
    async *copyTo(sql) {
      yield* target().copyTo(sql);
    },
    exec: (sql) => primary.exec(sql),
    copyFrom: (sql, chunks) => primary.copyFrom(sql, chunks),
    listen: (channel, onMessage, onState) => primary.listen(channel, onMessage, onState),
    close: async () => undefined,
  };

  async function replayed(): Promise<string | null> {
    const r = await replica!.query<{ lsn: string | null }>(
      'select pg_last_wal_replay_lsn()::text as lsn',
    );
    return r.rows[0]?.lsn ?? null;
  }

  return {
    readDb,
    hasReplica: true,
    async mayReadReplica(actorKey, broughtLsn) {
      const now = Date.now();
      const note = notes.get(actorKey);
      if (note && now - note.at > NOTE_TTL_MS) notes.delete(actorKey);
      let wanted = notes.get(actorKey)?.lsn;
      if (broughtLsn && LSN.test(broughtLsn) && (!wanted || compareLsn(broughtLsn, wanted) > 0))
        wanted = broughtLsn;
      if (!wanted) return true;
      const at = await replayed().catch(() => null);
      if (at && compareLsn(at, wanted) >= 0) {
        notes.delete(actorKey);
        return true;
      }
      return false;
    },
    async noteWrite(actorKey) {
      const r = await primary.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
      const lsn = r.rows[0]!.lsn;
      notes.set(actorKey, { lsn, at: Date.now() });
      return lsn;
    },
    close: () => replica.close(),
  };
}
