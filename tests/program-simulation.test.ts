/**
 * Issue 13, "Program publishing with its cost": before publishing, the program is simulated on
 * the forecast — expected cost with an 80 % interval, dealers expected per tier, against the
 * budget — through GET /api/v1/programs/{code}/simulation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgramSimulation } from '../src/shared/schemas/program-simulation';
import { seedForecast } from './helpers/forecast-cells';
import { PASSWORD, seedFixtures, USERS } from './helpers/fixtures';
import {
  createProgram,
  engines,
  json,
  login,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';

const base = {
  name: 'BEV stair Q4',
  currency: 'USD',
  startDate: '2026-10-01',
  endDate: '2026-12-31',
  measurementPeriod: 'quarter',
  payoutFrequency: 'quarter',
  qualifying: { powertrains: ['BEV'] },
  measure: 'units',
  tiers: [
    { from: '5', value: '100.00' },
    { from: '10', value: '200.00' },
  ],
  benefit: 'per_unit',
  budget: '2500.00',
};
const url = (code: string) => `/api/v1/programs/${code}/simulation`;

describe.each(engines())('program simulation before publishing (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let dealerA: Client;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-09-15' });
    await seedFixtures(t.db);
    channel = await login(t.url, USERS.channel, PASSWORD);
    dealerA = await login(t.url, USERS.dealerA, PASSWORD);
  }, 180_000);
  afterAll(async () => t?.close());

  it('says there is no forecast yet instead of a zero cost', async () => {
    await createProgram(channel, { ...base, code: 'SIM-NONE' }, { publish: false });
    const body = await json<{ code: string; message: string }>(
      await channel.send('GET', url('SIM-NONE')),
      409,
    );
    expect(body.message).toMatch(/no forecast yet/);
  });

  it('costs a draft on the forecast: exact when the forecast is certain', async () => {
    await seedForecast(t, 0);
    const sim = await json<ProgramSimulation>(await channel.send('GET', url('SIM-NONE')), 200);
    // Alpha 12 BEVs × 200 + Bravo 6 × 100; Charlie's 3 reach no tier
    expect(sim.expectedCost).toBe('3000.00');
    expect(sim.atForecast).toBe('3000.00');
    expect(sim.interval).toEqual({ level: 80, low: '3000.00', high: '3000.00' });
    expect(sim.tiers).toEqual([
      { from: '5', value: '100.00', dealers: 1 },
      { from: '10', value: '200.00', dealers: 1 },
    ]);
    expect(sim.belowFirstTier).toBe(1);
    expect(sim.dealers).toEqual({ eligible: 3, withForecast: 3 });
    expect(sim.budget).toBe('2500.00');
    expect(sim.budgetUsePercent).toBe(120);
    expect(sim.overBudgetChance).toBe(100);
    expect(sim.coverage).toMatchObject({ programMonths: 3, forecastMonths: 3 });
    expect(sim.windows).toHaveLength(1);
    expect(sim.windows[0]).toMatchObject({ label: '2026-Q4', dealersPerTier: [1, 1] });
  });

  it('follows eligibility, the dealer adjustment and the paying filter', async () => {
    await createProgram(
      channel,
      { ...base, code: 'SIM-WEST', eligibility: { regions: ['US-W'] } },
      { publish: false },
    );
    // Alpha adjusts October from 8 to 14: 7 BEVs instead of 4 → 15 a quarter
    await t.db.query(
      `update forecast_cells set adjusted = 14 where dealer_id = (select id from dealers where code = 'DLR-ALPHA')
       and target_month = '2026-10-01'`,
    );
    const sim = await json<ProgramSimulation>(await channel.send('GET', url('SIM-WEST')), 200);
    expect(sim.dealers.eligible).toBe(2);
    expect(sim.expectedCost).toBe('3000.00'); // 15 × 200
    expect(sim.tiers.map((x) => x.dealers)).toEqual([0, 1]);
  });

  it('gives an interval around the expected cost when the forecast is uncertain', async () => {
    await t.db.query(`update forecast_cells set adjusted = null`);
    await t.db.query(
      `update forecast_cells set lower80 = greatest(0, baseline - 3), upper80 = baseline + 3`,
    );
    const sim = await json<ProgramSimulation>(await channel.send('GET', url('SIM-NONE')), 200);
    expect(sim.atForecast).toBe('3000.00');
    const low = Number(sim.interval.low);
    const high = Number(sim.interval.high);
    const mean = Number(sim.expectedCost);
    expect(low).toBeLessThan(3000);
    expect(high).toBeGreaterThan(3000);
    expect(low).toBeLessThan(mean);
    expect(high).toBeGreaterThan(mean);
    // a forecast that can only fall: the outcomes stay below what the forecast says
    await t.db.query(
      `update forecast_cells set lower80 = greatest(0, baseline - 3), upper80 = baseline`,
    );
    const down = await json<ProgramSimulation>(await channel.send('GET', url('SIM-NONE')), 200);
    expect(Number(down.expectedCost)).toBeLessThan(3000);
    expect(Number(down.interval.high)).toBeLessThanOrEqual(3000);
    await t.db.query(`update forecast_cells set upper80 = baseline + 3`);
    expect(sim.overBudgetChance).toBeGreaterThan(0);
    expect(sim.overBudgetChance).toBeLessThan(100);
    // the same program and forecast give the same answer
    const again = await json<ProgramSimulation>(await channel.send('GET', url('SIM-NONE')), 200);
    expect(again.interval).toEqual(sim.interval);
  });

  it('says what it cannot estimate and which months the forecast leaves out', async () => {
    await createProgram(
      channel,
      {
        ...base,
        code: 'SIM-GROW',
        measure: 'growth',
        growthBasis: 'units',
        tiers: [{ from: '5', value: '100.00' }],
        endDate: '2027-06-30',
      },
      { publish: false },
    );
    const sim = await json<ProgramSimulation>(await channel.send('GET', url('SIM-GROW')), 200);
    expect(sim.estimable).toBe(false);
    expect(sim.notes.join(' ')).toMatch(/Growth against last year is not estimated/);
    expect(sim.notes.join(' ')).toMatch(/covers 3 of the program's 9 months/);
  });

  it('is for program authors only, and 404 for an unknown program', async () => {
    expect((await dealerA.send('GET', url('SIM-NONE'))).status).toBe(403);
    expect((await channel.send('GET', url('NO-SUCH'))).status).toBe(404);
    expect((await channel.send('GET', `${url('SIM-NONE')}?cycleId=999`)).status).toBe(404);
    expect((await channel.send('GET', `${url('SIM-NONE')}?cycle=1`)).status).toBe(400);
  });

  it('publishes after the simulation', async () => {
    await json(await channel.send('POST', '/api/v1/programs/SIM-NONE/publish'), 200);
    // a published program still simulates (its cost so far as the forecast sees it)
    await json(await channel.send('GET', url('SIM-NONE')), 200);
  });
});
