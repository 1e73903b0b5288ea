/**
 * Reviewed money does not change (docs/incentives.md, "Close and approve"): a new program version
 * may not govern a window that has an approved statement. Before, a version effective from the program's
 * start re-rated a quarter whose January was approved: February's cumulative statement paid the
 * difference (earned at the new rate − what January settled at the old one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { deliverOn } from './helpers/settlement';

const definition = (value: string) => ({
  code: 'IMMUTABLE-Q',
  name: 'Immutable',
  currency: 'USD',
  startDate: '2026-01-01',
  endDate: '2026-06-30',
  measurementPeriod: 'quarter',
  payoutFrequency: 'month',
  graceDays: 10,
  qualifying: { modelLines: ['ML-AURA'] },
  measure: 'units',
  tiers: [{ from: '0', value }],
  benefit: 'per_unit',
});

type Problem = {
  code: string;
  message: string;
  details: { problems?: { path: string; code: string }[] };
};

describe.each(engines())('settled money is immutable (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let finance: Client;
  const dealer = 'DLR-ALPHA';
  const code = 'IMMUTABLE-Q';
  const statement = async (period: string) =>
    json<{ amountDue: string; earned: string; versionNo: number }>(
      await admin.get(`/api/v1/programs/${code}/statements/${dealer}?period=${period}`),
      200,
    );

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-12-01' });
    await seedFixtures(t.db);
    admin = await login(t.url, USERS.admin, PASSWORD);
    finance = await login(t.url, USERS.finance, PASSWORD);
    await createProgram(admin, definition('100'));
    await deliverOn(admin, dealer, [
      ['IM-J1', '2026-01-10'],
      ['IM-A1', '2026-04-10'],
      ['IM-F1', '2026-02-10'],
    ]);
  }, 600_000);
  afterAll(async () => t?.close());

  it('a version over a window with an approved period is refused; February still pays 100.00', async () => {
    await json(
      await finance.send('POST', `/api/v1/programs/${code}/periods/close`, { period: '2026-01' }),
      200,
    );
    await json(
      await finance.send('POST', `/api/v1/programs/${code}/statements/${dealer}/approve`, {
        period: '2026-01',
      }),
      200,
    );
    expect((await statement('2026-02')).amountDue).toBe('100.00');
    const refused = await json<Problem>(
      await admin.send('POST', `/api/v1/programs/${code}/versions`, {
        effectiveFrom: '2026-01-01',
        definition: definition('300'),
      }),
      400,
    );
    expect(refused.details.problems?.[0]).toMatchObject({
      path: 'effectiveFrom',
      code: 'period_approved',
    });
    // the versions of the program are unchanged, February still pays January's rate
    expect((await statement('2026-02')).amountDue).toBe('100.00');
    expect((await statement('2026-02')).versionNo).toBe(1);
  }, 300_000);

  it('a draft version published after its window had a statement approved is refused (409)', async () => {
    // effective from the second quarter: allowed while no statement of it is approved
    await json(
      await admin.send('POST', `/api/v1/programs/${code}/versions`, {
        effectiveFrom: '2026-04-01',
        definition: definition('300'),
      }),
      200,
    );
    await json(
      await finance.send('POST', `/api/v1/programs/${code}/periods/close`, { period: '2026-04' }),
      200,
    );
    await json(
      await finance.send('POST', `/api/v1/programs/${code}/statements/${dealer}/approve`, {
        period: '2026-04',
      }),
      200,
    );
    const refused = await json<Problem>(
      await admin.send('POST', `/api/v1/programs/${code}/publish`, {}),
      409,
    );
    expect(refused.message).toMatch(/2026-04/);
    const { rows } = await t.db.query<{ status: string }>(
      `select v.status from program_versions v join programs p on p.id = v.program_id
       where p.code = $1 and v.version_no = 2`,
      [code],
    );
    expect(rows.map((r) => r.status)).toEqual(['draft']);
  }, 300_000);
});
