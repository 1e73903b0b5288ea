/**
 * Issue 14 §2: a report dated in an ended tier window that arrives late, within the program's
 * grace days, counts toward the window's outcome as it counts in the window's statement. The
 * outcome settled at the window's end is provisional; the next refresh settles it again (the tier
 * first settled is kept, the correction is recorded) and settles the window's interventions
 * again; once the grace days have passed the outcome is final and a later arrival (which the
 * engine counts in a later window) changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

let today = '2026-04-20';

/** `count` Aura deliveries of DLR-ALPHA dated in `months` (cycling), ids `prefix-i`. */
function deliveries(prefix: string, count: number, months: string[]) {
  return Array.from({ length: count }, (_, i) =>
    txRow({
      dealerCode: 'DLR-ALPHA',
      occurredOn: `${months[i % months.length]}-${String((i % 27) + 1).padStart(2, '0')}`,
      externalId: `${prefix}-${i}`,
    }),
  );
}

describe.each(engines())('insights: late reports in a tier window (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;

  const outcome = async () =>
    (
      await t.db.query<{ reached: number; first: number; final: boolean; corrected: boolean }>(
        `select o.tier_reached as reached, o.first_tier_reached as first, o.is_final as final,
           o.corrected_at is not null as corrected
         from program_tier_outcomes o join dealers d on d.id = o.dealer_id where d.code = 'DLR-ALPHA'`,
      )
    ).rows;
  const intervention = async () =>
    (
      await json<
        {
          dealerCode: string;
          outcome: string | null;
          outcomeIsFinal: boolean | null;
          outcomeCorrectedAt: string | null;
        }[]
      >(await channel.get('/api/v1/insights/interventions'), 200)
    ).find((i) => i.dealerCode === 'DLR-ALPHA')!;
  /** Rows with these external ids arrived on `day`. */
  const arrived = (prefix: string, day: string) =>
    t.db.query(`update transactions set received_at = $2::date where external_id like $1`, [
      `${prefix}-%`,
      day,
    ]);

  beforeAll(async () => {
    today = '2026-04-20';
    t = await startTestApp(engine, {}, { today: () => today });
    await seedFixtures(t.db);
    channel = await login(t.url, USERS.channel, PASSWORD);
    await ingestRows(t.services, auraHistory('DLR-ALPHA', 'H'));
    await t.db.query('update transactions set received_at = occurred_on + 1');
    await createProgram(channel, { ...H1_AURA_PROGRAM, graceDays: 10 });
    await t.services.insights.refresh(null);
  }, 300_000);

  afterAll(async () => {
    await t?.close();
  });

  it('counts a report arriving within the grace days, then makes the outcome final', async () => {
    const logged = await channel.send('POST', '/api/v1/insights/interventions', {
      dealerCode: 'DLR-ALPHA',
      programCode: 'H1-AURA',
      kind: 'incentive_tier',
    });
    expect(logged.status).toBe(201);
    expect(await json<{ programTier: number }>(logged, 201)).toMatchObject({ programTier: 2 });
    // 29 units in January–March; 20 more in April–June: 49, under tier 2 (55).
    await ingestRows(t.services, deliveries('Q2', 20, ['2026-04', '2026-05', '2026-06']));
    await arrived('Q2', '2026-06-30');
    // Two days after the end (grace until 10 July): settled, provisional, tier 1 (index 0).
    today = '2026-07-02';
    await t.services.insights.refresh(null);
    expect(await outcome()).toEqual([{ reached: 0, first: 0, final: false, corrected: false }]);
    expect(await intervention()).toMatchObject({
      outcome: 'missed',
      outcomeIsFinal: false,
      outcomeCorrectedAt: null,
    });

    // Eight deliveries of late June arrive on 5 July, within the grace days: 57, tier 2.
    await ingestRows(t.services, deliveries('LATE', 8, ['2026-06']));
    await arrived('LATE', '2026-07-05');
    today = '2026-07-06';
    await t.services.insights.refresh(null);
    expect(await outcome()).toEqual([{ reached: 1, first: 0, final: false, corrected: true }]);
    const corrected = await intervention();
    expect(corrected).toMatchObject({ outcome: 'reached', outcomeIsFinal: false });
    expect(corrected.outcomeCorrectedAt).not.toBeNull();

    // After the grace days: final. A June delivery arriving on 15 July counts in a later window.
    await ingestRows(t.services, deliveries('AFTER', 40, ['2026-06']));
    await arrived('AFTER', '2026-07-15');
    today = '2026-07-16';
    await t.services.insights.refresh(null);
    expect(await outcome()).toEqual([{ reached: 1, first: 0, final: true, corrected: true }]);
    expect(await intervention()).toMatchObject({
      outcome: 'reached',
      outcomeIsFinal: true,
      outcomeCorrectedAt: corrected.outcomeCorrectedAt,
    });
  });
});
