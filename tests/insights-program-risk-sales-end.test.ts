/**
 * Issue 14, a planned end of sale on program tier risks (sales-end.ts, program-risk-dealer.ts): a
 * program counting two model lines, one of which ends sale on 2026-05-15 inside the window
 * (January–June 2026, as of April), expects nothing from that line after its end: the expected
 * outcome loses exactly that line's own forecast of the rest of May (16 of 31 days) and of June,
 * the probabilities and the interval fall with it, and each open tier names the end as a
 * `sales_end` driver while the additive drivers still add up to its gap. An EV-share program on
 * the same lines expects fewer other units, so its thresholds fall. An end after the window
 * changes nothing. The per-dealer path, the network path and a batch's refresh give the same rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HISTORY_MONTHS } from '../src/server/modules/insights/agreement-risk';
import { remainingForecast } from '../src/server/modules/insights/risk-model';
import { keepUntil } from '../src/server/modules/insights/sales-end';
import type { ProgramRisk, ProgramRiskList } from '../src/shared/schemas/program-risk';
import { ingestRows, seedFixtures, txRow } from './helpers/fixtures';
import { auraHistory, H1_AURA_PROGRAM, loginAll, monthlyRows, times } from './helpers/insights';
import {
  createProgram,
  engines,
  json,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';

const TODAY = '2026-04-20';
const BASIS = { month: '2026-04', asOf: '2026-03-31' };
/** Volt Pickup units of month m (0 = 2024-01): 5 … 8. */
const boltPerMonth = (m: number) => 6 + ((m * 3) % 4) - 1;
const MONTHS = 27; // 2024-01 … 2026-03

const COLUMNS = `program_id, dealer_id, window_label, as_of::text, elapsed_months, term_months, measure, axis,
  to_date, expected, lower80, upper80, tier_reached, earned::text, shortfall_money::text, tiers, interventions`;

