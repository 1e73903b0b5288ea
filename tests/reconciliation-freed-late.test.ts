/**
 * The reconciliation of a period for a dealer with late rows of its own (docs/incentives.md,
 * "A VIN is paid once", "Freed after settlement"). B's February excluded its delivery of V (paid
 * to A); B also had a February sale stored after the close (paid by March's correction). A's
 * unwind of V in April frees B's delivery, paid by April's correction. Before, the period's
 * reconciliation asked a dealer with late rows only about the periods carrying those rows, so
 * B's freed delivery stayed in the `excluded` bucket (the money was right); now it is a
 * `correction_line` naming April.
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

const V = '1RECLATE000000001';

type Recon = {
  buckets: { bucket: string; reason: string | null; rows: number; amount: string }[];
  unaccounted: unknown[];
};

describe.each(engines())(
  'reconciliation: a freed delivery of a dealer with late rows (%s)',
  (engine) => {
    let t: TestApp;
    let admin: Client;
    let finance: Client;
    let dealerB: Client;
    const code = 'REC-LATE';

    beforeAll(async () => {
      ({ t, admin, finance, dealerB } = await startSettlementApp(engine));
      await createProgram(admin, monthlyUnitsProgram(code));
      await deliverOn(admin, 'DLR-ALPHA', [['RL-A1', '2026-01-10', V]]);
      await closeAndApprove(finance, code, 'DLR-ALPHA', '2026-01');
      await deliverOn(admin, 'DLR-BRAVO', [
        ['RL-B1', '2026-02-12', V],
        ['RL-B2', '2026-02-14', '1RECLATE000000002'],
      ]);
      await closeAndApprove(finance, code, 'DLR-BRAVO', '2026-02');
      // a February sale of B stored after February's close: March's correction pays it
      await deliverOn(admin, 'DLR-BRAVO', [['RL-B3', '2026-02-20', '1RECLATE000000003']]);
      await closeAndApprove(finance, code, 'DLR-BRAVO', '2026-03');
      // A unwinds V in April: B's February delivery of it is freed, paid by April's correction
      await unwindOn(admin, 'DLR-ALPHA', 'RL-A1', '2026-04-05', V);
    }, 600_000);
    afterAll(async () => t?.close());

    it("B's February: the late sale paid in March, the freed delivery in April", async () => {
      const april = await json<{ lines: { kind: string; amount: string }[] }>(
        await admin.get(`/api/v1/programs/${code}/statements/DLR-BRAVO?period=2026-04`),
        200,
      );
      expect(april.lines.map((l) => [l.kind, l.amount])).toEqual([['correction', '100.00']]);
      const recon = await json<Recon>(
        await dealerB.get(`/api/v1/programs/${code}/reconciliation?period=2026-02`),
        200,
      );
      expect(recon.unaccounted).toEqual([]);
      expect(recon.buckets).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ bucket: 'statement_line', rows: 1, amount: '100.00' }),
          expect.objectContaining({
            bucket: 'correction_line',
            reason: '2026-03',
            rows: 1,
            amount: '100.00',
          }),
          expect.objectContaining({
            bucket: 'correction_line',
            reason: '2026-04',
            rows: 1,
            amount: '100.00',
          }),
        ]),
      );
      // before: [excluded, paid_to_other_dealer, 1 row]
      expect(recon.buckets.filter((b) => b.bucket === 'excluded')).toEqual([]);
      // and once April is approved, as paid
      await closeAndApprove(finance, code, 'DLR-BRAVO', '2026-04');
      const after = await json<Recon>(
        await dealerB.get(`/api/v1/programs/${code}/reconciliation?period=2026-02`),
        200,
      );
      expect(after.buckets).toContainEqual(
        expect.objectContaining({ bucket: 'correction_line', reason: '2026-04', rows: 1 }),
      );
      expect(after.buckets.filter((b) => b.bucket === 'excluded')).toEqual([]);
    });
  },
);
