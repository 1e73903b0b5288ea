/**
 * The vehicle pipeline feed's ingest (issue 16): events by VIN streamed in, checked, stored, and
 * the current state of their VINs (`vehicles`) refreshed. Where the time went on a large batch
 * (300,000 events on a PostgreSQL server): the rows' parse and checks in JS about half, the insert
 * into `vehicle_events` (three indexes) a quarter, the refresh a sixth, the staging COPY, the
 * analyze and the batch's SQL checks the rest. So, as the actuals feed does with its roll-up:
 *  - the staging COPY runs while the body is still being parsed (chunks sent as they fill), in
 *    the transaction that stores the batch;
 *  - a batch of REFRESH_AFTER_COMMIT_EVENTS new events or more commits its events first, and its
 *    VINs are refreshed right after in a transaction of their own (`pipeline_refreshes`, migration
 *    0043): the answer says `refreshed: false`; a server that stops in between refreshes the batch
 *    when it starts again (`resumeRefreshes`, at start and every minute).
 */
import type { Readable } from 'node:stream';
import { createProblemList, forEachValidRecord } from '../../http/streamed-records';
import { OPTIONAL_PIPELINE_COLUMNS, PIPELINE_COLUMNS } from '../../../shared/schemas/availability';
import type { Actor } from '../../auth/actor';
import { csvField, type Db } from '../../db/db';
import { assertScopeCovers, runAsSystem, systemDb } from '../../db/scope';
import type { IngestFormat, RawRecord } from '../transactions/ingest-parsers';
import { createAvailabilityRepository } from './availability.repository';
import { validatePipelineRow } from './pipeline-row';

/** A batch with at least this many new events is refreshed after its commit. */
const REFRESH_AFTER_COMMIT_EVENTS = 100_000;
/** Rows per staging COPY sent while the body is still being parsed. */
const STAGE_CHUNK_ROWS = 10_000;

/** A CSV field for COPY where an empty field is NULL (a quoted empty one would be ''). */
const nullable = (value: string | null) => (value === null ? '' : csvField(value));

