import type { Queryable } from '../../db/db';
import { inlineParams } from '../../db/sql-literal';
import { minorUnitSql, neutraliseSql } from '../../http/csv-export';
import { scopeDealerIdSql, type Scope } from '../../auth/actor';
import type { Transaction, TransactionFilter } from '../../../shared/schemas/transactions';

/** Any constant: the advisory lock of the ingest (see lockIngest). */
const INGEST_LOCK = 7_305_114;

export const STAGING_COLUMNS =
  'kind, dealer_id, sku_id, vin, quantity, amount, currency, occurred_on, source, external_id';

/**
 * The columns of a COPY line of the ingest: STAGING_COLUMNS, the batch id and the row's number in
 * it, when the sender received it and an unwind's sale (ingested_at takes its default, now()).
 */
export const COPY_COLUMNS = `${STAGING_COLUMNS}, batch_id, batch_row, received_at, original_external_id`;

/** The content of a feed row besides its key: two rows with one key must agree on it. */
const CONTENT = (t: string) =>
  `(${t}.kind, ${t}.sku_id, ${t}.vin, ${t}.quantity, ${t}.amount, ${t}.currency, ${t}.occurred_on)`;

/** A key repeated inside one batch with different content: the rows of both occurrences. */
export type RepeatedKey = { earlier: number; later: number; source: string; externalId: string };

const TRANSACTION_SELECT = `
  select t.id, t.kind, d.code as "dealerCode", s.code as sku, m.code as "modelLineCode", t.vin, t.quantity,
         t.amount::text as amount, t.currency, t.occurred_on as "occurredOn", t.source,
         t.external_id as "externalId", to_json(t.received_at)#>>'{}' as "receivedAt",
         to_json(coalesce(t.ingested_at, t.received_at))#>>'{}' as "ingestedAt",
         t.original_external_id as "originalExternalId"
  from transactions t
  join dealers d on d.id = t.dealer_id
  join skus s on s.id = t.sku_id
  join model_lines m on m.id = s.model_line_id`;

/** The export's columns, in order (the CSV's header). */
export const EXPORT_HEADER =
  'kind,dealerCode,sku,vin,quantity,amount,currency,occurredOn,source,externalId,receivedAt,ingestedAt,originalExternalId\n';

/**
 * The export's cells as the server writes them, each as the API writes it (exportCell): text with
 * a formula start neutralised, the amount in its currency's minor unit, the timestamps as JSON
 * gives them. The quantity, the amount, the date and the timestamps start with a digit or a minus
 * of a plain number, so they need no neutralising.
 */
const EXPORT_CELLS = [
  neutraliseSql('t.kind'),
  neutraliseSql('d.code'),
  neutraliseSql('s.code'),
  neutraliseSql('t.vin'),
  't.quantity',
  minorUnitSql('t.amount', 't.currency'),
  neutraliseSql('t.currency'),
  't.occurred_on',
  neutraliseSql('t.source'),
  neutraliseSql('t.external_id'),
  "to_json(t.received_at)#>>'{}'",
  "to_json(coalesce(t.ingested_at, t.received_at))#>>'{}'",
  neutraliseSql('t.original_external_id'),
].join(',\n         ');

function filterSql(scope: Scope, filter: Partial<TransactionFilter>, params: unknown[]): string {
  const where = [scopeDealerIdSql(scope, 't.dealer_id', params)];
  for (const dealer of new Set([filter.dealer, filter.dealerCode])) {
    if (!dealer) continue;
    params.push(dealer);
    where.push(`t.dealer_id = (select id from dealers where code = $${params.length})`);
  }
  if (filter.sku) {
    params.push(filter.sku);
    where.push(`t.sku_id = (select id from skus where code = $${params.length})`);
  }
  if (filter.modelLine) {
    params.push(filter.modelLine);
    where.push(
      `t.sku_id in (select s.id from skus s join model_lines m on m.id = s.model_line_id where m.code = $${params.length})`,
    );
  }
  if (filter.kind) {
    params.push(filter.kind);
    where.push(`t.kind = $${params.length}`);
  }
  if (filter.from) {
    params.push(filter.from);
    where.push(`t.occurred_on >= $${params.length}`);
  }
  if (filter.to) {
    params.push(filter.to);
    where.push(`t.occurred_on <= $${params.length}`);
  }
  if (filter.vin) {
    params.push(filter.vin.toUpperCase());
    where.push(`t.vin = $${params.length}`);
  }
  if (filter.source) {
    params.push(filter.source);
    where.push(`t.source = $${params.length}`);
  }
  if (filter.externalId) {
    params.push(filter.externalId);
    where.push(`t.external_id = $${params.length}`);
  }
  if (filter.batchId) {
    params.push(filter.batchId);
    where.push(`t.batch_id = $${params.length}`);
  }
  return where.join(' and ');
}

