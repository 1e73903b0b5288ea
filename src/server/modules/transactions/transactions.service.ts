import type { DealerHomeCache, HomeDealer } from '../actuals/dealer-home-cache';
import { Transform, type Readable } from 'node:stream';
import { AppError, type Problem } from '../../../shared/errors';
import type { IngestResult, TransactionFilter } from '../../../shared/schemas/transactions';
import { formatMinor } from '../../../shared/money';
import type { Actor } from '../../auth/actor';
import { csvField, type Db, type Queryable } from '../../db/db';
import { isUniqueViolation } from '../../db/errors';
import { assertScopeCovers, runAsSystem, systemDb } from '../../db/scope';
import type { EventBus } from '../../events';
import { readRecordBatches, type IngestFormat, type RawRecord } from './ingest-parsers';
import { postedAt, validateRow } from './transaction-row';
import {
  COPY_COLUMNS,
  createTransactionsRepository,
  EXPORT_HEADER,
  exportCopySql,
} from './transactions.repository';

/** At most this many problems are listed in a rejection; the count covers them all. */
const MAX_LISTED_PROBLEMS = 1000;
const LINES_PER_CHUNK = 2000;
/** A batch whose COPY text fits in this is "small" (see `ingest`). */
const SMALL_BATCH_CHARS = 1024 * 1024;
/** COPY text per segment (about 300,000 rows): the memory a segment may need to be replayed. */
const SEGMENT_CHARS = 32 * 1024 * 1024;
/** PGlite's export: ids per COPY (each COPY's output is held whole). */
const EXPORT_WINDOW_IDS = 20_000;
/**
 * A batch with at least this many new rows commits its feed rows first and is rolled up right
 * after, in a transaction of its own (see `ingest`).
 */
const ROLL_UP_AFTER_COMMIT_ROWS = 100_000;

type OriginalReference = {
  row: number;
  dealerId: number;
  source: string;
  originalExternalId: string;
};

/** Lines of COPY text and how many rows they hold. */
type Chunk = { text: string; rows: number };

async function* oneByOne(records: AsyncIterable<RawRecord>): AsyncIterable<RawRecord[]> {
  for await (const record of records) yield [record];
}

/** Fails the body stream with 413 once more than `limit` bytes have arrived. */
function limitBytes(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > limit) {
        done(
          new AppError(
            'PAYLOAD_TOO_LARGE',
            `The body is larger than ${Math.round(limit / 1048576)} MB`,
            { limitBytes: limit },
          ),
        );
      } else done(null, chunk);
    },
  });
}

/**
 * Runs inside the ingest transaction after the merge, with the temp table `ingest_delta`
 * (dealer_id, sku_id, month, kind, quantity, amount, row_count) holding what was inserted, so
 * derived figures (agreement attainment, incentive progress) move in the same commit.
 */
export type AfterMergeHook = (tx: Queryable) => Promise<void>;