/** A PostgreSQL array literal of text (for COPY). */
export function pgTextArray(values: string[] | null): string {
  if (values === null) return '';
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

export function createPipelineIngest(deps: {
  db: Db;
  /** the dealers the actor may post for (null: every dealer) */
  dealerIdsInScope: (actor: Actor) => Promise<Set<number> | null>;
  refreshAfterCommitEvents?: number;
  /** A refresh after commit that failed (the batch stays pending); default: a process warning. */
  onRefreshError?: (error: unknown) => void;
}) {
  const repo = createAvailabilityRepository();
  const db = deps.db;
  const refreshAfterCommitEvents = deps.refreshAfterCommitEvents ?? REFRESH_AFTER_COMMIT_EVENTS;
  const onRefreshError =
    deps.onRefreshError ??
    ((error: unknown) =>
      process.emitWarning(`pipeline refresh failed, retried later: ${(error as Error).message}`));

  /** Refreshes the VINs of one pending batch; false when none is left. */
  async function refreshNextPending(): Promise<boolean> {
    return db.transaction(async (tx) => {
      await tx.query('set local jit = off');
      await tx.query(`set local work_mem = '64MB'`);
      const batch = await repo.lockNextPendingRefresh(tx);
      if (!batch) return false;
      await repo.refreshVehicles(tx, repo.eventRangeVins(batch.idFloor, batch.idCeiling));
      await repo.markRefreshed(tx, batch.id);
      return true;
    });
  }

  // One runner per process works through the pending batches; a batch committed while it runs
  // makes it look again before it stops.
  let running: Promise<void> | null = null;
  let isRequested = false;
  function refreshPending(): Promise<void> {
    isRequested = true;
    running ??= runAsSystem(async () => {
      try {
        while (isRequested) {
          isRequested = false;
          while (await refreshNextPending());
        }
      } catch (error) {
        onRefreshError(error);
      } finally {
        running = null;
      }
    });
    return running;
  }

  return {
    /**
     * Refreshes the batches still waiting for it (a server that stopped between a large batch's
     * commit and its refresh): called at start and every minute. Resolves when none is left or
     * one failed.
     */
    resumeRefreshes(): Promise<void> {
      return refreshPending();
    },

    /** Resolves when this process has no refresh running (tests, benchmarks, shutdown). */
    async refreshesSettled(): Promise<void> {
      while (running) await running;
    },

    /**
     * Ingests pipeline events (JSON array, NDJSON or CSV). All or nothing: any invalid row rejects
     * the batch with every problem (row, field, code, message). Idempotent on (dealer, source,
     * externalId): a stored key is a duplicate; a key repeated in the batch with different content
     * is a row error naming both rows. A VIN belongs to the dealer of its order.
     */
    async ingestPipeline({
      actor,
      format,
      body,
      byteLimit,
    }: {
      actor: Actor;
      format: IngestFormat;
      body: Readable | AsyncIterable<RawRecord>;
      byteLimit: number;
    }) {
      const maps = await runAsSystem(() => repo.loadCodeMaps(db));
      const allowed = await deps.dealerIdsInScope(actor);
      const problems = createProblemList();
      const add = problems.add;
      const reject = problems.rejection;
      const dealerIds = new Set<number>();
      // As the system (the VIN check reads other dealers' vehicles; PostgreSQL refuses COPY into a
      // table with row-level security); each row's dealer is checked against the actor's scope
      // below, and the database is asked again before commit.
      const result = await systemDb(db).transaction(async (tx) => {
        // Statements over the whole batch run once: no JIT compilation (it took half of the
        // vehicles' refresh at 100,000 events, ~2 s of compile for a 4 s statement), and memory
        // to sort the batch's events in (no spill to disk).
        await tx.query('set local jit = off');
        await tx.query(`set local work_mem = '64MB'`);
        await repo.createStaging(tx);
        // Valid rows go to staging in chunks while the body is still read and parsed: the
        // database copies one chunk while the next is parsed. A chunk's failure is seen below.
        let lines: string[] = [];
        let staged = 0;
        let copying: Promise<void> = Promise.resolve();
        const flush = () => {
          const text = lines.join('');
          lines = [];
          copying = copying.then(() => repo.copyStaging(tx, [text]));
          copying.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
        };
        let received: number;
        try {
          received = await forEachValidRecord({
            format,
            body,
            byteLimit,
            columns: { all: PIPELINE_COLUMNS, optional: OPTIONAL_PIPELINE_COLUMNS },
            problems,
            validate: validatePipelineRow,
            onRow: (row, rowNumber) => {
              const dealerId = maps.dealers.get(row.dealerCode);
              if (dealerId === undefined || (allowed && !allowed.has(dealerId))) {
                add(
                  allowed
                    ? {
                        row: rowNumber,
                        field: 'dealerCode',
                        code: 'dealer_not_allowed',
                        message: `you may not post rows for dealer ${row.dealerCode}`,
                      }
                    : {
                        row: rowNumber,
                        field: 'dealerCode',
                        code: 'unknown_dealer',
                        message: `dealer ${row.dealerCode} does not exist`,
                      },
                );
                return;
              }
              const skuId = row.sku === null ? null : maps.skus.get(row.sku);
              if (skuId === undefined) {
                add({
                  row: rowNumber,
                  field: 'sku',
                  code: 'unknown_sku',
                  message: `SKU ${row.sku} does not exist`,
                });
                return;
              }
              if (problems.count > 0) return;
              dealerIds.add(dealerId);
              staged += 1;
              lines.push(
                `${dealerId},${row.vin},${row.event},${row.occurredOn},${skuId ?? ''},${row.orderType ?? ''},${nullable(
                  row.options === null ? null : pgTextArray(row.options),
                )},${nullable(row.planWeek)},${nullable(row.plant)},${row.eta ?? ''},${nullable(
                  row.deliveryExternalId,
                )},${csvField(row.source)},${csvField(row.externalId)},${rowNumber}\n`,
              );
              if (lines.length >= STAGE_CHUNK_ROWS) flush();
            },
          });
          if (problems.count === 0 && lines.length > 0) flush();
        } finally {
          // nothing runs on the transaction once it ends (a failed parse rolls it back)
          await copying.catch(() => undefined);
        }
        await copying;
        if (problems.count > 0) throw reject();
        if (staged === 0)
          return { received, inserted: 0, duplicates: 0, vehicles: 0, refreshed: true };
        // the checks and the refresh join on the staged rows: let the planner count them
        await tx.query('analyze pipeline_staging');
        for (const r of await repo.repeatedKeys(tx))
          add({
            row: r.later,
            field: 'externalId',
            code: 'repeated_key',
            message: `row ${r.later} repeats source "${r.source}" and externalId "${r.external_id}" of row ${r.earlier} with different content`,
          });
        for (const r of await repo.vinsOfOtherDealers(tx))
          add({
            row: r.batch_row,
            field: 'vin',
            code: 'vin_of_another_dealer',
            message: `VIN ${r.vin} belongs to another dealer's order`,
          });
        for (const r of await repo.vinsWithoutOrder(tx))
          add({
            row: r.batch_row,
            field: 'vin',
            code: 'vin_not_ordered',
            message: `VIN ${r.vin} has no order event (send "ordered" first)`,
          });
        if (problems.count > 0) throw reject();
        const idFloor = await repo.lastEventId(tx);
        const inserted = (await repo.insertNewEvents(tx)) ?? (await repo.insertEvents(tx));
        const refreshed = inserted < refreshAfterCommitEvents;
        let vehicles = 0;
        if (refreshed) vehicles = await repo.refreshVehicles(tx);
        else
          await repo.addPendingRefresh(tx, {
            idFloor,
            idCeiling: await repo.lastInsertedEventId(tx),
            events: inserted,
            dealerIds: [...dealerIds].sort((x, y) => x - y),
          });
        await assertScopeCovers(tx, actor.scope, [...dealerIds]);
        return { received, inserted, duplicates: staged - inserted, vehicles, refreshed };
      });
      if (!result.refreshed) void refreshPending();
      return result;
    },
  };
}
