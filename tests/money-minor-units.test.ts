/**
 * Issue 11, defect 5: every amount leaves the API (JSON), CSV exports and payout files in its
 * currency's minor unit ("20.00"; JPY "23524"), open or frozen, whatever the column's scale. The
 * walk below visits the money-bearing responses of a settled scenario with USD and JPY programs
 * (open, closed and approved statements, their CSV, progress, what-if, accruals, disputes and
 * their adjustment lines, payout batches and their export, the feed, the catalog) and checks
 * every money field against the pattern of the currency it is in. Amounts with more decimals
 * than their currency are refused with the field named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minorUnitPattern } from '../src/shared/money';
import { PASSWORD, seedFixtures, txRow, USERS, ingestRows } from './helpers/fixtures';
import {
  createProgram,
  engines,
  json,
  login,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';

/** Field names that hold money wherever they appear. */
const MONEY_KEYS = new Set([
  'amount',
  'earned',
  'previouslySettled',
  'amountDue',
  'totalEarned',
  'totalAmountDue',
  'adjustment',
  'budget',
  'remaining',
  'overrun',
  'msrp',
  'unitPrice',
  'nextTierAdds',
  'addedEarned',
  'earnedToDate',
  'projectedToWindowEnd',
]);
/**
 * Not walked: a split line's `parts` are the exact (unrounded) contributions whose sum the line
 * rounds once (docs/incentives.md); a program `definition` holds its inputs as entered.
 */
const SKIPPED = new Set(['parts', 'definition']);

type Check = { where: string; currency: string; value: string };