/**
 * After a staging merge that skipped rows: the rows of the staging table that repeat a key of this
 * batch with different content, each with the batch's first row of that key. One index probe per
 * staged row finds the stored row of its key: stored by this batch, it is the batch's first row of
 * that key (a later one is never stored before an earlier one); stored by an earlier batch, the
 * first row of the key in this segment is compared instead. (A first row skipped that way in an
 * earlier segment is gone: such a pair, both rows duplicates of a stored row, is not found.)
 */
async function findRepeats(tx: Queryable, batchId: number, limit: number) {
  const { rows } = await tx.query<RepeatedKey>(
    `with probe as (
       select s.batch_row, s.dealer_id, s.source, s.external_id, ${CONTENT('s')} as content,
              t.batch_id as stored_batch, t.batch_row as stored_row, t.content as stored_content
       from ingest_staging s
       cross join lateral (
         select t.batch_id, t.batch_row, ${CONTENT('t')} as content from transactions t
         where t.dealer_id = s.dealer_id and t.source = s.source and t.external_id = s.external_id
         limit 1) t
     ), repeated_here as (
       select dealer_id, source, external_id from ingest_staging group by 1, 2, 3 having count(*) > 1
     ), firsts as (
       select p.batch_row, p.source, p.external_id, p.content,
              first_value(p.batch_row) over w as first_row, first_value(p.content) over w as first_content
       from probe p join repeated_here r
         on (r.dealer_id, r.source, r.external_id) = (p.dealer_id, p.source, p.external_id)
       where p.stored_batch is distinct from $1
       window w as (partition by p.dealer_id, p.source, p.external_id order by p.batch_row)
     )
     select stored_row as earlier, batch_row as later, source, external_id as "externalId"
     from probe
     where stored_batch = $1 and stored_row <> batch_row and content is distinct from stored_content
     union all
     select first_row, batch_row, source, external_id
     from firsts where batch_row <> first_row and content is distinct from first_content
     order by later limit $2`,
    [batchId, limit],
  );
  return rows;
}

