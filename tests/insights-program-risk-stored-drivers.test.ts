/**
 * Issue 14, Performance: a program risk's drivers shared by its tiers are stored once
 * (program-risk-store.ts) and the API gives back each tier's drivers exactly as computed. The
 * computed risks are taken from the assessment itself (`assessDealer`, wrapped); the API's tiers
 * must equal them, and the stored row must hold each shared driver once, not once per open tier.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ProgramRiskList, ProgramTierRisk } from '../src/shared/schemas/program-risk';
import type { ProgramRiskOut } from '../src/server/modules/insights/program-risk-dealer';
import { ingestRows, seedFixtures } from './helpers/fixtures';
import { H1_AURA_PROGRAM, auraHistory, loginAll } from './helpers/insights';
import { createProgram, engines, json, startTestApp, type TestApp } from './helpers/test-app';

/** Every risk the assessment computed, by program × dealer id (the last one wins). */
const computed = new Map<string, ProgramRiskOut>();

vi.mock('../src/server/modules/insights/program-risk-dealer', async (importOriginal) => {
  const original =
    await importOriginal<typeof import('../src/server/modules/insights/program-risk-dealer')>();
  return {
    ...original,
    assessDealer: (...args: Parameters<typeof original.assessDealer>) => {
      const out = original.assessDealer(...args);
      if (out) computed.set(`${out.programName}/${out.dealerId}`, out);
      return out;
    },
  };
});

const TODAY = '2026-04-20';

/** Four tiers, the top ones far: a dealer with few sales has several open tiers. */
const program = {
  ...H1_AURA_PROGRAM,
  tiers: [...H1_AURA_PROGRAM.tiers, { from: '130', value: '250.00' }],
};

type StoredDriver = ProgramTierRisk['drivers'][number] | number;

describe.each(engines())("insights: a program risk's stored drivers (%s)", (engine) => {
  let t: TestApp;
  let list: ProgramRiskList;
  let ids: Map<string, number>;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: TODAY });
    await seedFixtures(t.db);
    const [channel] = await loginAll(t.url, ['channel']);
    await ingestRows(t.services, [
      ...auraHistory('DLR-ALPHA', 'SA'),
      ...auraHistory('DLR-BRAVO', 'SB'),
    ]);
    await t.db.query('update transactions set received_at = occurred_on + 1');
    await createProgram(channel, program);
    computed.clear();
    await t.services.insights.refresh(null);
    list = await json<ProgramRiskList>(await channel.get('/api/v1/insights/program-risks'), 200);
    const dealers = await t.db.query<{ id: number; code: string }>(`select id, code from dealers`);
    ids = new Map(dealers.rows.map((d) => [d.code, d.id]));
  }, 300_000);

  afterAll(async () => {
    await t?.close();
  });

  it("gives back each tier's drivers exactly as computed", () => {
    expect(list.items.length).toBeGreaterThanOrEqual(3);
    for (const item of list.items) {
      const out = computed.get(`${item.programName}/${ids.get(item.dealerCode)}`)!;
      expect(out).toBeDefined();
      // as the API serialises it (JSON)
      const tiers = JSON.parse(JSON.stringify(out.tiers)) as ProgramTierRisk[];
      expect(item.tiers).toEqual(tiers);
    }
    // a risk with several open tiers, their drivers shared but for the pace and the plan's ask
    const charlie = list.items.find((i) => i.dealerCode === 'DLR-CHARLIE')!;
    const open = charlie.tiers.filter((x) => x.drivers.length > 0);
    expect(open.length).toBeGreaterThanOrEqual(3);
    const seasonality = open.map((x) => x.drivers.find((d) => d.kind === 'seasonality'));
    expect(new Set(seasonality.map((d) => d?.text)).size).toBe(1);
    expect(open.map((x) => x.drivers.find((d) => d.kind === 'pace')!.text)).toEqual(
      open.map((x) => expect.stringContaining(`tier ${x.tier} so far`)),
    );
  });

  it('stores a driver shared by the open tiers once per risk', async () => {
    const { rows } = await t.db.query<{ tiers: { drivers?: StoredDriver[] }[] }>(
      `select tiers from program_tier_risks`,
    );
    let shared = 0;
    for (const row of rows) {
      const literal = row.tiers
        .flatMap((x) => x.drivers ?? [])
        .filter((d) => typeof d !== 'number');
      const texts = literal.map((d) => d.text);
      // every driver text stored once in the row (each tier's pace and ask name their tier)
      expect(new Set(texts).size).toBe(texts.length);
      shared += row.tiers
        .flatMap((x) => x.drivers ?? [])
        .filter((d) => typeof d === 'number').length;
    }
    expect(shared).toBeGreaterThan(0);
  });
});
