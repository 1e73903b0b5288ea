/**
 * Issue 13, "Forecast grid in dealer language": a dealer changes a row or a selection ("+10 %")
 * with one reason in one request, all or nothing; the region accepts every pending adjustment in
 * its scope in one request (POST /forecasts/cycles/{id}/adjustments/accept).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcceptAllResult } from '../src/shared/schemas/forecast-review';
import type { DealerGrid } from '../src/shared/schemas/forecasts';
import { seedForecast } from './helpers/forecast-cells';
import { PASSWORD, seedFixtures, USERS } from './helpers/fixtures';
import { engines, json, login, startTestApp, type Client, type TestApp } from './helpers/test-app';

const months = ['2026-10', '2026-11', '2026-12'];
const cellsUrl = (id: number, dealer: string) =>
  `/api/v1/forecasts/cycles/${id}/dealers/${dealer}/cells`;

describe.each(engines())('bulk forecast edits and review (%s)', (engine) => {
  let t: TestApp;
  let cycleId: number;
  let dealerA: Client;
  let dealerB: Client;
  let west: Client;
  let channel: Client;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-10-05' });
    await seedFixtures(t.db);
    await seedForecast(t, 2, '2026-10-01', 'adjusting', '2026-10-20');
    cycleId = (await t.db.query<{ id: number }>('select id from forecast_cycles')).rows[0]!.id;
    [dealerA, dealerB, west, channel] = (await Promise.all(
      [USERS.dealerA, USERS.dealerB, USERS.regionalWest, USERS.channel].map((e) =>
        login(t.url, e, PASSWORD),
      ),
    )) as [Client, Client, Client, Client];
  }, 180_000);
  afterAll(async () => t?.close());

  const plus10 = (v: number) => Math.round(v * 1.1);

  it('takes a whole row +10 % with one reason in one request, or nothing', async () => {
    const bad = await dealerA.send('PUT', cellsUrl(cycleId, 'DLR-ALPHA'), {
      cells: [
        ...months.slice(0, 2).map((month) => ({
          modelLine: 'ML-AURA',
          month,
          value: plus10(8),
          reason: 'local_demand',
        })),
        { modelLine: 'ML-AURA', month: '2027-05', value: 9, reason: 'local_demand' },
      ],
    });
    expect(bad.status).toBe(400);
    const unchanged = await json<DealerGrid>(
      await dealerA.send('GET', `/api/v1/forecasts/cycles/${cycleId}/dealers/DLR-ALPHA`),
      200,
    );
    expect(unchanged.lines[0]!.cells.every((c) => c.adjusted === null)).toBe(true);

    const res = await json<{ updated: number; grid: DealerGrid }>(
      await dealerA.send('PUT', cellsUrl(cycleId, 'DLR-ALPHA'), {
        cells: months.map((month) => ({
          modelLine: 'ML-AURA',
          month,
          value: plus10(8),
          reason: 'local_demand',
          comment: 'new showroom',
        })),
      }),
      200,
    );
    expect(res.updated).toBe(3);
    expect(res.grid.lines[0]!.cells.map((c) => c.adjusted)).toEqual([9, 9, 9]);
  });

  it('accepts every pending adjustment in the reviewer’s scope in one request', async () => {
    await json(
      await dealerB.send('PUT', cellsUrl(cycleId, 'DLR-BRAVO'), {
        cells: [{ modelLine: 'ML-AURA', month: '2026-10', value: 6, reason: 'fleet_deal' }],
      }),
      200,
    );
    expect(
      (await dealerA.send('POST', `/api/v1/forecasts/cycles/${cycleId}/adjustments/accept`, {}))
        .status,
    ).toBe(403);
    // naming a dealer outside the region: 404 naming it, nothing accepted
    const outside = await west.send(
      'POST',
      `/api/v1/forecasts/cycles/${cycleId}/adjustments/accept`,
      {
        dealers: ['DLR-ALPHA', 'DLR-BRAVO'],
      },
    );
    expect(outside.status).toBe(404);
    expect(((await outside.json()) as { message: string }).message).toContain('DLR-BRAVO');
    const pending = await t.db.query<{ n: number }>(
      `select count(*)::int as n from forecast_cells where adjusted is not null and review_status = 'pending'`,
    );
    expect(pending.rows[0]!.n).toBe(4);

    const done = await json<AcceptAllResult>(
      await west.send('POST', `/api/v1/forecasts/cycles/${cycleId}/adjustments/accept`, {
        comment: 'fine',
      }),
      200,
    );
    expect(done).toEqual({
      accepted: 3,
      dealers: [{ code: 'DLR-ALPHA', name: 'Dealer Alpha Motors', accepted: 3 }],
    });
    // Bravo (East) is still pending; the edits say who accepted
    const after = await t.db.query<{ code: string; status: string }>(
      `select d.code, fc.review_status as status from forecast_cells fc join dealers d on d.id = fc.dealer_id
       where fc.adjusted is not null order by 1`,
    );
    expect(after.rows.filter((r) => r.code === 'DLR-BRAVO').map((r) => r.status)).toEqual([
      'pending',
    ]);
    const edits = await t.db.query<{ n: number }>(
      `select count(*)::int as n from forecast_edits where kind = 'accept' and comment = 'fine'`,
    );
    expect(edits.rows[0]!.n).toBe(3);
    // the network-wide reviewer takes the rest
    const rest = await json<AcceptAllResult>(
      await channel.send('POST', `/api/v1/forecasts/cycles/${cycleId}/adjustments/accept`, {}),
      200,
    );
    expect(rest.accepted).toBe(1);
  });

  it('refuses a locked cycle with its month in words', async () => {
    await t.db.query(`update forecast_cycles set status = 'locked'`);
    const res = await channel.send(
      'POST',
      `/api/v1/forecasts/cycles/${cycleId}/adjustments/accept`,
      {},
    );
    const body = await json<{ message: string; details: { reason: string } }>(res, 409);
    expect(body.message).toBe(
      'The forecast of October 2026 is locked; its consensus no longer changes',
    );
    expect(body.details.reason).toBe('cycle_locked');
  });
});