describe.each(engines())('insights: a planned end of sale on program tiers (%s)', (engine) => {
  let t: TestApp;
  let alphaId: number;

  let channel: Client;
  // through the API: its response schema knows the driver
  const risks = async (): Promise<ProgramRisk[]> =>
    (
      await json<ProgramRiskList>(
        await channel.get('/api/v1/insights/program-risks?dealer=DLR-ALPHA'),
        200,
      )
    ).items;
  const of = (items: ProgramRisk[], code: string) => items.find((i) => i.programCode === code)!;
  const rows = async () =>
    (
      await t.db.query<Record<string, unknown>>(
        `select ${COLUMNS} from program_tier_risks order by program_id, dealer_id`,
      )
    ).rows;
  const endBolt = (on: string | null) =>
    t.db.query(`update model_lines set sales_end_on = $1::date where code = 'ML-BOLT'`, [on]);

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: TODAY });
    await seedFixtures(t.db);
    [channel] = await loginAll(t.url, ['channel']);
    const bolt = monthlyRows(MONTHS, (month, m) => [
      ...times(boltPerMonth(m), (i) =>
        txRow({ sku: 'BOLT-XL-HEV', amount: '51000.00', occurredOn: `${month}-${10 + i}` }),
      ),
      // two BEVs a month for the EV share
      ...times(2, (i) =>
        txRow({ sku: 'AURA-EX-BEV', amount: '44000.00', occurredOn: `${month}-${20 + i}` }),
      ),
    ]);
    await ingestRows(t.services, [...auraHistory('DLR-ALPHA', 'SE'), ...bolt]);
    await t.db.query('update transactions set received_at = occurred_on + 1');
    await createProgram(channel, {
      ...H1_AURA_PROGRAM,
      code: 'H1-BOTH',
      name: 'Both lines first half',
      qualifying: { modelLines: ['ML-AURA', 'ML-BOLT'] },
      tiers: [
        { from: '60', value: '100.00' },
        { from: '100', value: '150.00' },
        { from: '140', value: '200.00' },
      ],
    });
    await createProgram(channel, {
      ...H1_AURA_PROGRAM,
      code: 'H1-EV',
      name: 'EV share first half',
      qualifying: { modelLines: ['ML-AURA', 'ML-BOLT'] },
      measure: 'ev_share',
      tiers: [
        { from: '10', value: '1000.00' },
        { from: '20', value: '2000.00' },
      ],
      benefit: 'lump_sum',
    });
    alphaId = (await t.db.query<{ id: number }>(`select id from dealers where code = 'DLR-ALPHA'`))
      .rows[0]!.id;
  }, 300_000);
  afterAll(async () => t?.close());

  it('expects nothing from the ending line after its end, with a sales_end driver', async () => {
    await endBolt(null);
    await t.services.programRisk.refresh(null, BASIS);
    const before = await risks();
    await endBolt('2026-05-15');
    await t.services.programRisk.refresh(null, BASIS);
    const after = await risks();
    const [b, a] = [of(before, 'H1-BOTH'), of(after, 'H1-BOTH')];
    expect(a.toDate).toBe(b.toDate);
    expect(a.elapsedMonths).toBe(3);
    // Volt Pickup's own forecast of April–June from its 36 months: May keeps 15 of its 31 days.
    const history = Array.from({ length: HISTORY_MONTHS }, (_, k) => {
      const m = k + 3 - 12; // 2023-04 … 2026-03 as months from 2024-01
      return m >= 0 && m < MONTHS ? boltPerMonth(m) : 0;
    });
    const forecast = remainingForecast(history, 3);
    const keep = keepUntil('2026-05-15', '2026-04', 3);
    expect(keep).toEqual([1, 15 / 31, 0]);
    const lost = forecast.reduce((s, f, h) => s + f * (1 - keep[h]!), 0);
    expect(lost).toBeGreaterThan(8);
    expect(b.expected - a.expected).toBeCloseTo(lost, 6);
    expect(a.upper80).toBeLessThan(b.upper80);
    expect(a.lower80).toBeLessThanOrEqual(b.lower80);
    const open = a.tiers.filter((x) => !x.reached);
    expect(open.length).toBeGreaterThan(0);
    for (const [k, tier] of a.tiers.entries())
      expect(tier.probability).toBeLessThanOrEqual(b.tiers[k]!.probability);
    expect(open.some((x) => x.probability < b.tiers[a.tiers.indexOf(x)]!.probability)).toBe(true);
    for (const tier of open) {
      const end = tier.drivers.find((d) => d.kind === 'sales_end')!;
      expect(end.text).toMatch(/^Volt Pickup ends sale on 2026-05-15: [\d.]+ units fewer/);
      expect(end.units).toBeCloseTo(lost, 1);
      const sum = tier.drivers.filter((d) => d.additive !== false).reduce((s, d) => s + d.units, 0);
      expect(Math.round(sum * 10) / 10).toBe(Math.round((tier.threshold! - a.expected) * 10) / 10);
      // the trend stays against the forecast before the end
      const trend = (r: ProgramRisk) =>
        r.tiers[a.tiers.indexOf(tier)]!.drivers.find((d) => d.kind === 'last_year')!.units;
      expect(trend(a)).toBeCloseTo(trend(b), 0);
    }
    for (const tier of b.tiers) expect(tier.drivers.map((d) => d.kind)).not.toContain('sales_end');
    // EV share: fewer other units expected, so each share needs fewer BEVs.
    const [evBefore, evAfter] = [of(before, 'H1-EV'), of(after, 'H1-EV')];
    for (const [k, tier] of evAfter.tiers.entries())
      expect(tier.threshold!).toBeLessThan(evBefore.tiers[k]!.threshold!);
  });

  it('changes nothing when the end is after the window', async () => {
    await endBolt(null);
    await t.services.programRisk.refresh(null, BASIS);
    const without = await rows();
    await endBolt('2026-07-01');
    await t.services.programRisk.refresh(null, BASIS);
    expect(await rows()).toEqual(without);
  });

  it("gives the same rows on the per-dealer path, the network path and a batch's refresh", async () => {
    await endBolt('2026-05-15');
    await t.services.programRisk.refresh(null, BASIS, { perDealer: true });
    const reference = await rows();
    expect(reference.length).toBeGreaterThan(0);
    await t.services.programRisk.refresh(null, BASIS);
    expect(await rows()).toEqual(reference);
    await t.services.programRisk.refresh(null, BASIS, { slice: 1 });
    expect(await rows()).toEqual(reference);
    await t.db.query(`delete from program_tier_risks where dealer_id = $1`, [alphaId]);
    await t.services.programRisk.refresh([alphaId], BASIS);
    expect(await rows()).toEqual(reference);
    // through the risk refresh (its salesEnds handed to the program tiers): the same again
    await t.services.insights.refresh([alphaId]);
    expect(await rows()).toEqual(reference);
  });
});
