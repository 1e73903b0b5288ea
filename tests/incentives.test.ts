import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { PASSWORD, seedFixtures, txRow, USERS, ingestRows } from './helpers/fixtures';
import {
  createProgram,
  engines,
  login,
  startTestApp,
  type Client,
  type TestApp,
  json,
} from './helpers/test-app';

const base = {
  currency: 'USD',
  startDate: '2026-01-01',
  endDate: '2026-12-31',
  measurementPeriod: 'month',
  payoutFrequency: 'month',
  measure: 'units',
  tiers: [
    { from: '0', value: '100' },
    { from: '50', value: '200' },
  ],
  benefit: 'per_unit',
};

async function ingest(t: TestApp, rows: Record<string, unknown>[]) {
  await ingestRows(t.services, rows);
  // The feed stamps arrival with the wall clock; these rows arrived on their own date.
  await t.db.query('update transactions set received_at = occurred_on + 1');
}

type Statement = {
  dealerCode: string;
  earned: string;
  amountDue: string;
  tierReached: string | null;
  measureValue: string | null;
  status: string;
  lines: { kind: string; amount: string; vin: string | null; transactionId: string | null }[];
};

describe.each(engines())('incentive programs (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let channel: Client;
  let finance: Client;
  let dealerA: Client;
  let dealerB: Client;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-04-20' });
    await seedFixtures(t.db);
    const march = Array.from({ length: 60 }, (_, i) =>
      txRow({
        occurredOn: `2026-03-${String((i % 28) + 1).padStart(2, '0')}`,
        vin: `1ALPHA0V1N${String(i).padStart(7, '0')}`,
        externalId: `ALPHA-EXT-M${i}`,
      }),
    );
    await ingest(t, [
      ...march,
      txRow({ dealerCode: 'DLR-BRAVO', vin: '1BRAV00V1N0000001', externalId: 'BRAVO-1' }),
    ]);
    [admin, channel, finance, dealerA, dealerB] = await Promise.all([
      login(t.url, USERS.admin, PASSWORD),
      login(t.url, USERS.channel, PASSWORD),
      login(t.url, USERS.finance, PASSWORD),
      login(t.url, USERS.dealerA, PASSWORD),
      login(t.url, USERS.dealerB, PASSWORD),
    ]);
  }, 60_000);
  afterAll(async () => t?.close());

  it('rejects bad definitions with field paths and changes nothing', async () => {
    const res = await channel.send('POST', '/api/v1/programs', {
      ...base,
      code: 'BAD',
      name: 'Bad',
      tiers: [
        { from: '50', value: '-1' },
        { from: '10', value: '100' },
      ],
      tierMode: 'incremental',
      benefit: 'lump_sum',
    });
    const body = await json<{ details: { problems: { path: string; code: string }[] } }>(res, 400);
    const codes = body.details.problems.map((p) => `${p.path}:${p.code}`);
    expect(codes).toContain('tiers.1.from:tiers_not_ascending');
    expect(codes).toContain('tiers.0.value:negative_value');
    expect(codes.some((c) => c.endsWith('incremental_not_allowed'))).toBe(true);
    expect(
      (await json<{ items: unknown[] }>(await admin.get('/api/v1/programs'), 200)).items,
    ).toEqual([]);
  });

  it('warns about filters that match nothing; published programs are immutable', async () => {
    const created = await json<{ warnings: { code: string }[]; status: string }>(
      await channel.send('POST', '/api/v1/programs', {
        ...base,
        code: 'RETRO',
        name: 'Retroactive',
        qualifying: { modelLines: ['ML-AURA'] },
      }),
      201,
    );
    expect(created.status).toBe('draft');
    const warned = await json<{ warnings: { code: string }[] }>(
      await channel.send('POST', '/api/v1/programs', {
        ...base,
        code: 'NOTHING',
        name: 'Nothing',
        qualifying: { modelLines: ['ML-NOPE'] },
      }),
      201,
    );
    expect(warned.warnings.map((w) => w.code)).toContain('filter_matches_nothing');
    await json(await channel.send('POST', '/api/v1/programs/RETRO/publish'), 200);
    const edit = await channel.send('PUT', '/api/v1/programs/RETRO', {
      ...base,
      code: 'RETRO',
      name: 'x',
    });
    expect(edit.status).toBe(409);
    await createProgram(admin, {
      ...base,
      code: 'INCR',
      name: 'Incremental',
      tierMode: 'incremental',
    });
  });

  it('pays the worked check: retroactive 12,000.00, incremental 7,000.00, the same on recalculation', async () => {
    const retro = await json<Statement>(
      await finance.get('/api/v1/programs/RETRO/statements/DLR-ALPHA?period=2026-03'),
      200,
    );
    expect(retro).toMatchObject({
      measureValue: '60',
      tierReached: '50',
      earned: '12000.00',
      amountDue: '12000.00',
      status: 'open',
    });
    expect(retro.lines).toHaveLength(60);
    expect(retro.lines[0]!.vin).toMatch(/^1ALPHA0V1N/);
    const incr = await json<Statement>(
      await dealerA.get('/api/v1/programs/INCR/statements/DLR-ALPHA?period=2026-03'),
      200,
    );
    expect(incr.earned).toBe('7000.00');
    // The network view (pre-aggregated totals) gives the same cents as the lines.
    const list = await json<{ items: Statement[] }>(
      await finance.get('/api/v1/programs/INCR/statements?period=2026-03'),
      200,
    );
    expect(list.items.find((s) => s.dealerCode === 'DLR-ALPHA')!.earned).toBe('7000.00');
    const again = await json<Statement>(
      await finance.get('/api/v1/programs/INCR/statements/DLR-ALPHA?period=2026-03'),
      200,
    );
    expect(again.lines.map((l) => l.amount)).toEqual(incr.lines.map((l) => l.amount));
    const csv = await (
      await finance.get('/api/v1/programs/RETRO/statements/DLR-ALPHA/export?period=2026-03')
    ).text();
    expect(csv.split('\n')[1]).toContain('1ALPHA0V1N');
    expect(csv).toContain('12000.00');
  });

  it("keeps dealer A's statements from dealer B", async () => {
    expect(
      (await dealerB.get('/api/v1/programs/RETRO/statements/DLR-ALPHA?period=2026-03')).status,
    ).toBe(404);
    expect((await dealerB.get('/api/v1/dealers/DLR-ALPHA/incentives')).status).toBe(404);
    const list = await (
      await dealerB.get('/api/v1/programs/RETRO/statements?period=2026-03')
    ).text();
    expect(list).not.toContain('DLR-ALPHA');
    expect(list).toContain('DLR-BRAVO');
  });

  it('shows progress and what-if for the dealer', async () => {
    const progress = await json<{
      programs: { programCode: string; earned: string; message: string }[];
    }>(await dealerA.get('/api/v1/dealers/DLR-ALPHA/incentives'), 200);
    expect(progress.programs.map((p) => p.programCode).sort()).toEqual(['INCR', 'RETRO']);
    const res = await dealerA.send('POST', '/api/v1/dealers/DLR-ALPHA/incentives/what-if', {
      programCode: 'RETRO',
      quantity: 50,
      sku: 'AURA-LX-ICE',
    });
    const whatIf = await json<{
      before: { earned: string };
      after: { earned: string; tierReached: string };
      addedEarned: string;
    }>(res, 200);
    expect(whatIf.before.earned).toBe('0.00');
    expect(whatIf.after).toMatchObject({ earned: '10000.00', tierReached: '50' });
    expect(whatIf.addedEarned).toBe('10000.00');
  });

  it('settles with four eyes, exports the payout and claws back an unwind exactly', async () => {
    await json(
      await finance.send('POST', '/api/v1/programs/RETRO/periods/close', { period: '2026-03' }),
      200,
    );
    await json(
      await finance.send('POST', '/api/v1/programs/INCR/periods/close', { period: '2026-03' }),
      200,
    );
    // admin wrote INCR: may not approve its statements
    const own = await admin.send('POST', '/api/v1/programs/INCR/statements/DLR-ALPHA/approve', {
      period: '2026-03',
    });
    expect(own.status).toBe(403);
    const approved = await json<Statement>(
      await finance.send('POST', '/api/v1/programs/RETRO/statements/DLR-ALPHA/approve', {
        period: '2026-03',
      }),
      200,
    );
    expect(approved).toMatchObject({ status: 'approved', earned: '12000.00' });
    const batch = await json<{ code: string; items: { erpVendorId: string; amount: string }[] }>(
      await finance.send('POST', '/api/v1/payouts', { programCode: 'RETRO' }),
      201,
    );
    expect(batch.items).toEqual([
      expect.objectContaining({ erpVendorId: 'V100', amount: '12000.00' }),
    ]);
    const csv = await (await finance.get(`/api/v1/payouts/${batch.code}/export`)).text();
    expect(csv).toContain(
      'DLR-ALPHA,Dealer Alpha Motors,V100,12000.00,USD,2150-INCENTIVES,RETRO-2026-03-DLR-ALPHA',
    );
    await json(await finance.send('POST', `/api/v1/payouts/${batch.code}/paid`), 200);
    // An unwind in April of a March sale claws back exactly the 200.00 paid for it.
    await ingest(t, [
      txRow({
        kind: 'unwind',
        quantity: -1,
        amount: '-31000.00',
        occurredOn: '2026-04-03',
        vin: '1ALPHA0V1N0000007',
        externalId: 'ALPHA-EXT-U1',
      }),
    ]);
    const april = await json<Statement>(
      await finance.get('/api/v1/programs/RETRO/statements/DLR-ALPHA?period=2026-04'),
      200,
    );
    expect(april.lines.filter((l) => l.kind === 'clawback').map((l) => l.amount)).toEqual([
      '-200.00',
    ]);
    expect(april.earned).toBe('-200.00');
  });

  it('validates claims with reasons and resolves a dispute with an adjustment line', async () => {
    await createProgram(channel, { ...base, code: 'CLAIMS', name: 'Claims', requiresClaim: true });
    const unknown = await dealerA.send('POST', '/api/v1/programs/CLAIMS/claims', {
      dealerCode: 'DLR-ALPHA',
      vin: 'NOSUCHVIN',
      sku: 'AURA-LX-ICE',
      deliveredOn: '2026-03-02',
    });
    const err = await json<{ details: { problems: { path: string; code: string }[] } }>(
      unknown,
      400,
    );
    expect(err.details.problems).toEqual([
      expect.objectContaining({ path: 'body.vin', code: 'unknown_vin' }),
    ]);
    // a malformed CSV (an unclosed quote) is a 400 at the CSV, not a 500 (found by the fuzzer)
    const malformed = await json<{ details: { problems: { path: string; code: string }[] } }>(
      await dealerA.send('POST', '/api/v1/programs/CLAIMS/claims', {
        dealerCode: 'DLR-ALPHA',
        csv: 'vin,sku,deliveryDate\n"1ALPHA0V1N0000001,AURA-LX-ICE,2026-03-02\n',
      }),
      400,
    );
    expect(malformed.details.problems[0]).toMatchObject({ code: 'malformed_csv' });
    expect(malformed.details.problems[0]!.path).toMatch(/^body\.csv/);
    const res = await dealerA.send('POST', '/api/v1/programs/CLAIMS/claims', {
      dealerCode: 'DLR-ALPHA',
      csv: 'vin,sku,deliveryDate\n1ALPHA0V1N0000001,AURA-LX-ICE,2026-03-02\n1BRAV00V1N0000001,AURA-LX-ICE,2026-03-14\n',
    });
    const claims = await json<{
      items: { id: number; status: string; checks: { check: string; ok: boolean }[] }[];
    }>(res, 201);
    expect(claims.items.map((c) => c.status)).toEqual(['validated', 'invalid']);
    const alpha = await t.db.query<{ name: string }>(
      `select name from dealers where code = 'DLR-ALPHA'`,
    );
    expect((claims.items as unknown as { dealerName: string }[]).map((c) => c.dealerName)).toEqual([
      alpha.rows[0]!.name,
      alpha.rows[0]!.name,
    ]);
    expect(claims.items[1]!.checks.find((c) => !c.ok)!.check).toBe('delivered_by_dealer');
    const again = await dealerA.send('POST', '/api/v1/programs/CLAIMS/claims', {
      dealerCode: 'DLR-ALPHA',
      vin: '1ALPHA0V1N0000001',
      sku: 'AURA-LX-ICE',
      deliveredOn: '2026-03-02',
    });
    const dup = await json<{
      items: { status: string; checks: { check: string; ok: boolean }[] }[];
    }>(again, 201);
    expect(dup.items[0]!.checks.find((c) => !c.ok)!.check).toBe('not_claimed_before');
    await json(
      await finance.send('POST', `/api/v1/claims/${claims.items[0]!.id}/decision`, {
        decision: 'approve',
        reason: 'ok',
      }),
      200,
    );
    const paid = await json<Statement>(
      await dealerA.get('/api/v1/programs/CLAIMS/statements/DLR-ALPHA?period=2026-03'),
      200,
    );
    expect(paid.earned).toBe('100.00');

    const dispute = await json<{ id: number; status: string }>(
      await dealerA.send('POST', '/api/v1/disputes', {
        programCode: 'CLAIMS',
        dealerCode: 'DLR-ALPHA',
        period: '2026-03',
        claimId: claims.items[1]!.id,
        comment: 'We delivered this one too',
      }),
      201,
    );
    expect((await dealerB.get(`/api/v1/disputes/${dispute.id}`)).status).toBe(404);
    await json(
      await finance.send('POST', `/api/v1/disputes/${dispute.id}/messages`, {
        body: 'Send the invoice',
      }),
      200,
    );
    const resolved = await json<{ status: string; messages: unknown[] }>(
      await finance.send('POST', `/api/v1/disputes/${dispute.id}/resolve`, {
        outcome: 'adjust',
        amount: '150.00',
        reason: 'goodwill',
      }),
      200,
    );
    expect(resolved.status).toBe('adjusted');
    expect(resolved.messages).toHaveLength(3);
    const after = await json<Statement>(
      await dealerA.get('/api/v1/programs/CLAIMS/statements/DLR-ALPHA?period=2026-03'),
      200,
    );
    expect(after.lines.filter((l) => l.kind === 'adjustment').map((l) => l.amount)).toEqual([
      '150.00',
    ]);
    expect(after.earned).toBe('250.00');
  });
});

