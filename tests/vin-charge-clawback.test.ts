/**
 * A payment that stood at a charge still stands there when it is clawed back afterwards
 * (docs/incentives.md, "A VIN is paid once"; migration 0067). A charged-back delivery is judged as
 * things stood at its charge (0063): the other dealers' payments approved before the
 * confirmation in the feed. Before, a clawback of such a payment hid it at the charge however
 * late it was approved (in a live period: every clawback), so the charged-back delivery was freed
 * (judged against a payment clawed back after its charge) by the other dealer's unwind.
 *
 * The story: Bravo delivers V on 10 March, paid by its approved March statement; Alpha's earlier
 * delivery of V (2 March) is stored after March's close, then charged back by a flag of Alpha's.
 * Bravo takes V back in April (its April statement claws the payment back, approved after the
 * confirmation): Alpha's delivery is still excluded (`paid_to_other_dealer`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgram, engines, json, type Client, type TestApp } from './helpers/test-app';
import {
  closeAndApprove,
  deliverOn,
  monthlyUnitsProgram,
  startSettlementApp,
  unwindOn,
} from './helpers/settlement';

const V = '1CHCLAWXS00000001';

describe.each(engines())('a payment clawed back after a charge (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let finance: Client;
  const code = 'VIN-CHCLAW';

  /** What forecourt_vin_blocked says of Alpha's March deliveries (bound: null, live). */
  const alphaBlocked = async (bound: string | null = null) =>
    (
      await t.db.query<{ reason: string }>(
        `select b.reason from forecourt_vin_blocked(
           (select id from programs where code = $1), array[(select id from dealers where code = 'DLR-ALPHA')],
           '2026-03-01', '2026-03-31', '2026-01-01', '2026-06-30', $2::bigint) b`,
        [code, bound],
      )
    ).rows.map((r) => r.reason);

  beforeAll(async () => {
    ({ t, admin, finance } = await startSettlementApp(engine));
    await createProgram(admin, monthlyUnitsProgram(code));
    await deliverOn(admin, 'DLR-BRAVO', [['CC-B1', '2026-03-10', V]]);
    await closeAndApprove(finance, code, 'DLR-BRAVO', '2026-03');
    // Alpha's earlier delivery of V, stored after March's close, then charged back
    await deliverOn(admin, 'DLR-ALPHA', [['CC-A1', '2026-03-02', V]]);
    await t.db.query(
      `insert into integrity_flags (dealer_id, kind, key, on_date, summary, evidence, amount_at_stake,
         status, decided_by, decided_at, charged_vins, feed_position)
       select id, 'duplicate_vin', 'test:chclaw', '2026-03-20', 'planted', '{}'::jsonb, 0,
              'confirmed', 'test', now(), array[$1], nextval(pg_get_serial_sequence('transactions', 'id'))
       from dealers where code = 'DLR-ALPHA'`,
      [V],
    );
  }, 600_000);
  afterAll(async () => t?.close());

  it("keeps Alpha's charged delivery excluded after Bravo's payment is clawed back", async () => {
    expect(await alphaBlocked()).toEqual(['paid_to_other_dealer']);
    await unwindOn(admin, 'DLR-BRAVO', 'CC-B1', '2026-04-06', V);
    await closeAndApprove(finance, code, 'DLR-BRAVO', '2026-04');
    const bravo = json<{ lines: { kind: string; amount: string }[] }>(
      await admin.get(`/api/v1/programs/${code}/statements/DLR-BRAVO?period=2026-04`),
      200,
    );
    expect((await bravo).lines.map((l) => [l.kind, l.amount])).toEqual([['clawback', '-100.00']]);
    // before: the clawback (approved after the charge) hid the payment that stood at it: []
    expect(await alphaBlocked()).toEqual(['paid_to_other_dealer']);
    const { rows } = await t.db.query<{ pos: string }>(
      `select forecourt_feed_position()::text as pos`,
    );
    expect(await alphaBlocked(rows[0]!.pos)).toEqual(['paid_to_other_dealer']);
    // Alpha is paid nothing for V in any statement
    for (const period of ['2026-03', '2026-04', '2026-05']) {
      const s = await json<{ amountDue: string }>(
        await admin.get(`/api/v1/programs/${code}/statements/DLR-ALPHA?period=${period}`),
        200,
      );
      expect([period, s.amountDue]).toEqual([period, '0.00']);
    }
  });
});
