/**
 * The pipeline feed's large batches (issue 16, pipeline-ingest.ts): a batch of
 * `refreshAfterCommitEvents` new events or more commits its events first and its VINs' current
 * state is refreshed right after, in a transaction of its own; a server that stops in between
 * refreshes the batch when it starts again. Rows staged while the body is still parsed are never
 * half-written: a bad row after a chunk was copied rejects the whole batch.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import type { Db } from '../src/server/db/db';
import { createAllocationService } from '../src/server/modules/availability/allocation.service';
import { createAvailabilityService } from '../src/server/modules/availability/availability.service';
import { seedFixtures } from './helpers/fixtures';
import { engines, startTestApp, type TestApp } from './helpers/test-app';

const HEADER =
  'event,dealerCode,vin,occurredOn,sku,orderType,options,planWeek,plant,eta,source,externalId';
const vin = (n: number) => `9LARGE0BATCH${String(n).padStart(5, '0')}`;

/** Per VIN: ordered, then in transit (ETA 2026-05-10); externalIds `${prefix}-…`. */
function batch(vins: number[], prefix: string, extra: string[] = []) {
  const lines = vins.flatMap((n) => [
    `ordered,DLR-ALPHA,${vin(n)},2026-03-01,AURA-LX-ICE,stock,,,,,plant,${prefix}-${n}-o`,
    `in_transit,DLR-ALPHA,${vin(n)},2026-04-02,,,,,,2026-05-10,plant,${prefix}-${n}-t`,
  ]);
  return Readable.from([[HEADER, ...lines, ...extra].join('\n') + '\n']);
}

