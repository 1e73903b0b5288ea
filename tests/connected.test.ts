/**
 * Issue 17, connected vehicles: a reading without a valid consent is refused (row-located); the
 * consent registry is append-only with a ledger entry per change; revocation stops intake and
 * deletes that purpose's readings and opportunities; dealer B never sees dealer A's vehicles;
 * the OEM sees aggregates only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestRows, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import { engines, json, login, startTestApp, type Client, type TestApp } from './helpers/test-app';

const VIN_A = 'WAURA0BEV00000007';
const VIN_B = 'WBLT00HEV00000007';
type Problems = {
  code: string;
  details: { problems: { row: number; code: string; path: string }[] };
};

describe.each(engines())('connected vehicles with consent (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let dealerA: Client;
  let dealerB: Client;
  const grant = (purpose: string, extra: Record<string, unknown> = {}) => ({
    vin: VIN_A,
    ownerRef: 'OWN-1',
    purpose,
    grantedOn: '2026-01-01',
    expiresOn: '2027-12-31',
    source: 'owner app',
    ...extra,
  });
  const reading = (signal: string, value: number, vin = VIN_A) => ({
    vin,
    signal,
    value,
    observedAt: '2026-06-10T08:00:00Z',
  });

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-06-15' });
    await seedFixtures(t.db);
    await ingestRows(t.services, [
      txRow({ externalId: 'C-1', sku: 'AURA-EX-BEV', vin: VIN_A }),
      txRow({ externalId: 'C-2', dealerCode: 'DLR-BRAVO', sku: 'BOLT-XL-HEV', vin: VIN_B }),
    ]);
    admin = await login(t.url, USERS.admin, PASSWORD);
    dealerA = await login(t.url, USERS.dealerA, PASSWORD);
    dealerB = await login(t.url, USERS.dealerB, PASSWORD);
  });
  afterAll(() => t.close());

  it('refuses a reading without a valid consent, naming its row', async () => {
    const res = await json<Problems>(
      await admin.send('POST', '/api/v1/connected/telematics', {
        readings: [reading('Vehicle.Powertrain.TractionBattery.StateOfHealth', 80)],
      }),
      400,
    );
    expect(res.details.problems).toEqual([
      expect.objectContaining({ row: 1, code: 'no_consent', path: 'body.readings.0' }),
    ]);
  });

  it('records consents as ledger entries; another dealer cannot record one for A’s car', async () => {
    const e = await json<{
      id: number;
      action: string;
      dealerCode: string;
      ledgerSeq: number | null;
    }>(await dealerA.send('POST', '/api/v1/connected/consents', grant('battery_health')), 201);
    expect(e).toMatchObject({ action: 'grant', dealerCode: 'DLR-ALPHA' });
    expect(e.ledgerSeq).toBeGreaterThan(0);
    await json(
      await dealerA.send('POST', '/api/v1/connected/consents', grant('service_reminders')),
      201,
    );
    await json(
      await dealerA.send(
        'POST',
        '/api/v1/connected/consents',
        grant('lease_end_offers', { contractEndsOn: '2026-09-30' }),
      ),
      201,
    );
    expect(
      (await dealerB.send('POST', '/api/v1/connected/consents', grant('battery_health'))).status,
    ).toBe(404);
    const list = await json<{ items: unknown[] }>(
      await dealerB.get('/api/v1/connected/consents'),
      200,
    );
    expect(list.items).toHaveLength(0);
    // the registry is append-only in the database too
    await expect(t.db.query('update connected_consents set source = $1', ['x'])).rejects.toThrow(
      /append-only/,
    );
  });

  it('takes consented readings (all or none: a location reading fails the batch)', async () => {
    const refused = await json<Problems>(
      await admin.send('POST', '/api/v1/connected/telematics', {
        readings: [
          reading('Vehicle.Service.DistanceToService', 900),
          reading('Vehicle.CurrentLocation.Latitude', 48.1),
          reading('Vehicle.Service.DistanceToService', 900, VIN_B),
        ],
      }),
      400,
    );
    expect(refused.details.problems.map((p) => [p.row, p.code])).toEqual([
      [2, 'location_refused'],
      [3, 'no_consent'],
    ]);
    const { rows } = await t.db.query<{ n: number }>(
      'select count(*)::int as n from telematics_signals',
    );
    expect(rows[0]!.n).toBe(0);
    const ok = await json<{ accepted: number }>(
      await admin.send('POST', '/api/v1/connected/telematics', {
        readings: [
          reading('Vehicle.Service.DistanceToService', 900),
          reading('Vehicle.TraveledDistance', 41250),
          reading('Vehicle.Powertrain.TractionBattery.StateOfHealth', 81.5),
        ],
      }),
      200,
    );
    expect(ok.accepted).toBe(3);
  });

  it('shows dealer A its opportunities with why and consent; B and the OEM see no vehicle', async () => {
    const opp = await json<{
      items: { vin: string; kind: string; why: string; consent: { purpose: string } }[];
    }>(await dealerA.get('/api/v1/connected/dealers/DLR-ALPHA/opportunities'), 200);
    expect(opp.items.map((o) => [o.kind, o.consent.purpose])).toEqual([
      ['battery_health', 'battery_health'],
      ['service_due', 'service_reminders'],
      ['trade_in', 'lease_end_offers'],
    ]);
    expect(opp.items[0]!.why).toContain('81.5');
    expect((await dealerB.get('/api/v1/connected/dealers/DLR-ALPHA/opportunities')).status).toBe(
      404,
    );
    expect((await admin.get('/api/v1/connected/dealers/DLR-ALPHA/opportunities')).status).toBe(403);
    const summary = await json<Record<string, unknown>>(
      await admin.get('/api/v1/connected/summary'),
      200,
    );
    expect(summary).toMatchObject({ vehicles: 1, byDealerCount: 1 });
    expect(JSON.stringify(summary)).not.toContain(VIN_A);
    const summaryB = await json<{ vehicles: number }>(
      await dealerB.get('/api/v1/connected/summary'),
      200,
    );
    expect(summaryB.vehicles).toBe(0);
  });

  it('revocation stops intake and deletes the purpose’s readings and opportunities', async () => {
    const r = await json<{ deletedSignals: number; entry: { action: string } }>(
      await dealerA.send('POST', '/api/v1/connected/consents/revoke', {
        vin: VIN_A,
        ownerRef: 'OWN-1',
        purpose: 'battery_health',
        source: 'owner app',
      }),
      200,
    );
    expect(r).toMatchObject({ deletedSignals: 1, entry: { action: 'revoke' } });
    const opp = await json<{ items: { kind: string }[] }>(
      await dealerA.get('/api/v1/connected/dealers/DLR-ALPHA/opportunities'),
      200,
    );
    expect(opp.items.map((o) => o.kind)).toEqual(['service_due', 'trade_in']);
    const refused = await json<Problems>(
      await admin.send('POST', '/api/v1/connected/telematics', {
        readings: [reading('Vehicle.Powertrain.TractionBattery.StateOfHealth', 80)],
      }),
      400,
    );
    expect(refused.details.problems[0]!.code).toBe('no_consent');
    const { rows } = await t.db.query<{ n: number }>(
      `select count(*)::int as n from telematics_signals where purpose = 'battery_health'`,
    );
    expect(rows[0]!.n).toBe(0);
    const history = await json<{ items: { action: string; purpose: string }[] }>(
      await dealerA.get(`/api/v1/connected/consents?vin=${VIN_A}`),
      200,
    );
    expect(history.items.map((h) => h.action)).toEqual(['revoke', 'grant', 'grant', 'grant']);
    const verify = await t.services.ledger.verify();
    expect(verify.ok).toBe(true);
    expect(verify.entries).toBe(4);
  });
});
