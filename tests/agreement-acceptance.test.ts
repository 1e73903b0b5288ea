/**
 * Issue 12 item 4: accepting an agreement (or an amendment) is the dealer's act. No OEM role,
 * the administrator included, can accept on the dealer's behalf: 403, nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPermission, OEM_ROLES } from '../src/shared/permissions';
import { APPROVER, DRAFTER } from './helpers/agreements';
import { PASSWORD, seedFixtures, USERS } from './helpers/fixtures';
import { engines, json, login, startTestApp, type Client, type TestApp } from './helpers/test-app';

type Agreement = {
  id: number;
  status: string;
  version: number;
  allowedTransitions: string[];
  pendingRevision: { id: number; status: string } | null;
};

describe.each(engines())('only the dealer accepts (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let channel: Client;
  let dealerA: Client;

  const ledgerCount = async () =>
    Number(
      (await t.db.query<{ n: string }>(`select count(*)::text as n from ledger_entries`)).rows[0]!
        .n,
    );

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-06-15' });
    await seedFixtures(t.db);
    [admin, channel, dealerA] = await Promise.all([
      login(t.url, USERS.admin, PASSWORD),
      login(t.url, USERS.channel, PASSWORD),
      login(t.url, USERS.dealerA, PASSWORD),
    ]);
  });
  afterAll(async () => t?.close());

  it('grants agreements:accept to no OEM role', () => {
    for (const role of OEM_ROLES)
      expect(hasPermission(role, 'agreements:accept'), role).toBe(false);
  });

  it('answers 403 to an OEM administrator accepting a proposal; the dealer then accepts', async () => {
    let a = await json<Agreement>(
      await channel.send('POST', '/api/v1/agreements', {
        dealerCode: 'DLR-ALPHA',
        startMonth: '2026-01',
        months: 12,
        lines: [{ target: { kind: 'model_line', code: 'ML-AURA' }, total: 120 }],
      }),
      201,
    );
    a = await json<Agreement>(
      await channel.send('POST', `/api/v1/agreements/${a.id}/propose`, { version: a.version }),
      200,
    );
    const entries = await ledgerCount();
    const byAdmin = await admin.send('POST', `/api/v1/agreements/${a.id}/accept`, {
      version: a.version,
    });
    expect(byAdmin.status).toBe(403);
    // the service refuses too, whatever the route lets through
    await expect(
      t.services.agreements.transition({
        actor: APPROVER,
        id: a.id,
        transition: 'accept',
        version: a.version,
      }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await ledgerCount()).toBe(entries);
    const adminView = await json<Agreement>(await admin.get(`/api/v1/agreements/${a.id}`), 200);
    expect(adminView.status).toBe('proposed');
    expect(adminView.allowedTransitions).not.toContain('accept');

    a = await json<Agreement>(
      await dealerA.send('POST', `/api/v1/agreements/${a.id}/accept`, { version: a.version }),
      200,
    );
    expect(a.status).toBe('accepted');
    expect(await ledgerCount()).toBe(entries + 1);
  });

  it('answers 403 to an OEM administrator accepting an amendment', async () => {
    // the next term: the previous test's agreement commits the same products in 2026
    let a = await json<Agreement>(
      await channel.send('POST', '/api/v1/agreements', {
        dealerCode: 'DLR-ALPHA',
        startMonth: '2027-01',
        months: 12,
        lines: [{ target: { kind: 'model_line', code: 'ML-AURA' }, total: 60 }],
      }),
      201,
    );
    for (const [client, step] of [
      [channel, 'propose'],
      [dealerA, 'accept'],
      [admin, 'approve'],
    ] as const) {
      a = await json<Agreement>(
        await client.send('POST', `/api/v1/agreements/${a.id}/${step}`, { version: a.version }),
        200,
      );
    }
    const revised = await t.services.agreements.proposeRevision({
      actor: DRAFTER,
      id: a.id,
      data: {
        version: a.version,
        lines: [{ target: { kind: 'model_line', code: 'ML-AURA' }, total: 90, spread: 'even' }],
      },
    });
    const url = `/api/v1/agreements/${a.id}/revisions/${revised.pendingRevision!.id}/accept`;
    const entries = await ledgerCount();
    expect((await admin.send('POST', url, {})).status).toBe(403);
    expect(await ledgerCount()).toBe(entries);
    const after = await json<Agreement>(await admin.get(`/api/v1/agreements/${a.id}`), 200);
    expect(after.pendingRevision?.status).toBe('proposed');
    await json(await dealerA.send('POST', url, {}), 200);
  });
});
