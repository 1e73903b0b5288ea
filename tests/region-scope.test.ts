/**
 * Issue 12 item 1: a region's scope is its subtree, matched exactly. A region code with `_` or
 * `%` (one left over from before codes were checked, made here in SQL) must not widen the scope
 * of its regional manager or its API key, and new region codes must be plain identifiers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { activeAgreementForA } from './helpers/agreements';
import { ingestRows, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import {
  bearer,
  engines,
  json,
  login,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';
import { hashPassword } from '../src/server/modules/auth/auth.service';

type Page<T> = { items: T[]; total: number };
type ErrorBody = { code: string; details: { problems?: { path?: string; code: string }[] } };

describe.each(engines())('region scope is matched exactly (%s)', (engine) => {
  let t: TestApp;
  let manager: Client;
  let regionKey: Client;
  let channel: Client;

  beforeAll(async () => {
    t = await startTestApp(engine);
    await seedFixtures(t.db);
    // `U_` under LIKE matches every two-letter root: '/U_/%' covers '/US/…'.
    await t.db.exec(`
      insert into regions (code, name, parent_id, path) values ('U_', 'Underscore', null, '/U_/');
      insert into dealers (code, name, region_id, state_province, city, country)
        values ('DLR-UNDER', 'Dealer Under', (select id from regions where code = 'U_'), 'CA', 'Napa', 'US');
    `);
    await t.db.query(
      `insert into users (email, name, password_hash, role, region_id)
       values ('u@test.local', 'U Manager', $1, 'regional_manager', (select id from regions where code = 'U_'))`,
      [await hashPassword(PASSWORD)],
    );
    await ingestRows(t.services, [
      txRow({ dealerCode: 'DLR-ALPHA', externalId: 'R-ALPHA-1' }),
      txRow({ dealerCode: 'DLR-UNDER', externalId: 'R-UNDER-1' }),
    ]);
    await activeAgreementForA(t.services);
    const key = await t.services.accounts.createApiKey({
      actor: SYSTEM_ACTOR,
      data: {
        name: 'U region key',
        role: 'regional_manager',
        regionCode: 'U_',
        dealerCode: null,
        dealerGroupCode: null,
      },
    });
    manager = await login(t.url, 'u@test.local', PASSWORD);
    regionKey = bearer(t.url, key.key);
    channel = await login(t.url, USERS.channel, PASSWORD);
  });
  afterAll(async () => t?.close());

  it('shows the manager and the key of region U_ nothing outside it', async () => {
    for (const [who, client] of [
      ['manager', manager],
      ['key', regionKey],
    ] as const) {
      const dealers = await json<Page<{ code: string }>>(await client.get('/api/v1/dealers'), 200);
      expect(
        dealers.items.map((d) => d.code),
        who,
      ).toEqual(['DLR-UNDER']);
      expect((await client.get('/api/v1/dealers/DLR-ALPHA')).status, who).toBe(404);
      const txs = await json<Page<{ dealerCode: string }>>(
        await client.get('/api/v1/transactions'),
        200,
      );
      expect(
        txs.items.map((x) => x.dealerCode),
        who,
      ).toEqual(['DLR-UNDER']);
      const exported = await (await client.get('/api/v1/transactions/export')).text();
      expect(exported, who).not.toContain('DLR-ALPHA');
      const agreements = await json<Page<unknown>>(await client.get('/api/v1/agreements'), 200);
      expect(agreements.total, who).toBe(0);
      const regions = await json<{ code: string; dealerCount: number }[]>(
        await client.get('/api/v1/regions'),
        200,
      );
      expect(regions.find((r) => r.code === 'US')?.dealerCount, who).toBe(0);
      const totals = await (
        await client.get('/api/v1/actuals/regions?from=2026-01&to=2026-12')
      ).text();
      expect(totals, who).not.toContain('"US-W"');
    }
  });

  it('filters by region U_ exactly for the whole network too', async () => {
    const dealers = await json<Page<{ code: string }>>(
      await channel.get('/api/v1/dealers?region=U_'),
      200,
    );
    expect(dealers.items.map((d) => d.code)).toEqual(['DLR-UNDER']);
    const agreements = await json<Page<unknown>>(
      await channel.get('/api/v1/agreements?region=U_'),
      200,
    );
    expect(agreements.total).toBe(0);
  });

  it('refuses region codes that are not plain identifiers (400 at body.code)', async () => {
    for (const code of ['X%', 'U_', 'A.B', 'A/B', '-A']) {
      const body = await json<ErrorBody>(
        await channel.send('POST', '/api/v1/regions', { code, name: 'Bad' }),
        400,
      );
      expect(body.details.problems?.[0], code).toMatchObject({ path: 'body.code' });
    }
    await expect(
      t.services.network.createRegion({
        actor: SYSTEM_ACTOR,
        data: { code: 'V%', name: 'Bad', parentCode: null },
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await json(
      await channel.send('POST', '/api/v1/regions', {
        code: 'US-W-2',
        name: 'Fine',
        parentCode: 'US-W',
      }),
      201,
    );
  });
});
