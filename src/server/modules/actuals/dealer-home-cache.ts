/**
 * The dealer home's data, computed once per change of its inputs (issue 18 §1: at 100 dealers at
 * once the home's queries queued to a p99 of seconds).
 *
 * The home reads the dealer, its monthly actuals by model line and its last transactions. The
 * three reads (the dealer's row with its region's and group's names, and the feed's data) are kept
 * here per dealer, under a stamp of everything they read, taken
 * the way the progress cache takes its own (incentives/dealer-progress-cache.ts): the feed's last
 * id (the feed only grows) and the version (row count and sum of the row versions, `xmin`) of the
 * dealer's roll-up rows, of the dealer's own row, its region's and its group's, and of the catalog tables whose codes and names
 * the answers carry. A feed batch moves the feed's id, and commits the dealer's roll-up rows with
 * its own (or the roll-up right after it, for 100,000 rows or more); an edit of the dealer or the
 * catalog moves their version. Nothing is written to keep the stamp: it is read from the database
 * at each request, so it holds with several API processes (WEB_CONCURRENCY) and for changes made
 * in SQL.
 *
 * One statement per request does the whole check: the dealer's visibility to the actor (the same
 * scope rule as the dealer's page; none, and the caller answers 404 as before), its id, the stamp
 * and the network's latest month (where the home's window ends). Equal stamp, same answer: the
 * cached one is returned; concurrent reads with the same stamp share one computation. Entries are
 * per dealer (the id the visibility check resolved), so one dealer's answer is never another's;
 * the answers do not depend on who asks once the dealer is visible (every row of a visible dealer
 * is visible), so one entry serves the dealer's users and the OEM's alike.
 *
 * Every table the cached reads use must be in HOME_INPUT_TABLES (tests/dealer-home-cache.test.ts
 * records the SQL of the computations and fails otherwise).
 */
import { scopeSql, type Scope } from '../../auth/actor';
import type { Queryable } from '../../db/db';

/** Per-row version sum and count of a table's rows matching `where` (`d.id`: the dealer's id). */
function versionOf(table: string, where = 'true'): string {
  return `(select count(*)::text || '.' || coalesce(sum(xmin::text::bigint), 0)::text from ${table} where ${where})`;
}

/** The tables the cached home reads, with the part of each it depends on. */
const STAMPED: Record<string, string> = {
  // the last id the feed's sequence handed out (O(1)); a batch that took its ids before the stamp
  // was read and commits after it moves the dealer's roll-up rows instead (see above)
  transactions: `(select coalesce(pg_sequence_last_value('transactions_id_seq'), 0)::text)`,
  monthly_actuals: versionOf('monthly_actuals', 'dealer_id = d.id'),
  dealers: versionOf('dealers', 'id = d.id'),
  // the dealer part names its region and its group
  regions: versionOf('regions', 'id = d.region_id'),
  dealer_groups: versionOf('dealer_groups', 'id = d.dealer_group_id'),
  skus: versionOf('skus'),
  model_lines: versionOf('model_lines'),
};

export const HOME_INPUT_TABLES: readonly string[] = Object.keys(STAMPED);

export type HomeDealer = {
  /** the dealer's id */
  id: number;
  /** equal stamps, equal inputs */
  stamp: string;
  /** the network's latest month of actuals (YYYY-MM), or null with none */
  latestMonth: string | null;
};

/** The dealer `code` if `scope` sees it, with its stamp and the network's latest month. */
export async function findHomeDealer(
  db: Queryable,
  scope: Scope,
  code: string,
): Promise<HomeDealer | null> {
  const params: unknown[] = [code];
  const visible = scopeSql(scope, 'd', params);
  const { rows } = await db.query<HomeDealer>(
    `select d.id, concat_ws('|', ${Object.values(STAMPED).join(', ')}) as stamp,
            to_char(forecourt_latest_actuals_month(), 'YYYY-MM') as "latestMonth"
     from dealers d where d.code = $1 and ${visible}`,
    params,
  );
  return rows[0] ?? null;
}

type DealerEntry = { stamp: string; parts: Map<string, Promise<unknown>> };

export function createDealerHomeCache(db: Queryable, options: { maxDealers?: number } = {}) {
  // an entry is a few kB (24 months × the dealer's model lines, ten rows): 5,000 dealers stay in tens of MB
  const maxDealers = options.maxDealers ?? 5_000;
  // dealer id → its answers under one stamp, in least recently used order
  const entries = new Map<number, DealerEntry>();

  return {
    /** The dealer `code` as `scope` sees it (null: not visible), with its stamp. */
    find(scope: Scope, code: string): Promise<HomeDealer | null> {
      return findHomeDealer(db, scope, code);
    },

    /**
     * The answer `part` (a name of the read and its arguments) of `dealer`: the cached one while
     * the dealer's stamp is unchanged, else `compute()`'s.
     */
    read<T>(dealer: HomeDealer, part: string, compute: () => Promise<T>): Promise<T> {
      let entry = entries.get(dealer.id);
      entries.delete(dealer.id);
      if (entry?.stamp !== dealer.stamp) entry = { stamp: dealer.stamp, parts: new Map() };
      entries.set(dealer.id, entry);
      if (entries.size > maxDealers) entries.delete(entries.keys().next().value!);
      const found = entry.parts.get(part);
      if (found) return found as Promise<T>;
      const value = compute();
      entry.parts.set(part, value);
      // a failure is not kept: the next read computes again
      const kept = entry;
      value.catch(() => {
        if (kept.parts.get(part) === value) kept.parts.delete(part);
      });
      return value;
    },

    /** How many dealers have answers kept (for tests). */
    get size() {
      return entries.size;
    },
  };
}

export type DealerHomeCache = ReturnType<typeof createDealerHomeCache>;