export function createTransactionsService(deps: {
  db: Db;
  /** where the list and the export read (the read replica when one is configured) */
  readDb?: Db;
  events: EventBus;
  /** COPY text per segment and rows per COPY chunk (tests make them small to cross segments). */
  segmentChars?: number;
  chunkLines?: number;
  smallBatchChars?: number;
  rollUpAfterCommitRows?: number;
  /** PGlite's export: ids per COPY (tests make it small to cross windows). */
  exportWindowIds?: number;
  /** A roll-up after commit that failed (the batch stays pending); default: a process warning. */
  onRollUpError?: (error: unknown) => void;
  /** the dealer home's cache (shared with the monthly actuals): keeps a dealer's latest rows */
  homeCache?: DealerHomeCache;
}) {
  const smallBatchChars = deps.smallBatchChars ?? SMALL_BATCH_CHARS;
  const segmentChars = deps.segmentChars ?? SEGMENT_CHARS;
  const chunkLines = deps.chunkLines ?? LINES_PER_CHUNK;
  const rollUpAfterCommitRows = deps.rollUpAfterCommitRows ?? ROLL_UP_AFTER_COMMIT_ROWS;
  const exportWindowIds = deps.exportWindowIds ?? EXPORT_WINDOW_IDS;
  const onRollUpError =
    deps.onRollUpError ??
    ((error: unknown) =>
      process.emitWarning(`ingest roll-up failed, retried later: ${(error as Error).message}`));
  const repo = createTransactionsRepository(deps.db);
  const readRepo = deps.readDb ? createTransactionsRepository(deps.readDb) : repo;
  const afterMerge: AfterMergeHook[] = [];

  /** One page of the transactions `actor` sees. */
  async function readPage(actor: Actor, filter: TransactionFilter) {
    const page = await readRepo.findTransactions(actor.scope, filter);
    // numeric(16,2) gives "23524.00" for yen: every amount leaves in its currency's minor unit.
    for (const t of page.items) t.amount = formatMinor(t.amount, t.currency);
    return page;
  }

  /** Rolls up one pending batch; false when none is left. */
  async function rollUpNextPending(): Promise<boolean> {
    const done = await deps.db.transaction(async (tx) => {
      // shared, as for small batches: roll-ups upsert in key order, like them
      await repo.lockIngest(tx, 'shared');
      const batch = await repo.lockNextPendingBatch(tx);
      if (!batch) return null;
      await repo.rollUpBatch(tx, batch.id, batch.idFloor);
      for (const hook of afterMerge) await hook(tx);
      await repo.markRolledUp(tx, batch.id);
      return { batchId: batch.id, inserted: batch.inserted };
    });
    if (!done) return false;
    deps.events.emit('transactions.ingested', done);
    return true;
  }

  // One runner per process works through the pending batches; a batch committed while it runs
  // makes it look again before it stops.
  let running: Promise<void> | null = null;
  let isRequested = false;
  function rollUpPending(): Promise<void> {
    isRequested = true;
    // the roll-up is the system's work, whichever request's batch asked for it (db/scope.ts)
    running ??= runAsSystem(async () => {
      try {
        while (isRequested) {
          isRequested = false;
          while (await rollUpNextPending());
        }
      } catch (error) {
        onRollUpError(error);
      } finally {
        running = null;
      }
    });
    return running;
  }

  return {
    onAfterMerge(hook: AfterMergeHook) {
      afterMerge.push(hook);
    },

    /**
     * Rolls up the batches still waiting for it (a server that stopped between a large batch's
     * commit and its roll-up): called at start and every minute. Resolves when none is left or
     * one failed.
     */
    resumeRollUps(): Promise<void> {
      return rollUpPending();
    },

    /** Resolves when this process has no roll-up running (tests, seeding, shutdown). */
    async rollUpsSettled(): Promise<void> {
      while (running) await running;
    },

    /**
     * Ingests a batch streamed in JSON, NDJSON or CSV. All or nothing: any invalid row rejects the
     * whole batch with every problem listed. Idempotent on (dealer, source, externalId): a row whose
     * key its dealer already stored is a duplicate; a key repeated inside the batch with different
     * content is a row error naming both rows.
     */
    async ingest({
      actor,
      format,
      body,
      byteLimit,
      beforeCommit,
    }: {
      actor: Actor;
      format: IngestFormat;
      body: AsyncIterable<RawRecord> | Readable;
      byteLimit: number;
      /**
       * Runs in the ingest's transaction once every row is valid and stored (as the system; the
       * rows' dealers are in the actor's scope): a caller's own rows beside the feed's (the retail
       * delivery report's details) commit with the batch or not at all.
       */
      beforeCommit?: (tx: Queryable) => Promise<void>;
    }): Promise<IngestResult> {
      // every code resolves (as the system), so a row naming a dealer out of scope is told so
      const maps = await runAsSystem(() => repo.loadCodeMaps());
      const allowed = actor.scope.kind === 'dealers' ? new Set(actor.scope.dealerIds) : null;
      const regionDealers =
        actor.scope.kind === 'region'
          ? await deps.db.query<{ id: number }>(
              `select d.id from dealers d join regions r on r.id = d.region_id where starts_with(r.path, $1)`,
              [actor.scope.path],
            )
          : null;
      const regionAllowed = regionDealers ? new Set(regionDealers.rows.map((r) => r.id)) : null;
      const problems: Problem[] = [];
      let problemCount = 0;
      let outOfScope = 0;
      let rowCount = 0;
      const dealerIds = new Set<number>();
      const posted = postedAt();
      /** Unwinds naming the sale they reverse: checked once the batch's rows are in. */
      const references: OriginalReference[] = [];
      const addProblem = (p: Problem) => {
        problemCount += 1;
        if (problems.length < MAX_LISTED_PROBLEMS) problems.push(p);
      };

      const batches: AsyncIterable<RawRecord[]> =
        Symbol.asyncIterator in body && !('pipe' in body)
          ? oneByOne(body as AsyncIterable<RawRecord>)
          : readRecordBatches(format, (body as Readable).pipe(limitBytes(byteLimit)));

      async function* csvLines(): AsyncGenerator<Chunk> {
        let lines: string[] = [];
        const scratch: Problem[] = [];
        for await (const batch of batches)
          for (const record of batch) {
            rowCount += 1;
            if (record.parseError) {
              addProblem({
                row: record.row,
                code: format === 'csv' ? 'malformed_csv_row' : 'malformed_json',
                message: record.parseError,
              });
              continue;
            }
            scratch.length = 0;
            const row = validateRow(record.value, record.row, scratch, posted);
            if (!row) {
              for (const p of scratch) addProblem(p);
              continue;
            }
            const dealerId = maps.dealers.get(row.dealerCode);
            const skuId = maps.skus.get(row.sku);
            const inScope =
              dealerId !== undefined &&
              (allowed
                ? allowed.has(dealerId)
                : regionAllowed
                  ? regionAllowed.has(dealerId)
                  : true);
            if (actor.scope.kind !== 'network' && !inScope) {
              outOfScope += 1;
              addProblem({
                row: record.row,
                field: 'dealerCode',
                code: 'dealer_not_allowed',
                message: `you may not post rows for dealer ${row.dealerCode}`,
              });
              continue;
            }
            if (dealerId === undefined) {
              addProblem({
                row: record.row,
                field: 'dealerCode',
                code: 'unknown_dealer',
                message: `dealer ${row.dealerCode} does not exist`,
              });
            }
            if (skuId === undefined) {
              addProblem({
                row: record.row,
                field: 'sku',
                code: 'unknown_sku',
                message: `SKU ${row.sku} does not exist`,
              });
            }
            if (dealerId === undefined || skuId === undefined || problemCount > 0) continue;
            dealerIds.add(dealerId);
            if (row.originalExternalId !== null) {
              references.push({
                row: record.row,
                dealerId,
                source: row.source,
                originalExternalId: row.originalExternalId,
              });
            }
            lines.push(
              `${row.kind},${dealerId},${skuId},${row.vin ?? ''},${row.quantity},${row.amount},${row.currency},${row.occurredOn},${csvField(row.source)},${csvField(row.externalId)},${batchId},${record.row},${row.receivedAt},${row.originalExternalId === null ? '' : csvField(row.originalExternalId)}
`,
            );
            if (lines.length >= chunkLines) {
              yield { text: lines.join(''), rows: lines.length };
              lines = [];
            }
          }
        if (lines.length && problemCount === 0) yield { text: lines.join(''), rows: lines.length };
      }

      const actorLabel = `${actor.kind}:${actor.id}:${actor.name}`;
      let batchId = 0;
      // The write path runs as the system (db/scope.ts): PostgreSQL refuses COPY FROM into a table
      // with row-level security. Each row's dealer was checked against the actor's scope above.
      const result = await systemDb(deps.db).transaction(async (tx) => {
        batchId = await repo.insertBatch(tx, { actor: actorLabel, format });
        const idFloor = await repo.lastTransactionId(tx);
        const lineChunks = csvLines()[Symbol.asyncIterator]();
        // A small batch (its whole COPY text within the first SMALL_BATCH_CHARS) goes through
        // staging and one INSERT … ON CONFLICT in key order, under a shared lock: small batches run
        // side by side without deadlocks, as sorted inserts cannot deadlock with each other. A
        // larger batch streams straight into the feed (below) and, as its inserts are not in key
        // order, takes the lock exclusively: it waits for the batches in flight, then runs alone.
        const head: Chunk[] = [];
        let headChars = 0;
        let isDrained = false;
        while (headChars < smallBatchChars) {
          const next = await lineChunks.next();
          if (next.done) {
            isDrained = true;
            break;
          }
          head.push(next.value);
          headChars += next.value.text.length;
        }
        const nextChunk = async (): Promise<IteratorResult<Chunk>> => {
          const first = head.shift();
          return first === undefined ? lineChunks.next() : { done: false, value: first };
        };
        let hasStaging = false;
        let inserted = 0;
        const mergeSorted = async (chunks: Chunk[]) => {
          if (!hasStaging) await repo.createStaging(tx);
          hasStaging = true;
          const merged = await repo.mergeThroughStaging(
            tx,
            batchId,
            chunks.map((c) => c.text),
            chunks.reduce((sum, c) => sum + c.rows, 0),
            MAX_LISTED_PROBLEMS,
          );
          inserted += merged.inserted;
          // A key repeated with different content is an error, not a duplicate: one of the two
          // rows would be dropped without a word. (Repeated with the same content, the row is
          // stored once and counted as a duplicate, as a row sent again later would be.)
          for (const r of merged.repeats) {
            addProblem({
              row: r.later,
              field: 'externalId',
              code: 'repeated_key',
              message: `row ${r.later} repeats source "${r.source}" and externalId "${r.externalId}" of row ${r.earlier} with different content`,
            });
          }
        };
        if (isDrained) {
          await repo.lockIngest(tx, 'shared');
          if (head.length > 0) await mergeSorted(head);
        } else {
          await repo.lockIngest(tx, 'exclusive');
        }
        // The large batch goes in segments of at most `segmentChars` of COPY text. Each segment is
        // first copied straight into the feed in a savepoint; if one of its keys (dealer, source,
        // externalId) is already stored (or repeats inside the batch), the savepoint is rolled back
        // and the segment, kept in memory, goes through staging instead. New data thus streams
        // into the table while it is being parsed.
        while (!isDrained) {
          const buffered: Chunk[] = [];
          let chars = 0;
          async function* segment(): AsyncGenerator<string> {
            while (chars < segmentChars) {
              const next = await nextChunk();
              if (next.done) {
                isDrained = true;
                return;
              }
              buffered.push(next.value);
              chars += next.value.text.length;
              yield next.value.text;
            }
          }
          await tx.exec('savepoint ingest_segment');
          try {
            await tx.copyFrom(
              `copy transactions (${COPY_COLUMNS}) from stdin with (format csv)`,
              segment(),
            );
            await tx.exec('release savepoint ingest_segment');
            for (const chunk of buffered) inserted += chunk.rows;
          } catch (error) {
            if (!isUniqueViolation(error)) throw error;
            await tx.exec('rollback to savepoint ingest_segment');
            // read the rest of the segment if the COPY stopped early
            const rest = segment();
            while (!(await rest.next()).done);
            await mergeSorted(buffered);
          }
        }
        // An unwind naming an unknown sale (same dealer and source, stored or in this batch).
        if (problemCount === 0 && references.length > 0) {
          for (const ref of await repo.findUnknownOriginals(tx, references)) {
            addProblem({
              row: ref.row,
              field: 'originalExternalId',
              code: 'unknown_original',
              message: `no sale ${ref.originalExternalId} from ${ref.source} for this dealer: the unwind must name the sale it reverses`,
            });
          }
        }
        if (problemCount > 0) {
          const code = outOfScope > 0 ? 'FORBIDDEN' : 'VALIDATION_FAILED';
          throw new AppError(
            code,
            `The batch was rejected: ${problemCount} problem${problemCount === 1 ? '' : 's'} in ${rowCount} rows; nothing was written`,
            {
              problems,
              problemCount,
              rowCount,
            },
          );
        }
        if (rowCount === 0) {
          throw new AppError('VALIDATION_FAILED', 'The batch has no rows', {
            problems: [{ code: 'empty_batch', message: 'send at least one row' }],
          });
        }
        // the second wall (db/scope.ts): the database's reading of the scope holds every dealer
        await assertScopeCovers(tx, actor.scope, [...dealerIds]);
        if (beforeCommit) await beforeCommit(tx);
        // The monthly roll-up (and the after-merge hooks) usually commit with the rows. A batch of
        // ROLL_UP_AFTER_COMMIT_ROWS new rows or more commits its rows first and is rolled up right
        // after, in its own transaction: the roll-up reads the whole batch back and upserts about
        // 0.65 row per new row, which takes half as long again as the COPY (BENCHMARKS.md), and the
        // sender needs only its rows stored. `ingest_batches.rolled_up_at` tells the two apart.
        const isRolledUp = inserted < rollUpAfterCommitRows;
        if (isRolledUp && inserted > 0) {
          await repo.rollUpBatch(tx, batchId, idFloor);
          for (const hook of afterMerge) await hook(tx);
        }
        await repo.finishBatch(tx, batchId, {
          rowCount,
          inserted,
          duplicates: rowCount - inserted,
          idFloor,
          isRolledUp,
          dealerIds: [...dealerIds].sort((x, y) => x - y),
        });
        return {
          batchId,
          received: rowCount,
          inserted,
          duplicates: rowCount - inserted,
          dealers: dealerIds.size,
          rolledUp: isRolledUp,
        };
      });
      if (!result.rolledUp) {
        void rollUpPending();
      } else if (result.inserted > 0) {
        deps.events.emit('transactions.ingested', {
          batchId: result.batchId,
          inserted: result.inserted,
        });
      }
      return result;
    },

    async findTransactions({ actor, filter }: { actor: Actor; filter: TransactionFilter }) {
      const find = () => readPage(actor, filter);
      // the dealer home's "latest transactions" (one dealer's first page): kept per dealer
      const code = homeListDealer(filter);
      if (code === null || !deps.homeCache) return find();
      const dealer = await deps.homeCache.find(actor.scope, code);
      // not visible: the plain read answers (an empty page), as for any filter outside the scope
      if (!dealer) return find();
      return deps.homeCache.read(dealer, `transactions|${filter.limit}`, find);
    },

    /**
     * A dealer's newest `limit` rows for the dealer home, whose visibility the caller checked
     * (`dealer` from the home cache): the same answer, and the same kept entry, as
     * findTransactions with `{ dealer: code, limit }`.
     */
    async findHomeTransactions({
      actor,
      dealer,
      code,
      limit,
    }: {
      actor: Actor;
      dealer: HomeDealer;
      code: string;
      limit: number;
    }) {
      const filter: TransactionFilter = { dealer: code, limit, offset: 0 };
      const find = () => readPage(actor, filter);
      if (!deps.homeCache || homeListDealer(filter) === null) return find();
      return deps.homeCache.read(dealer, `transactions|${limit}`, find);
    },

    /**
     * Streams the matching transactions as CSV (header first), in id order. On a PostgreSQL server
     * one `COPY (select …) TO STDOUT` writes every row: the server formats the cells, the socket's
     * backpressure reaches the server (a slow reader holds it, nothing piles up here), and the rows
     * are one snapshot. PGlite gives a COPY's output in one piece, so there the same COPY runs over
     * windows of `exportWindowIds` ids up to the last id the export covers when it starts.
     */
    async *exportTransactions({
      actor,
      filter,
    }: {
      actor: Actor;
      filter: Partial<TransactionFilter>;
    }): AsyncGenerator<Uint8Array> {
      yield Buffer.from(EXPORT_HEADER);
      const readDb = deps.readDb ?? deps.db;
      if (readDb.engine === 'postgres') {
        yield* readDb.copyTo(exportCopySql(actor.scope, filter));
        return;
      }
      const { first, last } = await readRepo.findExportIdRange(actor.scope, filter);
      if (first === null || last === null) return;
      for (let after = first - 1; after < last; after += exportWindowIds) {
        const through = Math.min(after + exportWindowIds, last);
        yield* readDb.copyTo(exportCopySql(actor.scope, filter, { after, through }));
      }
    },
  };
}

/** The dealer of a list the home cache keeps (one dealer's first page, nothing else), else null. */
function homeListDealer(filter: TransactionFilter): string | null {
  const codes = new Set([filter.dealer, filter.dealerCode].filter((c) => c !== undefined));
  if (codes.size !== 1 || filter.offset !== 0 || filter.limit > HOME_LIST_MAX) return null;
  const { sku, modelLine, kind, from, to, vin, source, externalId, batchId } = filter;
  const others = [sku, modelLine, kind, from, to, vin, source, externalId, batchId];
  return others.every((v) => v === undefined) ? [...codes][0]! : null;
}

/** The longest first page of one dealer's rows that the home cache keeps. */
const HOME_LIST_MAX = 50;

export type TransactionsService = ReturnType<typeof createTransactionsService>;
