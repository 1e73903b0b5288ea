/**
 * A charged-back delivery is judged by feed positions, not clocks (docs/incentives.md, "A VIN is
 * paid once", "Freed after settlement"; migration 0063). A delivery charged back by a confirmed
 * integrity flag is judged as things stood at its charge: the other dealers' payments that stood
 * then are those approved at a feed position before the confirmation's. Before, the approval's
 * time was compared with the confirmation's (`approved_at <= decided_at`): a clock skewed
 * between two servers, or two events within one `now()`, put the approval on the wrong side.
 *
 * The story: Bravo delivers V on 10 March, paid by its approved March statement; Alpha's earlier
 * delivery of V (2 March) is stored after March's close, then charged back by a flag of Alpha's.
 * Bravo's approval is before the confirmation in the feed, so Alpha's delivery is excluded
 * (`paid_to_other_dealer`) as things stood at its charge, whatever the clocks say; and an
 * approval positioned after the confirmation does not count there, even with an earlier clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgram, engines, type Client, type TestApp } from './helpers/test-app';
import {
  closeAndApprove,
  deliverOn,
  monthlyUnitsProgram,
  startSettlementApp,
} from './helpers/settlement';

const V = '1CHPSXS0000000001';

describe.each(engines())('a charged-back delivery judged by feed positions (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let finance: Client;
  const code = 'VIN-CHPOS';
  let flagId = 0;
  let bravoStatementId = '';

  /** What forecourt_vin_blocked says of Alpha's March deliveries (live: no feed bound). */
  const alphaBlocked = async () =>
    (
      await t.db.query<{ reason: string }>(
        `select b.reason from forecourt_vin_blocked(
           (select id from programs where code = $1), array[(select id from dealers where code = 'DLR-ALPHA')],
           '2026-03-01', '2026-03-31', '2026-01-01', '2026-06-30', null) b`,
        [code],
      )
    ).rows.map((r) => r.reason);

  beforeAll(async () => {
    ({ t, admin, finance } = await startSettlementApp(engine));
    await createProgram(admin, monthlyUnitsProgram(code));
    await deliverOn(admin, 'DLR-BRAVO', [['CP-B1', '2026-03-10', V]]);
    await closeAndApprove(finance, code, 'DLR-BRAVO', '2026-03');
    // Alpha's earlier delivery of V, stored after March's close, then charged back
    await deliverOn(admin, 'DLR-ALPHA', [['CP-A1', '2026-03-02', V]]);
    const { rows } = await t.db.query<{ id: number }>(
      `insert into integrity_flags (dealer_id, kind, key, on_date, summary, evidence, amount_at_stake,
         status, decided_by, decided_at, charged_vins, feed_position)
       select id, 'duplicate_vin', 'test:chpos', '2026-03-20', 'planted', '{}'::jsonb, 0,
              'confirmed', 'test', now(), array[$1], nextval(pg_get_serial_sequence('transactions', 'id'))
       from dealers where code = 'DLR-ALPHA'
       returning id`,
      [V],
    );
    flagId = rows[0]!.id;
    bravoStatementId = (
      await t.db.query<{ id: string }>(
        `select s.id::text as id from incentive_statements s join dealers d on d.id = s.dealer_id
         where d.code = 'DLR-BRAVO' and s.period = '2026-03' and s.status = 'approved'`,
      )
    ).rows[0]!.id;
  }, 600_000);
  afterAll(async () => t?.close());

  it("Bravo's approval, before the confirmation in the feed, stands at the charge even if its clock is later", async () => {
    const { rows } = await t.db.query<{ before: boolean }>(
      `select s.approved_position < f.feed_position as before
       from incentive_statements s, integrity_flags f where s.id = $1 and f.id = $2`,
      [bravoStatementId, flagId],
    );
    expect(rows[0]!.before).toBe(true);
    expect(await alphaBlocked()).toEqual(['paid_to_other_dealer']);
    // the approval's clock an hour ahead of the confirmation's (skew): the feed order holds.
    // Before: compared by time, Bravo's payment did not stand then, and Alpha's delivery counted.
    await t.db.query(
      `update incentive_statements set approved_at = (select decided_at from integrity_flags where id = $2) + interval '1 hour'
       where id = $1`,
      [bravoStatementId, flagId],
    );
    expect(await alphaBlocked()).toEqual(['paid_to_other_dealer']);
  });

  it('an approval positioned after the confirmation does not count at the charge, even with an earlier clock', async () => {
    // the same approval, now after the confirmation in the feed but an hour before it by clock.
    // Before: compared by time, it counted, and Alpha's delivery was excluded.
    await t.db.query(
      `update incentive_statements
          set approved_at = (select decided_at from integrity_flags where id = $2) - interval '1 hour',
              approved_position = nextval(pg_get_serial_sequence('transactions', 'id'))
       where id = $1`,
      [bravoStatementId, flagId],
    );
    expect(await alphaBlocked()).toEqual([]);
  });

  it('an approval from before positions (0062) is still judged by its time', async () => {
    await t.db.query(`update incentive_statements set approved_position = null where id = $1`, [
      bravoStatementId,
    ]);
    expect(await alphaBlocked()).toEqual(['paid_to_other_dealer']);
  });
});
