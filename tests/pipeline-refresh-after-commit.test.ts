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
