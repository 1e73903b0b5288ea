/**
 * Money of a closed or approved period cannot change through a race: a dispute's adjustment (and a
 * chargeback's, same path: window-order.ts `firstPayablePeriod`) waits for a close or approval of
 * its target window in flight, then goes to the next period that can still pay. Before, an
 * adjustment decided while the close was committing landed in the period just closed: outside its
 * snapshot, and once approved never paid. PostgreSQL only (PGlite has one connection: nothing
 * runs concurrently there).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSettlementRepository } from '../src/server/modules/incentives/settlement';
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

const postgres = engines().filter((e) => e === 'postgres');

describe.each(postgres)('settlement races (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let finance: Client;
  let dealerA: Client;
  const dealer = 'DLR-ALPHA';
  const code = 'RACE-M';

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-12-01' });
    await seedFixtures(t.db);
    admin = await login(t.url, USERS.admin, PASSWORD);
    finance = await login(t.url, USERS.finance, PASSWORD);
    dealerA = await login(t.url, USERS.dealerA, PASSWORD);
    await createProgram(admin, {
      code,
      name: 'Race',
      currency: 'USD',
      startDate: '2026-01-01',
      endDate: '2026-06-30',
      measurementPeriod: 'month',
      payoutFrequency: 'month',
      qualifying: { modelLines: ['ML-AURA'] },
      measure: 'units',
      tiers: [{ from: '0', value: '100' }],
      benefit: 'per_unit',
    });
    await deliverOn(admin, dealer, [['RACE-J1', '2026-01-10']]);
  }, 600_000);
  afterAll(async () => t?.close());

  it('a dispute resolved while January is being closed goes to February, not into the closed January', async () => {
    const { rows } = await t.db.query<{ id: string; programId: number }>(
      `select t.id::text as id, p.id as "programId" from transactions t, programs p
       where t.external_id = 'RACE-J1' and p.code = $1`,
      [code],
    );
    const { id: transactionId, programId } = rows[0]!;
    const dispute = await json<{ id: number }>(
      await dealerA.send('POST', '/api/v1/disputes', {
        programCode: code,
        dealerCode: dealer,
        period: '2026-01',
        transactionId,
        comment: 'one more',
      }),
      201,
    );
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    // A close of January in flight: it holds the window lock and has marked the period closed.
    const closing = t.db.transaction(async (tx) => {
      await createSettlementRepository(tx).lockWindow(programId, '2026-01');
      await tx.query(
        `insert into program_periods (program_id, period, closed_by, last_feed_id)
         values ($1, '2026-01', 'race', (select coalesce(max(id), 0) from transactions))`,
        [programId],
      );
      locked();
      await released;
    });
    await isLocked;
    const resolving = finance.send('POST', `/api/v1/disputes/${dispute.id}/resolve`, {
      outcome: 'adjust',
      amount: '50.00',
      reason: 'goodwill',
    });
    // let the resolution run as far as it can while the close holds the window
    await Promise.race([resolving, new Promise((r) => setTimeout(r, 3000))]);
    release();
    await closing;
    await json(await resolving, 200);
    const { rows: adjustments } = await t.db.query<{ period: string }>(
      `select period from incentive_adjustments where dispute_id = $1`,
      [dispute.id],
    );
    expect(adjustments.map((a) => a.period)).toEqual(['2026-02']);
  }, 300_000);
});
