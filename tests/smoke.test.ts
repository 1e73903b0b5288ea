import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, login, startTestApp, type TestApp } from './helpers/test-app';
import { PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';

describe.each(engines())('smoke on %s', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
    await seedFixtures(t.db);
  });
  afterAll(async () => t?.close());

  it('logs in and lists dealers', async () => {
    const admin = await login(t.url, USERS.admin, PASSWORD);
    const res = await admin.get('/api/v1/dealers');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: { code: string }[] };
    expect(body.items.map((d) => d.code)).toEqual(['DLR-ALPHA', 'DLR-BRAVO', 'DLR-CHARLIE']);
    const post = await admin.send('POST', '/api/v1/transactions', [
      txRow(),
      txRow({ dealerCode: 'DLR-BRAVO' }),
    ]);
    expect(await post.json()).toMatchObject({ inserted: 2, duplicates: 0 });
    const a = await login(t.url, USERS.dealerA, PASSWORD);
    const list = (await (await a.get('/api/v1/dealers')).json()) as { items: { code: string }[] };
    expect(list.items.map((d) => d.code)).toEqual(['DLR-ALPHA']);
  });
});