/**
 * The network recalculation (shared SQL pass, totals from groups, months walked row by row for
 * order-dependent benefits) against the statement each dealer opens (line by line): the same
 * cents, measure, tier and line count for every program, period and dealer.
 */
describe.each(engines())('incentive network totals (%s)', (engine) => {
  let t: TestApp;
  const skus = ['AURA-LX-ICE', 'AURA-EX-BEV', 'BOLT-XL-HEV'];
  const program = (code: string, extra: Record<string, unknown>) => ({
    ...base,
    code,
    name: code,
    ...extra,
  });
  const programs = [
    program('N-RETRO', { graceDays: 3, qualifying: { modelLines: ['ML-AURA'] } }),
    program('N-INCR', {
      measurementPeriod: 'quarter',
      payoutFrequency: 'month',
      tierMode: 'incremental',
      tiers: [
        { from: '0', value: '50' },
        { from: '20', value: '75' },
      ],
      capPerDealer: '2500.00',
    }),
    program('N-UNIT-FINE', {
      qualifying: { kinds: ['invoice'] },
      tiers: [
        { from: '0', value: '12.345' },
        { from: '6', value: '20.5' },
      ],
      graceDays: 10,
    }),
    program('N-REV-R', {
      measurementPeriod: 'quarter',
      payoutFrequency: 'quarter',
      budget: '1000.00',
      measure: 'revenue',
      benefit: 'percent_of_revenue',
      tiers: [
        { from: '0', value: '0.75' },
        { from: '300000', value: '1.5' },
      ],
    }),
    program('N-REV-I', {
      measurementPeriod: 'program',
      payoutFrequency: 'quarter',
      measure: 'revenue',
      benefit: 'percent_of_revenue',
      tierMode: 'incremental',
      tiers: [
        { from: '0', value: '0.5' },
        { from: '400000', value: '1.25' },
      ],
    }),
    program('N-MSRP', {
      measurementPeriod: 'program',
      payoutFrequency: 'month',
      qualifying: { powertrains: ['BEV'] },
      tiers: [{ from: '1', value: '2.5' }],
      benefit: 'percent_of_msrp',
    }),
    program('N-EV-LUMP', {
      measurementPeriod: 'quarter',
      payoutFrequency: 'quarter',
      measure: 'ev_share',
      tiers: [{ from: '20', value: '5000' }],
      benefit: 'lump_sum',
    }),
    program('N-GROWTH', {
      measurementPeriod: 'quarter',
      payoutFrequency: 'quarter',
      measure: 'growth',
      growthBasis: 'units',
      growthBenefitBase: 'increment',
      tiers: [{ from: '-50', value: '300' }],
    }),
    program('N-GROWTH-REV', {
      measure: 'growth',
      growthBasis: 'revenue',
      growthBenefitBase: 'increment',
      benefit: 'percent_of_revenue',
      tiers: [{ from: '-90', value: '3.3' }],
    }),
    program('N-STAIR', {
      measurementPeriod: 'quarter',
      payoutFrequency: 'quarter',
      eligibility: { requiresActiveAgreement: true },
      measure: 'agreement_attainment',
      tiers: [{ from: '90', value: '150' }],
    }),
    // Not month-aligned: computed row by row.
    program('N-MIDMONTH', { startDate: '2026-01-15' }),
  ];

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-11-20' });
    await seedFixtures(t.db);
    const rows: Record<string, unknown>[] = [];
    const start = Date.UTC(2025, 0, 1);
    for (let i = 0; i < 690; i++) {
      const date = new Date(start + Math.floor(i * 1.02) * 86_400_000).toISOString().slice(0, 10);
      if (date > '2026-11-20') break;
      const unwind = i % 9 === 8;
      const invoice = i % 4 === 3;
      rows.push(
        txRow({
          dealerCode: i % 3 === 2 ? 'DLR-BRAVO' : 'DLR-ALPHA',
          sku: skus[(i * 7) % 3],
          kind: unwind ? 'unwind' : invoice ? 'invoice' : 'retail_delivery',
          quantity: unwind ? -1 : 1 + (i % 5 === 0 ? 1 : 0),
          amount: `${unwind ? '-' : ''}${31000 + ((i * 37) % 900)}.${String((i * 13) % 100).padStart(2, '0')}`,
          occurredOn: date,
          externalId: `NET-${i}`,
        }),
      );
    }
    await ingest(t, rows);
    // Arrivals: most the next day, some days later, some after the grace days (late).
    await t.db.query(
      `update transactions set received_at = occurred_on + case when id % 11 = 0 then 40 when id % 7 = 0 then 4 else 1 end`,
    );
    const author = {
      ...SYSTEM_ACTOR,
      id: -5,
      name: 'network author',
      role: 'channel_manager' as const,
    };
    for (const p of programs) {
      await t.services.incentives.createProgram({ actor: author, data: p });
      await t.services.incentives.publishProgram({ actor: author, code: p.code });
    }
  }, 120_000);
  afterAll(async () => t?.close());

  it('gives every program, period and dealer the cents of the line-by-line statement', async () => {
    const all = await t.services.incentives.recalculateAll({
      actor: SYSTEM_ACTOR,
      periods: 'all',
      withStatements: true,
    });
    expect(all.periodsFromGroups).toBeGreaterThan(40);
    expect(all.periodsFromRows).toBeGreaterThan(0); // N-MIDMONTH
    expect(all.items!.length).toBe(all.statements);
    let paid = 0;
    for (const item of all.items!) {
      const s = await t.services.incentives.getStatement({
        actor: SYSTEM_ACTOR,
        code: item.programCode,
        dealerCode: item.dealerCode,
        period: item.period,
      });
      const opened = {
        earned: s.earned,
        amountDue: s.amountDue,
        measureValue: s.measureValue,
        tierReached: s.tierReached,
        lineCount: s.lineCount,
      };
      expect(
        { ...item, ...opened },
        `${item.programCode} ${item.period} ${item.dealerCode}`,
      ).toEqual(item);
      if (s.earned !== '0.00') paid++;
    }
    // The feed is rich enough that most statements pay something.
    expect(paid).toBeGreaterThan(all.statements / 3);
    const current = await t.services.incentives.recalculateAll({ actor: SYSTEM_ACTOR });
    expect(current.periods).toBe(programs.length);
  }, 120_000);

  it('shows the budget overrun on the network list and accrues what the statements say', async () => {
    const list = await t.services.incentives.findStatements({
      actor: SYSTEM_ACTOR,
      code: 'N-REV-R',
      period: '2026-Q2',
    });
    const sum = list.items.reduce((a, i) => a + Math.round(Number(i.earned) * 100), 0);
    expect(Math.round(Number(list.totalEarned) * 100)).toBe(sum);
    expect(sum).toBeGreaterThan(100_000);
    expect(list.budget).toMatchObject({ totalEarned: list.totalEarned, remaining: '0.00' });
    expect(Number(list.budget.overrun)).toBeCloseTo(sum / 100 - 1000, 2);
    const all = await t.services.incentives.recalculateAll({
      actor: SYSTEM_ACTOR,
      periods: 'all',
      withStatements: true,
    });
    const accruals = await t.services.incentives.getAccruals({
      actor: SYSTEM_ACTOR,
      code: 'N-MSRP',
    });
    expect(accruals.months.length).toBe(11); // January to November, monthly settlements
    for (const m of accruals.months) {
      const due = all
        .items!.filter((i) => i.programCode === 'N-MSRP' && i.period === m.month)
        .reduce((a, i) => a + Math.round(Number(i.amountDue) * 100), 0);
      expect([m.month, Math.round(Number(m.earned) * 100)]).toEqual([m.month, due]);
    }
    expect(Number(accruals.projectedToWindowEnd)).toBeGreaterThanOrEqual(
      Number(accruals.earnedToDate),
    );
  }, 120_000);

  it('calculates each window with the version effective at its start', async () => {
    const author = {
      ...SYSTEM_ACTOR,
      id: -5,
      name: 'network author',
      role: 'channel_manager' as const,
    };
    const v2 = programs.find((p) => p.code === 'N-RETRO')!;
    await t.services.incentives.createVersion({
      actor: author,
      code: 'N-RETRO',
      data: {
        effectiveFrom: '2026-07-01',
        definition: { ...v2, tiers: [{ from: '0', value: '40' }] },
      },
    });
    await t.services.incentives.publishProgram({ actor: author, code: 'N-RETRO' });
    const june = await t.services.incentives.getStatement({
      actor: SYSTEM_ACTOR,
      code: 'N-RETRO',
      dealerCode: 'DLR-ALPHA',
      period: '2026-06',
    });
    const august = await t.services.incentives.getStatement({
      actor: SYSTEM_ACTOR,
      code: 'N-RETRO',
      dealerCode: 'DLR-ALPHA',
      period: '2026-08',
    });
    expect([june.versionNo, august.versionNo]).toEqual([1, 2]);
    expect(june.tierReached).toBe('0');
    expect(august.lines.filter((l) => l.kind === 'benefit' && l.amount !== '0.00').length).toBe(
      august.lines.filter((l) => l.kind === 'benefit').length,
    );
    expect(august.earned).toBe(
      august.lines
        .filter((l) => l.kind === 'benefit')
        .reduce((a, l) => a + Number(l.amount), 0)
        .toFixed(2),
    );
    const all = await t.services.incentives.recalculateAll({
      actor: SYSTEM_ACTOR,
      periods: 'all',
      withStatements: true,
    });
    for (const period of ['2026-06', '2026-08']) {
      const item = all.items!.find(
        (i) => i.programCode === 'N-RETRO' && i.period === period && i.dealerCode === 'DLR-ALPHA',
      )!;
      const opened = period === '2026-06' ? june : august;
      expect([item.earned, item.tierReached]).toEqual([opened.earned, opened.tierReached]);
    }
    // v1 pays 100 or 200 a unit, v2 40: the same units pay less from July.
    const unitsAugust = Number(august.measureValue);
    expect(Number(august.earned)).toBeCloseTo(unitsAugust * 40, 2);
  }, 120_000);

  it("shows each program's current period in the dealer's progress with the statement's cents", async () => {
    const progress = await t.services.incentives.getDealerIncentives({
      actor: SYSTEM_ACTOR,
      dealerCode: 'DLR-ALPHA',
    });
    expect(progress.programs.length).toBe(programs.length);
    for (const p of progress.programs) {
      const s = await t.services.incentives.getStatement({
        actor: SYSTEM_ACTOR,
        code: p.programCode,
        dealerCode: 'DLR-ALPHA',
        period: p.period,
      });
      expect([p.programCode, p.earned, p.measureValue]).toEqual([
        p.programCode,
        s.earned,
        s.measureValue,
      ]);
    }
  });
});
