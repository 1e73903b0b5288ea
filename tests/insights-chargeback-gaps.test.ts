/**
 * Issue 14 §4, the chargeback's gaps: a confirmed flag takes back the whole difference the
 * flagged units made, recomputed by the engine without them, to the cent:
 * - the tier uplift they gave the month's other units (Alpha: 8 real + 3 to itself lift March
 *   from tier 1 to tier 2, so every unit was paid 150.17 instead of 100.35);
 * - what a correction of the settled period paid later for one of them (Alpha's third delivery
 *   to itself arrived after March was approved: April's correction line paid it), counted once;
 * - an unwind of a flagged unit already clawed back in the next month counts against it (Bravo).
 * After the chargebacks each dealer has been paid, over all its statements, exactly what the
 * engine gives without the flagged rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dec } from '../src/shared/money';
import type { IntegrityFlagRecord } from '../src/shared/schemas/insights';
import {
  monthlyProgram,
  settlePeriod,
  startChargebackApp,
  taggedVin as vin,
} from './helpers/chargeback';
import { ingestRows, txRow } from './helpers/fixtures';
import { createProgram, engines, json, type Client, type TestApp } from './helpers/test-app';

type Line = { kind: string; amount: string; explanation: string; transactionId: string | null };
type Statement = { status: string; earned: string; tierReached: string | null; lines: Line[] };

const day = (d: number, month = '03') => `2026-${month}-${String(d).padStart(2, '0')}`;

describe.each(engines())(
  'insights: chargeback of the tier uplift and corrections (%s)',
  (engine) => {
    let t: TestApp;
    let channel: Client;
    let finance: Client;

    const statement = async (dealer: string, period: string) =>
      json<Statement>(
        await finance.get(`/api/v1/programs/CBT/statements/${dealer}?period=${period}`),
        200,
      );
    const selfFlag = async (dealer: string) => {
      const open = await json<IntegrityFlagRecord[]>(
        await finance.get('/api/v1/insights/integrity?status=open'),
        200,
      );
      return open.find((f) => f.kind === 'self_delivery' && f.dealerCode === dealer)!;
    };
    const confirm = async (id: number) =>
      json<IntegrityFlagRecord>(
        await finance.send('POST', `/api/v1/insights/integrity/${id}/decision`, {
          decision: 'confirm',
        }),
        200,
      );

    beforeAll(async () => {
      const rows = [];
      // Alpha, March: 8 real deliveries and 2 to itself on time (the third arrives late, below).
      for (let i = 0; i < 8; i += 1)
        rows.push(txRow({ occurredOn: day(2 + i), vin: vin('ALPHRL', i) }));
      for (let i = 0; i < 2; i += 1)
        rows.push(txRow({ occurredOn: day(20 + i), vin: vin('ALPHSF', i) }));
      // Alpha, April: 4 real deliveries.
      for (let i = 0; i < 4; i += 1)
        rows.push(txRow({ occurredOn: day(2 + i, '04'), vin: vin('ALPHAP', i) }));
      // Bravo, March: 9 real and 3 to itself; April: 10 real.
      for (let i = 0; i < 9; i += 1)
        rows.push(
          txRow({ dealerCode: 'DLR-BRAVO', occurredOn: day(2 + i), vin: vin('BRAVRL', i) }),
        );
      for (let i = 0; i < 3; i += 1)
        rows.push(
          txRow({ dealerCode: 'DLR-BRAVO', occurredOn: day(28 + i), vin: vin('BRAVSF', i) }),
        );
      for (let i = 0; i < 10; i += 1)
        rows.push(
          txRow({ dealerCode: 'DLR-BRAVO', occurredOn: day(2 + i, '04'), vin: vin('BRAVAP', i) }),
        );
      ({
        t,
        clients: [channel, finance],
      } = await startChargebackApp(engine, '2026-05-20', rows, 'channel', 'finance'));
      await createProgram(
        channel,
        monthlyProgram('CBT', {
          name: 'Chargeback tiers',
          graceDays: 60,
          tiers: [
            { from: '0', value: '100.35' },
            { from: '10', value: '150.17' },
          ],
        }),
      );
      // March is settled for both dealers: closed and approved.
      await settlePeriod(finance, 'CBT', '2026-03', ['DLR-ALPHA', 'DLR-BRAVO']);
      // After the settlement: Alpha's third delivery to itself, dated in March (a correction in
      // April), and Bravo's unwind of one of its deliveries to itself.
      await ingestRows(t.services, [
        txRow({ occurredOn: day(30), vin: vin('ALPHSF', 2) }),
        txRow({
          dealerCode: 'DLR-BRAVO',
          kind: 'unwind',
          quantity: -1,
          amount: '-31000.00',
          occurredOn: day(15, '04'),
          vin: vin('BRAVSF', 2),
        }),
      ]);
      await t.db.query(
        `update transactions set received_at = '2026-04-16' where vin = any($1::text[]) and received_at > '2026-05-01'`,
        [[vin('ALPHSF', 2), vin('BRAVSF', 2)]],
      );
      await t.db.query(
        `insert into rdr_sales (dealer_id, source, external_id, sale_date, delivery_date, sale_category, buyer_type, odometer_km)
       select t.dealer_id, t.source, t.external_id, t.occurred_on, t.occurred_on, 'retail',
         case when t.vin like '%SF%' then 'dealer' else 'individual' end, 12
       from transactions t where t.kind = 'retail_delivery'`,
      );
      await json(await channel.send('POST', '/api/v1/insights/integrity/scan'), 200);
    }, 120_000);

    afterAll(async () => {
      await t?.close();
    });

    it('the settled statements paid the uplift, and April corrects the late unit', async () => {
      const march = await statement('DLR-ALPHA', '2026-03');
      expect(march.status).toBe('approved');
      expect(march.earned).toBe('1501.70'); // 10 × 150.17
      const april = await statement('DLR-ALPHA', '2026-04');
      expect(april.earned).toBe('551.57'); // 4 × 100.35 + the late March unit at 150.17
      expect((await statement('DLR-BRAVO', '2026-03')).earned).toBe('1802.04'); // 12 × 150.17
    });

    it('takes back the uplift on every unit and the late correction, once (Alpha)', async () => {
      const flag = await selfFlag('DLR-ALPHA');
      expect((flag.evidence.deliveries as { vin: string }[]).map((d) => d.vin).sort()).toEqual([
        vin('ALPHSF', 0),
        vin('ALPHSF', 1),
        vin('ALPHSF', 2),
      ]);
      const confirmed = await confirm(flag.id);
      // 11 units at 150.17 (1651.87) against the 8 real ones at 100.35 (802.80).
      expect(confirmed.chargebacks).toEqual([
        expect.objectContaining({ programCode: 'CBT', period: '2026-04', amount: '-849.07' }),
      ]);
      const april = await statement('DLR-ALPHA', '2026-04');
      expect(april.earned).toBe('-297.50'); // 551.57 − 849.07
      const adjustment = april.lines.find((l) => l.kind === 'adjustment')!;
      expect(adjustment.explanation).toMatch(/integrity flag #\d+ \(self_delivery\)/);
      expect(adjustment.explanation).toContain('tier from 10 → from 0');
      // Over March and April, Alpha is paid what its 12 real deliveries earn: 8 × 100.35 + 4 × 100.35.
      const march = await statement('DLR-ALPHA', '2026-03');
      expect(new Dec(march.earned).plus(april.earned).toFixed(2)).toBe('1204.20');
    });

    it('a second flag naming an already charged VIN takes back only what is new (Alpha)', async () => {
      // A duplicate-VIN flag naming one delivery to itself (charged back above) and one real one.
      const { rows } = await t.db.query<{ id: number }>(
        `insert into integrity_flags (dealer_id, kind, key, on_date, summary, evidence, amount_at_stake)
         select id, 'duplicate_vin', 'test:dup:alpha', '2026-03-21', 'planted', $1::jsonb, 0 from dealers where code = 'DLR-ALPHA'
         returning id`,
        [JSON.stringify({ vins: [{ vin: vin('ALPHSF', 0) }, { vin: vin('ALPHRL', 0) }] })],
      );
      const confirmed = await confirm(rows[0]!.id);
      // Only the real delivery is new: 8 × 100.35 − 7 × 100.35 (counted again, it would be 748.72).
      expect(confirmed.chargebacks).toEqual([
        expect.objectContaining({ programCode: 'CBT', period: '2026-04', amount: '-100.35' }),
      ]);
      // the explanation names what this flag takes back, not the VIN the first flag charged
      const explanation = confirmed.chargebacks[0]!.explanation;
      expect(explanation).toContain(`without ${vin('ALPHRL', 0)}:`);
      expect(explanation).not.toContain(vin('ALPHSF', 0));
    });

    it('counts the unwind already clawed back in April (Bravo)', async () => {
      const before = await statement('DLR-BRAVO', '2026-04');
      // April: 10 real deliveries at tier 2, and the unwound (settled) unit's 150.17 clawed back.
      expect(before.earned).toBe('1351.53');
      const confirmed = await confirm((await selfFlag('DLR-BRAVO')).id);
      // March: 1802.04 − 9 × 100.35 = 898.89; April: 1351.53 − 10 × 150.17 = −150.17 (the clawback
      // already taken); net 748.72.
      expect(confirmed.chargebacks).toEqual([
        expect.objectContaining({ programCode: 'CBT', period: '2026-04', amount: '-748.72' }),
      ]);
      const after = await statement('DLR-BRAVO', '2026-04');
      expect(after.earned).toBe('602.81');
      // Over March and April: 9 × 100.35 + 10 × 150.17, what the real deliveries earn.
      const march = await statement('DLR-BRAVO', '2026-03');
      expect(new Dec(march.earned).plus(after.earned).toFixed(2)).toBe('2404.85');
    });
  },
);
