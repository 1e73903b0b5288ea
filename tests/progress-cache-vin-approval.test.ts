/**
 * The dealer progress cache notices another dealer's approval (dealer-progress-cache.ts,
 * migration 0052): under "a VIN is paid once" dealer B's progress depends on dealer A's approved
 * statement (paid_to_other_dealer), which writes no row of B. Every change of a program's settled
 * units bumps the program's settlement_version, which the cache's stamp reads. Before, B was
 * answered its cached progress, still paying a delivery A's approval had excluded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { createServices } from '../src/server/services';
import {
  createProgram,
  engines,
  json,
  testEnv,
  type Client,
  type TestApp,
} from './helpers/test-app';
import { deliverOn, monthlyUnitsProgram, startSettlementApp } from './helpers/settlement';

const code = 'VIN-CACHE';
const vin = '1VNCACHE000000001';

describe.each(engines())('progress cache and another dealer’s approval (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let finance: Client;
  let dealerB: Client;
  const progressOfB = async (who: Client) =>
    (
      await json<{
        programs: { programCode: string; earned: string; measureValue: string | null }[];
      }>(await who.get('/api/v1/dealers/DLR-BRAVO/incentives'), 200)
    ).programs.find((p) => p.programCode === code)!;

  beforeAll(async () => {
    ({ t, admin, finance, dealerB } = await startSettlementApp(engine));
    // measured on the whole year, paid monthly: B's progress window runs from January
    await createProgram(
      admin,
      monthlyUnitsProgram(code, { endDate: '2026-12-31', measurementPeriod: 'program' }),
    );
  }, 600_000);
  afterAll(async () => t?.close());

  it('B’s cached progress drops the delivery A’s approval excluded, without a feed row for B', async () => {
    // A delivers the VIN on 10 January; January is closed with it (the feed as stored then)
    await deliverOn(admin, 'DLR-ALPHA', [['VC-A', '2026-01-10', vin]]);
    await json(
      await finance.send('POST', `/api/v1/programs/${code}/periods/close`, { period: '2026-01' }),
      200,
    );
    // B's delivery of the same VIN, dated earlier, stored after the close: it earns for B while
    // nobody has been paid for the VIN (the earlier delivery earns)
    await deliverOn(admin, 'DLR-BRAVO', [['VC-B', '2026-01-05', vin]]);
    const before = await progressOfB(dealerB);
    expect(before.earned).toBe('100.00');
    expect(await progressOfB(dealerB)).toEqual(before); // cached

    // A's January approved (it counted A's delivery at close): the VIN is paid to A
    const { rows: feed } = await t.db.query<{ n: string }>(
      'select max(id)::text as n from transactions',
    );
    await json(
      await finance.send('POST', `/api/v1/programs/${code}/statements/DLR-ALPHA/approve`, {
        period: '2026-01',
      }),
      200,
    );
    const { rows: paid } = await t.db.query<{ n: number }>(
      `select count(*)::int as n from settled_unit_benefits where vin = $1`,
      [vin],
    );
    expect(paid[0]!.n).toBe(1);
    // no new feed row (for B or anyone)
    expect(
      (await t.db.query<{ n: string }>('select max(id)::text as n from transactions')).rows[0]!.n,
    ).toBe(feed[0]!.n);

    const after = await progressOfB(dealerB);
    expect(after.earned).toBe('0.00');
    // the answer a process that never cached it computes
    const fresh = createServices({ db: t.db, env: testEnv(), today: () => '2026-12-01' });
    const recomputed = (
      await fresh.incentives.getDealerIncentives({ actor: SYSTEM_ACTOR, dealerCode: 'DLR-BRAVO' })
    ).programs.find((p) => p.programCode === code)!;
    expect(recomputed.earned).toBe('0.00');
    expect(after.measureValue).toBe(recomputed.measureValue);
  }, 300_000);
});
