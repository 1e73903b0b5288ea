/**
 * Issue 14 §4, integrity flags in the app: a scan of the feed inside the audit look-back stores
 * each planted pattern with its evidence; the queue is for OEM audit roles only and scoped; a
 * dismissal needs a reason, a decided flag is not reopened by a re-scan, and a shorter look-back
 * hides older findings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntegrityFlagRecord } from '../src/shared/schemas/insights';
import { ingestRows, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import { engines, json, login, startTestApp, type Client, type TestApp } from './helpers/test-app';

const TODAY = '2026-10-20';
const vin = (n: number) => `1PLANT${String(n).padStart(11, '0')}`;

describe.each(engines())('insights: integrity flags (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let finance: Client;
  let admin: Client;
  let west: Client;
  let dealerA: Client;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: TODAY });
    await seedFixtures(t.db);
    [channel, finance, admin, west, dealerA] = await Promise.all([
      login(t.url, USERS.channel, PASSWORD),
      login(t.url, USERS.finance, PASSWORD),
      login(t.url, USERS.admin, PASSWORD),
      login(t.url, USERS.regionalWest, PASSWORD),
      login(t.url, USERS.dealerA, PASSWORD),
    ]);
    const rows = [];
    // Alpha: a steady June, then 8 deliveries on June 29–30 of which 5 are unwound in July.
    for (let i = 0; i < 12; i += 1)
      rows.push(
        txRow({ occurredOn: `2026-06-${String(i + 1).padStart(2, '0')}`, vin: vin(100 + i) }),
      );
    for (let i = 0; i < 8; i += 1)
      rows.push(txRow({ occurredOn: `2026-06-${29 + (i % 2)}`, vin: vin(200 + i) }));
    for (let i = 0; i < 5; i += 1)
      rows.push(
        txRow({
          kind: 'unwind',
          quantity: -1,
          amount: '-31000.00',
          occurredOn: '2026-07-20',
          vin: vin(200 + i),
        }),
      );
    // Bravo delivers one of Alpha's standing VINs in August.
    rows.push(txRow({ dealerCode: 'DLR-BRAVO', occurredOn: '2026-08-03', vin: vin(105) }));
    // An old duplicate (2024), outside a 12-month look-back.
    rows.push(txRow({ dealerCode: 'DLR-CHARLIE', occurredOn: '2024-02-03', vin: vin(900) }));
    rows.push(txRow({ dealerCode: 'DLR-CHARLIE', occurredOn: '2024-03-03', vin: vin(900) }));
    await ingestRows(t.services, rows);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('stores every planted pattern with its evidence, within the look-back', async () => {
    const scan = await json<{ flags: number; inserted: number; lookbackMonths: number }>(
      await channel.send('POST', '/api/v1/insights/integrity/scan'),
      200,
    );
    expect(scan.lookbackMonths).toBe(12);
    const flags = await json<IntegrityFlagRecord[]>(
      await finance.get('/api/v1/insights/integrity'),
      200,
    );
    const kinds = flags.map((f) => `${f.kind}:${f.dealerCode}`).sort();
    expect(kinds).toEqual([
      'duplicate_vin:DLR-ALPHA',
      'duplicate_vin:DLR-BRAVO',
      'month_end_spike_unwound:DLR-ALPHA',
    ]);
    const spike = flags.find((f) => f.kind === 'month_end_spike_unwound')!;
    expect(spike.amountAtStake).toBe('155000.00');
    expect((spike.evidence.unwound as { vin: string }[]).map((u) => u.vin)).toEqual(
      [0, 1, 2, 3, 4].map((i) => vin(200 + i)),
    );
    expect(flags.every((f) => f.status === 'open')).toBe(true);
  });

  it('is for OEM audit roles only, and scoped', async () => {
    expect((await dealerA.get('/api/v1/insights/integrity')).status).toBe(403);
    expect((await west.get('/api/v1/insights/integrity')).status).toBe(403);
    expect((await dealerA.send('POST', '/api/v1/insights/integrity/scan')).status).toBe(403);
  });

  it('dismisses with a reason, confirms, and never reopens a decided flag', async () => {
    const flags = await json<IntegrityFlagRecord[]>(
      await finance.get('/api/v1/insights/integrity'),
      200,
    );
    const dup = flags.find((f) => f.kind === 'duplicate_vin' && f.dealerCode === 'DLR-BRAVO')!;
    const spike = flags.find((f) => f.kind === 'month_end_spike_unwound')!;
    expect(
      (
        await finance.send('POST', `/api/v1/insights/integrity/${dup.id}/decision`, {
          decision: 'dismiss',
        })
      ).status,
    ).toBe(400);
    const dismissed = await json<IntegrityFlagRecord>(
      await finance.send('POST', `/api/v1/insights/integrity/${dup.id}/decision`, {
        decision: 'dismiss',
        reason: 'VIN typo in the DMS',
      }),
      200,
    );
    expect(dismissed).toMatchObject({
      status: 'dismissed',
      reason: 'VIN typo in the DMS',
      decidedBy: 'Finance',
    });
    await json(
      await channel.send('POST', `/api/v1/insights/integrity/${spike.id}/decision`, {
        decision: 'confirm',
      }),
      200,
    );
    expect(
      (
        await channel.send('POST', `/api/v1/insights/integrity/${spike.id}/decision`, {
          decision: 'dismiss',
          reason: 'x',
        })
      ).status,
    ).toBe(409);
    await json(await channel.send('POST', '/api/v1/insights/integrity/scan'), 200);
    const after = await json<IntegrityFlagRecord[]>(
      await finance.get('/api/v1/insights/integrity'),
      200,
    );
    expect(after.find((f) => f.id === dup.id)!.status).toBe('dismissed');
    expect(after.find((f) => f.id === spike.id)!.status).toBe('confirmed');
    expect(
      (
        await json<IntegrityFlagRecord[]>(
          await finance.get('/api/v1/insights/integrity?status=open'),
          200,
        )
      ).length,
    ).toBe(1);
  });

  it('respects the audit look-back setting', async () => {
    expect(
      (await finance.send('PUT', '/api/v1/insights/integrity/settings', { lookbackMonths: 40 }))
        .status,
    ).toBe(403);
    await json(
      await admin.send('PUT', '/api/v1/insights/integrity/settings', { lookbackMonths: 40 }),
      200,
    );
    await json(await channel.send('POST', '/api/v1/insights/integrity/scan'), 200);
    const wide = await json<IntegrityFlagRecord[]>(
      await finance.get('/api/v1/insights/integrity'),
      200,
    );
    expect(wide.some((f) => f.dealerCode === 'DLR-CHARLIE')).toBe(true);
    await json(
      await admin.send('PUT', '/api/v1/insights/integrity/settings', { lookbackMonths: 12 }),
      200,
    );
    const narrow = await json<IntegrityFlagRecord[]>(
      await finance.get('/api/v1/insights/integrity'),
      200,
    );
    expect(narrow.some((f) => f.dealerCode === 'DLR-CHARLIE')).toBe(false);
  });
});
