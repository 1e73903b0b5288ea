/**
 * Issue 13, "Planning help in the agreement editor": per line and period the prior year's actual
 * units, round(priorYear × trend factor), the locked forecast consensus and the suggestion; the
 * dealer reads the same comparison for its own proposal, never for another dealer's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trendHundredths } from '../src/server/modules/agreements/planning-help';
import { PASSWORD, seedFixtures, USERS } from './helpers/fixtures';
import { engines, json, login, startTestApp, type Client, type TestApp } from './helpers/test-app';

type Line = {
  target: { kind: string; code: string; label: string };
  trend: { recent12: number; previous12: number; factor: string; anchorMonth: string };
  periods: {
    period: string;
    priorYear: number | null;
    history: number | null;
    consensus: number | null;
    suggested: number;
    basis: string;
  }[];
  planned?: number[];
  totals: { priorYear: number | null; suggested: number };
};
type Help = { dealerCode: string; periods: string[]; formula: string; lines: Line[] };

// Dealer A's Aura sales: 2024 is 10 a month (120); 2025 is month + 10 retail deliveries with one
// unwind in March (198 - 1 = 197). Factor = round(197 / 120, 2) = 1.64.
const SALES_2025 = [11, 12, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22];
const FACTOR = 164;

describe('the trend factor', () => {
  it('is recent / previous in hundredths, rounded half up, capped to 0.50–2.00, 1.00 without history', () => {
    expect(trendHundredths(197, 120)).toBe(164); // 1.6417
    expect(trendHundredths(201, 200)).toBe(101); // 1.005 → 1.01
    expect(trendHundredths(500, 100)).toBe(200);
    expect(trendHundredths(10, 100)).toBe(50);
    expect(trendHundredths(0, 100)).toBe(50);
    expect(trendHundredths(30, 0)).toBe(100);
  });
});

describe.each(engines())('planning help (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let dealerA: Client;
  let dealerB: Client;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-06-15' });
    await seedFixtures(t.db);
    const rows: string[] = [];
    for (let m = 1; m <= 12; m++) {
      const mm = String(m).padStart(2, '0');
      rows.push(`('2024-${mm}-01', 'AURA-LX-ICE', 'retail_delivery', 10)`);
      rows.push(`('2025-${mm}-01', 'AURA-LX-ICE', 'retail_delivery', ${m + 10})`);
      // not counted: wholesale orders, and another model line
      rows.push(`('2025-${mm}-01', 'AURA-EX-BEV', 'wholesale_order', 50)`);
      rows.push(`('2025-${mm}-01', 'BOLT-XL-HEV', 'retail_delivery', 70)`);
    }
    rows.push(`('2025-03-01', 'AURA-EX-BEV', 'unwind', -1)`);
    await t.db.query(
      `insert into monthly_actuals (dealer_id, sku_id, month, kind, quantity, amount, row_count)
       select (select id from dealers where code = 'DLR-ALPHA'), s.id, v.month::date, v.kind, v.q, 0, 1
       from (values ${rows.join(', ')}) as v(month, sku, kind, q) join skus s on s.code = v.sku`,
    );
    // A locked cycle with consensus for July–September 2026 (and an open one that must not count).
    await t.db.query(
      `insert into forecast_cycles (cycle_month, status, horizon, history_months, adjust_until)
       values ('2026-07-01', 'locked', 3, 24, '2026-06-30'), ('2026-08-01', 'open', 3, 24, '2026-07-30')`,
    );
    await t.db.query(
      `insert into forecast_cells (cycle_id, dealer_id, model_line_id, target_month, region_id, horizon,
         baseline, lower80, upper80, lower95, upper95, method, spreadsheet, mase_scale, consensus)
       select c.id, d.id, m.id, v.month::date, d.region_id, 1, 10, 5, 15, 3, 17, 'ets', 10, 1,
              case when c.status = 'locked' then v.consensus::numeric end
       from forecast_cycles c, dealers d, model_lines m,
            (values ('2026-07-01', '20.400'), ('2026-08-01', '20.500'), ('2026-09-01', '30.499')) as v(month, consensus)
       where d.code = 'DLR-ALPHA' and m.code = 'ML-AURA' and (c.status = 'locked' or v.month <> '2026-07-01')`,
    );
    [channel, dealerA, dealerB] = await Promise.all([
      login(t.url, USERS.channel, PASSWORD),
      login(t.url, USERS.dealerA, PASSWORD),
      login(t.url, USERS.dealerB, PASSWORD),
    ]);
  });
  afterAll(async () => t?.close());

  const help = (client: Client, query: string) =>
    client.get(`/api/v1/agreements/planning-help?${query}`);

  it('gives the prior year exactly, the history formula, and the consensus where a locked cycle covers the month', async () => {
    const body = await json<Help>(
      await help(
        channel,
        'dealerCode=DLR-ALPHA&startMonth=2026-01&months=12&target=model_line:ML-AURA,sku:AURA-LX-ICE',
      ),
      200,
    );
    expect(body.periods).toHaveLength(12);
    const [aura, lx] = body.lines as [Line, Line];
    expect(aura.target).toMatchObject({ kind: 'model_line', code: 'ML-AURA', label: 'Aura' });
    expect(aura.periods.map((p) => p.priorYear)).toEqual(SALES_2025);
    expect(aura.totals.priorYear).toBe(197);
    expect(aura.trend).toEqual({
      recent12: 197,
      previous12: 120,
      factor: '1.64',
      anchorMonth: '2026-01',
    });
    // round(priorYear × 1.64), half up: 11 × 1.64 = 18.04 → 18, 14 × 1.64 = 22.96 → 23 …
    expect(aura.periods.map((p) => p.history)).toEqual(
      SALES_2025.map((q) => Math.floor((2 * q * FACTOR + 100) / 200)),
    );
    expect(aura.periods[0]).toMatchObject({
      history: 18,
      consensus: null,
      suggested: 18,
      basis: 'history',
    });
    // July–September: the locked cycle's consensus, rounded half up (20.4 → 20, 20.5 → 21, 30.499 → 30)
    expect(aura.periods.slice(6, 9).map((p) => [p.consensus, p.suggested, p.basis])).toEqual([
      [20, 20, 'consensus'],
      [21, 21, 'consensus'],
      [30, 30, 'consensus'],
    ]);
    expect(aura.periods[9]).toMatchObject({ consensus: null, basis: 'history' });
    expect(aura.totals.suggested).toBe(aura.periods.reduce((s, p) => s + p.suggested, 0));
    // an SKU line: its own units (no unwind on the EX), no consensus (forecasts are per model line)
    expect(lx.periods.map((p) => p.priorYear)).toEqual(
      SALES_2025.map((q, i) => (i === 2 ? q + 1 : q)),
    );
    expect(lx.periods.every((p) => p.consensus === null)).toBe(true);
    expect(body.formula).toContain('round(priorYear × factor)');
  });

  it('sums quarters; a quarter is consensus only when every month is covered', async () => {
    const body = await json<Help>(
      await help(
        channel,
        'dealerCode=DLR-ALPHA&startMonth=2026-01&months=12&frequency=quarterly&target=model_line:ML-AURA',
      ),
      200,
    );
    const q = body.lines[0]!.periods;
    expect(q.map((p) => p.period)).toEqual(['2026-Q1', '2026-Q2', '2026-Q3', '2026-Q4']);
    expect(q.map((p) => p.priorYear)).toEqual([35, 45, 54, 63]);
    expect(q[2]).toMatchObject({ consensus: 71, suggested: 71, basis: 'consensus' }); // 71.399
    expect(q[3]).toMatchObject({ consensus: null, history: 103, basis: 'history' }); // 63 × 1.64 = 103.32
  });

  it('leaves the prior year empty for months not yet complete', async () => {
    const body = await json<Help>(
      await help(
        channel,
        'dealerCode=DLR-ALPHA&startMonth=2027-05&months=3&target=model_line:ML-AURA',
      ),
      200,
    );
    const [may, jun] = body.lines[0]!.periods as [Line['periods'][0], Line['periods'][0]];
    expect(may).toMatchObject({ period: '2027-05', priorYear: 0 });
    expect(jun).toMatchObject({
      period: '2027-06',
      priorYear: null,
      history: null,
      suggested: 0,
      basis: 'none',
    });
    // anchored on the current month: 2025-06 … 2026-05 against 2024-06 … 2025-05
    expect(body.lines[0]!.trend.anchorMonth).toBe('2026-06');
  });

  it('answers 400 with the path for an unknown or malformed target', async () => {
    const res = await help(
      channel,
      'dealerCode=DLR-ALPHA&startMonth=2026-01&months=12&target=model_line:ML-AURA,model_line:ML-NOPE',
    );
    const body = await json<{ code: string; details: { problems: { path: string }[] } }>(res, 400);
    expect(body.details.problems).toEqual([
      expect.objectContaining({ path: 'query.target[1]', code: 'unknown_product' }),
    ]);
    const bad = await json<{ details: { problems: { path: string }[] } }>(
      await help(channel, 'dealerCode=DLR-ALPHA&startMonth=2026-01&months=12&target=ML-AURA'),
      400,
    );
    expect(bad.details.problems[0]!.path).toBe('query.target[0]');
  });

  it('is for drafting (agreements:write): a dealer gets 403', async () => {
    const res = await help(
      dealerA,
      'dealerCode=DLR-ALPHA&startMonth=2026-01&months=12&target=model_line:ML-AURA',
    );
    expect(res.status).toBe(403);
  });

  it('shows the dealer its proposal beside the prior year and the forecast; dealer B gets 404', async () => {
    let a = await json<{ id: number; version: number }>(
      await channel.send('POST', '/api/v1/agreements', {
        dealerCode: 'DLR-ALPHA',
        startMonth: '2026-01',
        months: 12,
        lines: [{ target: { kind: 'model_line', code: 'ML-AURA' }, total: 240 }],
      }),
      201,
    );
    a = await json(
      await channel.send('POST', `/api/v1/agreements/${a.id}/propose`, { version: a.version }),
      200,
    );
    const mine = await json<Help>(
      await dealerA.get(`/api/v1/agreements/${a.id}/planning-help`),
      200,
    );
    expect(mine.lines[0]!.planned).toEqual(Array(12).fill(20));
    expect(mine.lines[0]!.periods.map((p) => p.priorYear)).toEqual(SALES_2025);
    expect(mine.lines[0]!.periods[6]!.consensus).toBe(20);
    const other = await dealerB.get(`/api/v1/agreements/${a.id}/planning-help`);
    expect(other.status).toBe(404);
    expect(await other.text()).not.toContain('DLR-ALPHA');
  });
});
