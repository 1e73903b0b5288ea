/**
 * Issue 16 through the API: the pipeline feed (all or nothing, idempotent, row-located errors),
 * the current state per VIN, a dealer's availability with days' supply, and allocation runs
 * (what-if, overrides, publish into the ledger, accept/decline, re-allocation) — dealer B never
 * sees dealer A's vehicles or allocation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestRows, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import { engines, json, login, startTestApp, type Client, type TestApp } from './helpers/test-app';

const VIN_A1 = '1ALPHA0V1N0000001';
const VIN_A2 = '1ALPHA0V1N0000002';
const VIN_B1 = '2BRAV00V1N0000001';
const HEADER =
  'event,dealerCode,vin,occurredOn,sku,orderType,options,planWeek,plant,eta,deliveryExternalId,source,externalId';

type Totals = {
  allocated: number;
  accepted: number;
  declined: number;
  dealersServed: number;
  overrides: number;
  excluded: number;
};
type Run = {
  code: string;
  status: string;
  round: number;
  totals: ({ sku: string; supply: number } & Totals)[];
  summary: { supply: number; results: number } & Totals;
  /** read from …/results, page by page (the run's response has the summary only) */
  results: {
    dealerCode: string;
    sku: string;
    round: number;
    units: number;
    formulaUnits: number;
    overrideReason: string | null;
    explanation: string;
    decision: string;
    acceptedUnits: number;
    inputs: Record<string, unknown>;
  }[];
};

type Row = Run['results'][number];
type Page = { items: Row[]; total: number; limit: number; offset: number };

/** Every result of a run the client can see, read page by page (`limit` rows a page). */
async function resultsOf(client: Client, code: string, query = '', limit = 1000) {
  const rows: Row[] = [];
  for (let offset = 0; ; offset += limit) {
    const page = await json<Page>(
      await client.get(
        `/api/v1/allocation/runs/${code}/results?limit=${limit}&offset=${offset}${query}`,
      ),
      200,
    );
    rows.push(...page.items);
    if (offset + limit >= page.total) return rows;
  }
}

/** A run's response with its results read from the results endpoint. */
async function withRows(client: Client, response: Response, status: number) {
  const run = await json<Omit<Run, 'results'>>(response, status);
  return { ...run, results: await resultsOf(client, run.code) } as Run;
}

