/**
 * Issue 12 item 7: no CSV export hands a spreadsheet a formula. The walk requests every GET route
 * of the API as the OEM administrator and checks every answer that is CSV: no cell starts with
 * `=`, `+`, `-`, `@`, a tab or a carriage return unless it is a plain number (amounts such as
 * -31000.00 stay numbers). Names, feed ids and sources planted with formulas come out quoted.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { neutraliseCell } from '../src/server/http/csv-export';
import { activeAgreementForA, APPROVER, DRAFTER } from './helpers/agreements';
import { ingestRows, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import { PARAMS_POINTING_AT_A, QUERY_POINTING_AT_A } from './helpers/route-targets';
import { engines, login, startTestApp, type Client, type TestApp } from './helpers/test-app';

const EVIL_NAME = '=HYPERLINK("http://evil.example/?x","Alpha")';
const DANGEROUS = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/** The CSV routes known today: the walk must find each (a new one is checked all the same). */
const KNOWN_CSV_ROUTES = [
  '/api/v1/transactions/export',
  '/api/v1/agreements/export',
  '/api/v1/programs/:code/statements/:dealerCode/export',
  '/api/v1/payouts/:code/export',
  '/api/v1/forecasts/cycles/:id/demand-plan',
];
const CSV_QUERY: Record<string, string> = {
  '/api/v1/programs/:code/statements/:dealerCode/export': '?period=2026-03',
  '/api/v1/forecasts/cycles/:id/demand-plan': '?format=csv',
};

describe('neutraliseCell', () => {
  it('quotes formula starts and leaves plain numbers and text alone', () => {
    expect(neutraliseCell('=1+2')).toBe("'=1+2");
    expect(neutraliseCell('+1 555')).toBe("'+1 555");
    expect(neutraliseCell('-2+3')).toBe("'-2+3");
    expect(neutraliseCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(neutraliseCell('\tx')).toBe("'\tx");
    expect(neutraliseCell('\rx')).toBe("'\rx");
    expect(neutraliseCell('＝1+2')).toBe("'＝1+2");
    expect(neutraliseCell('-20.00')).toBe('-20.00');
    expect(neutraliseCell('-3')).toBe('-3');
    expect(neutraliseCell('Dealer Alpha = best')).toBe('Dealer Alpha = best');
  });
});

describe.each(engines())('CSV exports neutralise formulas (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let ids: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-04-20' });
    await seedFixtures(t.db);
    await t.db.query(`update dealers set name = $1 where code = 'DLR-ALPHA'`, [EVIL_NAME]);
    await t.db.query(`update skus set name = '@SUM(1+1)*cmd' where code = 'AURA-LX-ICE'`);
    await ingestRows(t.services, [
      txRow({ externalId: '=1+2', source: '@feed', occurredOn: '2026-03-10' }),
      txRow({ externalId: '+cmd|x', occurredOn: '2026-03-11' }),
      txRow({ externalId: '-2+3', kind: 'unwind', quantity: -1, amount: '-31000.00' }),
    ]);
    // The feed stamps arrival with the wall clock; these rows arrived on their own date.
    await t.db.query('update transactions set received_at = occurred_on + 1');
    const agreement = await activeAgreementForA(t.services);
    await t.services.incentives.createProgram({
      actor: DRAFTER,
      data: {
        code: 'PRG-A',
        name: '=cmd|/c calc',
        currency: 'USD',
        startDate: '2026-01-01',
        endDate: '2026-12-31',
        measurementPeriod: 'month',
        payoutFrequency: 'month',
        measure: 'units',
        tiers: [{ from: '0', value: '100' }],
        benefit: 'per_unit',
      },
    });
    await t.services.incentives.publishProgram({ actor: DRAFTER, code: 'PRG-A' });
    await t.services.incentives.closePeriod({ actor: APPROVER, code: 'PRG-A', period: '2026-03' });
    await t.services.incentives.approveStatement({
      actor: APPROVER,
      code: 'PRG-A',
      dealerCode: 'DLR-ALPHA',
      period: '2026-03',
    });
    const batch = await t.services.incentives.createPayoutBatch({
      actor: APPROVER,
      data: { programCode: 'PRG-A', glAccount: '-2150+INCENTIVES' },
    });
    const cycle = await t.services.forecasts.createCycle({
      actor: SYSTEM_ACTOR,
      data: { cycleMonth: '2026-04', horizon: 3, historyMonths: 48 },
    });
    await t.services.jobs.settle('forecast-baseline');
    for (const transition of ['close-window', 'lock'] as const)
      await t.services.forecasts.transition({ actor: SYSTEM_ACTOR, id: cycle.id, transition });
    ids = {
      __AGREEMENT_A__: String(agreement.id),
      'PAY-X': batch.code,
    };
    admin = await login(t.url, USERS.admin, PASSWORD);
  }, 120_000);
  afterAll(async () => t?.close());

  it('walks every GET route: every CSV answer is free of formulas', async () => {
    const found = new Map<string, string[][]>();
    for (const route of t.app.routeTable) {
      if (route.method !== 'GET' || !route.url.startsWith('/api/v1')) continue;
      if (route.url === '/api/v1/events') continue; // a stream without end
      let url = route.url;
      for (const [name, value] of Object.entries(PARAMS_POINTING_AT_A[route.url] ?? {}))
        url = url.replace(`:${name}`, value);
      for (const [placeholder, value] of Object.entries(ids)) url = url.replace(placeholder, value);
      if (url.includes(':')) continue; // not walkable (the route walk insists on targets anyway)
      url += CSV_QUERY[route.url] ?? QUERY_POINTING_AT_A[route.url] ?? '';
      const res = await admin.get(url);
      const text = await res.text();
      if (!(res.headers.get('content-type') ?? '').startsWith('text/csv')) continue;
      expect(res.status, url).toBe(200);
      const rows = parse(text, { relax_column_count: true }) as string[][];
      expect(rows.length, `${url}: a header and rows`).toBeGreaterThan(1);
      for (const [r, row] of rows.entries())
        for (const cell of row)
          if (DANGEROUS.test(cell))
            expect(cell, `${url} row ${r}: formula cell`).toMatch(PLAIN_NUMBER);
      found.set(route.url, rows);
    }
    expect([...found.keys()].sort()).toEqual(expect.arrayContaining(KNOWN_CSV_ROUTES.sort()));

    const cells = (route: string) => found.get(route)!.flat();
    expect(cells('/api/v1/agreements/export')).toContain(`'${EVIL_NAME}`);
    expect(cells('/api/v1/payouts/:code/export')).toEqual(
      expect.arrayContaining([`'${EVIL_NAME}`, "'-2150+INCENTIVES"]),
    );
    const txs = cells('/api/v1/transactions/export');
    expect(txs).toEqual(expect.arrayContaining(["'=1+2", "'@feed", "'+cmd|x", "'-2+3"]));
    expect(txs).toContain('-31000.00'); // a negative amount stays a number
    expect(txs).toContain('-1');
  });
});