/** Every money field of a JSON value, with the currency of the nearest object that names one. */
function moneyFields(value: unknown, currency: string, where: string, out: Check[]): Check[] {
  if (Array.isArray(value)) {
    value.forEach((v, i) => moneyFields(v, currency, `${where}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const here = typeof obj.currency === 'string' ? obj.currency : currency;
    for (const [key, v] of Object.entries(obj)) {
      if (SKIPPED.has(key)) continue;
      if (MONEY_KEYS.has(key) && typeof v === 'string') {
        out.push({ where: `${where}.${key}`, currency: here, value: v });
      } else moneyFields(v, here, `${where}.${key}`, out);
    }
  }
  return out;
}

/** Every money cell of a CSV (by header name), with the row's currency column. */
function csvMoney(text: string, currency: string, where: string, out: Check[]): Check[] {
  const [header, ...rows] = text.trim().split('\n');
  const names = header!.split(',');
  const currencyAt = names.indexOf('currency');
  rows.forEach((row, r) => {
    // Money and currency columns never hold commas or quotes; the explanation comes last.
    const cells = row.split(',');
    const rowCurrency = currencyAt >= 0 && cells[currencyAt] ? cells[currencyAt]! : currency;
    names.forEach((name, i) => {
      const cell = cells[i];
      if (MONEY_KEYS.has(name) && cell && cell !== '""') {
        out.push({ where: `${where} row ${r + 2} ${name}`, currency: rowCurrency, value: cell });
      }
    });
  });
  return out;
}

const base = {
  startDate: '2026-01-01',
  endDate: '2026-12-31',
  measurementPeriod: 'month',
  payoutFrequency: 'month',
  measure: 'units',
};
const PROGRAMS = [
  {
    ...base,
    code: 'USD-UNIT',
    name: 'USD per unit',
    currency: 'USD',
    tiers: [
      { from: '0', value: '100' },
      { from: '5', value: '200' },
    ],
    benefit: 'per_unit',
    budget: '5000.00',
    capPerDealer: '900.00',
  },
  {
    ...base,
    code: 'USD-MSRP',
    name: 'USD share of MSRP',
    currency: 'USD',
    tiers: [{ from: '0', value: '2.5' }],
    benefit: 'percent_of_msrp',
  },
  {
    ...base,
    code: 'USD-CUM',
    name: 'USD program-long, paid monthly (previously settled)',
    currency: 'USD',
    measurementPeriod: 'program',
    tiers: [{ from: '0', value: '12.345' }],
    benefit: 'per_unit',
  },
  {
    ...base,
    code: 'JPY-UNIT',
    name: 'JPY per unit',
    currency: 'JPY',
    tiers: [{ from: '0', value: '23524' }],
    benefit: 'per_unit',
    budget: '1000000',
  },
  {
    ...base,
    code: 'JPY-REV',
    name: 'JPY share of revenue',
    currency: 'JPY',
    measure: 'revenue',
    tiers: [{ from: '0', value: '1.5' }],
    benefit: 'percent_of_revenue',
  },
  {
    ...base,
    code: 'JPY-MSRP',
    name: 'JPY share of MSRP',
    currency: 'JPY',
    tiers: [{ from: '0', value: '2.5' }],
    benefit: 'percent_of_msrp',
  },
];

describe.each(engines())('money in the minor unit (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let channel: Client;
  let finance: Client;
  let dealerA: Client;
  const disputes: Record<string, number> = {};

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-04-20' });
    await seedFixtures(t.db);
    const rows: Record<string, unknown>[] = [];
    for (const dealerCode of ['DLR-ALPHA', 'DLR-BRAVO']) {
      for (let i = 0; i < 4; i++) {
        rows.push(
          txRow({ dealerCode, occurredOn: `2026-03-0${i + 1}`, amount: `3100${i}.25` }),
          txRow({
            dealerCode,
            sku: 'AURA-EX-BEV',
            occurredOn: `2026-03-1${i}`,
            amount: `452352${i}`,
            currency: 'JPY',
          }),
        );
      }
      rows.push(
        txRow({ dealerCode, occurredOn: '2026-04-02', amount: '31999.99' }),
        txRow({ dealerCode, occurredOn: '2026-04-03', amount: '4523524', currency: 'JPY' }),
      );
    }
    await ingestRows(t.services, rows);
    await t.db.query('update transactions set received_at = occurred_on + 1');
    [admin, channel, finance, dealerA] = await Promise.all([
      login(t.url, USERS.admin, PASSWORD),
      login(t.url, USERS.channel, PASSWORD),
      login(t.url, USERS.finance, PASSWORD),
      login(t.url, USERS.dealerA, PASSWORD),
    ]);
    for (const p of PROGRAMS) await createProgram(channel, p);
    // March: closed for everyone, approved (frozen lines) for dealer A.
    for (const p of PROGRAMS) {
      await json(
        await finance.send('POST', `/api/v1/programs/${p.code}/periods/close`, {
          period: '2026-03',
        }),
        200,
      );
      await json(
        await finance.send('POST', `/api/v1/programs/${p.code}/statements/DLR-ALPHA/approve`, {
          period: '2026-03',
        }),
        200,
      );
    }
  }, 120_000);
  afterAll(async () => t?.close());

  it('refuses an adjustment with more decimals than its currency, naming the field', async () => {
    for (const [code, amount] of [
      ['USD-UNIT', '0.005'],
      ['JPY-UNIT', '10.5'],
    ] as const) {
      const statement = await json<{ lines: { transactionId: string | null }[] }>(
        await dealerA.get(`/api/v1/programs/${code}/statements/DLR-ALPHA?period=2026-03`),
        200,
      );
      const dispute = await json<{ id: number }>(
        await dealerA.send('POST', '/api/v1/disputes', {
          programCode: code,
          dealerCode: 'DLR-ALPHA',
          period: '2026-03',
          transactionId: statement.lines[0]!.transactionId,
          comment: 'one more unit',
        }),
        201,
      );
      disputes[code] = dispute.id;
      const res = await finance.send('POST', `/api/v1/disputes/${dispute.id}/resolve`, {
        outcome: 'adjust',
        amount,
        reason: 'goodwill',
      });
      const body = await json<{ details: { problems: { path: string; code: string }[] } }>(
        res,
        400,
      );
      expect(body.details.problems).toEqual([
        expect.objectContaining({ path: 'body.amount', code: 'too_many_decimals' }),
      ]);
    }
  });

  it('refuses a what-if amount per unit finer than the program currency', async () => {
    const res = await dealerA.send('POST', '/api/v1/dealers/DLR-ALPHA/incentives/what-if', {
      programCode: 'JPY-REV',
      sku: 'AURA-EX-BEV',
      quantity: 1,
      amountPerUnit: '4523524.5',
    });
    const body = await json<{ details: { problems: { path: string }[] } }>(res, 400);
    expect(body.details.problems).toEqual([
      expect.objectContaining({ path: 'body.amountPerUnit' }),
    ]);
  });

  it('records a dispute adjustment and the statement line it creates as the same amount', async () => {
    for (const [code, amount] of [
      ['USD-UNIT', '150.5'],
      ['JPY-UNIT', '5000'],
    ] as const) {
      const resolved = await json<{ adjustment: string; currency: string }>(
        await finance.send('POST', `/api/v1/disputes/${disputes[code]}/resolve`, {
          outcome: 'adjust',
          amount,
          reason: 'goodwill',
        }),
        200,
      );
      // March is closed: the adjustment goes into April, the open period.
      const april = await json<{ lines: { kind: string; amount: string }[] }>(
        await dealerA.get(`/api/v1/programs/${code}/statements/DLR-ALPHA?period=2026-04`),
        200,
      );
      const line = april.lines.find((l) => l.kind === 'adjustment')!;
      expect(resolved.adjustment).toBe(code === 'USD-UNIT' ? '150.50' : '5000');
      expect(line.amount).toBe(resolved.adjustment);
    }
  });

  it('gives every amount of every money-bearing response in its currency minor unit', async () => {
    const checks: Check[] = [];
    const getJson = async (client: Client, path: string, currency: string) =>
      moneyFields(await json(await client.get(path), 200), currency, path, checks);
    const getCsv = async (client: Client, path: string, currency: string) => {
      const res = await client.get(path);
      expect(res.status, path).toBe(200);
      csvMoney(await res.text(), currency, path, checks);
    };

    for (const p of PROGRAMS) {
      for (const period of ['2026-03', '2026-04']) {
        await getJson(
          finance,
          `/api/v1/programs/${p.code}/statements?period=${period}`,
          p.currency,
        );
        for (const dealer of ['DLR-ALPHA', 'DLR-BRAVO']) {
          const path = `/api/v1/programs/${p.code}/statements/${dealer}`;
          await getJson(finance, `${path}?period=${period}`, p.currency);
          await getCsv(finance, `${path}/export?period=${period}`, p.currency);
        }
      }
      await getJson(finance, `/api/v1/programs/${p.code}/accruals`, p.currency);
      moneyFields(
        await json(
          await dealerA.send('POST', '/api/v1/dealers/DLR-ALPHA/incentives/what-if', {
            programCode: p.code,
            sku: 'AURA-EX-BEV',
            quantity: 3,
            amountPerUnit: p.currency === 'JPY' ? '4523524' : '45123.45',
          }),
          200,
        ),
        p.currency,
        `what-if ${p.code}`,
        checks,
      );
    }
    await getJson(dealerA, '/api/v1/dealers/DLR-ALPHA/incentives', 'USD');
    await getJson(finance, '/api/v1/disputes', 'USD');
    for (const id of Object.values(disputes))
      await getJson(dealerA, `/api/v1/disputes/${id}`, 'USD');

    const batch = await json<{ code: string }>(
      await finance.send('POST', '/api/v1/payouts', {}),
      201,
    );
    moneyFields(batch, 'USD', 'POST /payouts', checks);
    await getJson(finance, `/api/v1/payouts/${batch.code}`, 'USD');
    await getJson(finance, '/api/v1/payouts', 'USD');
    await getCsv(finance, `/api/v1/payouts/${batch.code}/export`, 'USD');

    await getJson(admin, '/api/v1/transactions?limit=100', 'USD');
    await getCsv(admin, '/api/v1/transactions/export', 'USD');
    await getJson(dealerA, '/api/v1/skus', 'USD');
    await getJson(dealerA, '/api/v1/skus/AURA-EX-BEV/prices', 'USD');

    const bad = checks.filter((c) => !minorUnitPattern(c.currency).test(c.value));
    expect(bad).toEqual([]);
    // The walk saw amounts of both currencies, open and frozen, in JSON and CSV.
    const seen = (currency: string, fragment: string) =>
      checks.filter((c) => c.currency === currency && c.where.includes(fragment)).length;
    expect(seen('JPY', '/export')).toBeGreaterThan(10);
    expect(seen('USD', '/export')).toBeGreaterThan(10);
    expect(seen('JPY', 'adjustment')).toBeGreaterThan(0);
    expect(seen('JPY', 'unitPrice')).toBeGreaterThan(0);
    expect(
      checks.filter((c) => c.where.endsWith('previouslySettled') && c.value !== '0.00').length,
    ).toBeGreaterThan(0);
    expect(checks.length).toBeGreaterThan(400);
  });
});
