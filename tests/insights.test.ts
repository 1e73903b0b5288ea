/**
 * Issue 14, commitment risk in the app: after a refresh, each approved agreement has a calibrated
 * probability with drivers that add up to its gap and interventions; the board is sorted by
 * expected shortfall in money and scoped (a dealer sees only its own, the West manager only the
 * West); a batch of actuals refreshes the affected dealer at once; the nightly job reports
 * progress; interventions are logged with who and when; a dealer whose supply does not cover the
 * next 30 days' sales gets an availability driver (in units, in the sum) and "ask for allocation";
 * the risks are as of the actuals' last complete month when the feed stops before today.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgreementRisk, DealerOutlook, RiskBoard } from '../src/shared/schemas/insights';
import { createEventBus } from '../src/server/events';
import { createBatchRiskRefresh } from '../src/server/modules/insights/batch-refresh';
import { ingestRows, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import { engines, json, login, startTestApp, type Client, type TestApp } from './helpers/test-app';

const TODAY = '2026-04-20';
type Agreement = { id: number; code: string; version: number; status: string };

/** 27 months of Aura sales (2024-01 … 2026-03), `perMonth` a month with a mild seasonality. */
function history(dealerCode: string, perMonth: number, prefix: string) {
  const rows = [];
  for (let m = 0; m < 27; m += 1) {
    const month = `${2024 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
    const n = Math.round(perMonth * (1 + 0.15 * Math.sin((2 * Math.PI * (m % 12)) / 12)));
    for (let i = 0; i < n; i += 1)
      rows.push(
        txRow({
          dealerCode,
          occurredOn: `${month}-${String((i % 27) + 1).padStart(2, '0')}`,
          externalId: `${prefix}-${m}-${i}`,
        }),
      );
  }
  return rows;
}

describe.each(engines())('insights: commitment risk (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let admin: Client;
  let west: Client;
  let dealerA: Client;
  let dealerB: Client;
  let agreementA: Agreement;
  let agreementB: Agreement;

  const move = async (c: Client, a: Agreement, transition: string) =>
    json<Agreement>(
      await c.send('POST', `/api/v1/agreements/${a.id}/${transition}`, { version: a.version }),
      200,
    );
  const approved = async (dealerCode: string, dealer: Client, total: number) => {
    const draft = await json<Agreement>(
      await channel.send('POST', '/api/v1/agreements', {
        dealerCode,
        startMonth: '2026-01',
        months: 12,
        lines: [{ target: { kind: 'model_line', code: 'ML-AURA' }, total }],
      }),
      201,
    );
    const accepted = await move(dealer, await move(channel, draft, 'propose'), 'accept');
    return move(admin, accepted, 'approve');
  };

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: TODAY });
    await seedFixtures(t.db);
    [channel, admin, west, dealerA, dealerB] = await Promise.all([
      login(t.url, USERS.channel, PASSWORD),
      login(t.url, USERS.admin, PASSWORD),
      login(t.url, USERS.regionalWest, PASSWORD),
      login(t.url, USERS.dealerA, PASSWORD),
      login(t.url, USERS.dealerB, PASSWORD),
    ]);
    // About 10 Aura a month each: A committed to 240 this year (out of reach), B to 90 (easy).
    await ingestRows(t.services, [
      ...history('DLR-ALPHA', 10, 'HA'),
      ...history('DLR-BRAVO', 10, 'HB'),
    ]);
    agreementA = await approved('DLR-ALPHA', dealerA, 240);
    agreementB = await approved('DLR-BRAVO', dealerB, 90);
    await t.services.insights.refresh(null);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('gives each agreement a probability, interval, shortfall and drivers that add up to the gap', async () => {
    const board = await json<RiskBoard>(await channel.get('/api/v1/insights/risks'), 200);
    expect(board.items.map((i) => i.agreementCode)).toEqual([agreementA.code, agreementB.code]);
    const [a, b] = board.items as [AgreementRisk, AgreementRisk];
    expect(a.probability).toBeLessThan(0.05);
    expect(b.probability).toBeGreaterThan(0.8);
    expect(a.elapsedMonths).toBe(3);
    expect(a.commitment).toBe(240);
    expect(a.toDate).toBeGreaterThan(20);
    expect(a.lower80).toBeLessThanOrEqual(a.expected);
    expect(a.upper80).toBeGreaterThanOrEqual(a.expected);
    expect(Number(a.shortfallMoney)).toBeGreaterThan(Number(b.shortfallMoney));
    expect(Number(a.shortfallMoney)).toBeGreaterThan(1_000_000); // ~120 units × ~$31,000
    for (const r of [a, b]) {
      const additive = r.drivers.filter((d) => d.additive !== false);
      const sum = additive.reduce((s, d) => s + d.units, 0);
      expect(Math.abs(sum - (r.commitment - r.expected))).toBeLessThan(0.5);
      expect(additive.map((d) => d.kind)).toEqual([
        'pace',
        'plan_vs_run_rate',
        'seasonality',
        'last_year',
      ]);
    }
    // A is far behind: an amendment and a field visit; units needed beyond reach are not offered.
    expect(a.interventions.map((i) => i.kind)).toEqual(
      expect.arrayContaining(['amendment', 'field_visit']),
    );
    expect(b.interventions.some((i) => i.kind === 'amendment')).toBe(false);
  });

  it('keeps the board, the detail and the outlook in scope', async () => {
    const mine = await json<RiskBoard>(await dealerB.get('/api/v1/insights/risks'), 200);
    expect(mine.items.map((i) => i.dealerCode)).toEqual(['DLR-BRAVO']);
    const westBoard = await json<RiskBoard>(await west.get('/api/v1/insights/risks'), 200);
    expect(westBoard.items.map((i) => i.dealerCode)).toEqual(['DLR-ALPHA']);
    expect((await dealerB.get(`/api/v1/insights/risks/${agreementA.code}`)).status).toBe(404);
    expect((await dealerB.get('/api/v1/insights/dealers/DLR-ALPHA/outlook')).status).toBe(404);
    const detail = await json<{
      risks: AgreementRisk[];
      history: { lineNo: number; day: string }[];
    }>(await dealerA.get(`/api/v1/insights/risks/${agreementA.code}`), 200);
    expect(detail.risks.map((r) => r.lineNo)).toEqual([0, 1]);
    // The term's past is filled in the first time it is seen: as of each complete month, then today.
    expect(detail.history.filter((h) => h.lineNo === 0).map((h) => h.day)).toEqual([
      '2026-02-01',
      '2026-03-01',
      TODAY,
    ]);
    const outlook = await json<DealerOutlook>(
      await dealerA.get('/api/v1/insights/dealers/DLR-ALPHA/outlook'),
      200,
    );
    expect(outlook.items.map((i) => i.agreementCode)).toEqual([agreementA.code]);
  });

  it('refreshes the dealers of an ingested batch at once', async () => {
    // resolves once this process hears batches: one ingested after it is refreshed
    const stop = await t.services.insights.listen();
    try {
      const before = (
        await json<RiskBoard>(await channel.get('/api/v1/insights/risks?dealer=DLR-BRAVO'), 200)
      ).items[0]!;
      const { batchId } = await ingestRows(
        t.services,
        Array.from({ length: 30 }, (_, i) =>
          txRow({ dealerCode: 'DLR-BRAVO', occurredOn: '2026-03-30', externalId: `LATE-${i}` }),
        ),
      );
      // the batch records its refresh: done, or failed with the reason (shown here if so)
      let outcome = await t.services.insights.batches.status(batchId);
      while (!outcome?.refreshedAt && !outcome?.error) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        outcome = await t.services.insights.batches.status(batchId);
      }
      expect(outcome).toMatchObject({ error: null, attempts: 1 });
      const after = (
        await json<RiskBoard>(await channel.get('/api/v1/insights/risks?dealer=DLR-BRAVO'), 200)
      ).items[0]!;
      expect(after.toDate).toBe(before.toDate + 30);
      expect(after.probability).toBeGreaterThanOrEqual(before.probability);
    } finally {
      stop();
    }
  });

  it('records a failed batch refresh on the batch and tries it again', async () => {
    const failures: string[] = [];
    let fail = true;
    const batches = createBatchRiskRefresh({
      db: t.db,
      events: createEventBus(),
      refresh: async (dealerIds) => {
        if (fail) throw new Error(`no risks for ${dealerIds.length} dealer(s) today`);
        return t.services.insights.refresh(dealerIds);
      },
      onError: (batchId, error) => failures.push(`${batchId}: ${error.message}`),
    });
    const { batchId } = await ingestRows(t.services, [
      txRow({ dealerCode: 'DLR-BRAVO', occurredOn: '2026-03-30', externalId: 'FAIL-1' }),
    ]);
    await batches.run(batchId);
    expect(await batches.status(batchId)).toEqual({
      refreshedAt: null,
      attempts: 1,
      error: 'no risks for 1 dealer(s) today',
    });
    expect(failures).toEqual([`${batchId}: no risks for 1 dealer(s) today`]);
    // the sweep takes it again; a batch already refreshed is not claimed twice
    fail = false;
    await batches.sweep();
    const retried = await batches.status(batchId);
    expect(retried).toMatchObject({ attempts: 2, error: null });
    expect(retried!.refreshedAt).not.toBeNull();
    await batches.run(batchId);
    expect((await batches.status(batchId))!.attempts).toBe(2);
  });

  it('runs the network refresh as a job with progress', async () => {
    const job = await json<{ id: number; kind: string }>(
      await channel.send('POST', '/api/v1/insights/risks/refresh'),
      202,
    );
    await t.services.jobs.settle('insights.risk-refresh');
    const done = await json<{ status: string; progress: number; result: { agreements: number } }>(
      await channel.get(`/api/v1/jobs/${job.id}`),
      200,
    );
    expect(done).toMatchObject({ status: 'succeeded', progress: 100, result: { agreements: 2 } });
    expect((await dealerA.send('POST', '/api/v1/insights/risks/refresh')).status).toBe(403);
  });

  it('logs interventions with who and when, in scope', async () => {
    const logged = await json<{
      id: number;
      createdByName: string;
      probabilityBefore: number | null;
      kind: string;
    }>(
      await west.send('POST', '/api/v1/insights/interventions', {
        dealerCode: 'DLR-ALPHA',
        agreementCode: agreementA.code,
        kind: 'field_visit',
        note: 'visit on Thursday',
      }),
      201,
    );
    expect(logged).toMatchObject({ kind: 'field_visit', createdByName: 'West Manager' });
    expect(logged.probabilityBefore).not.toBeNull();
    expect(
      (
        await west.send('POST', '/api/v1/insights/interventions', {
          dealerCode: 'DLR-BRAVO',
          kind: 'other',
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await dealerA.send('POST', '/api/v1/insights/interventions', {
          dealerCode: 'DLR-ALPHA',
          kind: 'other',
        })
      ).status,
    ).toBe(403);
    const listB = await json<unknown[]>(await dealerB.get('/api/v1/insights/interventions'), 200);
    expect(listB).toEqual([]);
    const listA = await json<{ id: number }[]>(
      await dealerA.get('/api/v1/insights/interventions'),
      200,
    );
    expect(listA.map((i) => i.id)).toEqual([logged.id]);
  });

  it("makes low days' supply a driver in units and suggests asking for allocation", async () => {
    const header =
      'event,dealerCode,vin,occurredOn,sku,orderType,options,planWeek,plant,eta,deliveryExternalId,source,externalId';
    // Bravo has 2 Aura on the lot and nothing on the way; it sells about 10 a month.
    const body = [
      header,
      'ordered,DLR-BRAVO,2BRAV00V1N0000001,2026-02-01,AURA-LX-ICE,stock,,,,,,plant,R1',
      'at_dealer,DLR-BRAVO,2BRAV00V1N0000001,2026-03-01,,,,,,,,plant,R2',
      'ordered,DLR-BRAVO,2BRAV00V1N0000002,2026-02-01,AURA-LX-ICE,stock,,,,,,plant,R3',
      'at_dealer,DLR-BRAVO,2BRAV00V1N0000002,2026-03-01,,,,,,,,plant,R4',
    ].join('\n');
    const res = await channel.send('POST', '/api/v1/availability/pipeline', body + '\n', {
      'content-type': 'text/csv',
    });
    expect(res.status).toBe(200);
    const before = (
      await json<RiskBoard>(await channel.get('/api/v1/insights/risks?dealer=DLR-BRAVO'), 200)
    ).items[0]!;
    await t.services.insights.refresh(null);
    const detail = await json<{ risks: AgreementRisk[] }>(
      await channel.get(`/api/v1/insights/risks/${agreementB.code}`),
      200,
    );
    const [totals, line] = detail.risks as [AgreementRisk, AgreementRisk];
    for (const r of [totals, line]) {
      const supply = r.drivers.find((d) => d.kind === 'availability');
      expect(supply?.units).toBeGreaterThan(3); // ~10 a month expected, 2 on hand
      const additive = r.drivers.filter((d) => d.additive !== false);
      const sum = additive.reduce((s, d) => s + d.units, 0);
      // exact to the driver's rounding (one decimal)
      expect(Math.abs(sum - Math.round((r.commitment - r.expected) * 10) / 10)).toBeLessThan(1e-6);
    }
    expect(totals.expected).toBeLessThan(before.expected);
    expect(totals.probability).toBeLessThanOrEqual(before.probability);
    const ask = line.interventions.find((i) => i.kind === 'allocation');
    expect(ask).toMatchObject({ modelLine: 'ML-AURA' });
    expect(ask!.units).toBeGreaterThan(0);
    expect(ask!.probability).toBeGreaterThanOrEqual(line.probability);
    expect(ask!.text).toContain('ask for allocation of');
    // Alpha has no pipeline: no supply driver.
    const alpha = (
      await json<RiskBoard>(await channel.get('/api/v1/insights/risks?dealer=DLR-ALPHA'), 200)
    ).items[0]!;
    expect(alpha.drivers.some((d) => d.kind === 'availability')).toBe(false);
  });

  it("expects nothing after a model line's planned end of sale, as a driver", async () => {
    const detailOf = async () =>
      (
        await json<{ risks: AgreementRisk[] }>(
          await channel.get(`/api/v1/insights/risks/${agreementA.code}`),
          200,
        )
      ).risks as [AgreementRisk, AgreementRisk];
    const [, before] = await detailOf();
    const ends = await channel.send('PATCH', '/api/v1/model-lines/ML-AURA', {
      salesEndOn: '2026-08-31',
    });
    expect(ends.status).toBe(200);
    await t.services.insights.refresh(null);
    const [totals, line] = await detailOf();
    // September to December (4 of the 9 remaining months) sell nothing.
    expect(line.expected).toBeLessThan(before.expected - 20);
    for (const r of [totals, line]) {
      expect(r.drivers.find((d) => d.kind === 'sales_end')?.text).toMatch(
        /^Aura ends sale on 2026-08-31: [\d.]+ units fewer/,
      );
      const additive = r.drivers.filter((d) => d.additive !== false);
      const sum = additive.reduce((s, d) => s + d.units, 0);
      expect(Math.abs(sum - Math.round((r.commitment - r.expected) * 10) / 10)).toBeLessThan(1e-6);
    }
    await channel.send('PATCH', '/api/v1/model-lines/ML-AURA', { salesEndOn: null });
    await t.services.insights.refresh(null);
    const [, again] = await detailOf();
    expect(again.expected).toBeCloseTo(before.expected, 6);
  });
});

describe.each(engines())('insights: as of the last complete month of actuals (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;

  beforeAll(async () => {
    // Today is in June, but the feed stops at the end of March (a demo network read later).
    t = await startTestApp(engine, {}, { today: '2026-06-20' });
    await seedFixtures(t.db);
    channel = await login(t.url, USERS.channel, PASSWORD);
    const admin = await login(t.url, USERS.admin, PASSWORD);
    const dealerA = await login(t.url, USERS.dealerA, PASSWORD);
    await ingestRows(t.services, history('DLR-ALPHA', 10, 'HA'));
    let a = await json<Agreement>(
      await channel.send('POST', '/api/v1/agreements', {
        dealerCode: 'DLR-ALPHA',
        startMonth: '2026-01',
        months: 12,
        lines: [{ target: { kind: 'model_line', code: 'ML-AURA' }, total: 120 }],
      }),
      201,
    );
    for (const [c, step] of [
      [channel, 'propose'],
      [dealerA, 'accept'],
      [admin, 'approve'],
    ] as const)
      a = await json<Agreement>(
        await c.send('POST', `/api/v1/agreements/${a.id}/${step}`, { version: a.version }),
        200,
      );
    await t.services.insights.refresh(null);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('counts the months with actuals as elapsed and forecasts the rest', async () => {
    const [risk] = (await json<RiskBoard>(await channel.get('/api/v1/insights/risks'), 200))
      .items as [AgreementRisk];
    // April and May have no data yet: not two months without sales.
    expect(risk.elapsedMonths).toBe(3);
    expect(risk.asOf).toBe('2026-03-31');
    // ~10 a month against a plan of 10 a month: about even, not hopeless.
    expect(risk.probability).toBeGreaterThan(0.2);
    expect(risk.expected).toBeGreaterThan(100);
  });
});