export function createTransactionsRepository(db: Queryable) {
  return {
    async loadCodeMaps() {
      const [dealers, skus] = await Promise.all([
        db.query<{ id: number; code: string }>('select id, code from dealers'),
        db.query<{ id: number; code: string }>('select id, code from skus'),
      ]);
      return {
        dealers: new Map(dealers.rows.map((r) => [r.code, r.id])),
        skus: new Map(skus.rows.map((r) => [r.code, r.id])),
      };
    },

    /** The staging table for segments that may repeat stored (dealer, source, external_id) keys. */
    async createStaging(tx: Queryable) {
      await tx.query(`create temp table ingest_staging (
        kind text not null, dealer_id integer not null, sku_id integer not null, vin text,
        quantity integer not null, amount numeric(16, 2) not null, currency char(3) not null,
        occurred_on date not null, source text collate "C" not null,
        external_id text collate "C" not null, batch_id bigint not null, batch_row integer not null,
        received_at timestamptz not null, original_external_id text collate "C"
      ) on commit drop`);
    },

    async insertBatch(tx: Queryable, input: { actor: string; format: string }) {
      const { rows } = await tx.query<{ id: number }>(
        `insert into ingest_batches (actor, format, row_count, inserted, duplicates) values ($1, $2, 0, 0, 0) returning id`,
        [input.actor, input.format],
      );
      return rows[0]!.id;
    },

    /**
     * Takes the ingest lock for this transaction: shared for batches inserted in key order,
     * exclusive for a batch streamed straight into the feed (see the ingest service).
     */
    async lockIngest(tx: Queryable, mode: 'shared' | 'exclusive') {
      await tx.query(
        mode === 'shared'
          ? 'select pg_advisory_xact_lock_shared($1)'
          : 'select pg_advisory_xact_lock($1)',
        [INGEST_LOCK],
      );
    },

    /** A lower bound for the ids the next inserts get (ids only grow). */
    /**
     * The references (an unwind's originalExternalId) that name no sale of the same dealer and
     * source; the batch's own rows are already in the table, so a sale in the batch counts.
     */
    async findUnknownOriginals<
      T extends { row: number; dealerId: number; source: string; originalExternalId: string },
    >(tx: Queryable, refs: T[]): Promise<T[]> {
      const unknown: T[] = [];
      for (let i = 0; i < refs.length; i += 10_000) {
        const part = refs.slice(i, i + 10_000);
        const { rows } = await tx.query<{ i: number }>(
          `select r.i from unnest($1::int[], $2::int[], $3::text[], $4::text[]) as r(i, dealer_id, source, ext)
           where not exists (
             select 1 from transactions t
             where t.source = r.source collate "C" and t.external_id = r.ext collate "C"
               and t.dealer_id = r.dealer_id and t.kind <> 'unwind')
           order by r.i`,
          [
            part.map((_, j) => j),
            part.map((r) => r.dealerId),
            part.map((r) => r.source),
            part.map((r) => r.originalExternalId),
          ],
        );
        for (const r of rows) unknown.push(part[r.i]!);
      }
      return unknown;
    },

    async lastTransactionId(tx: Queryable): Promise<number> {
      const { rows } = await tx.query<{ id: number }>(
        'select coalesce(max(id), 0)::bigint as id from transactions',
      );
      return Number(rows[0]!.id);
    },

    /**
     * Moves one segment of COPY text (`rows` rows) into the feed through the staging table,
     * skipping keys (dealer, source, external_id) already stored: stored by an earlier batch of
     * that dealer, or repeated inside this batch (the first occurrence is kept). Returns how many
     * rows it inserted and, when the batch repeats a key with different content, those repeats
     * (at most `limit`).
     */
    async mergeThroughStaging(
      tx: Queryable,
      batchId: number,
      chunks: string[],
      rows: number,
      limit: number,
    ): Promise<{ inserted: number; repeats: RepeatedKey[] }> {
      await tx.query('truncate ingest_staging');
      await tx.copyFrom(
        `copy ingest_staging (${COPY_COLUMNS}) from stdin with (format csv)`,
        chunks,
      );
      const { rowCount } = await tx.query(
        `insert into transactions (${COPY_COLUMNS})
         select ${COPY_COLUMNS} from ingest_staging
         -- in unique-key order: the conflict checks walk the index sequentially (1.4× faster);
         -- of the rows of one key, the batch's first is stored
         order by dealer_id, source, external_id, batch_row
         on conflict (dealer_id, source, external_id) do nothing`,
      );
      const repeats = rowCount < rows ? await findRepeats(tx, batchId, limit) : [];
      return { inserted: rowCount, repeats };
    },

    /**
     * Sums what the batch inserted by dealer × SKU × month × kind into the temp table
     * `ingest_delta` (for the after-merge hooks of other modules) and adds it to the monthly
     * roll-up. Reads the batch's rows back by id range, so it costs the batch, not the feed.
     */
    async rollUpBatch(tx: Queryable, batchId: number, idFloor: number): Promise<void> {
      await tx.query(
        `create temp table ingest_delta on commit drop as
         select dealer_id, sku_id, date_trunc('month', occurred_on)::date as month, kind,
                sum(quantity)::int as quantity, sum(amount) as amount, count(*)::int as row_count
         from transactions where id > $2 and batch_id = $1
         group by 1, 2, 3, 4`,
        [batchId, idFloor],
      );
      await tx.query(
        `insert into monthly_actuals (dealer_id, sku_id, month, kind, quantity, amount, row_count)
         select dealer_id, sku_id, month, kind, quantity, amount, row_count from ingest_delta
         order by dealer_id, month, sku_id, kind
         on conflict (dealer_id, month, sku_id, kind) do update
           set quantity = monthly_actuals.quantity + excluded.quantity,
               amount = monthly_actuals.amount + excluded.amount,
               row_count = monthly_actuals.row_count + excluded.row_count`,
      );
    },

    /**
     * The oldest batch still waiting for its roll-up, locked for this transaction; batches that
     * another process is rolling up are skipped.
     */
    async lockNextPendingBatch(
      tx: Queryable,
    ): Promise<{ id: number; idFloor: number; inserted: number } | null> {
      const { rows } = await tx.query<{ id: number; idFloor: number; inserted: number }>(
        `select id, id_floor as "idFloor", inserted from ingest_batches
         where rolled_up_at is null order by id limit 1 for update skip locked`,
      );
      return rows[0] ?? null;
    },

    async markRolledUp(tx: Queryable, batchId: number) {
      await tx.query('update ingest_batches set rolled_up_at = now() where id = $1', [batchId]);
    },

    async finishBatch(
      tx: Queryable,
      batchId: number,
      counts: {
        rowCount: number;
        inserted: number;
        duplicates: number;
        idFloor: number;
        isRolledUp: boolean;
        dealerIds: number[];
      },
    ) {
      await tx.query(
        `update ingest_batches set row_count = $2, inserted = $3, duplicates = $4, id_floor = $5,
                rolled_up_at = case when $6::boolean then now() end, dealer_ids = $7::int[]
         where id = $1`,
        [
          batchId,
          counts.rowCount,
          counts.inserted,
          counts.duplicates,
          counts.idFloor,
          counts.isRolledUp,
          counts.dealerIds,
        ],
      );
    },

    async findTransactions(
      scope: Scope,
      filter: TransactionFilter,
    ): Promise<{ items: Transaction[]; total: number }> {
      const params: unknown[] = [];
      const where = filterSql(scope, filter, params);
      const count = await db.query<{ n: number }>(
        `select count(*)::int as n from transactions t where ${where}`,
        params,
      );
      params.push(filter.limit, filter.offset);
      const { rows } = await db.query<Transaction>(
        `${TRANSACTION_SELECT} where ${where} order by t.occurred_on desc, t.id desc
         limit $${params.length - 1} offset $${params.length}`,
        params,
      );
      return { items: rows, total: count.rows[0]?.n ?? 0 };
    },

    /** The first and last id of the rows an export covers (null when there are none). */
    async findExportIdRange(scope: Scope, filter: Partial<TransactionFilter>) {
      const params: unknown[] = [];
      const where = filterSql(scope, filter, params);
      const { rows } = await db.query<{ first: number | null; last: number | null }>(
        `select min(t.id) as first, max(t.id) as last from transactions t where ${where}`,
        params,
      );
      return rows[0] ?? { first: null, last: null };
    },
  };
}

/**
 * The export as one `COPY (select …) TO STDOUT` in CSV, in id order: the rows the filter and the
 * scope select (row-level security applies as to any read), optionally only ids in (after,
 * through]. COPY takes no bound parameters, so the filter's values are written in as literals.
 */
export function exportCopySql(
  scope: Scope,
  filter: Partial<TransactionFilter>,
  ids?: { after: number; through: number },
): string {
  const params: unknown[] = [];
  const where = [filterSql(scope, filter, params)];
  if (ids) {
    params.push(ids.after, ids.through);
    where.push(`t.id > $${params.length - 1} and t.id <= $${params.length}`);
  }
  const select = `select ${EXPORT_CELLS}
    from transactions t
    join dealers d on d.id = t.dealer_id
    join skus s on s.id = t.sku_id
    where ${where.join(' and ')}
    order by t.id`;
  return `copy (${inlineParams(select, params)}) to stdout with (format csv)`;
}

export type TransactionsRepository = ReturnType<typeof createTransactionsRepository>;
