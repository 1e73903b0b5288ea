/**
 * Issue 14, a planned end of sale in the suggested interventions (docs/insights.md,
 * "Interventions", "Program tiers"): Alpha's best-selling line, Volt Pickup, ends sale on
 * 2026-04-10 — after the risks' as-of date (2026-03-31), before today (2026-04-20). Its agreement's
 * totals then ask for more units of Aura LX, the line still on sale lagging most (Volt Pickup
 * lags more only because it ended), and the ended line's own risk asks for none; the program tier
 * steps name Aura, their money the engine's exact statement with Aura units at Aura's list price.
 * While the line is still sold today (its end on 2026-04-21) both name Volt Pickup. A dealer
 * without sales gets the first SKU still on sale as the template. Every path gives the same rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dec } from '../src/shared/money';
import type { AgreementRisk } from '../src/shared/schemas/insights';
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
/** Volt Pickup's last day of sale: after the as-of date and before today, or the day after today. */
const ENDED = '2026-04-10';
const STILL_SOLD = '2026-04-21';
/** Volt Pickup units of month m (0 = 2024-01): 13 … 15, more than Aura's 8 … 12. */
const boltPerMonth = (m: number) => 14 + ((m * 5) % 3) - 1;
const MONTHS = 27; // 2024-01 … 2026-03
/** The program's tiers: units, paying a percentage of each unit's list price. */
const TIERS = [
  { from: '60', value: '1.0' },
  { from: '140', value: '2.0' },
  { from: '180', value: '3.0' },
];
const MSRP = { aura: '32000.00', auraBev: '45500.00', bolt: '52000.00' };

const COLUMNS = `program_id, dealer_id, window_label, as_of::text, elapsed_months, term_months, measure, axis,
  to_date, expected, lower80, upper80, tier_reached, earned::text, shortfall_money::text, tiers, interventions`;

type Agreement = { id: number; code: string; version: number };

