import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, login, startTestApp, type TestApp } from './helpers/test-app';
import { seedDemo, DEMO_PASSWORD } from '../src/server/modules/demo/seed';

describe.each(engines())('the demo network in the database (%s)', (engine) => {
  let t: TestApp;
  let seeded: Awaited<ReturnType<typeof seedDemo>>;
  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-11-20' });
    seeded = await seedDemo(t.services, {
      seed: 5,
      dealers: 10,
      months: 24,
      endMonth: '2026-10',
      agreementLines: 6,
    });
  });
  afterAll(async () => t?.close());

  it('loads every generated row through the feed and the roll-up agrees with the feed', async () => {
    const { rows } = await t.db.query<{ n: number; q: number; m: number }>(
      `select (select count(*)::int from transactions) as n, (select sum(quantity)::int from transactions) as q, (select sum(quantity)::int from monthly_actuals) as m`,
    );
    expect(rows[0]!.n).toBe(seeded.transactions);
    expect(rows[0]!.m).toBe(rows[0]!.q);
  });

  it('writes the planned end of sale of the lines that run out, and only theirs', async () => {
    const { rows } = await t.db.query<{ code: string; on: string | null; discontinued: boolean }>(
      `select m.code, to_char(m.sales_end_on, 'YYYY-MM-DD') as "on",
              bool_and(s.status = 'discontinued') as discontinued
       from model_lines m join skus s on s.model_line_id = m.id group by m.id order by m.code`,
    );
    expect(rows.some((r) => r.on !== null)).toBe(true);
    for (const r of rows) expect(r.on !== null).toBe(r.discontinued);
  });

  it('gives every selling active dealer an agreement whose progress matches the feed, and an intact ledger', async () => {
    expect(seeded.agreements).toBeGreaterThan(0);
    const admin = await login(t.url, 'admin@forecourt.test', DEMO_PASSWORD);
    const table = (await (await admin.get('/api/v1/agreements?limit=100')).json()) as {
      total: number;
      items: { id: number; dealerCode: string; actualToDate: number; status: string }[];
    };
    expect(table.total).toBe(seeded.agreements);
    expect(new Set(table.items.map((i) => i.status))).toEqual(new Set(['active']));
    const first = table.items[0]!;
    const { rows } = await t.db.query<{ q: number }>(
      `select coalesce(sum(m.quantity), 0)::int as q from monthly_actuals m join dealers d on d.id = m.dealer_id
       join skus s on s.id = m.sku_id join model_lines ml on ml.id = s.model_line_id
       where d.code = $1 and m.kind in ('retail_delivery', 'unwind') and m.month >= '2026-04-01' and m.month < '2027-04-01'
         and ml.code in (select target_code from agreement_lines where agreement_id = $2)`,
      [first.dealerCode, first.id],
    );
    expect(first.actualToDate).toBe(rows[0]!.q);
    const ledger = (await (await admin.get('/api/v1/ledger/verify')).json()) as {
      ok: boolean;
      entries: number;
    };
    // each agreement: approval + acceptance; each consent of the connected fleet: one entry
    expect(ledger).toMatchObject({ ok: true, entries: seeded.agreements * 2 + seeded.consents });
  });

  it("sets each commitment around the dealer's own year before, some above it and some below", async () => {
    // the year before the term (2025-04 to 2026-03) on the agreement's lines, against its total
    const { rows } = await t.db.query<{ commitment: number; prior: number; code: string }>(
      `select g.code, (select sum(x)::int from unnest(g.planned_by_period) x) as commitment,
              (select coalesce(sum(m.quantity), 0)::int from monthly_actuals m join skus s on s.id = m.sku_id
                join model_lines ml on ml.id = s.model_line_id
               where m.dealer_id = g.dealer_id and m.kind in ('retail_delivery', 'unwind')
                 and m.month >= '2025-04-01' and m.month < '2026-04-01'
                 and ml.code in (select target_code from agreement_lines where agreement_id = g.id)) as prior
       from agreements g order by g.code`,
    );
    expect(rows.length).toBe(seeded.agreements);
    const ratios = rows.map((r) => r.commitment / r.prior);
    // √(trend 0.85–1.2) × stretch 0.92–1.08, and a unit of rounding on each line
    for (const [i, r] of rows.entries())
      expect(ratios[i], r.code).toBeGreaterThanOrEqual(0.84 - 8 / r.prior);
    for (const [i, r] of rows.entries())
      expect(ratios[i], r.code).toBeLessThanOrEqual(1.19 + 8 / r.prior);
    expect(ratios.some((x) => x < 1)).toBe(true);
    expect(ratios.some((x) => x > 1)).toBe(true);
  });

  it('lets the demo dealer log in and see only its own data', async () => {
    const dealer = await login(t.url, 'dealer@forecourt.test', DEMO_PASSWORD);
    const me = (await (await dealer.get('/api/v1/auth/me')).json()) as {
      scope: { dealerCodes: string[] };
    };
    const dealers = (await (await dealer.get('/api/v1/dealers')).json()) as {
      items: { code: string }[];
    };
    expect(dealers.items.map((d) => d.code)).toEqual(me.scope.dealerCodes);
    const home = await dealer.get(`/api/v1/dealers/${me.scope.dealerCodes[0]}/actuals/monthly`);
    expect(home.status).toBe(200);
  });
});
