/**
 * Issue 11, defect 3: a SKU's MSRP has a history. A percent_of_msrp statement of a period not yet
 * approved does not move when the catalog price changes; each transaction is priced at the price
 * valid on its occurredOn, on the line-by-line statement, the network list (scan), progress and
 * what-if; the price used shows on each line. Prices are added only forward.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { PASSWORD, seedFixtures, txRow, USERS, ingestRows } from './helpers/fixtures';
import {
  createProgram,
  engines,
  json,
  login,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';

type Line = { kind: string; sku: string | null; unitPrice: string | null; amount: string };
type Statement = { earned: string; amountDue: string; lines: Line[] };
type PriceList = {
  sku: string;
  currency: string;
  msrp: string;
  items: { validFrom: string; validTo: string | null; msrp: string; isCurrent: boolean }[];
};
type Problems = { details: { problems: { path: string; code: string }[] } };

const program = {
  code: 'MSRP-PCT',
  name: 'Share of MSRP',
  currency: 'USD',
  startDate: '2026-01-01',
  endDate: '2026-12-31',
  measurementPeriod: 'month',
  payoutFrequency: 'month',
  measure: 'units',
  qualifying: { powertrains: ['BEV'] },
  tiers: [{ from: '0', value: '2.5' }],
  benefit: 'percent_of_msrp',
};

describe.each(engines())('SKU price history (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let finance: Client;
  let dealerA: Client;

  const statement = async (period: string) =>
    json<Statement>(
      await finance.get(`/api/v1/programs/MSRP-PCT/statements/DLR-ALPHA?period=${period}`),
      200,
    );
  const listed = async (period: string) => {
    const list = await json<{ items: { dealerCode: string; earned: string }[] }>(
      await finance.get(`/api/v1/programs/MSRP-PCT/statements?period=${period}`),
      200,
    );
    return list.items.find((i) => i.dealerCode === 'DLR-ALPHA')!.earned;
  };

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-04-20' });
    await seedFixtures(t.db);
    await ingestRows(t.services, [
      txRow({ sku: 'AURA-EX-BEV', occurredOn: '2026-04-02', amount: '44000.00' }),
      txRow({ sku: 'AURA-EX-BEV', occurredOn: '2026-04-15', amount: '44100.00' }),
      txRow({ sku: 'AURA-EX-BEV', occurredOn: '2026-05-03', amount: '48000.00' }),
      txRow({ sku: 'AURA-LX-ICE', occurredOn: '2026-04-03' }),
    ]);
    await t.db.query('update transactions set received_at = occurred_on + 1');
    [channel, finance, dealerA] = await Promise.all([
      login(t.url, USERS.channel, PASSWORD),
      login(t.url, USERS.finance, PASSWORD),
      login(t.url, USERS.dealerA, PASSWORD),
    ]);
    await createProgram(channel, program);
  }, 60_000);
  afterAll(async () => t?.close());

  it('starts every SKU with its catalog MSRP valid since always and shows the price used per line', async () => {
    const prices = await json<PriceList>(await dealerA.get('/api/v1/skus/AURA-EX-BEV/prices'), 200);
    expect(prices).toMatchObject({ sku: 'AURA-EX-BEV', currency: 'USD', msrp: '45500.00' });
    expect(prices.items).toEqual([
      expect.objectContaining({
        validFrom: '1900-01-01',
        validTo: null,
        msrp: '45500.00',
        isCurrent: true,
      }),
    ]);
    const april = await statement('2026-04');
    expect(april.earned).toBe('2275.00'); // 2 × 45,500.00 × 2.5 %
    expect(april.lines.map((l) => [l.sku, l.unitPrice, l.amount])).toEqual([
      ['AURA-EX-BEV', '45500.00', '1137.50'],
      ['AURA-EX-BEV', '45500.00', '1137.50'],
    ]);
    const csv = await (
      await finance.get('/api/v1/programs/MSRP-PCT/statements/DLR-ALPHA/export?period=2026-04')
    ).text();
    expect(csv.split('\n')[0]).toContain(',unitPrice,');
    expect(csv.split('\n')[1]).toContain(',45500.00,');
  });

  it('refuses to rewrite the price in place or backwards, with the field named', async () => {
    const patched = await json<Problems>(
      await channel.send('PATCH', '/api/v1/skus/AURA-EX-BEV', { msrp: '49900.00' }),
      400,
    );
    expect(patched.details.problems).toEqual([
      expect.objectContaining({ path: 'body.msrp', code: 'price_has_history' }),
    ]);
    // The same price (a form sends every field) and other fields still pass.
    await json(
      await channel.send('PATCH', '/api/v1/skus/AURA-EX-BEV', {
        msrp: '45500.00',
        name: 'Aura EX Electric (2026)',
      }),
      200,
    );
    for (const validFrom of ['2026-04-20', '2026-03-01']) {
      const back = await json<Problems>(
        await channel.send('POST', '/api/v1/skus/AURA-EX-BEV/prices', {
          validFrom,
          msrp: '49900.00',
        }),
        400,
      );
      expect(back.details.problems).toEqual([
        expect.objectContaining({ path: 'body.validFrom', code: 'not_after_today' }),
      ]);
    }
    const cents = await json<Problems>(
      await channel.send('POST', '/api/v1/skus/AURA-EX-BEV/prices', {
        validFrom: '2026-05-01',
        msrp: '49900.005',
      }),
      400,
    );
    expect(cents.details.problems[0]).toMatchObject({ path: 'body.msrp' });
    expect(
      (
        await dealerA.send('POST', '/api/v1/skus/AURA-EX-BEV/prices', {
          validFrom: '2026-05-01',
          msrp: '1.00',
        })
      ).status,
    ).toBe(403);
    expect((await statement('2026-04')).earned).toBe('2275.00');
  });

  it('prices each transaction on its date: the open period stays, a later sale takes the new price', async () => {
    const before = await statement('2026-04');
    const added = await json<PriceList>(
      await channel.send('POST', '/api/v1/skus/AURA-EX-BEV/prices', {
        validFrom: '2026-05-01',
        msrp: '49900.00',
      }),
      201,
    );
    expect(added.items.map((i) => [i.validFrom, i.validTo, i.msrp, i.isCurrent])).toEqual([
      ['1900-01-01', '2026-04-30', '45500.00', true],
      ['2026-05-01', null, '49900.00', false],
    ]);
    expect(added.msrp).toBe('45500.00');
    // The SKU shows the price valid today.
    expect(
      (await json<{ msrp: string }>(await dealerA.get('/api/v1/skus/AURA-EX-BEV'), 200)).msrp,
    ).toBe('45500.00');

    // April (open, not approved) is unchanged, line by line and on the network list.
    const april = await statement('2026-04');
    expect(april).toEqual(before);
    expect(await listed('2026-04')).toBe('2275.00');

    // The May sale is priced at 49,900.00: 1,247.50, the same on the list (the network scan).
    const may = await statement('2026-05');
    expect(may.lines.map((l) => [l.unitPrice, l.amount])).toEqual([['49900.00', '1247.50']]);
    expect(may.earned).toBe('1247.50');
    expect(await listed('2026-05')).toBe('1247.50');

    // The network recalculation (every period to date, from the scan's groups) agrees.
    const all = await t.services.incentives.recalculateAll({
      actor: SYSTEM_ACTOR,
      periods: 'all',
      withStatements: true,
    });
    const byPeriod = Object.fromEntries(
      all
        .items!.filter((i) => i.dealerCode === 'DLR-ALPHA' && i.programCode === 'MSRP-PCT')
        .map((i) => [i.period, i.earned]),
    );
    expect(all.periodsFromGroups).toBeGreaterThan(0);
    expect(byPeriod['2026-04']).toBe('2275.00');

    // Progress and what-if price a hypothetical sale on its date too.
    const progress = await json<{ programs: { programCode: string; earned: string }[] }>(
      await dealerA.get('/api/v1/dealers/DLR-ALPHA/incentives'),
      200,
    );
    expect(progress.programs.find((p) => p.programCode === 'MSRP-PCT')!.earned).toBe('2275.00');
    const whatIf = async (date: string, period: string) =>
      (
        await json<{ addedEarned: string }>(
          await dealerA.send('POST', '/api/v1/dealers/DLR-ALPHA/incentives/what-if', {
            programCode: 'MSRP-PCT',
            sku: 'AURA-EX-BEV',
            quantity: 1,
            date,
            period,
          }),
          200,
        )
      ).addedEarned;
    expect(await whatIf('2026-04-28', '2026-04')).toBe('1137.50');
    // As of 2026-05-10 the sale of 05-03 (after today) counts too: both at 49,900.00 × 2.5 %.
    expect(await whatIf('2026-05-10', '2026-05')).toBe('2495.00');
  });

  it('lets a future price be replaced before it applies, never a past one', async () => {
    const replaced = await json<PriceList>(
      await channel.send('POST', '/api/v1/skus/AURA-EX-BEV/prices', {
        validFrom: '2026-05-01',
        msrp: '48900.00',
      }),
      201,
    );
    expect(replaced.items.map((i) => i.msrp)).toEqual(['45500.00', '48900.00']);
    expect((await statement('2026-05')).earned).toBe('1222.50');
    expect((await statement('2026-04')).earned).toBe('2275.00');
    const past = await channel.send('POST', '/api/v1/skus/AURA-EX-BEV/prices', {
      validFrom: '1900-01-01',
      msrp: '1.00',
    });
    expect(past.status).toBe(400);
    expect((await dealerA.get('/api/v1/skus/NO-SUCH/prices')).status).toBe(404);
  });
});