describe.each(engines())('insights: interventions never name an ended line (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let agreement: Agreement;
  let alphaId: number;

  const endLine = async (code: string, on: string | null) =>
    json(await channel.send('PATCH', `/api/v1/model-lines/${code}`, { salesEndOn: on }), 200);
  const agreementRisks = async () =>
    (
      await json<{ risks: AgreementRisk[] }>(
        await channel.get(`/api/v1/insights/risks/${agreement.code}`),
        200,
      )
    ).risks;
  const programRisk = async (dealer: string): Promise<ProgramRisk> =>
    (
      await json<ProgramRiskList>(
        await channel.get(`/api/v1/insights/program-risks?dealer=${dealer}&program=H1-BOTH`),
        200,
      )
    ).items[0]!;
  const moreUnits = (r: AgreementRisk) => r.interventions.filter((i) => i.kind === 'more_units');
  const rows = async () =>
    (
      await t.db.query<Record<string, unknown>>(
        `select ${COLUMNS} from program_tier_risks order by program_id, dealer_id`,
      )
    ).rows;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: TODAY });
    await seedFixtures(t.db);
    const [c, admin, dealerA] = await loginAll(t.url, ['channel', 'admin', 'dealerA']);
    channel = c;
    const bolt = monthlyRows(MONTHS, (month, m) => [
      ...times(boltPerMonth(m), (i) =>
        txRow({
          sku: 'BOLT-XL-HEV',
          amount: '51000.00',
          occurredOn: `${month}-${String(i + 1).padStart(2, '0')}`,
        }),
      ),
      // three Aura EX Electric a month
      ...times(3, (i) =>
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
      tiers: TIERS,
      benefit: 'percent_of_msrp',
    });
    // Aura a little behind its plan; Volt Pickup's plan within reach unless its sale ends early.
    const move = async (who: Client, a: Agreement, transition: string) =>
      json<Agreement>(
        await who.send('POST', `/api/v1/agreements/${a.id}/${transition}`, { version: a.version }),
        200,
      );
    const draft = await json<Agreement>(
      await channel.send('POST', '/api/v1/agreements', {
        dealerCode: 'DLR-ALPHA',
        startMonth: '2026-01',
        months: 12,
        lines: [
          { target: { kind: 'sku', code: 'AURA-LX-ICE' }, total: 120 },
          { target: { kind: 'sku', code: 'AURA-EX-BEV' }, total: 24 },
          { target: { kind: 'model_line', code: 'ML-BOLT' }, total: 55 },
        ],
      }),
      201,
    );
    agreement = await move(
      admin,
      await move(dealerA, await move(channel, draft, 'propose'), 'accept'),
      'approve',
    );
    alphaId = (await t.db.query<{ id: number }>(`select id from dealers where code = 'DLR-ALPHA'`))
      .rows[0]!.id;
  }, 300_000);
  afterAll(async () => t?.close());

  it('asks for more units of a line still on sale, never of the ended one', async () => {
    const gap = (r: AgreementRisk) => r.commitment - r.expected;
    await endLine('ML-BOLT', STILL_SOLD);
    await t.services.insights.refresh(null);
    const [totalsOn, auraOn, , boltOn] = await agreementRisks();
    // still sold today: Volt Pickup lags most and is named, on the totals and its own line
    expect(boltOn!.label).toBe('Volt Pickup');
    expect(gap(boltOn!)).toBeGreaterThan(gap(auraOn!));
    expect(moreUnits(totalsOn!).length).toBeGreaterThan(0);
    for (const i of moreUnits(totalsOn!))
      expect(i).toMatchObject({ line: 'Volt Pickup', modelLine: 'ML-BOLT' });
    expect(moreUnits(boltOn!).length).toBeGreaterThan(0);

    await endLine('ML-BOLT', ENDED);
    await t.services.insights.refresh(null);
    const [totals, aura, , boltLine] = await agreementRisks();
    expect(totals!.asOf).toBe(BASIS.asOf);
    expect(gap(boltLine!)).toBeGreaterThan(gap(aura!));
    expect(gap(aura!)).toBeGreaterThan(0);
    const steps = moreUnits(totals!);
    expect(steps.length).toBeGreaterThan(0);
    for (const i of steps) {
      // a line on a SKU: named, without a model line
      expect(i).toMatchObject({ line: 'Aura LX' });
      expect(i.modelLine).toBeUndefined();
      expect(i.text).toMatch(/ more units? of Aura LX this month/);
    }
    expect(moreUnits(boltLine!)).toEqual([]);
    expect(JSON.stringify(totals!.interventions)).not.toContain('Volt Pickup');
    // the gap it leaves is still shown, with its end
    expect(
      totals!.drivers.find((d) => d.kind === 'mix' && d.text.startsWith('Volt'))?.text,
    ).toMatch(
      /^Volt Pickup is expected \d+ units short of its line plan \(its sale ended on 2026-04-10\)$/,
    );
  });

  it("names a line still on sale in the tier steps, with that line's exact money", async () => {
    await endLine('ML-BOLT', STILL_SOLD);
    await t.services.programRisk.refresh(null, BASIS);
    const before = await programRisk('DLR-ALPHA');
    expect(before.interventions.length).toBeGreaterThan(0);
    for (const i of before.interventions) {
      expect(i.modelLine).toBe('ML-BOLT');
      expect(i.text).toContain(' of Volt Pickup reach tier ');
    }
    await endLine('ML-BOLT', ENDED);
    await t.services.programRisk.refresh(null, BASIS);
    const after = await programRisk('DLR-ALPHA');
    expect(after.toDate).toBe(before.toDate);
    expect(after.interventions.length).toBeGreaterThan(0);
    for (const i of after.interventions) {
      expect(i.modelLine).toBe('ML-AURA');
      expect(i.text).toContain(' of Aura reach tier ');
    }
    expect(JSON.stringify(after.interventions)).not.toContain('Volt Pickup');
    // The engine's statement with Aura units instead of Volt Pickup units: each unit pays the
    // tier's percentage of 32,000.00 instead of 52,000.00, to the cent.
    const open = after.tiers.filter((x) => !x.reached && x.adds !== null);
    expect(open.length).toBeGreaterThan(0);
    for (const tier of open) {
      const was = before.tiers[tier.tier - 1]!;
      expect(tier.unitsNow).toBe(was.unitsNow);
      const delta = new Dec(TIERS[tier.tier - 1]!.value)
        .div(100)
        .times(tier.unitsNow!)
        .times(new Dec(MSRP.aura).minus(MSRP.bolt));
      expect(new Dec(tier.adds!).minus(was.adds!).toFixed(2)).toBe(delta.toFixed(2));
    }
  });

  it('falls back to the first SKU still on sale for a dealer without sales', async () => {
    await endLine('ML-BOLT', null);
    await endLine('ML-AURA', ENDED);
    await t.services.programRisk.refresh(null, BASIS);
    const bravo = await programRisk('DLR-BRAVO');
    // 60 hypothetical units of Volt Pickup XL Hybrid (not the first SKU by code, Aura EX
    // Electric, whose line has ended) reach tier 1: 1 % of 60 × 52,000.00.
    expect(bravo.toDate).toBe(0);
    expect(bravo.tiers[0]!.adds).toBe(new Dec(MSRP.bolt).times(60).div(100).toFixed(2));
    expect(bravo.tiers[0]!.adds).not.toBe(new Dec(MSRP.auraBev).times(60).div(100).toFixed(2));
    await endLine('ML-AURA', null);
  });

  it('gives the same rows on the per-dealer path, the network path and a batch', async () => {
    await endLine('ML-BOLT', ENDED);
    await t.services.programRisk.refresh(null, BASIS, { perDealer: true });
    const reference = await rows();
    expect(JSON.stringify(reference)).toContain('of Aura reach tier');
    await t.services.programRisk.refresh(null, BASIS);
    expect(await rows()).toEqual(reference);
    await t.services.programRisk.refresh(null, BASIS, { slice: 1 });
    expect(await rows()).toEqual(reference);
    await t.db.query(`delete from program_tier_risks where dealer_id = $1`, [alphaId]);
    await t.services.programRisk.refresh([alphaId], BASIS);
    expect(await rows()).toEqual(reference);
    await t.services.insights.refresh([alphaId]);
    expect(await rows()).toEqual(reference);
  });
});
