/**
 * Live updates (GET /api/v1/events): a committed batch reaches every open stream whose scope
 * holds one of its dealers, naming only the dealers the reader may see, on whichever API process
 * of the database the stream is open.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import {
  engines,
  login,
  startSecondApp,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';

type Feed = { batchId: number; dealerCodes: string[]; inserted: number | null };

/** An open event stream: the `feed` events received so far, in order. */
async function listen(client: Client) {
  const res = await client.get('/api/v1/events');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: Feed[] = [];
  let text = '';
  const pump = (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      text += decoder.decode(value, { stream: true });
      let cut = text.indexOf('\n\n');
      while (cut >= 0) {
        const block = text.slice(0, cut);
        text = text.slice(cut + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (block.includes('event: feed') && data) events.push(JSON.parse(data.slice(6)) as Feed);
        cut = text.indexOf('\n\n');
      }
    }
  })();
  return {
    events,
    /** Waits until `count` feed events have arrived (or fails after 5 s). */
    async until(count: number) {
      const started = Date.now();
      while (events.length < count) {
        if (Date.now() - started > 5000) throw new Error(`only ${events.length} events arrived`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return events;
    },
    async close() {
      await reader.cancel();
      await pump;
    },
  };
}

describe.each(engines())('live updates (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;

  beforeAll(async () => {
    t = await startTestApp(engine);
    await seedFixtures(t.db);
    admin = await login(t.url, USERS.admin, PASSWORD);
  });
  afterAll(async () => t?.close());

  const post = async (rows: Record<string, unknown>[]) => {
    const res = await admin.send('POST', '/api/v1/transactions', rows);
    expect(res.status, await res.clone().text()).toBe(200);
    return ((await res.json()) as { batchId: number }).batchId;
  };

  it("tells each open page about committed batches of its dealers, and never of another dealer's", async () => {
    const dealerA = await listen(await login(t.url, USERS.dealerA, PASSWORD));
    const dealerB = await listen(await login(t.url, USERS.dealerB, PASSWORD));
    const west = await listen(await login(t.url, USERS.regionalWest, PASSWORD));
    const oem = await listen(admin);

    const bravoOnly = await post([txRow({ dealerCode: 'DLR-BRAVO', externalId: 'LIVE-B1' })]);
    const both = await post([
      txRow({ dealerCode: 'DLR-ALPHA', externalId: 'LIVE-A1' }),
      txRow({ dealerCode: 'DLR-ALPHA', externalId: 'LIVE-A2' }),
      txRow({ dealerCode: 'DLR-BRAVO', externalId: 'LIVE-B2' }),
    ]);
    const charlie = await post([txRow({ dealerCode: 'DLR-CHARLIE', externalId: 'LIVE-C1' })]);

    expect(await oem.until(3)).toEqual([
      { batchId: bravoOnly, dealerCodes: ['DLR-BRAVO'], inserted: 1 },
      { batchId: both, dealerCodes: ['DLR-ALPHA', 'DLR-BRAVO'], inserted: 3 },
      { batchId: charlie, dealerCodes: ['DLR-CHARLIE'], inserted: 1 },
    ]);
    expect(await west.until(2)).toEqual([
      { batchId: both, dealerCodes: ['DLR-ALPHA'], inserted: null },
      { batchId: charlie, dealerCodes: ['DLR-CHARLIE'], inserted: 1 },
    ]);
    expect(await dealerB.until(2)).toEqual([
      { batchId: bravoOnly, dealerCodes: ['DLR-BRAVO'], inserted: 1 },
      { batchId: both, dealerCodes: ['DLR-BRAVO'], inserted: null },
    ]);
    expect(await dealerA.until(1)).toEqual([
      { batchId: both, dealerCodes: ['DLR-ALPHA'], inserted: null },
    ]);
    // A batch of duplicates changes nothing and is not announced.
    await post([txRow({ dealerCode: 'DLR-ALPHA', externalId: 'LIVE-A1' })]);
    const last = await post([txRow({ dealerCode: 'DLR-ALPHA', externalId: 'LIVE-A3' })]);
    expect((await dealerA.until(2))[1]).toEqual({
      batchId: last,
      dealerCodes: ['DLR-ALPHA'],
      inserted: 1,
    });
    // Nothing else reached dealer B meanwhile.
    expect(dealerB.events).toHaveLength(2);
    for (const stream of [dealerA, dealerB, west, oem]) await stream.close();
  });

  // PGlite lives in this process: there is no connection to lose
  it.runIf(engine === 'postgres')(
    'listens again when the server ends its LISTEN connection',
    async () => {
      const oem = await listen(admin);
      const ended = await t.db.query<{ ended: boolean }>(
        `select pg_terminate_backend(pid) as ended from pg_stat_activity
         where datname = current_database() and query ilike 'listen %forecourt_events%'`,
      );
      expect(ended.rows).toEqual([{ ended: true }]);
      // the process opens a new LISTEN connection after a second
      const started = Date.now();
      let batchId = 0;
      let n = 0;
      while ((await oem.until(0)).length === 0 && Date.now() - started < 8000) {
        batchId = await post([txRow({ dealerCode: 'DLR-BRAVO', externalId: `RELISTEN-${n++}` })]);
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(oem.events.at(-1)).toEqual({ batchId, dealerCodes: ['DLR-BRAVO'], inserted: 1 });
      await oem.close();
    },
  );

  it('tells pages open on another API process of the same database, in their scope', async () => {
    const other = await startSecondApp(t);
    try {
      const dealerA = await listen(await login(other.url, USERS.dealerA, PASSWORD));
      const oem = await listen(await login(other.url, USERS.admin, PASSWORD));
      const bravo = await post([txRow({ dealerCode: 'DLR-BRAVO', externalId: 'AWAY-B1' })]);
      const alpha = await post([txRow({ dealerCode: 'DLR-ALPHA', externalId: 'AWAY-A1' })]);
      expect(await oem.until(2)).toEqual([
        { batchId: bravo, dealerCodes: ['DLR-BRAVO'], inserted: 1 },
        { batchId: alpha, dealerCodes: ['DLR-ALPHA'], inserted: 1 },
      ]);
      expect(await dealerA.until(1)).toEqual([
        { batchId: alpha, dealerCodes: ['DLR-ALPHA'], inserted: 1 },
      ]);
      for (const stream of [dealerA, oem]) await stream.close();
    } finally {
      await other.close();
    }
  });
});
