/**
 * Issue 13, defect 1: forecast accuracy for a regional manager took minutes on the embedded
 * database (the planner, without statistics, re-aggregated the sales roll-up for every forecast
 * cell of the region), and every other request waited. Checked as behaviour, not time: in every
 * query of the report, for a region as for the network, the sales roll-up is read once and joined
 * to the cells without a nested loop (the plans, run with EXPLAIN ANALYZE: `monthly_actuals`
 * scanned in one loop, under no Nested Loop join), and /readyz answers while a regional report
 * runs. And the sales roll-up is aggregated for the scope's dealers only: for a region or one
 * dealer it used to sum the whole network's months and keep the scope's on the join (its first
 * month was also a sub-select the planner could not see).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR, type Actor } from '../src/server/auth/actor';
import type { Db } from '../src/server/db/db';
import { DEMO_PASSWORD, seedDemo } from '../src/server/modules/demo/seed';
import { createForecastReportsService } from '../src/server/modules/forecasts/forecast-reports.service';
import { seedForecasts } from '../src/server/modules/forecasts/forecasts.seed';
import {
  explaining,
  innerAggregatesOver,
  nestedLoopsOver,
  type PlanNode,
  scansOf,
} from './helpers/plans';
import { firstRegionWithDealers } from './helpers/scopes';
import { engines, json, login, startTestApp, type Client, type TestApp } from './helpers/test-app';

type Accuracy = { cells: number; groups: { key: string }[] };
describe.each(engines())('forecast accuracy by scope (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let region: Client;

  beforeAll(async () => {
    t = await startTestApp(engine, { LOGIN_RATE_LIMIT_PER_MINUTE: '100' }, { today: '2026-11-15' });
    await seedDemo(t.services, {
      seed: 3,
      dealers: 48,
      months: 30,
      endMonth: '2026-10',
      modelLines: 12,
    });
    await seedForecasts(t.services);
    [channel, region] = await Promise.all([
      login(t.url, 'channel@forecourt.test', DEMO_PASSWORD),
      login(t.url, 'region@forecourt.test', DEMO_PASSWORD),
    ]);
  }, 300_000);
  afterAll(async () => t?.close());

  it("joins the sales roll-up once, without a nested loop, aggregated for the scope's dealers only (network, region, dealer); /readyz answers meanwhile", async () => {
    const path = '/api/v1/forecasts/accuracy?by=dealer';
    const network = await json<Accuracy>(await channel.get(path), 200);
    const regional = await json<Accuracy>(await region.get(path), 200);
    expect(regional.cells).toBeGreaterThan(0);
    expect(regional.cells).toBeLessThan(network.cells);

    // The report's queries through a database that also runs each one under EXPLAIN ANALYZE.
    const plans: PlanNode[] = [];
    const readDb: Db = {
      ...t.db,
      transaction: (fn) =>
        t.db.transaction(async (tx) => {
          // one process per plan node (a parallel scan counts a loop per worker)
          if (engine === 'postgres')
            await tx.query('set local max_parallel_workers_per_gather = 0');
          return fn(explaining(tx, /monthly_actuals/, plans));
        }),
    };
    const reports = createForecastReportsService(
      { db: t.db, readDb, today: () => '2026-11-15' },
      { cycleOrThrow: () => Promise.reject(new Error('not used')) },
    );
    const { scope: regionScope, dealers } = await firstRegionWithDealers(t.db);
    const inRegion: Actor = { ...SYSTEM_ACTOR, role: 'regional_manager', scope: regionScope };
    const oneDealer: Actor = {
      ...SYSTEM_ACTOR,
      role: 'dealer_principal',
      scope: {
        kind: 'dealers',
        dealerIds: [dealers[0]!.id],
        dealerCodes: [dealers[0]!.code],
        label: dealers[0]!.code,
      },
    };
    // The sales roll-up's groups (dealer × model line × month, any kind) of a scope's dealers
    // over the cycles' months: the most the report's sales aggregate may produce for it.
    const { rows: first } = await t.db.query<{ month: string }>(
      `select to_char(min(cycle_month), 'YYYY-MM-DD') as month from forecast_cycles
        where status in ('locked', 'published')`,
    );
    const groupsIn = async (dealerSql: string, params: unknown[], through: string) => {
      const { rows } = await t.db.query<{ n: number }>(
        `select count(distinct (ma.dealer_id, s.model_line_id, ma.month))::int as n
           from monthly_actuals ma join skus s on s.id = ma.sku_id
          where ma.month between $1::date and $2::date and ${dealerSql}`,
        [first[0]!.month, `${through}-01`, ...params],
      );
      return rows[0]!.n;
    };
    for (const actor of [SYSTEM_ACTOR, inRegion, oneDealer]) {
      plans.length = 0;
      const report = await reports.getAccuracy({ actor, by: 'dealer' });
      expect(report.cells).toBeGreaterThan(0);
      expect(plans).toHaveLength(3);
      const scope = actor.scope;
      const inScope =
        scope.kind === 'network'
          ? await groupsIn('true', [], report.throughMonth!)
          : scope.kind === 'region'
            ? await groupsIn(
                'ma.dealer_id in (select d.id from dealers d join regions r on r.id = d.region_id where starts_with(r.path, $3))',
                [scope.path],
                report.throughMonth!,
              )
            : await groupsIn(
                'ma.dealer_id = any($3::int[])',
                [scope.dealerIds],
                report.throughMonth!,
              );
      expect(inScope).toBeGreaterThan(0);
      for (const plan of plans) {
        // The sales are aggregated for the scope's dealers only, not for the whole network.
        const aggregates = innerAggregatesOver(plan, 'monthly_actuals');
        expect(aggregates.length).toBeGreaterThan(0);
        for (const rows of aggregates) expect(rows).toBeLessThanOrEqual(inScope);
        const scans = scansOf(plan, 'monthly_actuals');
        expect(scans.length).toBeGreaterThan(0);
        expect(
          scans.every((loops) => loops === 1),
          `loops ${scans.join(', ')}`,
        ).toBe(true);
        expect(nestedLoopsOver(plan, 'monthly_actuals'), JSON.stringify(plan)).toBe(0);
      }
    }

    // While a regional report runs, the readiness check answers.
    const report = region.get(path);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect((await report).status).toBe(200);
  });
});
