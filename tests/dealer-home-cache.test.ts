/**
 * The dealer home's answers are kept per dealer under a stamp read from the database (issue 18
 * §1): repeated reads do not read the roll-up or the feed again, every table the kept reads use is
 * in the stamp, a batch of actuals or an edit of the dealer shows at once (also when written by
 * another API process), and one dealer never gets another dealer's kept answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dec } from '../src/shared/money';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import type { Db } from '../src/server/db/db';
import { HOME_INPUT_TABLES } from '../src/server/modules/actuals/dealer-home-cache';
import { createServices } from '../src/server/services';
import { ingestRows, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import {
  engines,
  json,
  login,
  startSecondApp,
  startTestApp,
  testEnv,
  type Client,
  type TestApp,
} from './helpers/test-app';

/** The database, with every statement's SQL recorded in `seen`. */
function recording(db: Db): { db: Db; seen: string[] } {
  const seen: string[] = [];
  const wrapped = new Proxy(db, {
    get(target, prop) {
      if (prop === 'query') {
        return (sql: string, params?: unknown[]) => {
          seen.push(sql);
          return target.query(sql, params);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  return { db: wrapped, seen };
}

type Monthly = {
  dealerCode: string;
  months: string[];
  totals: { month: string; quantity: number; amount: string }[];
  modelLines: { code: string; quantities: number[] }[];
};
type Page = { items: { dealerCode: string; externalId: string }[]; total: number };

const HOME = (code: string) => ({
  actuals: `/api/v1/dealers/${code}/actuals/monthly?from=2026-01&to=2026-04`,
  recent: `/api/v1/transactions?dealer=${code}&limit=10`,
});

/** The feed's roll-up or rows read (not the stamp's version sums). */
const readsData = (sql: string) =>
  /from monthly_actuals a\b/.test(sql) || /from transactions t\b/.test(sql);

describe.each(engines())('the dealer home, kept per dealer (%s)', (engine) => {
  let t: TestApp;
  let dealerA: Client;
  let dealerB: Client;
  let admin: Client;

  beforeAll(async () => {
    t = await startTestApp(engine);
    await seedFixtures(t.db);
    const rows = Array.from({ length: 24 }, (_, i) =>
      txRow({
        dealerCode: i % 3 === 2 ? 'DLR-BRAVO' : 'DLR-ALPHA',
        sku: i % 4 === 0 ? 'AURA-EX-BEV' : 'AURA-LX-ICE',
        occurredOn: `2026-0${1 + (i % 4)}-${String(1 + i).padStart(2, '0')}`,
        amount: '31000.10',
      }),
    );
    await ingestRows(t.services, rows);
    dealerA = await login(t.url, USERS.dealerA, PASSWORD);
    dealerB = await login(t.url, USERS.dealerB, PASSWORD);
    admin = await login(t.url, USERS.admin, PASSWORD);
  }, 120_000);
  afterAll(async () => t?.close());

  it('reads the roll-up and the feed once: repeated reads only check the stamp', async () => {
    const r = recording(t.db);
    const services = createServices({ db: r.db, env: testEnv() });
    const actor = { ...SYSTEM_ACTOR };
    const read = () =>
      Promise.all([
        services.actuals.getDealerMonthly({
          actor,
          dealerCode: 'DLR-ALPHA',
          from: '2026-01',
          to: '2026-04',
          kind: 'retail_net',
        }),
        services.transactions.findTransactions({
          actor,
          filter: { dealer: 'DLR-ALPHA', limit: 10, offset: 0 },
        }),
      ]);
    const first = await read();
    expect(first[0].totals.reduce((s, m) => s + m.quantity, 0)).toBe(16);
    expect(first[1].total).toBe(16);
    expect(r.seen.filter(readsData).length).toBeGreaterThanOrEqual(3);

    // every table the kept reads use is stamped
    const tables = new Set<string>();
    for (const sql of r.seen.filter((s) => !/concat_ws\('\|'/.test(s)))
      for (const m of sql.matchAll(/\b(?:from|join)\s+([a-z_]+)\b/gi)) tables.add(m[1]!);
    for (const table of tables) expect(HOME_INPUT_TABLES, table).toContain(table);

    r.seen.length = 0;
    const again = await Promise.all(Array.from({ length: 20 }, read));
    for (const x of again) expect(x).toEqual(first);
    expect(r.seen.filter(readsData)).toEqual([]);
    // one statement a read: the dealer in the caller's scope with its stamp
    expect(r.seen.length).toBe(2 * 20);
  });

  it('shows a new batch of actuals at once, also written through another API process', async () => {
    const before = await json<Monthly>(await dealerA.get(HOME('DLR-ALPHA').actuals), 200);
    const beforeList = await json<Page>(await dealerA.get(HOME('DLR-ALPHA').recent), 200);
    // kept now; a second API process on the same database takes the next batch
    const second = await startSecondApp(t);
    try {
      const key = await t.services.accounts.createApiKey({
        actor: SYSTEM_ACTOR,
        data: {
          name: 'feed',
          role: 'integration',
          regionCode: null,
          dealerCode: 'DLR-ALPHA',
          dealerGroupCode: null,
        },
      });
      const res = await fetch(`${second.url}/api/v1/transactions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
        body: JSON.stringify([
          txRow({ occurredOn: '2026-04-28', amount: '40000.01', externalId: 'HOME-NEW-1' }),
          txRow({ occurredOn: '2026-04-29', amount: '40000.02', externalId: 'HOME-NEW-2' }),
        ]),
      });
      expect(res.status, await res.text()).toBeLessThan(300);
    } finally {
      await second.close();
    }
    const after = await json<Monthly>(await dealerA.get(HOME('DLR-ALPHA').actuals), 200);
    const april = (m: Monthly) => m.totals.find((x) => x.month === '2026-04')!;
    expect(april(after).quantity).toBe(april(before).quantity + 2);
    expect(april(after).amount).toBe(dec(april(before).amount).plus('80000.03').toFixed(2));
    const afterList = await json<Page>(await dealerA.get(HOME('DLR-ALPHA').recent), 200);
    expect(afterList.total).toBe(beforeList.total + 2);
    expect(afterList.items.slice(0, 2).map((i) => i.externalId)).toEqual([
      'HOME-NEW-2',
      'HOME-NEW-1',
    ]);
  });

  it('shows an edit of the catalog and a change made in SQL', async () => {
    const list = async () => json<Page>(await dealerA.get(HOME('DLR-ALPHA').recent), 200);
    const lines = async () =>
      (await json<Monthly>(await dealerA.get(HOME('DLR-ALPHA').actuals), 200)).modelLines;
    await list();
    const before = await lines();
    await t.db.query(`update model_lines set code = 'ML-AURA2' where code = 'ML-AURA'`);
    try {
      expect((await lines()).map((l) => l.code)).toContain('ML-AURA2');
    } finally {
      await t.db.query(`update model_lines set code = 'ML-AURA' where code = 'ML-AURA2'`);
    }
    expect(await lines()).toEqual(before);
    // a correction of the roll-up in SQL (no new feed row)
    await t.db.query(
      `update monthly_actuals set quantity = quantity + 5
       where dealer_id = (select id from dealers where code = 'DLR-ALPHA') and month = '2026-01-01' and kind = 'retail_delivery'
         and sku_id = (select id from skus where code = 'AURA-EX-BEV')`,
    );
    const jan = (await lines()).find((l) => l.code === 'ML-AURA')!.quantities[0]!;
    expect(jan).toBe(before.find((l) => l.code === 'ML-AURA')!.quantities[0]! + 5);
  });

  it("never gives a dealer another dealer's kept home", async () => {
    // dealer A's home and the OEM's view of it are kept ...
    const a = await json<Monthly>(await dealerA.get(HOME('DLR-ALPHA').actuals), 200);
    const aList = await json<Page>(await admin.get(HOME('DLR-ALPHA').recent), 200);
    expect(aList.items.every((i) => i.dealerCode === 'DLR-ALPHA')).toBe(true);
    // ... and dealer B asking for A's gets nothing of them
    await json(await dealerB.get(HOME('DLR-ALPHA').actuals), 404);
    const bAsksA = await json<Page>(await dealerB.get(HOME('DLR-ALPHA').recent), 200);
    expect(bAsksA).toMatchObject({ items: [], total: 0 });
    // B's own home is B's
    const b = await json<Monthly>(await dealerB.get(HOME('DLR-BRAVO').actuals), 200);
    expect(b.dealerCode).toBe('DLR-BRAVO');
    expect(b.totals).not.toEqual(a.totals);
    expect(b.totals.reduce((s, m) => s + m.quantity, 0)).toBe(8);
    const bList = await json<Page>(await dealerB.get(HOME('DLR-BRAVO').recent), 200);
    expect(bList.total).toBe(8);
    expect(bList.items.every((i) => i.dealerCode === 'DLR-BRAVO')).toBe(true);
    // the OEM sees both, each its own
    const oemB = await json<Monthly>(await admin.get(HOME('DLR-BRAVO').actuals), 200);
    expect(oemB).toEqual(b);
  });
});