describe.each(engines())('pipeline: refresh after commit (%s)', (engine) => {
  let t: TestApp;
  const today = () => '2026-04-20';

  const vehicles = async (vins: number[]) => {
    const { rows } = await t.db.query<{ vin: string; status: string; eta: string }>(
      `select vin, status, eta::text as eta from vehicles where vin = any($1::text[]) order by vin`,
      [vins.map(vin)],
    );
    return rows;
  };
  const pending = async () => {
    const { rows } = await t.db.query<{ events: number; refreshed: boolean }>(
      'select events, refreshed_at is not null as refreshed from pipeline_refreshes order by id',
    );
    return rows;
  };

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-04-20' });
    await seedFixtures(t.db);
  });
  afterAll(async () => t?.close());

  it('commits a large batch, then refreshes its VINs; a small one refreshes with its events', async () => {
    const svc = createAvailabilityService({ db: t.db, today, refreshAfterCommitEvents: 6 });
    const large = await svc.ingestPipeline({
      actor: SYSTEM_ACTOR,
      format: 'csv',
      byteLimit: Infinity,
      body: batch([1, 2, 3], 'L'),
    });
    expect(large).toMatchObject({ inserted: 6, duplicates: 0, vehicles: 0, refreshed: false });
    await svc.refreshesSettled();
    expect(await vehicles([1, 2, 3])).toEqual(
      [1, 2, 3].map((n) => ({ vin: vin(n), status: 'in_transit', eta: '2026-05-10' })),
    );
    expect(await pending()).toEqual([{ events: 6, refreshed: true }]);

    // sent again: all duplicates, nothing new, refreshed in the batch's own transaction
    const again = await svc.ingestPipeline({
      actor: SYSTEM_ACTOR,
      format: 'csv',
      byteLimit: Infinity,
      body: batch([1, 2, 3], 'L'),
    });
    expect(again).toMatchObject({ inserted: 0, duplicates: 6, vehicles: 3, refreshed: true });
    expect(await pending()).toHaveLength(1);
  });

  it('refreshes a batch left pending by a stopped server when the next one starts', async () => {
    // the refresh's transaction fails, as if the server had stopped right after the commit
    let transactions = 0;
    const stopping = Object.create(t.db) as Db;
    stopping.transaction = (fn) =>
      ++transactions > 1 ? Promise.reject(new Error('server stopped')) : t.db.transaction(fn);
    const failures: string[] = [];
    const before = createAvailabilityService({
      db: stopping,
      today,
      refreshAfterCommitEvents: 6,
      onRefreshError: (error) => failures.push((error as Error).message),
    });
    const result = await before.ingestPipeline({
      actor: SYSTEM_ACTOR,
      format: 'csv',
      byteLimit: Infinity,
      body: batch([4, 5, 6], 'S'),
    });
    expect(result).toMatchObject({ inserted: 6, refreshed: false });
    await before.refreshesSettled();
    expect(failures).toEqual(['server stopped']);
    expect(await vehicles([4, 5, 6])).toEqual([]);
    expect((await pending()).at(-1)).toEqual({ events: 6, refreshed: false });

    const after = createAvailabilityService({ db: t.db, today, refreshAfterCommitEvents: 6 });
    await after.resumeRefreshes();
    expect((await vehicles([4, 5, 6])).map((v) => v.status)).toEqual([
      'in_transit',
      'in_transit',
      'in_transit',
    ]);
    expect((await pending()).every((p) => p.refreshed)).toBe(true);
  });

  it('checks VINs against a batch whose refresh is pending, and allocates only once it is done', async () => {
    // each: its ingest's transaction commits, its refresh's fails (a server that stopped)
    const stopping = () => {
      let transactions = 0;
      const db = Object.create(t.db) as Db;
      db.transaction = (fn) =>
        ++transactions > 1 ? Promise.reject(new Error('server stopped')) : t.db.transaction(fn);
      return db;
    };
    const before = createAvailabilityService({
      db: stopping(),
      today,
      refreshAfterCommitEvents: 6,
      onRefreshError: () => undefined,
    });
    const body = batch([7, 8, 9], 'P');
    await before.ingestPipeline({ actor: SYSTEM_ACTOR, format: 'csv', byteLimit: Infinity, body });
    await before.refreshesSettled();
    expect(await vehicles([7, 8, 9])).toEqual([]);
    // the next batch's event for a VIN ordered in the pending batch is not "without order"
    const svc = createAvailabilityService({ db: t.db, today, refreshAfterCommitEvents: 6 });
    const next = await svc.ingestPipeline({
      actor: SYSTEM_ACTOR,
      format: 'csv',
      byteLimit: Infinity,
      body: Readable.from([
        `${HEADER}\nat_dealer,DLR-ALPHA,${vin(7)},2026-04-15,,,,,,,plant,Q-7\n`,
      ]),
    });
    expect(next).toMatchObject({ inserted: 1, refreshed: true });
    // a batch still pending (its refresh failed) is refreshed before an allocation reads vehicles
    const failing = createAvailabilityService({
      db: stopping(),
      today,
      refreshAfterCommitEvents: 6,
      onRefreshError: () => undefined,
    });
    await failing.ingestPipeline({
      actor: SYSTEM_ACTOR,
      format: 'csv',
      byteLimit: Infinity,
      body: batch([10, 11, 12], 'R'),
    });
    await failing.refreshesSettled();
    expect(await vehicles([10, 11, 12])).toEqual([]);
    const allocation = createAllocationService({
      db: t.db,
      ledger: t.services.ledger,
      availability: svc,
      today,
    });
    await allocation.whatIf({
      actor: SYSTEM_ACTOR,
      data: { month: '2026-05', modelLine: 'ML-AURA', supply: [{ sku: 'AURA-LX-ICE', units: 3 }] },
    });
    expect((await vehicles([10, 11, 12])).map((v) => v.status)).toEqual([
      'in_transit',
      'in_transit',
      'in_transit',
    ]);
    expect((await pending()).every((p) => p.refreshed)).toBe(true);
  });

  it('copies segments straight into the feed and stages the rest after a stored or repeated key', async () => {
    // every chunk of 2,000 rows is a segment of its own
    const svc = createAvailabilityService({ db: t.db, today, segmentChars: 1 });
    const many = Array.from({ length: 1500 }, (_, i) => 20_000 + i); // 3,000 rows
    const first = `ordered,DLR-ALPHA,${vin(20_000)},2026-03-01,AURA-LX-ICE,stock,,,,,plant,G-20000-o`;
    const same = await svc.ingestPipeline({
      actor: SYSTEM_ACTOR,
      format: 'csv',
      byteLimit: Infinity,
      body: batch(many, 'G', [first]),
    });
    expect(same).toMatchObject({ received: 3001, inserted: 3000, duplicates: 1 });
    const changed = `ordered,DLR-ALPHA,${vin(30_000)},2026-03-01,AURA-LX-ICE,stock,,,,,plant,H-30000-o`;
    const error = await svc
      .ingestPipeline({
        actor: SYSTEM_ACTOR,
        format: 'csv',
        byteLimit: Infinity,
        body: batch(
          Array.from({ length: 1500 }, (_, i) => 30_000 + i),
          'H',
          [changed.replace('2026-03-01', '2026-03-02')],
        ),
      })
      .then(
        () => null,
        (e: { details: { problems: { row: number; code: string; message: string }[] } }) => e,
      );
    expect(error?.details.problems).toEqual([
      expect.objectContaining({
        row: 3001,
        code: 'repeated_key',
        message: expect.stringContaining('of row 1 '),
      }),
    ]);
    expect(await vehicles([30_000])).toEqual([]);
  });

  it('stores nothing of a batch whose bad row comes after rows already staged', async () => {
    const svc = createAvailabilityService({ db: t.db, today });
    const count = async () =>
      (await t.db.query<{ n: number }>('select count(*)::int as n from vehicle_events')).rows[0]!.n;
    const stored = await count();
    const many = Array.from({ length: 6000 }, (_, i) => 100 + i); // 12,000 rows: a chunk is sent
    const error = await svc
      .ingestPipeline({
        actor: SYSTEM_ACTOR,
        format: 'csv',
        byteLimit: Infinity,
        body: batch(many, 'B', ['at_dealer,DLR-ALPHA,NOT-A-VIN,2026-04-03,,,,,,,plant,B-bad']),
      })
      .then(
        () => null,
        (e: { code: string; details: { problems: { row: number; field: string }[] } }) => e,
      );
    expect(error?.code).toBe('VALIDATION_FAILED');
    expect(error?.details.problems).toEqual([
      expect.objectContaining({ row: 12_001, field: 'vin', code: 'invalid_vin' }),
    ]);
    expect(await count()).toBe(stored);
  });
});
