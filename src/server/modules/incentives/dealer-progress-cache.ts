/**
 * A dealer's incentive progress, computed once per change of its inputs (issue 12: 50
 * connections of one dealer took the server from everyone, 150–290 ms of work per call).
 *
 * Each read first asks the database for a stamp of everything the computation reads: the feed's
 * last id and the dealer's roll-up (the feed is append-only), and for every other input
 * table the number of rows and the sum of their row versions (`xmin`: an insert or update writes
 * a new one), over the dealer's own rows where the table is per dealer and over the whole table
 * where it is small.
 * Equal stamp and day, same result: the cached one is returned. Concurrent reads with the same
 * stamp share one computation. The stamp is one indexed query; nothing is written to keep it,
 * so the feed's and the settlement's write paths are untouched, and it holds across processes
 * and for changes made in SQL.
 *
 * Every table the progress reads must be in PROGRESS_INPUT_TABLES
 * (tests/dealer-progress-cache.test.ts records the SQL of a computation and fails otherwise).
 */
import type { Queryable } from '../../db/db';

/** Per-row version sum and count of a table's rows matching `where` (params: $1 dealer id). */
function versionOf(table: string, where = 'true'): string {
  return `(select count(*)::text || '.' || coalesce(sum(xmin::text::bigint), 0)::text from ${table} where ${where})`;
}

const OF_DEALER_PROGRAMS = 'program_id = any(array(select id from programs)) and dealer_id = $1';

/** The tables a dealer's progress is computed from, with the part of each that it depends on. */
const STAMPED: Record<string, string> = {
  // The feed only grows: the last id its sequence handed out moves with every new row (read
  // from the sequence, so in O(1) and whatever rows the caller may see). Ids are taken before
  // commit, so a batch committing after the stamp was read moves the dealer's roll-up instead,
  // written in the batch's own transaction (for 100,000 rows or more, by the roll-up right after).
  // A confirmed integrity flag takes a value of the same sequence (its feed position, migration
  // 0056): it frees its VINs for other dealers, whose progress is then computed again.
  transactions: `(select coalesce(pg_sequence_last_value('transactions_id_seq'), 0)::text)`,
  monthly_actuals: versionOf('monthly_actuals', 'dealer_id = $1'),
  // The retail delivery reports (sale rules); written with their feed rows, stamped as well.
  rdr_sales: versionOf('rdr_sales', 'dealer_id = $1'),
  dealers: versionOf('dealers', 'id = $1'),
  dealer_groups: versionOf('dealer_groups'),
  regions: versionOf('regions'),
  settings: versionOf('settings'),
  skus: versionOf('skus'),
  sku_prices: versionOf('sku_prices'),
  model_lines: versionOf('model_lines'),
  // programs.settlement_version moves with every change of a program's settled units or of its
  // statements' status (migration 0052): under "a VIN is paid once" another dealer's approval
  // changes this dealer's progress (paid_to_other_dealer) without writing a row of this dealer.
  programs: versionOf('programs'),
  program_versions: versionOf('program_versions'),
  agreements: versionOf('agreements', 'dealer_id = $1'),
  agreement_versions: versionOf(
    'agreement_versions',
    'agreement_id in (select id from agreements where dealer_id = $1)',
  ),
  incentive_statements: versionOf('incentive_statements', 'dealer_id = $1'),
  settled_unit_benefits: versionOf('settled_unit_benefits', OF_DEALER_PROGRAMS),
  incentive_adjustments: versionOf('incentive_adjustments', OF_DEALER_PROGRAMS),
  incentive_claims: versionOf('incentive_claims', OF_DEALER_PROGRAMS),
};

export const PROGRESS_INPUT_TABLES: readonly string[] = Object.keys(STAMPED);

const STAMP_SQL = `select concat_ws('|', ${Object.values(STAMPED).join(', ')}) as stamp`;

/** The stamp of one dealer's progress inputs: equal stamps, equal inputs. */
export async function progressStamp(db: Queryable, dealerId: number): Promise<string> {
  const { rows } = await db.query<{ stamp: string }>(STAMP_SQL, [dealerId]);
  return rows[0]!.stamp;
}

type Entry<T> = { key: string; value: Promise<T> };

export function createDealerProgressCache<T>(db: Queryable, options: { maxDealers?: number } = {}) {
  const maxDealers = options.maxDealers ?? 10_000;
  // dealer id → the latest computation (settled or running), in least recently used order
  const entries = new Map<number, Entry<T>>();

  return {
    /** The progress of `dealerId` on `today`: the cached one while its inputs are unchanged. */
    async read(dealerId: number, today: string, compute: () => Promise<T>): Promise<T> {
      const key = `${today}|${await progressStamp(db, dealerId)}`;
      const found = entries.get(dealerId);
      entries.delete(dealerId);
      if (found?.key === key) {
        entries.set(dealerId, found);
        return found.value;
      }
      const entry: Entry<T> = { key, value: compute() };
      entries.set(dealerId, entry);
      if (entries.size > maxDealers) entries.delete(entries.keys().next().value!);
      // a failure is not kept: the next read computes again
      entry.value.catch(() => {
        if (entries.get(dealerId) === entry) entries.delete(dealerId);
      });
      return entry.value;
    },
  };
}