describe.each(engines())('product availability and allocation (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let dealerA: Client;
  let dealerB: Client;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-04-20' });
    await seedFixtures(t.db);
    // A sells 3× as many Auras as B in the turn-and-earn window
    const sales = [];
    for (let i = 0; i < 9; i++)
      sales.push(txRow({ dealerCode: 'DLR-ALPHA', occurredOn: `2026-03-${10 + i}` }));
    for (let i = 0; i < 3; i++)
      sales.push(txRow({ dealerCode: 'DLR-BRAVO', occurredOn: `2026-03-${10 + i}` }));
    await ingestRows(t.services, sales);
    channel = await login(t.url, USERS.channel, PASSWORD);
    dealerA = await login(t.url, USERS.dealerA, PASSWORD);
    dealerB = await login(t.url, USERS.dealerB, PASSWORD);
  });
  afterAll(async () => t?.close());

  const csv = (...rows: string[]) => [HEADER, ...rows].join('\n') + '\n';
  const post = (client: Client, body: string, type = 'text/csv') =>
    client.send('POST', '/api/v1/availability/pipeline', body, { 'content-type': type });

  it('rejects a batch with bad rows whole, naming each row, and stores nothing', async () => {
    const res = await post(
      channel,
      csv(
        `ordered,DLR-ALPHA,${VIN_A1},2026-03-01,AURA-LX-ICE,dealer,TOW;ROOF,,,,,plant,E1`,
        `planned,DLR-ALPHA,${VIN_A1},2026-03-05,,,,2026-W99,,,,plant,E2`,
        `in_build,DLR-ALPHA,${VIN_A2},2026-03-05,,,,,,,,plant,E3`,
        `ordered,DLR-NOPE,${VIN_B1},2026-03-01,AURA-LX-ICE,stock,,,,,,plant,E4`,
      ),
    );
    const body = await json<{
      code: string;
      details: { problems: { row: number; field: string; code: string }[] };
    }>(res, 400);
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.details.problems.map((p) => [p.row, p.field, p.code])).toEqual([
      [2, 'planWeek', 'invalid_week'],
      [2, 'plant', 'required'],
      [4, 'dealerCode', 'unknown_dealer'],
    ]);
    const again = await post(
      channel,
      csv(`in_build,DLR-ALPHA,${VIN_A2},2026-03-05,,,,,,,,plant,E3`),
    );
    const noOrder = await json<{ details: { problems: { row: number; code: string }[] } }>(
      again,
      400,
    );
    expect(noOrder.details.problems).toMatchObject([{ row: 1, code: 'vin_not_ordered' }]);
    const { rows } = await t.db.query<{ n: number }>(
      'select count(*)::int as n from vehicle_events',
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('stores events idempotently and keeps the current state per VIN with its history', async () => {
    const batch = csv(
      `ordered,DLR-ALPHA,${VIN_A1},2026-03-01,AURA-LX-ICE,dealer,TOW;ROOF,,,,,plant,E1`,
      `planned,DLR-ALPHA,${VIN_A1},2026-03-05,,,,2026-W12,Spartanburg,,,plant,E2`,
      `in_build,DLR-ALPHA,${VIN_A1},2026-03-20,,,,,,,,plant,E3`,
      `built,DLR-ALPHA,${VIN_A1},2026-03-27,,,,,,,,plant,E4`,
      `in_transit,DLR-ALPHA,${VIN_A1},2026-04-02,,,,,,2026-05-10,,plant,E5`,
      `ordered,DLR-ALPHA,${VIN_A2},2026-01-05,AURA-LX-ICE,stock,,,,,,plant,E6`,
      `at_dealer,DLR-ALPHA,${VIN_A2},2026-04-10,,,,,,,,plant,E7`,
      `ordered,DLR-BRAVO,${VIN_B1},2026-02-01,AURA-EX-BEV,stock,,,,,,plant,E8`,
      `at_dealer,DLR-BRAVO,${VIN_B1},2026-03-01,,,,,,,,plant,E9`,
    );
    const first = await json<{ inserted: number; duplicates: number; vehicles: number }>(
      await post(channel, batch),
      200,
    );
    expect(first).toMatchObject({ inserted: 9, duplicates: 0, vehicles: 3 });
    const second = await json<{ inserted: number; duplicates: number }>(
      await post(channel, batch),
      200,
    );
    expect(second).toMatchObject({ inserted: 0, duplicates: 9 });
    // the same events as NDJSON are the same keys
    const nd = `{"event":"ordered","dealerCode":"DLR-ALPHA","vin":"${VIN_A1}","occurredOn":"2026-03-01","sku":"AURA-LX-ICE","orderType":"dealer","options":["TOW","ROOF"],"source":"plant","externalId":"E1"}\n`;
    expect(await json(await post(channel, nd, 'application/x-ndjson'), 200)).toMatchObject({
      inserted: 0,
      duplicates: 1,
    });

    const vehicle = await json<{
      status: string;
      eta: string;
      plant: string;
      options: string[];
      history: { event: string }[];
    }>(await dealerA.get(`/api/v1/availability/vehicles/${VIN_A1}`), 200);
    expect(vehicle).toMatchObject({
      status: 'in_transit',
      eta: '2026-05-10',
      plant: 'Spartanburg',
      options: ['TOW', 'ROOF'],
    });
    expect(vehicle.history.map((h) => h.event)).toEqual([
      'ordered',
      'planned',
      'in_build',
      'built',
      'in_transit',
    ]);
    // dealer B never sees A's vehicle
    expect((await dealerB.get(`/api/v1/availability/vehicles/${VIN_A1}`)).status).toBe(404);
    const listB = await json<{ items: { vin: string }[] }>(
      await dealerB.get('/api/v1/availability/vehicles'),
      200,
    );
    expect(listB.items.map((v) => v.vin)).toEqual([VIN_B1]);
    // a VIN is its ordering dealer's
    const stolen = await post(
      channel,
      csv(`at_dealer,DLR-BRAVO,${VIN_A1},2026-04-12,,,,,,,,plant,X1`),
    );
    expect(
      (await json<{ details: { problems: { code: string }[] } }>(stolen, 400)).details.problems[0]!
        .code,
    ).toBe('vin_of_another_dealer');
    // dealer B's key may not post for A
    const sneaky = await post(
      dealerB,
      csv(`cancelled,DLR-ALPHA,${VIN_A1},2026-04-12,,,,,,,,plant,X2`),
    );
    expect(sneaky.status).toBe(403);
  });

  it("shows a dealer its stock, pipeline and days' supply, with the warning", async () => {
    const page = await json<{
      modelLines: {
        modelLineCode: string;
        stock: number;
        inTransit: number;
        expectedBasis: string;
        expectedDailySales: number;
        daysSupply: number;
        runsOutBeforeNextDelivery: boolean;
        oldestStockDays: number;
        nextEta: string;
      }[];
      pipeline: { vin: string }[];
    }>(await dealerA.get('/api/v1/availability/dealers/DLR-ALPHA'), 200);
    const aura = page.modelLines.find((l) => l.modelLineCode === 'ML-AURA')!;
    // 9 sales in the three complete months before April (Jan–Mar: 90 days)
    expect(aura).toMatchObject({
      stock: 1,
      inTransit: 1,
      expectedBasis: 'recent_sales',
      oldestStockDays: 10,
      nextEta: '2026-05-10',
    });
    expect(aura.expectedDailySales).toBeCloseTo(0.1, 3);
    expect(aura.daysSupply).toBe(20);
    // 1 in stock lasts 10 days; the next arrives in 20
    expect(aura.runsOutBeforeNextDelivery).toBe(true);
    expect(page.pipeline.map((v) => v.vin).sort()).toEqual([VIN_A1, VIN_A2]);
    expect((await dealerB.get('/api/v1/availability/dealers/DLR-ALPHA')).status).toBe(404);
  });

  it('takes expected sales from the newest locked or published cycle with cells for the month', async () => {
    // April 2026: the March cycle (published) and the April cycle (locked) have April cells; the
    // May cycle (published) has none for April; the June cycle is still open.
    await t.db.query(
      `insert into forecast_cycles (cycle_month, status, horizon, history_months, adjust_until) values
         ('2026-03-01', 'published', 3, 24, '2026-03-01'), ('2026-04-01', 'locked', 3, 24, '2026-04-01'),
         ('2026-05-01', 'published', 3, 24, '2026-05-01'), ('2026-06-01', 'open', 3, 24, '2026-06-01')`,
    );
    await t.db.query(
      `insert into forecast_cells (cycle_id, dealer_id, model_line_id, target_month, region_id, horizon, baseline,
         lower80, upper80, lower95, upper95, method, spreadsheet, mase_scale, consensus)
       select c.id, d.id, ml.id, v.target::date, d.region_id, 1, 1, 1, 1, 1, 1, 'test', 1, 1, v.consensus
       from (values ('2026-03-01', '2026-04-01', 60), ('2026-04-01', '2026-04-01', 30),
                    ('2026-05-01', '2026-05-01', 90), ('2026-06-01', '2026-04-01', 300)) v(cycle, target, consensus)
       join forecast_cycles c on c.cycle_month = v.cycle::date
       cross join dealers d cross join model_lines ml where d.code = 'DLR-ALPHA' and ml.code = 'ML-AURA'`,
    );
    try {
      const page = await json<{
        modelLines: { modelLineCode: string; expectedBasis: string; expectedDailySales: number }[];
      }>(await dealerA.get('/api/v1/availability/dealers/DLR-ALPHA'), 200);
      // the April cycle's consensus of 30 units over April's 30 days
      expect(page.modelLines.find((l) => l.modelLineCode === 'ML-AURA')).toMatchObject({
        expectedBasis: 'consensus',
        expectedDailySales: 1,
      });
    } finally {
      const cycles = `(select id from forecast_cycles where cycle_month between '2026-03-01' and '2026-06-01')`;
      await t.db.query(`delete from forecast_cells where cycle_id in ${cycles}`);
      await t.db.query(`delete from forecast_cycles where id in ${cycles}`);
    }
  });

  it('allocates by the published formula, overrides with a reason, publishes into the ledger', async () => {
    await json(
      await channel.send('PATCH', '/api/v1/availability/dealers/DLR-ALPHA/profile', {
        isEvCertified: true,
        tier: 'plus',
      }),
      200,
    );
    const supply = {
      month: '2026-04',
      modelLine: 'ML-AURA',
      supply: [
        { sku: 'AURA-LX-ICE', units: 9 },
        { sku: 'AURA-EX-BEV', units: 4 },
      ],
    };
    const whatIfPage = await json<Omit<Run, 'results'> & { results: Page }>(
      await channel.send('POST', '/api/v1/allocation/what-if', {
        ...supply,
        settings: { weightDaysSupply: 0, weightCommitment: 0 },
        results: { limit: 1000 },
      }),
      200,
    );
    const whatIf: Run = { ...whatIfPage, results: whatIfPage.results.items };
    expect(whatIfPage.results.total).toBe(whatIf.results.length);
    expect(whatIf.summary.results).toBe(whatIf.results.length);
    // a what-if's results come by page too, filtered as a stored run's
    const whatIfBev = await json<{ results: Page }>(
      await channel.send('POST', '/api/v1/allocation/what-if', {
        ...supply,
        results: { sku: 'AURA-EX-BEV', limit: 1, offset: 1 },
      }),
      200,
    );
    expect(whatIfBev.results.items).toHaveLength(1);
    expect(whatIfBev.results.items[0]!.sku).toBe('AURA-EX-BEV');
    expect(whatIfBev.results.total).toBe(
      whatIf.results.filter((r) => r.sku === 'AURA-EX-BEV').length,
    );
    const units = (run: Run, dealer: string, sku: string, round = 0) =>
      run.results.find((r) => r.dealerCode === dealer && r.sku === sku && r.round === round)
        ?.units ?? 0;
    expect(units(whatIf, 'DLR-ALPHA', 'AURA-LX-ICE')).toBe(7); // 9 × 9/12 = 6.75 → 7
    expect(units(whatIf, 'DLR-BRAVO', 'AURA-LX-ICE')).toBe(2);
    expect(units(whatIf, 'DLR-ALPHA', 'AURA-EX-BEV')).toBe(4); // B is not EV-certified
    expect(
      whatIf.results.find((r) => r.dealerCode === 'DLR-BRAVO' && r.sku === 'AURA-EX-BEV')!
        .explanation,
    ).toBe('No units: BEVs go only to EV-certified dealers.');
    expect((await json<unknown[]>(await channel.get('/api/v1/allocation/runs'), 200)).length).toBe(
      0,
    );

    const draft = await withRows(
      channel,
      await channel.send('POST', '/api/v1/allocation/runs', supply),
      201,
    );
    expect(draft.code).toBe('AL-2026-04-ML-AURA-1');
    // The stored run explains every result as the formula did when it ran (the response above),
    // from inputs kept once per dealer: no result row stores its own inputs or sentence.
    const stored = await withRows(
      channel,
      await channel.get(`/api/v1/allocation/runs/${draft.code}`),
      200,
    );
    const formulaSaid = (
      await json<{ results: Page }>(
        await channel.send('POST', '/api/v1/allocation/what-if', {
          ...supply,
          results: { limit: 1000 },
        }),
        200,
      )
    ).results.items;
    expect(stored.results.length).toBe(formulaSaid.length);
    const storedOf = new Map(stored.results.map((r) => [`${r.dealerCode}/${r.sku}`, r]));
    for (const r of formulaSaid) {
      const back = storedOf.get(`${r.dealerCode}/${r.sku}`)!;
      expect(back.explanation).toBe(r.explanation);
      expect(back.inputs).toEqual(r.inputs);
    }
    expect(draft.results.some((r) => r.explanation.includes('largest remainder'))).toBe(true);
    const perRow = await t.db.query<{ n: number }>(
      'select count(*)::int as n from allocation_results where inputs is not null or explanation is not null',
    );
    expect(perRow.rows[0]!.n).toBe(0);
    for (const total of draft.totals) expect(total.allocated).toBe(total.supply);
    // dealers do not see drafts
    expect((await dealerA.get(`/api/v1/allocation/runs/${draft.code}`)).status).toBe(404);
    const over = await channel.send('POST', `/api/v1/allocation/runs/${draft.code}/overrides`, {
      dealerCode: 'DLR-BRAVO',
      sku: 'AURA-LX-ICE',
      units: 9,
      reason: 'fleet deal',
    });
    expect((await json<{ code: string }>(over, 422)).code).toBe('UNPROCESSABLE');
    const ineligible = await channel.send(
      'POST',
      `/api/v1/allocation/runs/${draft.code}/overrides`,
      { dealerCode: 'DLR-BRAVO', sku: 'AURA-EX-BEV', units: 1, reason: 'asked nicely' },
    );
    expect(ineligible.status).toBe(422);
    const bAfter = units(draft, 'DLR-BRAVO', 'AURA-LX-ICE');
    const overridden = await withRows(
      channel,
      await channel.send('POST', `/api/v1/allocation/runs/${draft.code}/overrides`, {
        dealerCode: 'DLR-BRAVO',
        sku: 'AURA-LX-ICE',
        units: bAfter - 1,
        reason: 'showroom rebuild',
      }),
      200,
    );
    expect(
      overridden.results.find((r) => r.dealerCode === 'DLR-BRAVO' && r.sku === 'AURA-LX-ICE'),
    ).toMatchObject({
      units: bAfter - 1,
      formulaUnits: bAfter,
      overrideReason: 'showroom rebuild',
    });

    const published = await json<Run & { acceptUntil: string }>(
      await channel.send('POST', `/api/v1/allocation/runs/${draft.code}/publish`),
      200,
    );
    expect(published).toMatchObject({ status: 'published', acceptUntil: '2026-04-25' });
    expect(
      (await channel.send('POST', `/api/v1/allocation/runs/${draft.code}/publish`)).status,
    ).toBe(409);
    const verify = await json<{ ok: boolean; entries: number }>(
      await channel.get('/api/v1/ledger/verify'),
      200,
    );
    expect(verify).toMatchObject({ ok: true, entries: 1 });
    // tampering with a published result is caught by verify
    await t.db.query(
      `update allocation_results set units = units + 1 where sku_id = (select id from skus where code = 'AURA-LX-ICE') and dealer_id = (select id from dealers where code = 'DLR-ALPHA')`,
    );
    const broken = await json<{
      ok: boolean;
      firstBroken: { entityType: string; entityId: string };
    }>(await channel.get('/api/v1/ledger/verify'), 200);
    expect(broken).toMatchObject({
      ok: false,
      firstBroken: { entityType: 'allocation_run', entityId: `${draft.code}#0` },
    });
    await t.db.query(
      `update allocation_results set units = units - 1 where sku_id = (select id from skus where code = 'AURA-LX-ICE') and dealer_id = (select id from dealers where code = 'DLR-ALPHA')`,
    );
    expect((await json<{ ok: boolean }>(await channel.get('/api/v1/ledger/verify'), 200)).ok).toBe(
      true,
    );
    // so is tampering with a dealer's recorded inputs
    const alpha = `dealer_id = (select id from dealers where code = 'DLR-ALPHA')`;
    await t.db.query(
      `update allocation_dealer_inputs set inputs = jsonb_set(inputs, '{recentSales}', to_jsonb((inputs->>'recentSales')::int + 1)) where ${alpha}`,
    );
    expect((await json<{ ok: boolean }>(await channel.get('/api/v1/ledger/verify'), 200)).ok).toBe(
      false,
    );
    await t.db.query(
      `update allocation_dealer_inputs set inputs = jsonb_set(inputs, '{recentSales}', to_jsonb((inputs->>'recentSales')::int - 1)) where ${alpha}`,
    );
    expect((await json<{ ok: boolean }>(await channel.get('/api/v1/ledger/verify'), 200)).ok).toBe(
      true,
    );
    // the recorded document names the results and inputs by digests computed in the database
    const document = await t.services.allocation.ledgerDocumentOf(t.db, `${draft.code}#0`);
    expect(document).toMatchObject({
      run: draft.code,
      round: 0,
      resultCount: overridden.results.length,
      resultsSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      dealersSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    // an override's reason is covered too
    await t.db.query(
      `update allocation_results set override_reason = 'altered' where override_reason = 'showroom rebuild'`,
    );
    expect((await json<{ ok: boolean }>(await channel.get('/api/v1/ledger/verify'), 200)).ok).toBe(
      false,
    );
    await t.db.query(
      `update allocation_results set override_reason = 'showroom rebuild' where override_reason = 'altered'`,
    );
    expect((await json<{ ok: boolean }>(await channel.get('/api/v1/ledger/verify'), 200)).ok).toBe(
      true,
    );
    // a round recorded before the digests (format 1) is rebuilt as the listing it recorded
    const round = `run_id = (select id from allocation_runs where code = '${draft.code}') and round = 0`;
    await t.db.query(`update allocation_rounds set document_format = 1 where ${round}`);
    const listed = await t.services.allocation.ledgerDocumentOf(t.db, `${draft.code}#0`);
    expect(listed).toMatchObject({
      results: expect.arrayContaining([
        expect.objectContaining({
          dealerCode: 'DLR-BRAVO',
          sku: 'AURA-LX-ICE',
          overrideReason: 'showroom rebuild',
        }),
      ]),
    });
    expect(listed).not.toHaveProperty('resultsSha256');
    await t.db.query(`update allocation_rounds set document_format = 2 where ${round}`);
  });

  it('lets each dealer decide only its own units; accepted become orders, declined go round again', async () => {
    const code = 'AL-2026-04-ML-AURA-1';
    const mine = await withRows(dealerB, await dealerB.get(`/api/v1/allocation/runs/${code}`), 200);
    expect(new Set(mine.results.map((r) => r.dealerCode))).toEqual(new Set(['DLR-BRAVO']));
    // B cannot decide for A
    const forA = await dealerB.send('POST', `/api/v1/allocation/runs/${code}/decisions`, {
      dealerCode: 'DLR-ALPHA',
      decisions: [{ sku: 'AURA-LX-ICE', acceptedUnits: 0 }],
    });
    expect(forA.status).toBe(404);
    const aUnits = (
      await withRows(dealerA, await dealerA.get(`/api/v1/allocation/runs/${code}`), 200)
    ).results.find((r) => r.sku === 'AURA-LX-ICE')!.units;
    const decided = await withRows(
      dealerA,
      await dealerA.send('POST', `/api/v1/allocation/runs/${code}/decisions`, {
        decisions: [
          { sku: 'AURA-LX-ICE', acceptedUnits: aUnits - 2 },
          { sku: 'AURA-EX-BEV', acceptedUnits: 4 },
        ],
      }),
      200,
    );
    expect(decided.results.find((r) => r.sku === 'AURA-LX-ICE')).toMatchObject({
      decision: 'accepted',
      acceptedUnits: aUnits - 2,
    });
    const orders = await json<{
      total: number;
      items: { status: string; allocationRun: string }[];
    }>(await dealerA.get('/api/v1/availability/vehicles?status=ordered&limit=100'), 200);
    expect(orders.total).toBe(aUnits - 2 + 4);
    expect(orders.items[0]!.allocationRun).toBe(code);
    await json(
      await dealerB.send('POST', `/api/v1/allocation/runs/${code}/decisions`, {
        decisions: [{ sku: 'AURA-LX-ICE', acceptedUnits: 0 }],
      }),
      200,
    );

    const again = await withRows(
      channel,
      await channel.send('POST', `/api/v1/allocation/runs/${code}/reallocate`),
      200,
    );
    expect(again.round).toBe(1);
    const round1 = again.results.filter((r) => r.round === 1 && r.sku === 'AURA-LX-ICE');
    const bDeclined = (
      await withRows(channel, await channel.get(`/api/v1/allocation/runs/${code}`), 200)
    ).results.find(
      (r) => r.round === 0 && r.dealerCode === 'DLR-BRAVO' && r.sku === 'AURA-LX-ICE',
    )!.units;
    // A and B both declined units of the ICE: the pool has no one left but Charlie
    expect(round1.reduce((s, r) => s + r.units, 0)).toBe(2 + bDeclined);
    expect(round1.find((r) => r.dealerCode === 'DLR-CHARLIE')!.units).toBe(2 + bDeclined);
    expect(round1.find((r) => r.dealerCode === 'DLR-ALPHA')!.explanation).toMatch(/declined/);
    expect(
      (
        await json<{ ok: boolean; entries: number }>(
          await channel.get('/api/v1/ledger/verify'),
          200,
        )
      ).entries,
    ).toBe(2);
  });

  it("sums a run's results in its summary and pages them exactly once, scoped for dealers", async () => {
    const code = 'AL-2026-04-ML-AURA-1';
    const run = await json<Run>(await channel.get(`/api/v1/allocation/runs/${code}`), 200);
    expect(run).not.toHaveProperty('results');
    // two rows a page: every row once, in the order of round, dealer and SKU
    const rows = await resultsOf(channel, code, '', 2);
    const keys = rows.map((r) => `${r.round}/${r.dealerCode}/${r.sku}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(
      await resultsOf(channel, code).then((all) =>
        all.map((r) => `${r.round}/${r.dealerCode}/${r.sku}`),
      ),
    );
    expect(rows.length).toBe(run.summary.results);
    const sum = <T>(list: T[], f: (r: T) => number) => list.reduce((n, r) => n + f(r), 0);
    const served = (list: Row[]) =>
      new Set(list.filter((r) => r.units > 0).map((r) => r.dealerCode)).size;
    for (const total of run.totals) {
      const mine = rows.filter((r) => r.sku === total.sku);
      const first = mine.filter((r) => r.round === 0);
      expect(total).toEqual({
        sku: total.sku,
        supply: total.supply,
        allocated: sum(first, (r) => r.units),
        accepted: sum(mine, (r) => r.acceptedUnits),
        declined: sum(mine, (r) => (r.decision === 'pending' ? 0 : r.units - r.acceptedUnits)),
        dealersServed: served(mine),
        overrides: mine.filter((r) => r.overrideReason !== null).length,
        excluded: first.filter((r) => r.explanation.startsWith('No units:')).length,
      });
      expect(total.allocated).toBeLessThanOrEqual(total.supply);
    }
    expect(run.summary).toMatchObject({
      supply: sum(run.totals, (t) => t.supply),
      allocated: sum(run.totals, (t) => t.allocated),
      overrides: 1,
      dealersServed: served(rows),
      excluded: sum(run.totals, (t) => t.excluded),
    });
    expect(run.summary.excluded).toBeGreaterThan(0); // B is not EV-certified
    // filters: SKU, dealer, search, round, allocated only
    const bev = await resultsOf(channel, code, '&sku=AURA-EX-BEV');
    expect(bev.map((r) => r.sku)).toEqual(
      rows.filter((r) => r.sku === 'AURA-EX-BEV').map((r) => r.sku),
    );
    const bravo = await resultsOf(channel, code, '&dealer=DLR-BRAVO&round=0');
    expect(bravo.length).toBe(run.totals.length);
    expect(bravo.every((r) => r.dealerCode === 'DLR-BRAVO' && r.round === 0)).toBe(true);
    expect(
      (await resultsOf(channel, code, '&q=bRaVo')).every((r) => r.dealerCode === 'DLR-BRAVO'),
    ).toBe(true);
    const allocated = await resultsOf(channel, code, '&allocatedOnly=true');
    expect(allocated.length).toBe(
      rows.filter((r) => r.units > 0 || r.formulaUnits > 0 || r.overrideReason).length,
    );
    // a dealer pages through its own rows only, and its summary sums them
    const mine = await json<Run>(await dealerB.get(`/api/v1/allocation/runs/${code}`), 200);
    const bRows = await resultsOf(dealerB, code, '', 1);
    expect(bRows.length).toBeGreaterThan(0);
    expect(bRows.every((r) => r.dealerCode === 'DLR-BRAVO')).toBe(true);
    expect(bRows.length).toBe(mine.summary.results);
    expect(mine.summary.allocated).toBe(
      sum(
        bRows.filter((r) => r.round === 0),
        (r) => r.units,
      ),
    );
    expect(await resultsOf(dealerB, code, '&dealer=DLR-ALPHA')).toEqual([]);
    expect((await dealerB.get(`/api/v1/allocation/runs/NO-SUCH/results`)).status).toBe(404);
  });

  it('shows the OEM supply vs demand per model line, scoped for dealers', async () => {
    const all = await json<{
      modelLines: { modelLineCode: string; stock: number; orders: number; allocated: number }[];
    }>(await channel.get('/api/v1/availability/supply-demand?month=2026-04'), 200);
    const aura = all.modelLines.find((l) => l.modelLineCode === 'ML-AURA')!;
    expect(aura.stock).toBe(2);
    expect(aura.allocated).toBeGreaterThan(0);
    const b = await json<{ modelLines: { modelLineCode: string; stock: number }[] }>(
      await dealerB.get('/api/v1/availability/supply-demand?month=2026-04'),
      200,
    );
    expect(b.modelLines.find((l) => l.modelLineCode === 'ML-AURA')!.stock).toBe(1);
  });
  it('stores every weight the API allows, up to 100, and gives the old ones back after', async () => {
    const before = await json<Record<string, unknown>>(
      await channel.get('/api/v1/allocation/settings'),
      200,
    );
    const put = (body: unknown) =>
      channel.send('PUT', '/api/v1/allocation/settings', JSON.stringify(body), {
        'content-type': 'application/json',
      });
    const saved = await json<{ weightDaysSupply: number; weightCommitment: number }>(
      await put({ weightDaysSupply: 100, weightCommitment: 99.5 }),
      200,
    );
    expect(saved).toMatchObject({ weightDaysSupply: 100, weightCommitment: 99.5 });
    const over = await put({ weightDaysSupply: 100.5 });
    expect(over.status).toBe(400);
    expect(await over.text()).not.toContain('sqlState');
    await json(await put(before), 200);
  });
});
