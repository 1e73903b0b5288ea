/**
 * The VINs more than one dealer delivered, kept by the feed (migration 0055): the VIN-once check
 * (`forecourt_vin_blocked`) starts from them, so a VIN the set misses would be paid twice. Every
 * way rows reach the feed must keep it, including two dealers' batches of one VIN at the same
 * instant (on a server: each batch's own snapshot cannot see the other's uncommitted row; the
 * first-dealer key makes the second wait and then see it).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/server/db/migrate';
import { createServices, type Services } from '../src/server/services';
import { ingestRows, seedFixtures, txRow } from './helpers/fixtures';
import { createTestDb, engines, testEnv, type TestDb } from './helpers/test-app';

const vin = (n: number) => `1HGCM82633B${String(n).padStart(6, '0')}`;

describe.each(engines())('the VINs delivered by more than one dealer (%s)', (engine) => {
  let t: TestDb;
  let services: Services;
  const multi = async () =>
    (await t.db.query<{ vin: string }>('select vin from vin_multi_dealers order by vin')).rows.map(
      (r) => r.vin,
    );

  beforeAll(async () => {
    t = await createTestDb(engine);
    await seedFixtures(t.db);
    services = createServices({ db: t.db, env: testEnv() });
  }, 300_000);
  afterAll(() => t?.drop());

  it('keeps a VIN once a second dealer delivers it, in another batch or the same one', async () => {
    await ingestRows(services, [
      txRow({ vin: vin(1), occurredOn: '2026-01-10' }),
      // the same dealer twice (another sale id): one dealer, not listed
      txRow({ vin: vin(2), occurredOn: '2026-01-10' }),
      txRow({ vin: vin(2), occurredOn: '2026-01-20' }),
      // two dealers in one batch
      txRow({ vin: vin(3), occurredOn: '2026-01-10' }),
      txRow({ vin: vin(3), dealerCode: 'DLR-BRAVO', occurredOn: '2026-01-12' }),
    ]);
    expect(await multi()).toEqual([vin(3)]);
    await ingestRows(services, [txRow({ vin: vin(1), dealerCode: 'DLR-BRAVO' })]);
    expect(await multi()).toEqual([vin(1), vin(3)]);
  });

  it('counts deliveries only: an unwind or a stock row of another dealer does not list a VIN', async () => {
    await ingestRows(services, [txRow({ vin: vin(4), occurredOn: '2026-02-01' })]);
    await ingestRows(services, [
      txRow({
        vin: vin(4),
        dealerCode: 'DLR-BRAVO',
        kind: 'unwind',
        quantity: -1,
        amount: '-31000.00',
      }),
    ]);
    expect(await multi()).not.toContain(vin(4));
  });

  // vin_first_dealers is unlogged (0057): a crash empties it (so does a promoted standby); a
  // truncate does the same here. Without the rebuild, a VIN first delivered before would look new.
  it('rebuilds the first dealers from the feed when they are lost, before it records a batch', async () => {
    await ingestRows(services, [txRow({ vin: vin(20), occurredOn: '2026-02-10' })]);
    await t.db.query('truncate vin_first_dealers');
    await ingestRows(services, [txRow({ vin: vin(20), dealerCode: 'DLR-BRAVO' })]);
    expect(await multi()).toContain(vin(20));
    // rebuilt whole (the sentinel, the feed's other VINs), not only this batch's VINs
    const firsts = await t.db.query<{ vin: string }>(
      `select vin from vin_first_dealers where vin in ('', $1, $2) order by vin`,
      [vin(1), vin(2)],
    );
    expect(firsts.rows.map((r) => r.vin)).toEqual(['', vin(1), vin(2)]);
  });

  it('rebuilds the first dealers at migrate (app boot) when they are lost', async () => {
    await ingestRows(services, [txRow({ vin: vin(21), occurredOn: '2026-02-10' })]);
    await t.db.query('truncate vin_first_dealers');
    await migrate(t.db);
    const firsts = await t.db.query<{ vin: string; dealer: string }>(
      `select f.vin, d.code as dealer from vin_first_dealers f left join dealers d on d.id = f.dealer_id
       where f.vin in ('', $1) order by f.vin`,
      [vin(21)],
    );
    expect(firsts.rows).toEqual([
      { vin: '', dealer: null },
      { vin: vin(21), dealer: 'DLR-ALPHA' },
    ]);
    // and the feed goes on from it: another dealer's delivery of that VIN is listed
    await ingestRows(services, [txRow({ vin: vin(21), dealerCode: 'DLR-BRAVO' })]);
    expect(await multi()).toContain(vin(21));
  });

  it.runIf(engine === 'postgres')('keeps the first dealers out of the WAL (unlogged)', async () => {
    const { rows } = await t.db.query<{ relpersistence: string }>(
      `select relpersistence from pg_class where oid = 'vin_first_dealers'::regclass`,
    );
    expect(rows).toEqual([{ relpersistence: 'u' }]);
  });

  it.runIf(engine === 'postgres')(
    "two dealers' batches of one VIN at the same instant: the second waits and lists it",
    async () => {
      const insert = (client: pg.Client, dealer: string, v: string) =>
        client.query(
          `insert into transactions (kind, dealer_id, sku_id, vin, quantity, amount, currency,
                                     occurred_on, source, external_id)
           select 'retail_delivery', d.id, s.id, $2, 1, 31000, 'USD', '2026-03-01', 'race', $2
           from dealers d, skus s where d.code = $1 and s.code = 'AURA-LX-ICE'`,
          [dealer, v],
        );
      const [one, two] = [new pg.Client(t.url), new pg.Client(t.url)];
      await Promise.all([one.connect(), two.connect()]);
      try {
        await one.query('begin');
        await two.query('begin');
        await insert(one, 'DLR-ALPHA', vin(500));
        // the other batch's row is not committed yet: its own snapshot cannot see it
        const second = insert(two, 'DLR-BRAVO', vin(500));
        await new Promise((resolve) => setTimeout(resolve, 200));
        await one.query('commit');
        await second;
        await two.query('commit');
      } finally {
        await Promise.all([one.end(), two.end()]);
      }
      expect(await multi()).toContain(vin(500));
    },
    120_000,
  );
});
