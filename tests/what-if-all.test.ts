/**
 * Issue 13, "What-if across all programs": "5 more BEVs" shows the effect on every program the
 * dealer is in, with the total per currency; the model line is optional.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestRows, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import {
  createProgram,
  engines,
  json,
  login,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';

const base = {
  currency: 'USD',
  startDate: '2026-01-01',
  endDate: '2026-12-31',
  measurementPeriod: 'month',
  payoutFrequency: 'month',
  measure: 'units',
  tiers: [{ from: '0', value: '100' }],
  benefit: 'per_unit',
  budget: '50000.00',
};
const URL_A = '/api/v1/dealers/DLR-ALPHA/incentives/what-if-all';

type Answer = {
  template: { sku: string; modelLine: string; powertrain: string };
  programs: { programCode: string; name: string; before: string; after: string; added: string }[];
  totals: { currency: string; added: string }[];
};

describe.each(engines())('what-if across all programs (%s)', (engine) => {
  let t: TestApp;
  let dealerA: Client;
  let dealerB: Client;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-04-20' });
    await seedFixtures(t.db);
    await ingestRows(t.services, [
      txRow({ dealerCode: 'DLR-ALPHA', vin: '1ALPHA0V1N0000001', occurredOn: '2026-04-03' }),
    ]);
    await t.db.query('update transactions set received_at = occurred_on + 1');
    const channel = await login(t.url, USERS.channel, PASSWORD);
    [dealerA, dealerB] = await Promise.all([
      login(t.url, USERS.dealerA, PASSWORD),
      login(t.url, USERS.dealerB, PASSWORD),
    ]);
    await createProgram(channel, { ...base, code: 'GENERAL', name: 'Every unit' });
    await createProgram(channel, {
      ...base,
      code: 'BEV-BONUS',
      name: 'BEV bonus',
      tiers: [{ from: '0', value: '250' }],
      qualifying: { powertrains: ['BEV'] },
    });
    await createProgram(channel, {
      ...base,
      code: 'ONLY-B',
      name: 'Bravo special',
      eligibility: { dealers: ['DLR-BRAVO'] },
    });
  });
  afterAll(async () => t?.close());

  it('+5 BEVs adds to both programs, with the total', async () => {
    const a = await json<Answer>(
      await dealerA.send('POST', URL_A, { quantity: 5, powertrain: 'BEV' }),
      200,
    );
    expect(a.template).toEqual({ sku: 'AURA-EX-BEV', modelLine: 'ML-AURA', powertrain: 'BEV' });
    const by = Object.fromEntries(a.programs.map((p) => [p.programCode, p]));
    expect(Object.keys(by).sort()).toEqual(['BEV-BONUS', 'GENERAL']);
    expect(by.GENERAL).toMatchObject({
      name: 'Every unit',
      before: '100.00',
      after: '600.00',
      added: '500.00',
    });
    expect(by['BEV-BONUS']).toMatchObject({ before: '0.00', after: '1250.00', added: '1250.00' });
    expect(a.totals).toEqual([{ currency: 'USD', added: '1750.00' }]);
  });

  it('+5 ICE adds only to the general program', async () => {
    const a = await json<Answer>(
      await dealerA.send('POST', URL_A, { quantity: 5, powertrain: 'ICE', modelLine: 'ML-AURA' }),
      200,
    );
    expect(a.template.sku).toBe('AURA-LX-ICE');
    const by = Object.fromEntries(a.programs.map((p) => [p.programCode, p.added]));
    expect(by).toEqual({ GENERAL: '500.00', 'BEV-BONUS': '0.00' });
    expect(a.totals).toEqual([{ currency: 'USD', added: '500.00' }]);
  });

  it('never shows a program the dealer is not eligible for', async () => {
    const a = await (await dealerA.send('POST', URL_A, { quantity: 5 })).text();
    expect(a).not.toContain('ONLY-B');
    expect(a).not.toContain('Bravo special');
    const b = await json<Answer>(
      await dealerB.send('POST', '/api/v1/dealers/DLR-BRAVO/incentives/what-if-all', {
        quantity: 1,
      }),
      200,
    );
    expect(b.programs.map((p) => p.programCode).sort()).toEqual(['BEV-BONUS', 'GENERAL', 'ONLY-B']);
  });

  it('takes its template from a model line still on sale', async () => {
    // Aura's sale ended before today (2026-04-20): "+5" names the first SKU of a line on sale
    await t.db.query(`update model_lines set sales_end_on = '2026-04-10' where code = 'ML-AURA'`);
    try {
      const any = await json<Answer>(await dealerA.send('POST', URL_A, { quantity: 5 }), 200);
      expect(any.template).toEqual({
        sku: 'BOLT-XL-HEV',
        modelLine: 'ML-BOLT',
        powertrain: 'HEV',
      });
      // only an ended line's SKU matches (the one BEV): it answers with that one
      const bev = await json<Answer>(
        await dealerA.send('POST', URL_A, { quantity: 5, powertrain: 'BEV' }),
        200,
      );
      expect(bev.template.sku).toBe('AURA-EX-BEV');
      // still on sale today (the end is today): the first by code, as before
      await t.db.query(`update model_lines set sales_end_on = '2026-04-20' where code = 'ML-AURA'`);
      const onSale = await json<Answer>(await dealerA.send('POST', URL_A, { quantity: 5 }), 200);
      expect(onSale.template.sku).toBe('AURA-EX-BEV');
    } finally {
      await t.db.query(`update model_lines set sales_end_on = null where code = 'ML-AURA'`);
    }
  });

  it("answers 404 to dealer B for dealer A's what-if", async () => {
    const res = await dealerB.send('POST', URL_A, { quantity: 5, powertrain: 'BEV' });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('GENERAL');
  });

  it('answers 400 with the field for bad input', async () => {
    const zero = await dealerA.send('POST', URL_A, { quantity: 0 });
    expect(zero.status).toBe(400);
    expect(await zero.text()).toContain('quantity');
    const none = await dealerA.send('POST', URL_A, {
      quantity: 5,
      powertrain: 'PHEV',
    });
    expect(none.status).toBe(400);
    expect(await none.text()).toContain('body.powertrain');
  });
});
