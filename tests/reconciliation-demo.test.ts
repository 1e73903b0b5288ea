/**
 * The reconciliation invariant over the whole (small) demo network: for every demo program and
 * every period that has started, every feed row inside the window and filters is in exactly one
 * bucket and the statement buckets add up to what the statements earn. The first period of each
 * program is closed (and a dealer's statement approved) before a late row arrives, so
 * corrections are part of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dec } from '../src/shared/money';
import { seedDemo, DEMO_PASSWORD } from '../src/server/modules/demo/seed';
import { seedIncentivePrograms } from '../src/server/modules/incentives/incentives.seed';
import { engines, json, login, startTestApp, type TestApp } from './helpers/test-app';

type Recon = {
  feedRows: number;
  accountedRows: number;
  buckets: { bucket: string; rows: number; amount: string }[];
  statementEarned: string;
  linesWithoutRow: string;
  unaccounted: unknown[];
};

describe.each(engines())('the reconciliation of the demo network (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-11-20' });
    await seedDemo(t.services, {
      seed: 7,
      dealers: 8,
      months: 14,
      endMonth: '2026-10',
      agreementLines: 4,
    });
    expect(await seedIncentivePrograms(t.services)).toBe(5);
  }, 300_000);
  afterAll(async () => t?.close());

  it('accounts for every feed row of every started period of every program', async () => {
    const admin = await login(t.url, 'admin@forecourt.test', DEMO_PASSWORD);
    const finance = await login(t.url, 'finance@forecourt.test', DEMO_PASSWORD);
    const listed = await json<{ code: string }[] | { items: { code: string }[] }>(
      await admin.get('/api/v1/programs'),
      200,
    );
    const programs = Array.isArray(listed) ? listed : listed.items;
    expect(programs.length).toBe(5);
    let rows = 0;
    let periods = 0;
    let corrections = 0;
    for (const { code } of programs) {
      const list = await json<{
        items: { period: string; end: string; hasStarted: boolean }[];
      }>(await admin.get(`/api/v1/programs/${code}/periods`), 200);
      const started = list.items.filter((p) => p.hasStarted);
      const first = started.find((p) => p.end < '2026-11-20');
      if (first) {
        await json(
          await finance.send('POST', `/api/v1/programs/${code}/periods/close`, {
            period: first.period,
          }),
          200,
        );
        // a copy of a sale of the period, received the day after its cut-off, stored now
        const { rows: sample } = await t.db.query<Record<string, string | number>>(
          `select t.kind, d.code as "dealerCode", s.code as sku, t.quantity, t.amount::text as amount,
                  t.currency, to_char(t.occurred_on, 'YYYY-MM-DD') as "occurredOn"
           from transactions t join dealers d on d.id = t.dealer_id join skus s on s.id = t.sku_id
           where t.kind = 'retail_delivery' and t.occurred_on = $1::date order by t.id limit 1`,
          [first.end],
        );
        if (sample[0]) {
          const day = new Date(`${first.end}T12:00:00Z`);
          day.setUTCDate(day.getUTCDate() + 1);
          await json(
            await admin.send('POST', '/api/v1/transactions', [
              {
                ...sample[0],
                source: 'late-test',
                externalId: `LATE-${code}`,
                receivedAt: day.toISOString(),
              },
            ]),
            200,
          );
        }
      }
      for (const p of started) {
        const recon = await json<Recon>(
          await admin.get(`/api/v1/programs/${code}/reconciliation?period=${p.period}`),
          200,
        );
        expect(recon.unaccounted, `${code} ${p.period}`).toEqual([]);
        expect(recon.accountedRows).toBe(recon.feedRows);
        expect(recon.buckets.reduce((n, b) => n + b.rows, 0)).toBe(recon.feedRows);
        const lines = recon.buckets
          .filter((b) => b.bucket === 'statement_line')
          .reduce((x, b) => x.plus(b.amount), new Dec(0));
        expect(lines.plus(recon.linesWithoutRow).toFixed(2), `${code} ${p.period}`).toBe(
          new Dec(recon.statementEarned).toFixed(2),
        );
        rows += recon.feedRows;
        corrections += recon.buckets
          .filter((b) => b.bucket === 'correction_line')
          .reduce((n, b) => n + b.rows, 0);
        periods += 1;
      }
    }
    expect(periods).toBeGreaterThan(5);
    expect(rows).toBeGreaterThan(100);
    expect(corrections).toBeGreaterThan(0);
  }, 300_000);
});
