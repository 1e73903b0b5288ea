/**
 * Issue 14 §2, the dealer's own expectation: a dealer who raises its forecast grid's cells of a
 * model line above the statistical baseline gets, on its agreement's risk (the totals and the
 * line), a `dealer_expectation` signal in units — minus the sum of its adjustments over the
 * term's remaining months — beside the drivers, not in their sum: the expected outcome, the
 * probability and the additive drivers stay the model's, and still add up exactly to the gap.
 * The region's override of a cell is not the dealer's expectation. A dealer that adjusted
 * nothing gets no such signal. Both refresh paths (the network's and a batch's chunks) agree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgreementRisk, RiskBoard } from '../src/shared/schemas/insights';
import type { DealerGrid, ForecastCycle } from '../src/shared/schemas/forecasts';
import { BASELINE_JOB_KIND } from '../src/server/modules/forecasts/forecasts.service';
import { ingestRows, seedFixtures } from './helpers/fixtures';
import { approvedAuraAgreement, auraHistory, loginAll } from './helpers/insights';
import { engines, json, startTestApp, type Client, type TestApp } from './helpers/test-app';

const TODAY = '2026-04-20';
const round1 = (v: number) => Math.round(v * 10) / 10;
const additive = (r: AgreementRisk) => r.drivers.filter((d) => d.additive !== false);

describe.each(engines())("insights: the dealer's own expectation (%s)", (engine) => {
  let t: TestApp;
  let channel: Client;
  let west: Client;
  let dealerA: Client;
  let cycle: ForecastCycle;
  let alphaId: number;
  /** adjusted − baseline of the cells Alpha adjusted in the term's remaining months */
  let raised = 0;
  let before: RiskBoard['items'];

  const board = async () =>
    (await json<RiskBoard>(await channel.get('/api/v1/insights/risks'), 200)).items;
  const of = (items: RiskBoard['items'], dealer: string) =>
    items.find((i) => i.dealerCode === dealer)!;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: TODAY });
    await seedFixtures(t.db);
    const [admin, dealerB] = await loginAll(t.url, ['admin', 'dealerB']);
    [channel, west, dealerA] = await loginAll(t.url, ['channel', 'regionalWest', 'dealerA']);
    await ingestRows(t.services, [
      ...auraHistory('DLR-ALPHA', 'EA'),
      ...auraHistory('DLR-BRAVO', 'EB'),
    ]);
    await approvedAuraAgreement({ channel, admin, dealer: dealerA }, 'DLR-ALPHA', 150);
    await approvedAuraAgreement({ channel, admin, dealer: dealerB }, 'DLR-BRAVO', 150);
    // A forecast cycle from April, its baseline built by the job: the grid dealers adjust.
    cycle = await json<ForecastCycle>(
      await channel.send('POST', '/api/v1/forecasts/cycles', {
        cycleMonth: '2026-04',
        horizon: 6,
        adjustUntil: '2026-04-30',
      }),
      201,
    );
    await t.services.jobs.settle(BASELINE_JOB_KIND);
    const ids = await t.db.query<{ id: number }>(`select id from dealers where code = 'DLR-ALPHA'`);
    alphaId = ids.rows[0]!.id;
    await t.services.insights.refresh(null);
    before = await board();
  }, 300_000);

  afterAll(async () => {
    await t?.close();
  });

  it('without adjustments there is no dealer expectation', () => {
    for (const r of before)
      expect(r.drivers.map((d) => d.kind)).not.toContain('dealer_expectation');
  });

  it("a dealer's raised forecast is a signal in units beside drivers that still add up to the gap", async () => {
    const base = `/api/v1/forecasts/cycles/${cycle.id}/dealers/DLR-ALPHA`;
    const grid = await json<DealerGrid>(await dealerA.get(base), 200);
    const aura = grid.lines.find((l) => l.modelLine.code === 'ML-AURA')!;
    const cells = aura.cells.filter((c) => ['2026-05', '2026-06', '2026-07'].includes(c.month));
    expect(cells).toHaveLength(3);
    const values = cells.map((c) => Math.round(c.baseline) + 6);
    raised = cells.reduce((s, c, k) => s + values[k]! - c.baseline, 0);
    const put = await dealerA.send('PUT', `${base}/cells`, {
      cells: cells.map((c, k) => ({
        modelLine: 'ML-AURA',
        month: c.month,
        value: values[k],
        reason: 'fleet_deal',
      })),
    });
    expect(put.status, await put.clone().text()).toBe(200);
    // The region overrides another month: the region's view, not the dealer's expectation.
    const override = await west.send('POST', `${base}/cells/override`, {
      cells: [{ modelLine: 'ML-AURA', month: '2026-08', value: 40, reason: 'region view' }],
    });
    expect(override.status, await override.clone().text()).toBe(200);

    await t.services.insights.refresh(null);
    const after = await board();
    const alpha = of(after, 'DLR-ALPHA');
    const own = alpha.drivers.find((d) => d.kind === 'dealer_expectation')!;
    expect(raised).toBeGreaterThan(15);
    expect(own).toMatchObject({ units: round1(-raised), additive: false });
    expect(own.text).toMatch(/expects [\d.]+ units more than the model for May–Jul 2026/);
    expect(own.text).toContain('April 2026 cycle');
    // The expected outcome, the probability and the additive drivers are the model's, unchanged.
    const was = of(before, 'DLR-ALPHA');
    expect(alpha.expected).toBe(was.expected);
    expect(alpha.probability).toBe(was.probability);
    expect(additive(alpha)).toEqual(additive(was));
    const sum = additive(alpha).reduce((s, d) => s + d.units, 0);
    expect(Math.round(sum * 10)).toBe(Math.round((alpha.commitment - alpha.expected) * 10));
    // Bravo adjusted nothing.
    expect(of(after, 'DLR-BRAVO').drivers.map((d) => d.kind)).not.toContain('dealer_expectation');

    // The line carries the same signal (one model line: the totals' is the line's).
    const detail = await json<{ risks: AgreementRisk[] }>(
      await channel.get(`/api/v1/insights/risks/${encodeURIComponent(alpha.agreementCode)}`),
      200,
    );
    const line = detail.risks.find((r) => r.lineNo === 1)!;
    expect(line.drivers.find((d) => d.kind === 'dealer_expectation')?.units).toBe(round1(-raised));
  });

  it("a batch's refresh (chunks) gives the same signal as the network's", async () => {
    const network = of(await board(), 'DLR-ALPHA');
    await t.services.insights.refresh([alphaId]);
    const chunks = of(await board(), 'DLR-ALPHA');
    expect(chunks.drivers).toEqual(network.drivers);
    expect(chunks.drivers.some((d) => d.kind === 'dealer_expectation')).toBe(true);
  });
});
