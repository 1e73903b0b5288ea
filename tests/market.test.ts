/**
 * Issue 14 §2–3 through the API: the all-brand market feed (CSV and JSON, all or nothing,
 * idempotent, problems by row and field, network keys only), dealers' areas of responsibility,
 * sales effectiveness (sales ÷ Σ segments region share × area registrations, scoped: a dealer sees
 * its own figures and its own areas' market), the high performers with their decomposition as
 * CSV, and the value of interventions against comparable dealers (same region and size band).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import type { Effectiveness } from '../src/shared/schemas/market';
import type {
  InterventionValue,
  PerformanceRecord,
} from '../src/shared/schemas/insights-performance';
import {
  createDealerFeedKey,
  ingestRows,
  PASSWORD,
  seedFixtures,
  txRow,
  USERS,
} from './helpers/fixtures';
import {
  bearer,
  engines,
  json,
  login,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';

const CSV = 'text/csv';
const HEADER = 'area,areaName,segment,month,units';

describe.each(engines())('market, effectiveness, high performers (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let west: Client;
  let dealerA: Client;
  let dealerB: Client;
  let feed: Client;
  let alphaKey: Client;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-10-20' });
    await seedFixtures(t.db);
    [channel, west, dealerA, dealerB] = await Promise.all([
      login(t.url, USERS.channel, PASSWORD),
      login(t.url, USERS.regionalWest, PASSWORD),
      login(t.url, USERS.dealerA, PASSWORD),
      login(t.url, USERS.dealerB, PASSWORD),
    ]);
    const network = await t.services.accounts.createApiKey({
      actor: SYSTEM_ACTOR,
      data: {
        name: 'Registrations vendor',
        role: 'integration',
        regionCode: null,
        dealerCode: null,
        dealerGroupCode: null,
      },
    });
    feed = bearer(t.url, network.key);
    alphaKey = bearer(t.url, (await createDealerFeedKey(t.services, 'DLR-ALPHA', 'Alpha')).key);
    // September 2026: Alpha and Charlie (West) 20 compact SUVs each, Bravo (East) 5.
    const rows = [];
    for (const [dealerCode, n] of [
      ['DLR-ALPHA', 20],
      ['DLR-CHARLIE', 20],
      ['DLR-BRAVO', 5],
    ] as const)
      for (let i = 0; i < n; i += 1) rows.push(txRow({ dealerCode, occurredOn: '2026-09-10' }));
    await ingestRows(t.services, rows);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('refuses a batch with a bad row whole, naming the row and field', async () => {
    const bad = [
      HEADER,
      '93701,Fresno,compact SUV,2026-09,100',
      '97301,Salem,compact SUV,2026-13,5',
      'B1,Albany,compact SUV,2026-09,-1',
    ].join('\n');
    const res = await feed.send('POST', '/api/v1/market/registrations', bad, {
      'content-type': CSV,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { details: { problems: { row: number; field: string }[] } };
    expect(body.details.problems).toEqual([
      expect.objectContaining({ row: 2, field: 'month' }),
      expect.objectContaining({ row: 3, field: 'units' }),
    ]);
    const { rows } = await t.db.query<{ n: number }>(
      'select count(*)::int as n from market_registrations',
    );
    expect(rows[0]!.n).toBe(0);
    const conflict = [HEADER, 'B1,Albany,pickup,2026-09,3', 'B1,Albany,pickup,2026-09,4'].join(
      '\n',
    );
    const dup = await feed.send('POST', '/api/v1/market/registrations', conflict, {
      'content-type': CSV,
    });
    expect(dup.status).toBe(400);
  });

  it('stores a batch once: sent again it changes nothing; other units replace', async () => {
    const good = [
      HEADER,
      '93701,Fresno,compact SUV,2026-09,100',
      '97301,Salem,compact SUV,2026-09,200',
      'B1,Albany County,compact SUV,2026-09,50',
    ].join('\n');
    const first = await json(
      await feed.send('POST', '/api/v1/market/registrations', good, { 'content-type': CSV }),
      200,
    );
    expect(first).toEqual({ received: 3, areas: 3, changed: 3, unchanged: 0 });
    const again = await json(
      await feed.send('POST', '/api/v1/market/registrations', good, { 'content-type': CSV }),
      200,
    );
    expect(again).toEqual({ received: 3, areas: 0, changed: 0, unchanged: 3 });
    const json2 = await json(
      await channel.send('POST', '/api/v1/market/registrations', [
        { area: 'B1', segment: 'pickup', month: '2026-09', units: 7 },
      ]),
      200,
    );
    expect(json2).toMatchObject({ changed: 1 });
    const { rows } = await t.db.query<{ kind: string }>(
      `select kind from market_areas where code in ('93701', 'B1') order by code`,
    );
    expect(rows.map((r) => r.kind)).toEqual(['postcode', 'county']);
  });

  it('takes the market from the network only', async () => {
    const row = [{ area: 'X1', segment: 'pickup', month: '2026-09', units: 1 }];
    expect((await alphaKey.send('POST', '/api/v1/market/registrations', row)).status).toBe(403);
    expect((await dealerA.send('POST', '/api/v1/market/registrations', row)).status).toBe(403);
    expect((await west.send('POST', '/api/v1/market/registrations', row)).status).toBe(403);
  });

  it("sets dealers' areas (known areas only)", async () => {
    const bad = await channel.send('PUT', '/api/v1/market/dealers/DLR-ALPHA/areas', {
      areas: ['NOPE'],
    });
    expect(bad.status).toBe(400);
    expect(
      ((await bad.json()) as { details: { problems: { path: string }[] } }).details.problems[0]!
        .path,
    ).toBe('body.areas.0');
    for (const [dealer, area] of [
      ['DLR-ALPHA', '93701'],
      ['DLR-CHARLIE', '97301'],
      ['DLR-BRAVO', 'B1'],
    ])
      await json(
        await channel.send('PUT', `/api/v1/market/dealers/${dealer}/areas`, { areas: [area] }),
        200,
      );
    expect(
      (await dealerA.send('PUT', '/api/v1/market/dealers/DLR-ALPHA/areas', { areas: [] })).status,
    ).toBe(403);
    expect((await dealerB.get('/api/v1/market/dealers/DLR-ALPHA/areas')).status).toBe(404);
  });

  it('computes effectiveness = sales ÷ (region share × area market), scoped', async () => {
    const all = await json<Effectiveness>(
      await west.get('/api/v1/market/effectiveness?from=2026-09&to=2026-09'),
      200,
    );
    // West: 40 sales in 300 registrations; Alpha's area 100 → 13.3 expected; Charlie's 200 → 26.7.
    expect(all.items.map((i) => [i.dealerCode, i.effectiveness, i.expected])).toEqual([
      ['DLR-ALPHA', 1.5, 13.3],
      ['DLR-CHARLIE', 0.75, 26.7],
    ]);
    expect(all.items[0]!.segments[0]).toMatchObject({
      segment: 'compact SUV',
      sales: 20,
      market: 100,
      regionSales: 40,
      regionMarket: 300,
      regionShare: 0.1333,
    });
    const own = await json<Effectiveness>(
      await dealerA.get('/api/v1/market/effectiveness?from=2026-09&to=2026-09'),
      200,
    );
    expect(own.items.map((i) => i.dealerCode)).toEqual(['DLR-ALPHA']);
    const market = await json<{ area: string }[]>(
      await dealerA.get('/api/v1/market/registrations'),
      200,
    );
    expect([...new Set(market.map((r) => r.area))]).toEqual(['93701']);
    const other = await json<{ area: string }[]>(
      await dealerA.get('/api/v1/market/registrations?area=B1'),
      200,
    );
    expect(other).toEqual([]);
    expect((await dealerA.get('/api/v1/market/effectiveness?dealer=DLR-BRAVO')).status).toBe(404);
  });

  it('ranks high performers, says what distinguishes them, and exports a decomposition', async () => {
    expect((await dealerA.get('/api/v1/insights/performance')).status).toBe(403);
    const ranking = await json<PerformanceRecord>(
      await channel.get('/api/v1/insights/performance?from=2026-09&to=2026-09'),
      200,
    );
    expect(ranking.dealers.map((d) => [d.dealerCode, d.rank, d.isHighPerformer])).toEqual([
      ['DLR-ALPHA', 1, true],
      ['DLR-BRAVO', 2, false],
      ['DLR-CHARLIE', 3, false],
    ]);
    expect(ranking.distinctions.map((d) => d.feature)).toEqual([
      'revenuePerUnit',
      'pace',
      'evShare',
      'incentivePerUnit',
    ]);
    const csv = await dealerA.get(
      '/api/v1/insights/performance/dealers/DLR-ALPHA/export?from=2026-09&to=2026-09',
    );
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const text = await csv.text();
    expect(text).toContain('rank,effectiveness,1.5,0.75,');
    expect(text).toContain('segment,compact SUV,13.3,,');
    expect(
      (await dealerB.get('/api/v1/insights/performance/dealers/DLR-ALPHA/export')).status,
    ).toBe(404);
  });

  it('compares attainment with interventions against comparable dealers without', async () => {
    // Terms of 2025 (ended): Alpha's two with interventions (132 and 96 of 120), and one without
    // (0 of 120: its dealer had interventions, so it is no comparison); Charlie's two without (84,
    // 120 of 120), same region and size band; Bravo's (East, another band) without.
    const agreements: [string, string, number, boolean][] = [
      ['AG-T1', 'DLR-ALPHA', 11, true],
      ['AG-T2', 'DLR-ALPHA', 8, true],
      ['AG-T3', 'DLR-ALPHA', 0, false],
      ['AG-C1', 'DLR-CHARLIE', 7, false],
      ['AG-C2', 'DLR-CHARLIE', 10, false],
      ['AG-B1', 'DLR-BRAVO', 5, false],
    ];
    for (const [code, dealer, monthly, intervened] of agreements) {
      await t.db.query(
        `insert into agreements (code, dealer_id, start_month, months, frequency, status, planned_by_period, actual_by_period)
         values ($1, (select id from dealers where code = $2), '2025-01-01', 12, 'monthly', 'expired',
                 array_fill(10, array[12]), array_fill($3::int, array[12]))`,
        [code, dealer, monthly],
      );
      if (intervened)
        await t.db.query(
          `insert into insight_interventions (dealer_id, agreement_id, kind, probability_before, created_by_name)
           select dealer_id, id, 'field_visit', 0.4, 'West Manager' from agreements where code = $1`,
          [code],
        );
    }
    expect((await dealerA.get('/api/v1/insights/interventions/value')).status).toBe(403);
    const value = await json<InterventionValue>(
      await channel.get('/api/v1/insights/interventions/value'),
      200,
    );
    expect(value).toMatchObject({
      treatedAgreements: 2,
      matchedAgreements: 2,
      treatedAttainment: 0.95,
      comparableAttainment: 0.85,
      difference: 0.1,
      treatedReached: 0.5,
      comparableReached: 0.5,
      meanProbabilityBefore: 0.4,
    });
    // Two pairs are below the minimum: no p-value, no interval, "not enough data".
    expect(value.significance).toMatchObject({
      enoughData: false,
      pairs: 2,
      comparableAgreements: 2,
      minimumPairs: 10,
      pValue: null,
      interval: null,
    });
    expect(value.strata).toEqual([
      expect.objectContaining({
        regionCode: 'US-W',
        sizeBand: 'large',
        treatedAgreements: 2,
        comparableAgreements: 2,
      }),
    ]);

    // Cached per scope (the same answer again), and a newly logged intervention is reflected at
    // once: Charlie's first agreement treated, Charlie is no longer a comparable dealer.
    expect(await json(await channel.get('/api/v1/insights/interventions/value'), 200)).toEqual(
      value,
    );
    await t.db.query(
      `insert into insight_interventions (dealer_id, agreement_id, kind, probability_before, created_by_name)
       select dealer_id, id, 'field_visit', 0.2, 'West Manager' from agreements where code = 'AG-C1'`,
    );
    const after = await json<InterventionValue>(
      await channel.get('/api/v1/insights/interventions/value'),
      200,
    );
    expect(after).toMatchObject({
      treatedAgreements: 3,
      matchedAgreements: 0,
      comparableAttainment: null,
      meanProbabilityBefore: 0.3333,
    });
    // A refresh of the network's risks (the nightly run) is a new version too: computed again.
    await t.services.insights.refresh(null);
    expect(await json(await channel.get('/api/v1/insights/interventions/value'), 200)).toEqual(
      after,
    );
  });
});
