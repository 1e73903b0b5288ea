/**
 * A chargeback takes back only what a program paid (insights/chargeback.ts): a flagged delivery
 * stored after the program's last period closed was never paid by it (no period was left to
 * carry its correction), so that program takes nothing back, while a program still open when it
 * arrived paid it as a correction and takes it back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntegrityFlagRecord } from '../src/shared/schemas/insights';
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

const vin = (n: number) => `1UNPD${String(n).padStart(12, '0')}`;

const program = (code: string, endDate: string) => ({
  code,
  name: `Unpaid chargeback ${code}`,
  currency: 'USD',
  startDate: '2026-01-01',
  endDate,
  measurementPeriod: 'month',
  payoutFrequency: 'month',
  measure: 'units',
  benefit: 'per_unit',
  graceDays: 60,
  tiers: [{ from: '0', value: '100.35' }],
});

describe.each(engines())('insights: a chargeback of a row never paid (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let finance: Client;

  const close = async (code: string, period: string) =>
    json(await finance.send('POST', `/api/v1/programs/${code}/periods/close`, { period }), 200);

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-05-20' });
    await seedFixtures(t.db);
    [channel, finance] = await Promise.all([
      login(t.url, USERS.channel, PASSWORD),
      login(t.url, USERS.finance, PASSWORD),
    ]);
    await ingestRows(t.services, [
      txRow({ occurredOn: '2026-03-02', vin: vin(1) }),
      txRow({ occurredOn: '2026-03-03', vin: vin(2) }),
    ]);
    await t.db.query(`update transactions set received_at = occurred_on + 1`);
    // CBU-END ends with March, every period closed; CBU-OPEN runs on (April open).
    await createProgram(channel, program('CBU-END', '2026-03-31'));
    await createProgram(channel, program('CBU-OPEN', '2026-12-31'));
    for (const period of ['2026-01', '2026-02', '2026-03']) await close('CBU-END', period);
    await close('CBU-OPEN', '2026-03');
    // After both closed March: a delivery dated in March (within the grace days).
    await ingestRows(t.services, [txRow({ occurredOn: '2026-03-30', vin: vin(3) })]);
    await t.db.query(`update transactions set received_at = '2026-04-16' where vin = $1`, [vin(3)]);
  }, 600_000);

  afterAll(async () => {
    await t?.close();
  });

  it('takes the late row back only where a later period paid it', async () => {
    // CBU-OPEN's April carries the late row as a correction; CBU-END has no period left for it.
    const april = await json<{ lines: { kind: string; amount: string }[] }>(
      await finance.get('/api/v1/programs/CBU-OPEN/statements/DLR-ALPHA?period=2026-04'),
      200,
    );
    expect(april.lines.filter((l) => l.kind === 'correction').map((l) => l.amount)).toEqual([
      '100.35',
    ]);
    const { rows } = await t.db.query<{ id: number }>(
      `insert into integrity_flags (dealer_id, kind, key, on_date, summary, evidence, amount_at_stake)
       select id, 'duplicate_vin', 'test:unpaid:alpha', '2026-03-30', 'planted', $1::jsonb, 0
       from dealers where code = 'DLR-ALPHA' returning id`,
      [JSON.stringify({ vins: [{ vin: vin(3) }] })],
    );
    const confirmed = await json<IntegrityFlagRecord>(
      await finance.send('POST', `/api/v1/insights/integrity/${rows[0]!.id}/decision`, {
        decision: 'confirm',
      }),
      200,
    );
    expect(confirmed.chargebacks.map((c) => [c.programCode, c.period, c.amount])).toEqual([
      ['CBU-OPEN', '2026-04', '-100.35'],
    ]);
  }, 300_000);
});
