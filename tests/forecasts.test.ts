import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, login, startTestApp, type Client, type TestApp } from './helpers/test-app';
import { txRow } from './helpers/fixtures';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { DEMO_PASSWORD, seedDemo } from '../src/server/modules/demo/seed';
import { BASELINE_JOB_KIND } from '../src/server/modules/forecasts/forecasts.service';
import { seedForecasts } from '../src/server/modules/forecasts/forecasts.seed';
import type {
  Accuracy,
  CycleAdjustments,
  DealerGrid,
  ForecastCycle,
  Rollup,
} from '../src/shared/schemas/forecasts';

type ErrorBody = {
  code: string;
  message: string;
  details: { problems?: { path?: string; code: string }[]; reason?: string };
};
type PlanRow = { modelLine: string; region: string; month: string; quantity: number; sku: string };

const TODAY = '2026-11-02';

describe.each(engines())('the forecast cycle (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let regional: Client;
  let principal: Client;
  let sales: Client;
  let otherDealer: Client;
  let cycle: ForecastCycle;
  let dealerCode: string;
  let foreignDealer: string;
  let regionCode: string;
  let line: string;
  const base = () => `/api/v1/forecasts/cycles/${cycle.id}`;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: TODAY });
    // History ends in September: October's actuals "arrive" later in the test.
    await seedDemo(t.services, {
      seed: 7,
      dealers: 12,
      months: 36,
      endMonth: '2026-09',
      modelLines: 8,
    });
    const who = await t.db.query<{ email: string; dealer: string | null; region: string | null }>(
      `select u.email, d.code as dealer, coalesce(r.code, dr.code) as region from users u
       left join dealers d on d.id = u.dealer_id left join regions dr on dr.id = d.region_id
       left join regions r on r.id = u.region_id`,
    );
    const byEmail = new Map(who.rows.map((r) => [r.email, r]));
    dealerCode = byEmail.get('dealer@forecourt.test')!.dealer!;
    regionCode = byEmail.get('region@forecourt.test')!.region!;
    const foreign = await t.db.query<{ code: string }>(
      `select d.code from dealers d join regions r on r.id = d.region_id
       where d.status = 'active' and r.path not like '%/' || $1 || '/%' order by d.code limit 1`,
      [regionCode],
    );
    foreignDealer = foreign.rows[0]!.code;
    [channel, regional, principal, sales, otherDealer] = (await Promise.all(
      [
        'channel@forecourt.test',
        'region@forecourt.test',
        'dealer@forecourt.test',
        'sales@forecourt.test',
        'dealer2@forecourt.test',
      ].map((email) => login(t.url, email, DEMO_PASSWORD)),
    )) as [Client, Client, Client, Client, Client];
  }, 120_000);
  afterAll(async () => t?.close());

  it('opens a cycle (manage only) and builds the baseline in a job with progress', async () => {
    const refused = await principal.send('POST', '/api/v1/forecasts/cycles', {});
    expect(refused.status).toBe(403);
    const res = await channel.send('POST', '/api/v1/forecasts/cycles', {
      cycleMonth: '2026-10',
      horizon: 6,
      adjustUntil: '2026-11-10',
    });
    expect(res.status, await res.clone().text()).toBe(201);
    cycle = (await res.json()) as ForecastCycle;
    expect(cycle).toMatchObject({ status: 'open', horizon: 6, cycleMonth: '2026-10' });
    expect(cycle.months).toEqual([
      '2026-10',
      '2026-11',
      '2026-12',
      '2027-01',
      '2027-02',
      '2027-03',
    ]);
    expect(cycle.baselineJobId).toBeGreaterThan(0);
    const again = await channel.send('POST', '/api/v1/forecasts/cycles', { cycleMonth: '2026-10' });
    expect(again.status).toBe(409);

    await t.services.jobs.settle(BASELINE_JOB_KIND);
    const job = (await (await channel.get(`/api/v1/jobs/${cycle.baselineJobId}`)).json()) as {
      status: string;
      progress: number;
    };
    expect(job).toMatchObject({ status: 'succeeded', progress: 100 });
    cycle = (await (await channel.get(base())).json()) as ForecastCycle;
    expect(cycle.status).toBe('adjusting');
    expect(cycle.isAdjustable).toBe(true);
    expect(cycle.signals.length).toBeGreaterThan(0);
    const { rows } = await t.db.query<{ dealers: number; lines: number }>(
      `select (select count(*)::int from dealers where status = 'active') as dealers,
              (select count(*)::int from model_lines where status = 'active') as lines`,
    );
    expect(cycle.totals.cells).toBe(rows[0]!.dealers * rows[0]!.lines * 6);
    expect(cycle.totals.baseline).toBeGreaterThan(0);
  });

  it('reconciles: dealer cells add up exactly to the region × model line forecasts', async () => {
    const { rows } = await t.db.query<{ n: number; bad: number }>(
      `select count(*)::int as n, (count(*) filter (where rl.baseline <> c.s))::int as bad
       from forecast_region_lines rl
       join (select region_id, model_line_id, target_month, sum(baseline) as s from forecast_cells where cycle_id = $1
             group by 1, 2, 3) c using (region_id, model_line_id, target_month)
       where rl.cycle_id = $1`,
      [cycle.id],
    );
    expect(rows[0]!.n).toBeGreaterThan(0);
    expect(rows[0]!.bad).toBe(0);
    const intervals = await t.db.query<{ bad: number }>(
      `select count(*)::int as bad from forecast_cells where cycle_id = $1
       and not (lower95 <= lower80 and lower80 <= baseline and baseline <= upper80 and upper80 <= upper95 and lower95 >= 0)`,
      [cycle.id],
    );
    expect(intervals.rows[0]!.bad).toBe(0);
  });

  // How fast the grid answers is measured by the forecast-network bench, not here (a test under
  // load cannot tell a slow machine from a slow grid).
  it("shows one dealer's grid, and only to those who may see the dealer", async () => {
    const res = await sales.get(`${base()}/dealers/${dealerCode}`);
    expect(res.status).toBe(200);
    const grid = (await res.json()) as DealerGrid;
    expect(grid.dealer.code).toBe(dealerCode);
    expect(grid.historyMonths).toHaveLength(12);
    expect(grid.lines.length).toBe(8);
    const withSales = grid.lines.find((l) => l.history.some((v) => v > 0))!;
    line = withSales.modelLine.code;
    expect(withSales.cells).toHaveLength(6);
    const cell = withSales.cells[0]!;
    expect(cell).toMatchObject({ month: '2026-10', horizon: 1, adjusted: null, override: null });
    expect(cell.consensus).toBe(cell.baseline);
    expect(cell.actual).toBeNull();
    expect(grid.reasonCodes).toContain('fleet_deal');
    expect((await otherDealer.get(`${base()}/dealers/${dealerCode}`)).status).toBe(404);
    expect((await regional.get(`${base()}/dealers/${foreignDealer}`)).status).toBe(404);
  });

  it('lets a dealer adjust its own cells with a reason; bad cells change nothing', async () => {
    const put = (client: Client, code: string, cells: unknown[]) =>
      client.send('PUT', `${base()}/dealers/${code}/cells`, { cells });
    const negative = await put(sales, dealerCode, [
      { modelLine: line, month: '2026-10', value: 5, reason: 'fleet_deal' },
      { modelLine: line, month: '2026-11', value: -1, reason: 'fleet_deal' },
    ]);
    expect(negative.status).toBe(400);
    const negativeBody = (await negative.json()) as ErrorBody;
    expect(negativeBody.details.problems?.map((p) => p.path)).toEqual(['body.cells.1.value']);
    const noReason = await put(sales, dealerCode, [
      { modelLine: line, month: '2026-10', value: 5 },
    ]);
    expect(noReason.status).toBe(400);
    expect(((await noReason.json()) as ErrorBody).details.problems?.[0]?.path).toBe(
      'body.cells.0.reason',
    );
    const outside = await put(sales, dealerCode, [
      { modelLine: line, month: '2026-10', value: 5, reason: 'other' },
      { modelLine: line, month: '2028-01', value: 5, reason: 'other' },
    ]);
    expect(outside.status).toBe(400);
    expect(((await outside.json()) as ErrorBody).details.problems?.[0]?.path).toBe(
      'body.cells.1.month',
    );
    const edits = async () =>
      (
        await t.db.query<{ n: number }>(
          'select count(*)::int as n from forecast_edits where cycle_id = $1',
          [cycle.id],
        )
      ).rows[0]!.n;
    expect(await edits()).toBe(0);

    const foreign = await put(otherDealer, dealerCode, [
      { modelLine: line, month: '2026-10', value: 5, reason: 'other' },
    ]);
    expect(foreign.status).toBe(404);
    const reviewerCannotAdjust = await put(regional, dealerCode, [
      { modelLine: line, month: '2026-10', value: 5, reason: 'other' },
    ]);
    expect(reviewerCannotAdjust.status).toBe(403);

    const ok = await put(sales, dealerCode, [
      {
        modelLine: line,
        month: '2026-10',
        value: 9,
        reason: 'fleet_deal',
        comment: 'city fleet, 4 units',
      },
      { modelLine: line, month: '2026-11', value: 0, reason: 'supply' },
    ]);
    expect(ok.status, await ok.clone().text()).toBe(200);
    const { updated, grid } = (await ok.json()) as { updated: number; grid: DealerGrid };
    expect(updated).toBe(2);
    const cell = grid.lines.find((l) => l.modelLine.code === line)!.cells[0]!;
    expect(cell).toMatchObject({
      adjusted: 9,
      adjustReason: 'fleet_deal',
      adjustComment: 'city fleet, 4 units',
      consensus: 9,
    });
    expect(cell.edits).toHaveLength(1);
    expect(cell.edits[0]).toMatchObject({
      kind: 'adjust',
      from: cell.baseline,
      to: 9,
      reason: 'fleet_deal',
    });
    expect(await edits()).toBe(2);
  });

  it('refuses adjustments once the window has passed', async () => {
    await t.db.query(`update forecast_cycles set adjust_until = '2026-11-01' where id = $1`, [
      cycle.id,
    ]);
    const late = await sales.send('PUT', `${base()}/dealers/${dealerCode}/cells`, {
      cells: [{ modelLine: line, month: '2026-12', value: 3, reason: 'other' }],
    });
    expect(late.status).toBe(409);
    expect(((await late.json()) as ErrorBody).details.reason).toBe('window_closed');
    await t.db.query(`update forecast_cycles set adjust_until = '2026-11-10' where id = $1`, [
      cycle.id,
    ]);
  });

  it('lets the region review only its own dealers: override and accept', async () => {
    const inRegion = await t.db.query<{ n: number }>(
      `select count(*)::int as n from dealers d join regions r on r.id = d.region_id
       where d.code = $1 and r.path like '%/' || $2 || '/%'`,
      [dealerCode, regionCode],
    );
    const foreign = await regional.send(
      'POST',
      `${base()}/dealers/${foreignDealer}/cells/override`,
      {
        cells: [{ modelLine: line, month: '2026-10', value: 1, reason: 'not mine' }],
      },
    );
    expect(foreign.status).toBe(404);
    const byDealer = await sales.send('POST', `${base()}/dealers/${dealerCode}/cells/override`, {
      cells: [{ modelLine: line, month: '2026-10', value: 1, reason: 'x' }],
    });
    expect(byDealer.status).toBe(403);
    // The channel manager reviews the whole network; the regional manager only its region.
    const reviewer = inRegion.rows[0]!.n > 0 ? regional : channel;
    const override = await reviewer.send('POST', `${base()}/dealers/${dealerCode}/cells/override`, {
      cells: [{ modelLine: line, month: '2026-10', value: 7, reason: 'fleet deal counted twice' }],
    });
    expect(override.status, await override.clone().text()).toBe(200);
    const grid = ((await override.json()) as { grid: DealerGrid }).grid;
    const cell = grid.lines.find((l) => l.modelLine.code === line)!.cells[0]!;
    expect(cell).toMatchObject({
      adjusted: 9,
      override: 7,
      consensus: 7,
      reviewStatus: 'overridden',
    });
    expect(cell.edits.map((e) => e.kind)).toEqual(['adjust', 'override']);
    const accept = await reviewer.send('POST', `${base()}/dealers/${dealerCode}/cells/accept`, {
      cells: [{ modelLine: line, month: '2026-11' }],
    });
    expect(accept.status).toBe(200);
    const accepted = ((await accept.json()) as { grid: DealerGrid }).grid.lines.find(
      (l) => l.modelLine.code === line,
    )!.cells[1]!;
    expect(accepted).toMatchObject({ adjusted: 0, consensus: 0, reviewStatus: 'accepted' });
  });

  it("lists the adjusted cells to review, per dealer, within the reviewer's scope", async () => {
    expect((await sales.get(`${base()}/adjustments`)).status).toBe(403);
    const all = (await (await channel.get(`${base()}/adjustments`)).json()) as CycleAdjustments;
    expect(all.dealers.map((d) => d.code)).toEqual([dealerCode]);
    const dealer = all.dealers[0]!;
    expect(dealer).toMatchObject({ pendingCells: 0, acceptedCells: 1, overriddenCells: 1 });
    expect(dealer.cells.map((c) => [c.modelLine, c.month, c.reviewStatus])).toEqual([
      [line, '2026-10', 'overridden'],
      [line, '2026-11', 'accepted'],
    ]);
    expect(dealer.cells[0]).toMatchObject({
      adjusted: 9,
      adjustReason: 'fleet_deal',
      override: 7,
      consensus: 7,
    });
    expect(dealer.consensus).toBe(7);
    const mine = (await (await regional.get(`${base()}/adjustments`)).json()) as CycleAdjustments;
    const inRegion = await t.db.query<{ code: string }>(
      `select d.code from dealers d join regions r on r.id = d.region_id
       where d.code = $1 and r.path like '%/' || $2 || '/%'`,
      [dealerCode, regionCode],
    );
    expect(mine.dealers.map((d) => d.code)).toEqual(inRegion.rows.map((r) => r.code));
    expect((await channel.get('/api/v1/forecasts/cycles/999999/adjustments')).status).toBe(404);
  });

  it('rolls up by region, model line and powertrain', async () => {
    const totals: number[] = [];
    for (const by of ['region', 'model_line', 'powertrain'] as const) {
      const res = await channel.get(`${base()}/rollup?by=${by}`);
      expect(res.status).toBe(200);
      const rollup = (await res.json()) as Rollup;
      expect(rollup.rows.length).toBeGreaterThan(0);
      totals.push(rollup.total.consensus.reduce((a, b) => a + b, 0));
    }
    const current = (await (await channel.get(base())).json()) as ForecastCycle;
    for (const total of totals) expect(total).toBeCloseTo(current.totals.consensus, 1);
    const dealerView = (await (await principal.get(`${base()}/rollup?by=region`)).json()) as Rollup;
    expect(dealerView.rows).toHaveLength(1);
  });

  it('locks the consensus; afterwards every edit is refused', async () => {
    expect((await regional.send('POST', `${base()}/lock`)).status).toBe(403);
    const noPlanYet = await channel.get(`${base()}/demand-plan`);
    expect(noPlanYet.status).toBe(409);
    const lock = await channel.send('POST', `${base()}/lock`);
    expect(lock.status, await lock.clone().text()).toBe(200);
    expect(((await lock.json()) as ForecastCycle).status).toBe('locked');
    const snapshot = async () =>
      (
        await t.db.query<{ s: string }>(
          `select string_agg(concat_ws(',', dealer_id, model_line_id, target_month, consensus), ';'
             order by dealer_id, model_line_id, target_month) as s from forecast_cells where cycle_id = $1`,
          [cycle.id],
        )
      ).rows[0]!.s;
    const before = await snapshot();
    const adjust = await sales.send('PUT', `${base()}/dealers/${dealerCode}/cells`, {
      cells: [{ modelLine: line, month: '2026-12', value: 3, reason: 'other' }],
    });
    expect(adjust.status).toBe(409);
    const override = await channel.send('POST', `${base()}/dealers/${dealerCode}/cells/override`, {
      cells: [{ modelLine: line, month: '2026-12', value: 3, reason: 'late' }],
    });
    expect(override.status).toBe(409);
    expect(
      (await channel.send('POST', `${base()}/dealers/${dealerCode}/cells/accept`, {})).status,
    ).toBe(409);
    expect((await channel.send('POST', `${base()}/lock`)).status).toBe(409);
    expect((await channel.send('POST', `${base()}/publish`)).status).toBe(200);
    expect(await snapshot()).toBe(before);
    const grid = (await (await sales.get(`${base()}/dealers/${dealerCode}`)).json()) as DealerGrid;
    expect(grid.lines.find((l) => l.modelLine.code === line)!.cells[0]!.consensus).toBe(7);
  });

  it('exports a demand plan whose quantities add up to the consensus', async () => {
    const res = await channel.get(`${base()}/demand-plan`);
    expect(res.status).toBe(200);
    const plan = (await res.json()) as { rows: PlanRow[] };
    const { rows } = await t.db.query<{ k: string; q: string }>(
      `select m.code || '|' || r.code || '|' || to_char(c.target_month, 'YYYY-MM') as k, sum(c.consensus)::text as q
       from forecast_cells c join model_lines m on m.id = c.model_line_id join regions r on r.id = c.region_id
       where c.cycle_id = $1 group by 1`,
      [cycle.id],
    );
    const planned = new Map<string, number>();
    for (const r of plan.rows) {
      const k = `${r.modelLine}|${r.region}|${r.month}`;
      planned.set(k, Math.round(((planned.get(k) ?? 0) + r.quantity) * 1000));
      planned.set(k, planned.get(k)! / 1000);
    }
    expect(planned.size).toBe(rows.length);
    for (const r of rows) expect(planned.get(r.k), r.k).toBe(Number(r.q));
    expect(plan.rows.every((r) => r.sku !== '' && r.quantity >= 0)).toBe(true);
    const csv = await channel.get(`${base()}/demand-plan?format=csv`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe(
      'modelLine,sku,powertrain,skuShare,region,month,quantity,lower80,upper80,lower95,upper95',
    );
    expect(lines).toHaveLength(plan.rows.length + 1);
  });

  it('measures accuracy once actuals arrive, scoped to what the reader may see', async () => {
    const before = (await (await channel.get('/api/v1/forecasts/accuracy')).json()) as Accuracy;
    expect(before.cells).toBe(0);
    expect(before.summary.baseline.wape).toBeNull();
    const sku = await t.db.query<{ code: string }>(
      `select s.code from skus s join model_lines m on m.id = s.model_line_id where m.code = $1 order by s.code limit 1`,
      [line],
    );
    await t.services.transactions.ingest({
      actor: SYSTEM_ACTOR,
      format: 'json',
      body: (async function* () {
        for (let i = 0; i < 6; i += 1)
          yield {
            row: i + 1,
            value: txRow({
              dealerCode,
              sku: sku.rows[0]!.code,
              occurredOn: '2026-10-15',
              externalId: `FC-OCT-${i}`,
            }),
          };
      })(),
      byteLimit: Infinity,
    });
    const after = (await (
      await channel.get(`/api/v1/forecasts/accuracy?cycleId=${cycle.id}&by=dealer`)
    ).json()) as Accuracy;
    expect(after.throughMonth).toBe('2026-10');
    expect(after.cells).toBeGreaterThan(0);
    expect(after.actual).toBe(6);
    expect(after.summary.baseline.wape).not.toBeNull();
    expect(after.summary.consensus.mase).not.toBeNull();
    expect(after.valueAdded.adjustmentsOverBaseline).not.toBeNull();
    expect(after.groups.length).toBe(cycle.totals.dealers);
    const mine = (await (
      await principal.get('/api/v1/forecasts/accuracy?by=dealer')
    ).json()) as Accuracy;
    expect(mine.groups.map((g) => g.key)).toEqual([dealerCode]);
    expect(mine.actual).toBe(6);
    const grid = (await (await sales.get(`${base()}/dealers/${dealerCode}`)).json()) as DealerGrid;
    expect(grid.lines.find((l) => l.modelLine.code === line)!.cells[0]!.actual).toBe(6);
  });

  it("forecasts nothing after a model line's planned end of sale", async () => {
    const ends = await channel.send('PATCH', `/api/v1/model-lines/${line}`, {
      salesEndOn: '2026-12-15',
    });
    expect(ends.status).toBe(200);
    const res = await channel.send('POST', '/api/v1/forecasts/cycles', {
      cycleMonth: '2026-11',
      horizon: 4,
      adjustUntil: '2026-11-10',
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const next = (await res.json()) as ForecastCycle;
    await t.services.jobs.settle(BASELINE_JOB_KIND);
    const { rows } = await t.db.query<{ month: string; ended: number; others: number }>(
      `select to_char(c.target_month, 'YYYY-MM') as month,
              sum(c.baseline) filter (where m.code = $2)::float as ended,
              sum(c.baseline) filter (where m.code <> $2)::float as others
       from forecast_cells c join model_lines m on m.id = c.model_line_id
       where c.cycle_id = $1 group by 1 order by 1`,
      [next.id, line],
    );
    expect(rows.map((r) => r.month)).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
    expect(rows[0]!.ended).toBeGreaterThan(0);
    // December: about half of it (15 of 31 days); January on: nothing, while the others sell on.
    expect(rows[1]!.ended).toBeGreaterThan(0);
    expect(rows[1]!.ended).toBeLessThan(rows[0]!.ended);
    for (const r of rows.slice(2)) {
      expect(r.ended).toBe(0);
      expect(r.others).toBeGreaterThan(0);
    }
    await channel.send('PATCH', `/api/v1/model-lines/${line}`, { salesEndOn: null });
  });
});

describe.each(engines())('the demo forecast cycles (%s)', (engine) => {
  let t: TestApp;
  afterAll(async () => t?.close());

  it('seeds a cycle in its adjustment window and an earlier locked one with accuracy', async () => {
    t = await startTestApp(engine, {}, { today: TODAY });
    // NODE_ENV=test: seedDemo leaves the forecast cycles out unless asked.
    await seedDemo(t.services, {
      seed: 3,
      dealers: 10,
      months: 30,
      endMonth: '2026-10',
      modelLines: 6,
    });
    expect((await t.services.forecasts.findCycles({ actor: SYSTEM_ACTOR })).length).toBe(0);
    const seeded = await seedForecasts(t.services);
    const cycles = await t.services.forecasts.findCycles({ actor: SYSTEM_ACTOR });
    expect(cycles.map((c) => [c.cycleMonth, c.status])).toEqual([
      ['2026-11', 'adjusting'],
      ['2026-05', 'published'],
    ]);
    expect(seeded).toEqual({ openCycleId: cycles[0]!.id, lockedCycleId: cycles[1]!.id });
    expect(cycles[0]!.isAdjustable).toBe(true);
    expect(cycles[0]!.totals.adjustedCells).toBeGreaterThan(0);
    const review = await t.services.forecasts.findAdjustments({
      actor: SYSTEM_ACTOR,
      id: cycles[0]!.id,
    });
    expect(review.dealers.some((d) => d.pendingCells > 0)).toBe(true);
    // the demo dealer's own adjustments, by its own login
    const { rows } = await t.db.query<{ code: string }>(
      `select d.code from users u join dealers d on d.id = u.dealer_id where u.email = 'dealer@forecourt.test'`,
    );
    const own = review.dealers.find((d) => d.code === rows[0]!.code)!;
    expect(own.cells.every((c) => c.adjustedBy?.includes('Dana Principal'))).toBe(true);
    const accuracy = await t.services.forecasts.getAccuracy({ actor: SYSTEM_ACTOR, by: 'horizon' });
    expect(accuracy.cycles.map((c) => c.cycleMonth)).toEqual(['2026-05']);
    expect(accuracy.throughMonth).toBe('2026-10');
    expect(accuracy.groups.map((g) => g.key)).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(accuracy.valueAdded.adjustmentsOverBaseline).not.toBeNull();
    expect(accuracy.valueAdded.baselineOverSpreadsheet).not.toBeNull();
  }, 240_000);
});
