/**
 * The vehicle pipeline feed's ingest (issue 16): events by VIN streamed in, checked, stored, and
 * the current state of their VINs (`vehicles`) refreshed. Where the time went on a large batch
 * (300,000 events on a PostgreSQL server): the rows' parse and checks in JS about half, the insert
 * into `vehicle_events` (three indexes) a quarter, the refresh a sixth, the staging COPY, the
 * analyze and the batch's SQL checks the rest. So, as the actuals feed does with its roll-up:
 *  - the events are copied straight into `vehicle_events` while the body is still being parsed
 *    (createEventLoader: a streaming COPY per segment in a savepoint; staging only for a batch
 *    with a stored or repeated key), and the VIN rules are checked in JS (pipeline-vins.ts);
 *  - a batch of REFRESH_AFTER_COMMIT_EVENTS new events or more commits its events first, and its
 *    VINs are refreshed right after in a transaction of their own (`pipeline_refreshes`, migration
 *    0043): the answer says `refreshed: false`; a server that stops in between refreshes the batch
 *    when it starts again (`resumeRefreshes`, at start and every minute).
 */
import type { Readable } from 'node:stream';
import { AppError } from '../../../shared/errors';
import { createProblemList, forEachValidRecord } from '../../http/streamed-records';
import { OPTIONAL_PIPELINE_COLUMNS, PIPELINE_COLUMNS } from '../../../shared/schemas/availability';
import type { Actor } from '../../auth/actor';
import { csvField, type Db, type Queryable } from '../../db/db';
import { isUniqueViolation } from '../../db/errors';
import { assertScopeCovers, runAsSystem, systemDb } from '../../db/scope';
import type { IngestFormat, RawRecord } from '../transactions/ingest-parsers';
import { createAvailabilityRepository } from './availability.repository';
import { validatePipelineRow } from './pipeline-row';
import { createVinTracker } from './pipeline-vins';

/** A batch with at least this many new events is refreshed after its commit. */
const REFRESH_AFTER_COMMIT_EVENTS = 100_000;
/** Rows per chunk of COPY text handed to the loader while the body is still being parsed. */
const STAGE_CHUNK_ROWS = 2_000;

/**
 * COPY text per segment copied straight into the feed in a savepoint (about 300,000 events): the
 * memory a segment may need to be copied again into staging.
 */
const SEGMENT_CHARS = 32 * 1024 * 1024;
/** Distinct VINs per query of their stored dealers. */
const VINS_PER_QUERY = 100_000;

/** A CSV field for COPY where an empty field is NULL (a quoted empty one would be ''). */
const nullable = (value: string | null) => (value === null ? '' : csvField(value));

