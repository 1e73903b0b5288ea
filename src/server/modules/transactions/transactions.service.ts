import { Transform, type Readable } from 'node:stream';
import { AppError, type Problem } from '../../../shared/errors';
import type { IngestResult, TransactionFilter } from '../../../shared/schemas/transactions';
import type { Actor } from '../../auth/actor';
import { csvField, type Db, type Queryable } from '../../db/db';
import type { EventBus } from '../../events';
import { readRecords, type IngestFormat, type RawRecord } from './ingest-parsers';
import { validateRow } from './transaction-row';
import { createTransactionsRepository, STAGING_COLUMNS } from './transactions.repository';

/** At most this many problems are listed in a rejection; the count covers them all. */
const MAX_LISTED_PROBLEMS = 1000;
const LINES_PER_CHUNK = 2000;

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

export function createTransactionsService(deps: { db: Db; events: EventBus }) {
  const repo = createTransactionsRepository(deps.db);
  const afterMerge: AfterMergeHook[] = [];

  return {
    onAfterMerge(hook: AfterMergeHook) {
      afterMerge.push(hook);
    },

    /**
     * Ingests a batch streamed in JSON, NDJSON or CSV. All or nothing: any invalid row rejects the
     * whole batch with every problem listed. Idempotent on (source, externalId).
     */
    async ingest({
      actor,
      format,
      body,
      byteLimit,
    }: {
      actor: Actor;
      format: IngestFormat;
      body: AsyncIterable<RawRecord> | Readable;
      byteLimit: number;
    }): Promise<IngestResult> {
      const maps = await repo.loadCodeMaps();
      const allowed = actor.scope.kind === 'dealers' ? new Set(actor.scope.dealerIds) : null;
      const regionDealers =
        actor.scope.kind === 'region'
          ? await deps.db.query<{ id: number }>(
              `select d.id from dealers d join regions r on r.id = d.region_id where r.path like $1`,
              [`${actor.scope.path}%`],
            )
          : null;
      const regionAllowed = regionDealers ? new Set(regionDealers.rows.map((r) => r.id)) : null;
      const problems: Problem[] = [];
      let problemCount = 0;
      let outOfScope = 0;
      let rowCount = 0;
      const dealerIds = new Set<number>();
      const addProblem = (p: Problem) => {
        problemCount += 1;
        if (problems.length < MAX_LISTED_PROBLEMS) problems.push(p);
      };

      const records: AsyncIterable<RawRecord> =
        Symbol.asyncIterator in body && !('pipe' in body)
          ? (body as AsyncIterable<RawRecord>)
          : readRecords(format, (body as Readable).pipe(limitBytes(byteLimit)));

      async function* csvLines(): AsyncGenerator<string> {
        let lines: string[] = [];
        const scratch: Problem[] = [];
        for await (const record of records) {
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
          const row = validateRow(record.value, record.row, scratch);
          if (!row) {
            for (const p of scratch) addProblem(p);
            continue;
          }
          const dealerId = maps.dealers.get(row.dealerCode);
          const skuId = maps.skus.get(row.sku);
          const inScope =
            dealerId !== undefined &&
            (allowed ? allowed.has(dealerId) : regionAllowed ? regionAllowed.has(dealerId) : true);
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
          lines.push(
            `${row.kind},${dealerId},${skuId},${row.vin ?? ''},${row.quantity},${row.amount},${row.currency},${row.occurredOn},${csvField(row.source)},${csvField(row.externalId)}\n`,
          );
          if (lines.length >= LINES_PER_CHUNK) {
            yield lines.join('');
            lines = [];
          }
        }
        if (lines.length && problemCount === 0) yield lines.join('');
      }

      const actorLabel = `${actor.kind}:${actor.id}:${actor.name}`;
      const result = await deps.db.transaction(async (tx) => {
        await repo.createStaging(tx);
        await tx.copyFrom(
          `copy ingest_staging (${STAGING_COLUMNS}) from stdin with (format csv)`,
          csvLines(),
        );
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
        const batchId = await repo.insertBatch(tx, { actor: actorLabel, format, rowCount });
        const inserted = await repo.mergeStaging(tx, batchId);
        if (inserted > 0) for (const hook of afterMerge) await hook(tx);
        await repo.finishBatch(tx, batchId, inserted, rowCount - inserted);
        return {
          batchId,
          received: rowCount,
          inserted,
          duplicates: rowCount - inserted,
          dealers: dealerIds.size,
        };
      });
      if (result.inserted > 0) {
        deps.events.emit('transactions.ingested', {
          batchId: result.batchId,
          dealerIds: [...dealerIds],
          inserted: result.inserted,
        });
      }
      return result;
    },

    findTransactions({ actor, filter }: { actor: Actor; filter: TransactionFilter }) {
      return repo.findTransactions(actor.scope, filter);
    },

    /** Streams the matching transactions as CSV lines (header first), in pages by id. */
    async *exportTransactions({
      actor,
      filter,
    }: {
      actor: Actor;
      filter: Partial<TransactionFilter>;
    }): AsyncGenerator<string> {
      yield 'kind,dealerCode,sku,vin,quantity,amount,currency,occurredOn,source,externalId,receivedAt\n';
      let afterId = 0;
      for (;;) {
        const rows = await repo.findTransactionsAfter(actor.scope, filter, afterId, 5000);
        if (rows.length === 0) break;
        yield rows
          .map(
            (t) =>
              [
                t.kind,
                t.dealerCode,
                t.sku,
                t.vin,
                t.quantity,
                t.amount,
                t.currency,
                t.occurredOn,
                t.source,
                t.externalId,
                t.receivedAt,
              ]
                .map(csvField)
                .join(',') + '\n',
          )
          .join('');
        afterId = rows[rows.length - 1]!.id;
      }
    },
  };
}

export type TransactionsService = ReturnType<typeof createTransactionsService>;
