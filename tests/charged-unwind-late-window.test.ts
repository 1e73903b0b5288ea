/**
 * A charged-back unwind that arrives late is listed once (docs/incentives.md, "Unwinds and
 * clawbacks"). The unwind of a sale already charged back is left out of the engine's reads and
 * listed as excluded (`charged_back_unwind`, migration 0059). An unwind that arrives after its
 * own window's grace deadline counts on its arrival date; the feed read of a window takes the
 * rows dated in it and the unwinds dated before it that arrived in it, so a late unwind is read
 * by two windows and the engine keeps it in one. The listing now does the same: the charged-back
 * unwind is listed in the window that would have counted it (its arrival's), and only there, on
 * the statements and in the reconciliation.
 *
 * The story: Alpha sells V on 10 March; a flag charges it back; the unwind of V, dated 20 March,
 * arrives on 25 April (after March's grace deadline, 10 April), both months still open.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntegrityFlagRecord } from '../src/shared/schemas/insights';
import { monthlyProgram, startChargebackApp, taggedVin } from './helpers/chargeback';
import { ingestRows, txRow } from './helpers/fixtures';
import { createProgram, engines, json, type Client, type TestApp } from './helpers/test-app';

const V = taggedVin('CULW', 1);

type Detail = { excluded: { transactionId: string; reason: string }[]; amountDue: string };
type Recon = {
  buckets: { bucket: string; reason: string | null; rows: number }[];
  unaccounted: unknown[];
};

describe.each(engines())('a late charged-back unwind is listed in one window (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let finance: Client;
  let unwindId = '';
  const code = 'CULW';
  const statement = async (period: string) =>
    json<Detail>(
      await finance.get(`/api/v1/programs/${code}/statements/DLR-ALPHA?period=${period}`),
      200,
    );
  const recon = async (period: string) =>
    json<Recon>(await finance.get(`/api/v1/programs/${code}/reconciliation?period=${period}`), 200);

  beforeAll(async () => {
    ({
      t,
      clients: [channel, finance],
    } = await startChargebackApp(
      engine,
      '2026-07-10',
      [txRow({ occurredOn: '2026-03-10', vin: V, externalId: 'CULW-S' })],
      'channel',
      'finance',
    ));
    await createProgram(
      channel,
      monthlyProgram(code, { graceDays: 10, qualifying: { modelLines: ['ML-AURA'] } }),
    );
    const { rows } = await t.db.query<{ id: number }>(
      `insert into integrity_flags (dealer_id, kind, key, on_date, summary, evidence, amount_at_stake)
       select id, 'duplicate_vin', 'test:culw', '2026-03-20', 'planted', $1::jsonb, 0 from dealers where code = 'DLR-ALPHA'
       returning id`,
      [JSON.stringify({ vin: V })],
    );
    await json<IntegrityFlagRecord>(
      await finance.send('POST', `/api/v1/insights/integrity/${rows[0]!.id}/decision`, {
        decision: 'confirm',
      }),
      200,
    );
    // the unwind of the charged-back sale, dated in March, arrives on 25 April
    await ingestRows(t.services, [
      txRow({
        kind: 'unwind',
        quantity: -1,
        amount: '-31000.00',
        occurredOn: '2026-03-20',
        originalExternalId: 'CULW-S',
        externalId: 'CULW-U',
      }),
    ]);
    unwindId = (
      await t.db.query<{ id: string }>(
        `update transactions set received_at = '2026-04-25' where external_id = 'CULW-U' returning id::text as id`,
      )
    ).rows[0]!.id;
  }, 120_000);
  afterAll(async () => t?.close());

  it('is listed in April (its arrival, where it would have counted) and not in March', async () => {
    const listed = (d: Detail) =>
      d.excluded.filter((e) => e.transactionId === unwindId).map((e) => e.reason);
    // before: listed in both March and April
    expect(listed(await statement('2026-03'))).toEqual([]);
    expect(listed(await statement('2026-04'))).toEqual(['charged_back_unwind']);
  });

  it("the reconciliation agrees: April's excluded bucket, March's counts_in_other_window", async () => {
    const bucket = (r: Recon, reason: string) =>
      r.buckets.filter((b) => b.reason === reason).reduce((n, b) => n + b.rows, 0);
    const march = await recon('2026-03');
    expect(march.unaccounted).toEqual([]);
    expect(bucket(march, 'charged_back_unwind')).toBe(0);
    expect(bucket(march, 'counts_in_other_window')).toBe(1);
    const april = await recon('2026-04');
    expect(april.unaccounted).toEqual([]);
    expect(bucket(april, 'charged_back_unwind')).toBe(1);
  });
});