/** A PostgreSQL array literal of text (for COPY). */
export function pgTextArray(values: string[] | null): string {
  if (values === null) return '';
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

function dealerProblem(row: number, dealerCode: string, isScoped: boolean) {
  return isScoped
    ? {
        row,
        field: 'dealerCode',
        code: 'dealer_not_allowed',
        message: `you may not post rows for dealer ${dealerCode}`,
      }
    : {
        row,
        field: 'dealerCode',
        code: 'unknown_dealer',
        message: `dealer ${dealerCode} does not exist`,
      };
}

/**
 * Where the batch's COPY chunks go while the body is still parsed: straight into
 * `vehicle_events`, a segment of `segmentChars` at a time, each one streaming COPY in a savepoint
 * (as the actuals feed does: one statement, not a round trip per chunk), as long as none of their
 * keys is stored or repeated (the usual batch: no staging, no insert … select). When a segment's
 * COPY meets a unique violation, the segment is undone and copied into staging, and so is the rest
 * of the batch; the caller then checks the staged rows and inserts their new events. A COPY's
 * failure is seen by `finish`.
 */
function createEventLoader(tx: Queryable, segmentChars: number) {
  const repo = createAvailabilityRepository();
  type Chunk = { text: string; rows: number };
  const waiting: Chunk[] = [];
  let isClosed = false;
  let failed: unknown = null;
  let wakeLoader: (() => void) | null = null;
  let wakeParser: (() => void) | null = null;
  let isStaged = false;
  let copied = 0;

  /** The next chunk the parse sent (null: the batch is over). */
  async function next(): Promise<Chunk | null> {
    while (waiting.length === 0 && !isClosed) await new Promise<void>((r) => (wakeLoader = r));
    const chunk = waiting.shift() ?? null;
    wakeParser?.();
    return chunk;
  }

  async function toStaging(texts: string[]) {
    if (!isStaged) await repo.createStaging(tx);
    isStaged = true;
    await repo.copyEvents(tx, 'pipeline_staging', texts);
  }

  async function load() {
    for (let first = await next(); first; first = await next()) {
      if (isStaged) {
        await toStaging([first.text]);
        continue;
      }
      const segment: Chunk[] = [first];
      let chars = first.text.length;
      async function* texts(): AsyncGenerator<string> {
        yield first!.text;
        while (chars < segmentChars) {
          const chunk = await next();
          if (!chunk) return;
          segment.push(chunk);
          chars += chunk.text.length;
          yield chunk.text;
        }
      }
      await tx.exec('savepoint pipeline_segment');
      try {
        await repo.copyEvents(tx, 'vehicle_events', texts());
        await tx.exec('release savepoint pipeline_segment');
        for (const chunk of segment) copied += chunk.rows;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        await tx.exec('rollback to savepoint pipeline_segment');
        await toStaging(segment.map((c) => c.text));
      }
    }
  }

  const loading = load().catch((error: unknown) => {
    failed = error;
    waiting.length = 0;
    wakeParser?.();
  });

  return {
    send(text: string, rows: number) {
      if (failed) return;
      waiting.push({ text, rows });
      wakeLoader?.();
    },
    /**
     * Resolves once at most one chunk waits (the database copies one while the next is parsed),
     * after a turn of I/O at least: memory stays bounded, and a body already in memory does not
     * starve the COPY.
     */
    async room(): Promise<void> {
      while (waiting.length > 1 && !failed) await new Promise<void>((r) => (wakeParser = r));
      await new Promise((resolve) => setImmediate(resolve));
    },
    /** Ends the batch; resolves when no COPY runs (whether or not one failed). */
    settled(): Promise<void> {
      isClosed = true;
      wakeLoader?.();
      return loading;
    },
    /** Events copied straight into the feed, and whether any went to staging. */
    async finish(): Promise<{ copied: number; isStaged: boolean }> {
      await this.settled();
      if (failed) throw failed;
      return { copied, isStaged };
    },
  };
}

/** The stored dealers of the batch's VINs (see storedVinDealers), a query per VINS_PER_QUERY. */
async function storedVinDealers(tx: Queryable, vins: string[]) {
  const repo = createAvailabilityRepository();
  const stored = new Map<string, number[]>();
  for (let i = 0; i < vins.length; i += VINS_PER_QUERY)
    for (const [vin, dealers] of await repo.storedVinDealers(tx, vins.slice(i, i + VINS_PER_QUERY)))
      stored.set(vin, dealers);
  return stored;
}

export function createPipelineIngest(deps: {
  db: Db;
  /** the dealers the actor may post for (null: every dealer) */
  dealerIdsInScope: (actor: Actor) => Promise<Set<number> | null>;
  refreshAfterCommitEvents?: number;
  /** COPY text per segment copied straight into the feed (tests make it small). */
  segmentChars?: number;
  /** A refresh after commit that failed (the batch stays pending); default: a process warning. */
  onRefreshError?: (error: unknown) => void;
}) {
  const repo = createAvailabilityRepository();
  const db = deps.db;
  const refreshAfterCommitEvents = deps.refreshAfterCommitEvents ?? REFRESH_AFTER_COMMIT_EVENTS;
  const segmentChars = deps.segmentChars ?? SEGMENT_CHARS;
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

    /**
     * Resolves when no committed batch waits for its refresh: what reads `vehicles` to decide
     * (an allocation run) calls it first, so it never reads a picture older than the feed's. A
     * batch that another process is refreshing is waited for; one whose refresh fails again
     * here rejects with CONFLICT (nothing is decided from a stale picture).
     */
    async vehiclesCurrent(): Promise<void> {
      const pendingIds = (q: Queryable, lock: string) =>
        runAsSystem(async () => {
          const { rows } = await q.query<{ id: string }>(
            `select id::text from pipeline_refreshes where refreshed_at is null order by id ${lock}`,
          );
          return rows.length;
        });
      await refreshPending();
      if ((await pendingIds(db, '')) === 0) return;
      // refreshed elsewhere: wait for that transaction (its row is locked), then try here again
      await runAsSystem(() => db.transaction((tx) => pendingIds(tx, 'for update')));
      await refreshPending();
      const left = await pendingIds(db, '');
      if (left > 0)
        throw new AppError(
          'CONFLICT',
          `The vehicle pipeline's latest ${left === 1 ? 'batch is' : `${left} batches are`} not applied to the vehicles yet (its refresh failed); try again shortly`,
          { pendingRefreshes: left },
        );
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
      const vins = createVinTracker();
      // As the system (the VIN check reads other dealers' vehicles; PostgreSQL refuses COPY into a
      // table with row-level security); each row's dealer is checked against the actor's scope
      // below, and the database is asked again before commit.
      const result = await systemDb(db).transaction(async (tx) => {
        // Statements over the whole batch run once: no JIT compilation (it took half of the
        // vehicles' refresh at 100,000 events, ~2 s of compile for a 4 s statement), and memory
        // to sort the batch's events in (no spill to disk).
        await tx.query('set local jit = off');
        await tx.query(`set local work_mem = '64MB'`);
        const idFloor = await repo.lastEventId(tx);
        const loader = createEventLoader(tx, segmentChars);
        let lines: string[] = [];
        let valid = 0;
        const flush = () => {
          loader.send(lines.join(''), lines.length);
          lines = [];
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
            afterBatch: loader.room,
            onRow: (row, rowNumber) => {
              const dealerId = maps.dealers.get(row.dealerCode);
              if (dealerId === undefined || (allowed && !allowed.has(dealerId))) {
                add(dealerProblem(rowNumber, row.dealerCode, allowed !== null));
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
              vins.add(row.vin, dealerId, row.event === 'ordered', rowNumber);
              valid += 1;
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
          await loader.settled();
        }
        const loaded = await loader.finish();
        if (problems.count > 0) throw reject();
        if (valid === 0)
          return { received, inserted: 0, duplicates: 0, vehicles: 0, refreshed: true };
        let inserted = loaded.copied;
        if (loaded.isStaged) {
          // the checks and the insert join on the staged rows: let the planner count them
          await tx.query('analyze pipeline_staging');
          for (const r of await repo.repeatedKeys(tx, idFloor))
            add({
              row: r.later,
              field: 'externalId',
              code: 'repeated_key',
              message: `row ${r.later} repeats source "${r.source}" and externalId "${r.external_id}" of row ${r.earlier} with different content`,
            });
        }
        vins.problems(await storedVinDealers(tx, vins.vins)).forEach(add);
        if (problems.count > 0) throw reject();
        if (loaded.isStaged) inserted += await repo.insertEvents(tx);
        const refreshed = inserted < refreshAfterCommitEvents;
        let vehicles = 0;
        if (refreshed)
          vehicles = await repo.refreshVehicles(
            tx,
            '(dealer_id, vin) in (select * from unnest($1::int[], $2::text[]))',
            [vins.dealers, vins.vins],
          );
        else
          await repo.addPendingRefresh(tx, {
            idFloor,
            idCeiling: await repo.lastInsertedEventId(tx),
            events: inserted,
            dealerIds: [...dealerIds].sort((x, y) => x - y),
          });
        await assertScopeCovers(tx, actor.scope, [...dealerIds]);
        return { received, inserted, duplicates: valid - inserted, vehicles, refreshed };
      });
      if (!result.refreshed) void refreshPending();
      return result;
    },
  };
}
