import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, login, startTestApp, type Client, type TestApp } from './helpers/test-app';
import { PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import { execFileSync } from 'node:child_process';

type ErrorBody = {
  code: string;
  message: string;
  details: { problems?: { path?: string; code: string }[] };
};
type Agreement = {
  id: number;
  code: string;
  status: string;
  version: number;
  allowedTransitions: string[];
  overlaps: {
    code: string;
    skus: string[];
    suggestions: Record<string, unknown>[];
  }[];
  approval: { canApprove: boolean; reason: string | null; approvers: string[] } | null;
  terms: { periods: string[]; lines: { plannedQuantities: number[] }[] };
  pendingRevision: {
    id: number;
    changes: {
      change: string;
      periods: { period: string; from: number | null; to: number | null }[];
    }[];
  } | null;
};
type Progress = {
  periods: string[];
  lines: {
    periods: {
      period: string;
      plannedQuantity: number;
      actualQuantity: number;
      attainmentPct: number | null;
    }[];
    termToDate: {
      plannedQuantity: number;
      actualQuantity: number;
      attainmentPct: number | null;
      projectedTotal: number | null;
    };
  }[];
  totals: {
    termToDate: { actualQuantity: number };
    periods: { isElapsed: boolean; elapsedShare: number }[];
  };
};

const TODAY = '2026-06-15';

describe.each(engines())('sales agreements (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let admin: Client;
  let dealerA: Client;
  let dealerB: Client;

  const draft = (body: Record<string, unknown> = {}) =>
    channel.send('POST', '/api/v1/agreements', {
      dealerCode: 'DLR-ALPHA',
      startMonth: '2026-01',
      months: 12,
      lines: [
        { target: { kind: 'model_line', code: 'ML-AURA' }, total: 120 },
        {
          target: { kind: 'sku', code: 'BOLT-XL-HEV' },
          planned: [
            { period: '2026-03', quantity: 5 },
            { period: '2026-04', quantity: 7 },
          ],
        },
      ],
      ...body,
    });
  const move = async (client: Client, a: Agreement, transition: string, comment?: string) =>
    client.send('POST', `/api/v1/agreements/${a.id}/${transition}`, {
      version: a.version,
      comment,
    });

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: TODAY });
    await seedFixtures(t.db);
    [channel, admin, dealerA, dealerB] = await Promise.all([
      login(t.url, USERS.channel, PASSWORD),
      login(t.url, USERS.admin, PASSWORD),
      login(t.url, USERS.dealerA, PASSWORD),
      login(t.url, USERS.dealerB, PASSWORD),
    ]);
    const post = await admin.send('POST', '/api/v1/transactions', [
      txRow({ externalId: 'AG-T1', occurredOn: '2026-01-10' }),
      txRow({ externalId: 'AG-T2', occurredOn: '2026-02-11', sku: 'AURA-EX-BEV' }),
      txRow({ externalId: 'AG-T3', occurredOn: '2026-03-02', sku: 'BOLT-XL-HEV' }),
      txRow({ externalId: 'AG-T4', occurredOn: '2025-12-30' }),
      txRow({ externalId: 'AG-T5', occurredOn: '2026-02-11', dealerCode: 'DLR-BRAVO' }),
    ]);
    expect(post.status).toBe(200);
  });
  afterAll(async () => t?.close());

  it('drafts with a spread plan and explicit periods, and answers bad input with paths', async () => {
    const res = await draft();
    expect(res.status).toBe(201);
    const a = (await res.json()) as Agreement;
    expect(a).toMatchObject({ status: 'draft', code: expect.stringMatching(/^AG-\d{6}$/) });
    expect(a.terms.lines[0]!.plannedQuantities).toEqual(Array(12).fill(10));
    expect(a.terms.lines[1]!.plannedQuantities).toEqual([0, 0, 5, 7, 0, 0, 0, 0, 0, 0, 0, 0]);
    const bad = await draft({
      lines: [
        { target: { kind: 'model_line', code: 'NOPE' }, total: 1 },
        {
          target: { kind: 'sku', code: 'AURA-LX-ICE' },
          planned: [{ period: '2027-05', quantity: 1 }],
        },
        {
          target: { kind: 'sku', code: 'AURA-LX-ICE' },
          planned: [{ period: '2026-02', quantity: -4 }],
        },
      ],
    });
    expect(bad.status).toBe(400);
    const paths = ((await bad.json()) as ErrorBody).details.problems!.map(
      (p) => `${p.path}:${p.code}`,
    );
    expect(paths).toEqual(expect.arrayContaining(['body.lines.2.planned.0.quantity:too_small']));
    const semantic = await draft({
      lines: [
        { target: { kind: 'model_line', code: 'NOPE' }, total: 1 },
        {
          target: { kind: 'sku', code: 'AURA-LX-ICE' },
          planned: [{ period: '2027-05', quantity: 1 }],
        },
      ],
    });
    const problems = ((await semantic.json()) as ErrorBody).details.problems!.map(
      (p) => `${p.path}:${p.code}`,
    );
    expect(problems).toEqual([
      'body.lines[0].target.code:unknown_product',
      'body.lines[1].planned[0].period:period_outside_term',
    ]);
    const quarterly = await draft({ frequency: 'quarterly', startMonth: '2026-02' });
    expect(((await quarterly.json()) as ErrorBody).details.problems![0]).toMatchObject({
      path: 'body.startMonth',
      code: 'invalid_term',
    });
    const dealerTries = await dealerA.send('POST', '/api/v1/agreements', {
      dealerCode: 'DLR-ALPHA',
      startMonth: '2026-01',
      months: 12,
      lines: [{ target: { kind: 'sku', code: 'AURA-LX-ICE' }, total: 1 }],
    });
    expect(dealerTries.status).toBe(403);
  });

  it('runs the lifecycle with four eyes, stale versions and invalid transitions refused', async () => {
    let a = (await (await draft()).json()) as Agreement;
    expect((await move(dealerA, a, 'accept')).status).toBe(409); // not proposed yet
    a = (await (await move(channel, a, 'propose')).json()) as Agreement;
    expect(a.status).toBe('proposed');
    const notes = (await (await dealerA.get('/api/v1/notifications')).json()) as {
      message: string;
    }[];
    expect(notes.map((n) => n.message)).toContain(`${a.code} is waiting for your acceptance`);
    expect((await move(dealerB, a, 'accept')).status).toBe(404);
    // each transition's route declares its own permission: a salesperson may not accept
    const sales = await login(t.url, USERS.dealerASales, PASSWORD);
    const salesTries = await move(sales, a, 'accept');
    expect(salesTries.status).toBe(403);
    expect(((await salesTries.json()) as ErrorBody).details).toMatchObject({
      permission: 'agreements:accept',
    });
    expect((await move(channel, a, 'explode')).status).toBe(404);
    const stale = await dealerA.send('POST', `/api/v1/agreements/${a.id}/accept`, {
      version: a.version - 1,
    });
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as ErrorBody).code).toBe('STALE_VERSION');
    expect((await move(dealerA, a, 'return')).status).toBe(400); // a comment is required
    a = (await (await move(dealerA, a, 'return', 'March is too high')).json()) as Agreement;
    expect(a.status).toBe('draft');
    a = (await (await move(channel, a, 'propose')).json()) as Agreement;
    a = (await (await move(dealerA, a, 'accept')).json()) as Agreement;
    expect(a.status).toBe('accepted');
    expect(a.allowedTransitions).not.toContain('approve');
    // four eyes, explained: the author learns who approves, and they are told
    const asAuthor = (await (await channel.get(`/api/v1/agreements/${a.id}`)).json()) as Agreement;
    expect(asAuthor.approval).toMatchObject({ canApprove: false });
    expect(asAuthor.approval!.reason).toContain('Four eyes');
    expect(asAuthor.approval!.approvers.length).toBeGreaterThan(0);
    for (const name of asAuthor.approval!.approvers)
      expect(asAuthor.approval!.reason).toContain(name);
    const oemNotes = (await (await admin.get('/api/v1/notifications')).json()) as {
      message: string;
    }[];
    expect(oemNotes.find((n) => n.message.includes(a.code))?.message).toContain(
      'waiting for approval by',
    );
    const asAdmin = (await (await admin.get(`/api/v1/agreements/${a.id}`)).json()) as Agreement;
    expect(asAdmin.approval).toMatchObject({ canApprove: true, reason: null });
    const selfApprove = await move(channel, a, 'approve');
    expect(selfApprove.status).toBe(403);
    a = (await (await move(admin, a, 'approve')).json()) as Agreement;
    expect(a.status).toBe('active'); // the start month has come
    expect(a.approval).toBeNull();
    // an overlapping draft says so while drafting, and cannot be proposed
    const again = await draft();
    const b = (await again.json()) as Agreement;
    const withA = b.overlaps.find((o) => o.code === a.code);
    expect(withA).toMatchObject({
      code: a.code,
      status: 'active',
      fromMonth: '2026-01',
      toMonth: '2026-12',
      suggestions: [
        { action: 'amend', agreementId: a.id, code: a.code },
        { action: 'start_after', startMonth: '2027-01' },
      ],
    });
    expect(withA!.skus).toContain('BOLT-XL-HEV');
    const overlap = await move(channel, b, 'propose');
    expect(overlap.status).toBe(409);
    const overlapBody = (await overlap.json()) as ErrorBody;
    expect(overlapBody.code).toBe('AGREEMENT_OVERLAP');
    expect(overlapBody.message).toContain(a.code);
    expect(overlapBody.message).toContain('January 2027');
    // starting after it ends is fine
    const later = (await (
      await draft({
        startMonth: '2027-01',
        lines: [{ target: { kind: 'model_line', code: 'ML-AURA' }, total: 120 }],
      })
    ).json()) as Agreement;
    expect(later.overlaps).toEqual([]);
    await move(channel, later, 'cancel', 'only a check');
    expect((await move(channel, b, 'cancel')).status).toBe(400);
    expect(
      ((await (await move(channel, b, 'cancel', 'duplicate')).json()) as Agreement).status,
    ).toBe('cancelled');
  });

  it('shows live progress: a posted sale appears right after the post returns; unwinds count on their own date', async () => {
    const list = (await (await channel.get('/api/v1/agreements?status=active')).json()) as {
      items: { id: number; actualToDate: number; plannedToDate: number; attainmentPct: number }[];
    };
    const a = list.items[0]!;
    const before = (await (
      await dealerA.get(`/api/v1/agreements/${a.id}/progress`)
    ).json()) as Progress;
    expect(before.periods).toHaveLength(12);
    expect(before.lines[0]!.periods.slice(0, 3).map((p) => p.actualQuantity)).toEqual([1, 1, 0]);
    expect(before.lines[1]!.periods[2]).toMatchObject({
      plannedQuantity: 5,
      actualQuantity: 1,
      attainmentPct: 20,
    });
    // The share of each period elapsed: May is over, June half gone (15 of 30 days), July ahead.
    expect(before.totals.periods.slice(4, 7).map((p) => [p.isElapsed, p.elapsedShare])).toEqual([
      [true, 1],
      [true, 0.5],
      [false, 0],
    ]);
    // Jan–May in full, 15 of 30 days of June: 10 × 5.5 = 55 planned to date on the first line
    expect(before.lines[0]!.termToDate).toMatchObject({ plannedQuantity: 55, actualQuantity: 2 });
    const post = await admin.send('POST', '/api/v1/transactions', [
      txRow({ externalId: 'AG-L1', occurredOn: '2026-06-01', sku: 'AURA-EX-BEV' }),
      txRow({ externalId: 'AG-L2', occurredOn: '2026-06-02' }),
      txRow({
        externalId: 'AG-L3',
        occurredOn: '2026-06-03',
        kind: 'unwind',
        quantity: -1,
        amount: '-31000.00',
      }),
      txRow({ externalId: 'AG-L4', occurredOn: '2027-01-03' }),
    ]);
    expect(post.status).toBe(200);
    const after = (await (
      await dealerA.get(`/api/v1/agreements/${a.id}/progress`)
    ).json()) as Progress;
    expect(after.lines[0]!.periods[5]!.actualQuantity).toBe(1);
    expect(after.lines[0]!.termToDate.actualQuantity).toBe(3);
    const table = (await (await channel.get('/api/v1/agreements?status=active')).json()) as {
      items: { id: number; actualToDate: number }[];
    };
    expect(table.items.find((x) => x.id === a.id)!.actualToDate).toBe(
      after.totals.termToDate.actualQuantity,
    );
    type Rollup = {
      by: string;
      items: {
        key: string;
        agreements: number;
        plannedTotal: number;
        plannedToDate: number;
        actualToDate: number;
        atRisk: number | null;
      }[];
    };
    const byLine = (await (
      await channel.get('/api/v1/agreements/rollup?by=model_line&status=active')
    ).json()) as Rollup;
    expect(byLine.items.map((i) => i.key)).toEqual(['ML-AURA', 'ML-BOLT']);
    expect(byLine.items[0]).toMatchObject({
      agreements: 1,
      plannedTotal: 120,
      plannedToDate: after.lines[0]!.termToDate.plannedQuantity,
      actualToDate: after.lines[0]!.termToDate.actualQuantity,
      atRisk: null,
    });
    expect(byLine.items[1]).toMatchObject({ plannedTotal: 12, actualToDate: 1 }); // the BOLT SKU line
    const byRegion = (await (
      await channel.get('/api/v1/agreements/rollup?by=region&status=active')
    ).json()) as Rollup;
    expect(byRegion.items).toHaveLength(1);
    expect(byRegion.items[0]).toMatchObject({
      agreements: 1,
      actualToDate: after.totals.termToDate.actualQuantity,
    });
    const bRollup = (await (
      await dealerB.get('/api/v1/agreements/rollup?by=model_line&status=active')
    ).json()) as Rollup;
    expect(bRollup.items).toEqual([]);
    expect((await channel.get('/api/v1/agreements/rollup?by=dealer')).status).toBe(400);
    // the dealer's expected deliveries (set from the forecast screen) sit next to the plan
    const expect1 = await dealerA.send('PUT', `/api/v1/agreements/${a.id}/expectations`, {
      items: [{ lineNo: 1, period: '2026-08', expectedQuantity: 14, comment: 'fleet deal' }],
    });
    expect(expect1.status).toBe(200);
    type WithExpected = {
      lines: { periods: { expectedQuantity: number | null; plannedQuantity: number }[] }[];
      totals: { periods: { expectedQuantity: number | null }[] };
    };
    const withExpectation = (await expect1.json()) as WithExpected;
    expect(withExpectation.lines[0]!.periods[7]).toMatchObject({
      plannedQuantity: 10,
      expectedQuantity: 14,
    });
    expect(withExpectation.lines[0]!.periods[8]!.expectedQuantity).toBeNull();
    expect(withExpectation.totals.periods[7]!.expectedQuantity).toBe(14); // line 2 plans 0 in August
    const refused = await dealerA.send('PUT', `/api/v1/agreements/${a.id}/expectations`, {
      items: [
        { lineNo: 1, period: '2026-09', expectedQuantity: 3 },
        { lineNo: 1, period: '2026-03', expectedQuantity: 3 },
        { lineNo: 9, period: '2026-09', expectedQuantity: 3 },
        { lineNo: 1, period: '2027-05', expectedQuantity: 3 },
      ],
    });
    expect(refused.status).toBe(400);
    expect(
      ((await refused.json()) as ErrorBody).details.problems!.map((p) => `${p.path}:${p.code}`),
    ).toEqual([
      'body.items[1].period:period_over',
      'body.items[2].lineNo:unknown_line',
      'body.items[3].period:period_outside_term',
    ]);
    const negative = await dealerA.send('PUT', `/api/v1/agreements/${a.id}/expectations`, {
      items: [{ lineNo: 1, period: '2026-09', expectedQuantity: -1 }],
    });
    expect(negative.status).toBe(400);
    const bTries = await dealerB.send('PUT', `/api/v1/agreements/${a.id}/expectations`, {
      items: [{ lineNo: 1, period: '2026-09', expectedQuantity: 99 }],
    });
    expect(bTries.status).toBe(404);
    const reread = (await (
      await dealerA.get(`/api/v1/agreements/${a.id}/progress`)
    ).json()) as WithExpected;
    expect(reread.lines[0]!.periods.map((p) => p.expectedQuantity)).toEqual([
      ...Array(7).fill(null),
      14,
      ...Array(4).fill(null),
    ]); // nothing of the refused batches was written
    const cleared = (await (
      await dealerA.send('PUT', `/api/v1/agreements/${a.id}/expectations`, {
        items: [{ lineNo: 1, period: '2026-08', expectedQuantity: null }],
      })
    ).json()) as WithExpected;
    expect(cleared.lines[0]!.periods[7]!.expectedQuantity).toBeNull();
    const csv = await (await channel.get('/api/v1/agreements/export?status=active')).text();
    expect(csv.split('\n')[0]).toContain('attainmentPct');
    expect((await dealerB.get(`/api/v1/agreements/${a.id}/progress`)).status).toBe(404);
    const bList = (await (await dealerB.get('/api/v1/agreements')).json()) as { total: number };
    expect(bList.total).toBe(0);
  });

  it('amends an active agreement: pending changes next to the current values, then a new version', async () => {
    const list = (await (await channel.get('/api/v1/agreements?status=active')).json()) as {
      items: { id: number }[];
    };
    let a = (await (
      await channel.get(`/api/v1/agreements/${list.items[0]!.id}`)
    ).json()) as Agreement;
    const revised = await channel.send('POST', `/api/v1/agreements/${a.id}/revisions`, {
      version: a.version,
      comment: 'more in Q4',
      lines: [
        {
          target: { kind: 'model_line', code: 'ML-AURA' },
          planned: a.terms.periods.map((p, i) => ({ period: p, quantity: i >= 9 ? 15 : 10 })),
        },
        {
          target: { kind: 'sku', code: 'BOLT-XL-HEV' },
          planned: [
            { period: '2026-03', quantity: 5 },
            { period: '2026-04', quantity: 7 },
          ],
        },
      ],
    });
    expect(revised.status).toBe(200);
    a = (await revised.json()) as Agreement;
    expect(a.pendingRevision!.changes).toEqual([
      {
        lineNo: 1,
        target: 'model_line ML-AURA',
        change: 'changed',
        periods: [
          { period: '2026-10', from: 10, to: 15 },
          { period: '2026-11', from: 10, to: 15 },
          { period: '2026-12', from: 10, to: 15 },
        ],
      },
    ]);
    expect(a.terms.lines[0]!.plannedQuantities[11]).toBe(10); // not applied yet
    expect(
      (
        await channel.send(
          'POST',
          `/api/v1/agreements/${a.id}/revisions/${a.pendingRevision!.id}/approve`,
          {},
        )
      ).status,
    ).toBe(409); // dealer first
    expect(
      (
        await dealerA.send(
          'POST',
          `/api/v1/agreements/${a.id}/revisions/${a.pendingRevision!.id}/accept`,
          {},
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await channel.send(
          'POST',
          `/api/v1/agreements/${a.id}/revisions/${a.pendingRevision!.id}/approve`,
          {},
        )
      ).status,
    ).toBe(403); // its author
    a = (await (
      await admin.send(
        'POST',
        `/api/v1/agreements/${a.id}/revisions/${a.pendingRevision!.id}/approve`,
        {},
      )
    ).json()) as Agreement;
    expect(a.pendingRevision).toBeNull();
    expect(a.terms.lines[0]!.plannedQuantities[11]).toBe(15);
    const versions = (await (await dealerA.get(`/api/v1/agreements/${a.id}/versions`)).json()) as {
      versionNo: number;
      sha256: string;
      changes: unknown[];
    }[];
    expect(versions.map((v) => v.versionNo)).toEqual([1, 2]);
    expect(versions[1]!.changes).toHaveLength(1);
    const doc = await dealerA.get(`/api/v1/agreements/${a.id}/versions/2`);
    const text = await doc.text();
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(text).digest('hex')).toBe(versions[1]!.sha256);
    expect(doc.headers.get('x-content-sha256')).toBe(versions[1]!.sha256);
  });

  it('verifies the ledger and points at the first entry altered in the database', async () => {
    const ok = (await (await dealerA.get('/api/v1/ledger/verify')).json()) as {
      ok: boolean;
      entries: number;
    };
    expect(ok).toMatchObject({ ok: true });
    expect(ok.entries).toBeGreaterThanOrEqual(4);
    const entries = (await (await dealerA.get('/api/v1/ledger/entries')).json()) as {
      seq: number;
      entityId: string;
    }[];
    expect(entries.length).toBe(ok.entries);
    await t.db.query(
      `update agreement_versions set terms = jsonb_set(terms, '{months}', '13') where version_no = 1`,
    );
    const broken = (await (await admin.get('/api/v1/ledger/verify')).json()) as {
      ok: boolean;
      firstBroken: { seq: number; entityType: string; reason: string };
    };
    expect(broken.ok).toBe(false);
    expect(broken.firstBroken).toMatchObject({
      entityType: 'agreement_version',
      reason: expect.stringContaining('altered'),
    });
    await t.db.query(
      `update agreement_versions set terms = jsonb_set(terms, '{months}', '12') where version_no = 1`,
    );
    expect(((await (await admin.get('/api/v1/ledger/verify')).json()) as { ok: boolean }).ok).toBe(
      true,
    );
    const first = entries[0]!.seq;
    await t.db.query(`update ledger_entries set actor = 'someone else' where seq = $1`, [
      first + 1,
    ]);
    const chain = (await (await admin.get('/api/v1/ledger/verify')).json()) as {
      ok: boolean;
      firstBroken: { seq: number; reason: string };
    };
    expect(chain.firstBroken).toMatchObject({
      seq: first + 1,
      reason: expect.stringContaining('hash does not match'),
    });
  });

  it('renews an agreement into the next term prefilled from its actuals', async () => {
    const list = (await (await channel.get('/api/v1/agreements?status=active')).json()) as {
      items: { id: number }[];
    };
    const res = await channel.send('POST', `/api/v1/agreements/${list.items[0]!.id}/renew`);
    expect(res.status).toBe(201);
    const renewed = (await res.json()) as Agreement & {
      renewedFrom: string;
      terms: { startMonth: string };
    };
    expect(renewed).toMatchObject({ status: 'draft', terms: { startMonth: '2027-01' } });
    expect(renewed.renewedFrom).toMatch(/^AG-/);
  });
});

describe('ledger:verify CLI', () => {
  it('is a documented command', () => {
    const help = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'src/server/cli/main.ts', '--help'],
      { encoding: 'utf8' },
    );
    expect(help).toContain('ledger:verify');
  });
});
