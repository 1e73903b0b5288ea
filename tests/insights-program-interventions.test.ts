/**
 * Issue 14 §2: an `incentive_tier` intervention ("N more units reach tier k of program P") is
 * logged on the dealer's program risk, with who, when, the tier aimed at and its probability
 * before; scoped like the agreements' interventions (a manager out of region gets 404, a dealer
 * cannot log), and refused without an assessed program of the dealer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RISK_JOB_KIND } from '../src/server/modules/insights/insights.service';
import type { ProgramRiskList } from '../src/shared/schemas/program-risk';
import { H1_AURA_PROGRAM, auraHistory } from './helpers/insights';
import { ingestRows, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import {
  createProgram,
  engines,
  json,
  login,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';

const TODAY = '2026-04-20';
let today = TODAY;

describe.each(engines())('insights: incentive tier interventions (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let west: Client;
  let dealerA: Client;

  beforeAll(async () => {
    // the clock is shared by the engines' suites: each starts on TODAY
    today = TODAY;
    t = await startTestApp(engine, {}, { today: () => today });
    await seedFixtures(t.db);
    [channel, west, dealerA] = await Promise.all([
      login(t.url, USERS.channel, PASSWORD),
      login(t.url, USERS.regionalWest, PASSWORD),
      login(t.url, USERS.dealerA, PASSWORD),
    ]);
    await ingestRows(t.services, auraHistory('DLR-ALPHA', 'PA'));
    await t.db.query('update transactions set received_at = occurred_on + 1');
    await createProgram(channel, H1_AURA_PROGRAM);
    // The first risks of a network come from the startup job (main.ts), once.
    const job = await t.services.insights.startFirstRefresh();
    expect(job).not.toBeNull();
    await t.services.jobs.startWorkers();
    await t.services.jobs.settle(RISK_JOB_KIND);
    expect(await t.services.jobs.getJob({ id: job!.id })).toMatchObject({
      status: 'succeeded',
      progress: 100,
    });
    expect(await t.services.insights.startFirstRefresh()).toBeNull();
  }, 300_000);

  afterAll(async () => {
    await t?.close();
  });

  it('logs an incentive_tier intervention on the next tier, in scope', async () => {
    const { items } = await json<ProgramRiskList>(
      await west.get('/api/v1/insights/dealers/DLR-ALPHA/program-risks'),
      200,
    );
    const next = items[0]!.tiers.find((x) => !x.reached)!;
    const logged = await json<{
      kind: string;
      programCode: string | null;
      programTier: number | null;
      agreementCode: string | null;
      probabilityBefore: number | null;
      createdByName: string;
    }>(
      await west.send('POST', '/api/v1/insights/interventions', {
        dealerCode: 'DLR-ALPHA',
        programCode: 'H1-AURA',
        kind: 'incentive_tier',
        note: 'push Aura this month',
      }),
      201,
    );
    expect(logged).toMatchObject({
      kind: 'incentive_tier',
      programCode: 'H1-AURA',
      programTier: next.tier,
      agreementCode: null,
      probabilityBefore: next.probability,
      createdByName: 'West Manager',
    });
    const mine = await json<{ programCode: string | null }[]>(
      await dealerA.get('/api/v1/insights/interventions'),
      200,
    );
    expect(mine.map((i) => i.programCode)).toEqual(['H1-AURA']);
    // Out of the manager's region: 404; a dealer cannot log; no assessed program: 400.
    const send = (c: Client, body: object) =>
      c.send('POST', '/api/v1/insights/interventions', { kind: 'incentive_tier', ...body });
    expect((await send(west, { dealerCode: 'DLR-BRAVO', programCode: 'H1-AURA' })).status).toBe(
      404,
    );
    expect((await send(dealerA, { dealerCode: 'DLR-ALPHA', programCode: 'H1-AURA' })).status).toBe(
      403,
    );
    expect((await send(west, { dealerCode: 'DLR-ALPHA', programCode: 'NOPE' })).status).toBe(400);
    expect((await send(west, { dealerCode: 'DLR-ALPHA' })).status).toBe(400);
  });

  it("settles the intervention when the window ends: the engine's final tier against the tier aimed at", async () => {
    // BRAVO is in the East: the channel manager logs one there too (it will miss).
    await ingestRows(t.services, auraHistory('DLR-BRAVO', 'PB'));
    await t.db.query('update transactions set received_at = occurred_on + 1');
    await t.services.insights.refresh(null);
    const logged = await channel.send('POST', '/api/v1/insights/interventions', {
      dealerCode: 'DLR-BRAVO',
      programCode: 'H1-AURA',
      kind: 'incentive_tier',
    });
    expect(logged.status).toBe(201);
    // ALPHA sells 30 more Aura units in April–June (past tier 2 at 55), BRAVO nothing more.
    const more = Array.from({ length: 30 }, (_, i) =>
      txRow({
        dealerCode: 'DLR-ALPHA',
        occurredOn: `2026-0${4 + (i % 3)}-${String((i % 27) + 1).padStart(2, '0')}`,
        externalId: `PA-late-${i}`,
      }),
    );
    await ingestRows(t.services, more);
    await t.db.query('update transactions set received_at = occurred_on + 1');
    // Before the end nothing is settled.
    await t.services.insights.refresh(null);
    const before = await json<{ outcome: string | null }[]>(
      await channel.get('/api/v1/insights/interventions'),
      200,
    );
    expect(before.every((i) => i.outcome === null)).toBe(true);
    today = '2026-07-20';
    await t.services.insights.refresh(null);
    const after = await json<
      {
        dealerCode: string;
        programTier: number;
        outcome: string | null;
        outcomeAt: string | null;
      }[]
    >(await channel.get('/api/v1/insights/interventions'), 200);
    const alpha = after.find((i) => i.dealerCode === 'DLR-ALPHA')!;
    const bravo = after.find((i) => i.dealerCode === 'DLR-BRAVO')!;
    expect(alpha).toMatchObject({ programTier: 2, outcome: 'reached' });
    expect(bravo.outcome).toBe('missed');
    expect(alpha.outcomeAt).not.toBeNull();
    // Every assessed dealer's window is kept (the comparable dealers of the value of insights).
    const { rows } = await t.db.query<{ code: string; target: number; reached: number }>(
      `select d.code, o.target_tier as target, o.tier_reached as reached
       from program_tier_outcomes o join dealers d on d.id = o.dealer_id order by d.code`,
    );
    expect(rows.find((r) => r.code === 'DLR-ALPHA')).toMatchObject({ target: 1, reached: 1 });
    expect(rows.find((r) => r.code === 'DLR-BRAVO')!.reached).toBeLessThan(1);
    // Settled once: the program no longer runs, its rows are gone, a later refresh changes nothing.
    await t.services.insights.refresh(null);
    const again = await t.db.query<{ n: number }>(
      `select count(*)::int as n from program_tier_outcomes`,
    );
    expect(again.rows[0]!.n).toBe(rows.length);
    // The value of insights counts both windows as treated, the others as comparable.
    const value = await json<{ programTiers: { treatedWindows: number; strata: unknown[] } }>(
      await channel.get('/api/v1/insights/interventions/value'),
      200,
    );
    expect(value.programTiers.treatedWindows).toBe(2);
  });
});
