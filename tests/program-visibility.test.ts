/**
 * Issue 12 item 3: a program restricted to named dealers, dealer groups or regions is visible
 * only to the dealers it names: the list, one program, statements (JSON, CSV, PDF), periods,
 * progress, what-if, claims and disputes all answer 404 to any other dealer. Dealers never see a
 * program's budget (OEM-internal) nor the other dealers a program names.
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

type Program = { code: string; definition: Record<string, unknown> };
type StatementList = { items: { dealerCode: string }[]; budget: { budget: string | null } };

describe.each(engines())('programs are visible to the dealers they name (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let dealerA: Client;
  let dealerB: Client;
  let group: Client;

  const codes = async (client: Client) =>
    (await json<{ items: { code: string }[] }>(await client.get('/api/v1/programs'), 200)).items
      .map((p) => p.code)
      .sort();

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-04-20' });
    await seedFixtures(t.db);
    await ingestRows(t.services, [
      txRow({ dealerCode: 'DLR-ALPHA', vin: '1ALPHA0V1N0000001', occurredOn: '2026-03-03' }),
      txRow({ dealerCode: 'DLR-BRAVO', vin: '1BRAV00V1N0000001', occurredOn: '2026-03-04' }),
      txRow({ dealerCode: 'DLR-CHARLIE', vin: '1CHAR00V1N0000001', occurredOn: '2026-03-05' }),
    ]);
    await t.db.query('update transactions set received_at = occurred_on + 1');
    [channel, dealerA, dealerB, group] = await Promise.all([
      login(t.url, USERS.channel, PASSWORD),
      login(t.url, USERS.dealerA, PASSWORD),
      login(t.url, USERS.dealerB, PASSWORD),
      login(t.url, USERS.groupAC, PASSWORD),
    ]);
    await createProgram(channel, { ...base, code: 'OPEN', name: 'Open to all' });
    await createProgram(channel, {
      ...base,
      code: 'ONLY-B',
      name: 'Bravo special',
      requiresClaim: true,
      eligibility: { dealers: ['DLR-BRAVO', 'DLR-CHARLIE'] },
    });
    await createProgram(channel, {
      ...base,
      code: 'EAST',
      name: 'East region',
      eligibility: { regions: ['US-E'] },
    });
    await createProgram(channel, {
      ...base,
      code: 'G1-ONLY',
      name: 'Group G1',
      eligibility: { dealerGroups: ['G1'] },
    });
    await createProgram(channel, { ...base, code: 'DRAFT', name: 'Draft' }, { publish: false });
  });
  afterAll(async () => t?.close());

  it('lists to each dealer only the programs that name it', async () => {
    expect(await codes(channel)).toEqual(['DRAFT', 'EAST', 'G1-ONLY', 'ONLY-B', 'OPEN']);
    expect(await codes(dealerA)).toEqual(['G1-ONLY', 'OPEN']);
    expect(await codes(dealerB)).toEqual(['EAST', 'ONLY-B', 'OPEN']);
    // the group holds A and C: C is named by ONLY-B
    expect(await codes(group)).toEqual(['G1-ONLY', 'ONLY-B', 'OPEN']);
  });

  it('answers 404 to dealer A on every route under a program that does not name it', async () => {
    for (const code of ['ONLY-B', 'EAST', 'DRAFT']) {
      const gets = [
        `/api/v1/programs/${code}`,
        `/api/v1/programs/${code}/statements?period=2026-03`,
        `/api/v1/programs/${code}/statements/DLR-ALPHA?period=2026-03`,
        `/api/v1/programs/${code}/statements/DLR-ALPHA/export?period=2026-03`,
        `/api/v1/programs/${code}/statements/DLR-ALPHA/pdf?period=2026-03`,
        `/api/v1/programs/${code}/periods`,
        `/api/v1/programs/${code}/claims`,
      ];
      for (const url of gets) {
        const res = await dealerA.get(url);
        const text = await res.text();
        expect(res.status, `${url}: ${text}`).toBe(404);
        expect(text, url).not.toContain('50000');
      }
      const posts: [string, unknown][] = [
        [
          '/api/v1/dealers/DLR-ALPHA/incentives/what-if',
          { programCode: code, quantity: 5, sku: 'AURA-LX-ICE' },
        ],
        [
          `/api/v1/programs/${code}/claims`,
          {
            dealerCode: 'DLR-ALPHA',
            vin: '1ALPHA0V1N0000001',
            sku: 'AURA-LX-ICE',
            deliveredOn: '2026-03-03',
          },
        ],
        [
          '/api/v1/disputes',
          {
            programCode: code,
            dealerCode: 'DLR-ALPHA',
            period: '2026-03',
            transactionId: '1',
            comment: 'where is it',
          },
        ],
      ];
      for (const [url, body] of posts) {
        const res = await dealerA.send('POST', url, body);
        expect(res.status, `${code} ${url}: ${await res.text()}`).toBe(404);
      }
    }
    const progress = await json<{ programs: { programCode: string }[] }>(
      await dealerA.get('/api/v1/dealers/DLR-ALPHA/incentives'),
      200,
    );
    expect(progress.programs.map((p) => p.programCode).sort()).toEqual(['G1-ONLY', 'OPEN']);
  });

  it("lets a group user see a program for one of its dealers, not for the group's others", async () => {
    await json(await group.get('/api/v1/programs/ONLY-B'), 200);
    await json(
      await group.get('/api/v1/programs/ONLY-B/statements/DLR-CHARLIE?period=2026-03'),
      200,
    );
    expect(
      (await group.get('/api/v1/programs/ONLY-B/statements/DLR-ALPHA?period=2026-03')).status,
    ).toBe(404);
    const list = await json<StatementList>(
      await group.get('/api/v1/programs/ONLY-B/statements?period=2026-03'),
      200,
    );
    expect(list.items.map((s) => s.dealerCode)).toEqual(['DLR-CHARLIE']);
  });

  it('lets no drafted next version show a program to a dealer it does not name yet', async () => {
    await json(
      await channel.send('POST', '/api/v1/programs/ONLY-B/versions', {
        effectiveFrom: '2026-05-01',
        definition: { ...base, code: 'ONLY-B', name: 'Bravo special, for all soon' },
      }),
      200,
    );
    expect(await codes(dealerA)).toEqual(['G1-ONLY', 'OPEN']);
    expect((await dealerA.get('/api/v1/programs/ONLY-B')).status).toBe(404);
    const progress = await json<{ programs: { programCode: string }[] }>(
      await dealerA.get('/api/v1/dealers/DLR-ALPHA/incentives'),
      200,
    );
    expect(progress.programs.map((p) => p.programCode).sort()).toEqual(['G1-ONLY', 'OPEN']);
    const seenByB = await json<Program & { versions: { versionNo: number }[] }>(
      await dealerB.get('/api/v1/programs/ONLY-B'),
      200,
    );
    expect(seenByB.versions.map((v) => v.versionNo)).toEqual([1]);
    expect(seenByB.definition.name).toBe('Bravo special');
  });

  it('shows the named dealer the program without the budget or the other dealers named', async () => {
    const program = await json<Program>(await dealerB.get('/api/v1/programs/ONLY-B'), 200);
    expect(program.definition.budget).toBeNull();
    expect(program.definition.eligibility).toMatchObject({ dealers: ['DLR-BRAVO'] });
    const list = await json<StatementList>(
      await dealerB.get('/api/v1/programs/OPEN/statements?period=2026-03'),
      200,
    );
    expect(list.items.map((s) => s.dealerCode)).toEqual(['DLR-BRAVO']);
    expect(list.budget.budget).toBeNull();
    const oem = await json<Program>(await channel.get('/api/v1/programs/ONLY-B'), 200);
    expect(oem.definition.budget).toBe('50000.00');
    expect(
      (
        await json<StatementList>(
          await channel.get('/api/v1/programs/OPEN/statements?period=2026-03'),
          200,
        )
      ).budget.budget,
    ).toBe('50000.00');
  });
});
