import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, login, startTestApp, type Client, type TestApp } from './helpers/test-app';
import { PASSWORD, seedFixtures, USERS } from './helpers/fixtures';

type ErrorBody = {
  code: string;
  message: string;
  details: { problems?: { path?: string; code: string }[] };
};

describe.each(engines())('network and catalog (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  beforeAll(async () => {
    t = await startTestApp(engine);
    await seedFixtures(t.db);
    channel = await login(t.url, USERS.channel, PASSWORD);
  });
  afterAll(async () => t?.close());

  it('builds the region tree and places dealers in it', async () => {
    expect(
      (
        await channel.send('POST', '/api/v1/regions', {
          code: 'US-W-CA',
          name: 'California',
          parentCode: 'US-W',
        })
      ).status,
    ).toBe(201);
    const regions = (await (await channel.get('/api/v1/regions')).json()) as {
      code: string;
      path: string;
      dealerCount: number;
    }[];
    expect(regions.find((r) => r.code === 'US-W-CA')).toMatchObject({
      path: '/US/US-W/US-W-CA/',
      dealerCount: 0,
    });
    expect(regions.find((r) => r.code === 'US')).toMatchObject({ dealerCount: 3 });
    const created = await channel.send('POST', '/api/v1/dealers', {
      code: 'DLR-DELTA',
      name: 'Delta Auto',
      regionCode: 'US-W-CA',
      stateProvince: 'CA',
      city: 'Fresno',
      country: 'US',
    });
    expect(created.status).toBe(201);
    const inWest = (await (await channel.get('/api/v1/dealers?region=US-W')).json()) as {
      items: { code: string }[];
    };
    expect(inWest.items.map((d) => d.code)).toEqual(['DLR-ALPHA', 'DLR-CHARLIE', 'DLR-DELTA']);
  });

  it('answers bad input with field paths and duplicates with 409', async () => {
    const missing = await channel.send('POST', '/api/v1/dealers', {
      code: 'DLR-E',
      name: '',
      regionCode: 'NOWHERE',
      stateProvince: 'CA',
      country: 'usa',
    });
    expect(missing.status).toBe(400);
    const paths = ((await missing.json()) as ErrorBody).details.problems!.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['body.name', 'body.country']));
    const unknownRegion = await channel.send('POST', '/api/v1/dealers', {
      code: 'DLR-E',
      name: 'E',
      regionCode: 'NOWHERE',
      stateProvince: 'CA',
      country: 'US',
    });
    expect(unknownRegion.status).toBe(400);
    expect(((await unknownRegion.json()) as ErrorBody).details.problems![0]).toMatchObject({
      path: 'body.regionCode',
      code: 'unknown_region',
    });
    const dup = await channel.send('POST', '/api/v1/dealers', {
      code: 'DLR-ALPHA',
      name: 'Again',
      regionCode: 'US-W',
      stateProvince: 'CA',
      country: 'US',
    });
    expect(dup.status).toBe(409);
    const malformed = await channel.send('POST', '/api/v1/dealers', '{"code": ', {
      'content-type': 'application/json',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as ErrorBody).code).toMatch(/MALFORMED_BODY|BAD_REQUEST/);
  });

  it('filters, sorts, pages and deactivates dealers', async () => {
    const page1 = (await (
      await channel.get('/api/v1/dealers?limit=2&offset=0&sort=name')
    ).json()) as { items: { code: string }[]; total: number };
    expect(page1.total).toBe(4);
    expect(page1.items).toHaveLength(2);
    const page2 = (await (
      await channel.get('/api/v1/dealers?limit=2&offset=2&sort=name')
    ).json()) as { items: { code: string }[] };
    expect(new Set([...page1.items, ...page2.items].map((d) => d.code)).size).toBe(4);
    const patched = await channel.send('PATCH', '/api/v1/dealers/DLR-CHARLIE', {
      status: 'inactive',
    });
    expect(await patched.json()).toMatchObject({ code: 'DLR-CHARLIE', status: 'inactive' });
    const active = (await (await channel.get('/api/v1/dealers?status=active')).json()) as {
      items: { code: string }[];
    };
    expect(active.items.map((d) => d.code)).not.toContain('DLR-CHARLIE');
    const byText = (await (await channel.get('/api/v1/dealers?q=albany')).json()) as {
      items: { code: string }[];
    };
    expect(byText.items.map((d) => d.code)).toEqual(['DLR-BRAVO']);
  });

  it('manages the catalog and the fiscal calendar', async () => {
    const sku = await channel.send('POST', '/api/v1/skus', {
      code: 'AURA-GT-PHEV',
      modelLineCode: 'ML-AURA',
      name: 'Aura GT Plug-in',
      trim: 'GT',
      powertrain: 'PHEV',
      segment: 'compact SUV',
      msrp: '48990.00',
      co2GramsPerKm: 35,
      launchDate: '2026-02-01',
    });
    expect(sku.status).toBe(201);
    expect(await sku.json()).toMatchObject({ msrp: '48990.00', modelLineName: 'Aura' });
    const badBev = await channel.send('POST', '/api/v1/skus', {
      code: 'AURA-X-BEV',
      modelLineCode: 'ML-AURA',
      name: 'x',
      trim: 'X',
      powertrain: 'BEV',
      segment: 's',
      msrp: '1.00',
      co2GramsPerKm: 12,
      launchDate: '2026-02-01',
    });
    expect(((await badBev.json()) as ErrorBody).details.problems![0]).toMatchObject({
      path: 'body.co2GramsPerKm',
    });
    const badDate = await channel.send('POST', '/api/v1/skus', {
      code: 'AURA-Y',
      modelLineCode: 'ML-AURA',
      name: 'y',
      trim: 'Y',
      powertrain: 'ICE',
      segment: 's',
      msrp: '-1',
      co2GramsPerKm: 12,
      launchDate: '2026-02-30',
    });
    const paths = ((await badDate.json()) as ErrorBody).details.problems!.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['body.msrp', 'body.launchDate']));
    const bev = (await (await channel.get('/api/v1/skus?powertrain=BEV')).json()) as {
      items: { code: string }[];
    };
    expect(bev.items.map((s) => s.code)).toEqual(['AURA-EX-BEV']);
    const lines = (await (await channel.get('/api/v1/model-lines')).json()) as {
      code: string;
      skuCount: number;
      powertrains: string[];
    }[];
    expect(lines.find((l) => l.code === 'ML-AURA')).toMatchObject({ skuCount: 3 });
    const settings = await channel.send('PUT', '/api/v1/settings', { fiscalYearStartMonth: 4 });
    expect(settings.status).toBe(403);
    const admin = await login(t.url, USERS.admin, PASSWORD);
    expect(
      await (await admin.send('PUT', '/api/v1/settings', { fiscalYearStartMonth: 4 })).json(),
    ).toMatchObject({ fiscalYearStartMonth: 4 });
    expect((await admin.send('PUT', '/api/v1/settings', { fiscalYearStartMonth: 13 })).status).toBe(
      400,
    );
  });

  it("keeps a model line's planned end of sale, validated", async () => {
    type Line = { code: string; salesEndOn: string | null };
    const lineOf = async (code: string) =>
      ((await (await channel.get('/api/v1/model-lines')).json()) as Line[]).find(
        (l) => l.code === code,
      );
    expect(await lineOf('ML-AURA')).toMatchObject({ salesEndOn: null });
    const created = await channel.send('POST', '/api/v1/model-lines', {
      code: 'ML-EOS',
      name: 'Eos',
      segment: 'sedan',
      salesEndOn: '2027-06-30',
    });
    expect(created.status).toBe(201);
    expect(await lineOf('ML-EOS')).toMatchObject({ salesEndOn: '2027-06-30' });
    // A name change keeps the plan; an explicit null clears it.
    await channel.send('PATCH', '/api/v1/model-lines/ML-EOS', { name: 'Eos II' });
    expect(await lineOf('ML-EOS')).toMatchObject({ salesEndOn: '2027-06-30' });
    const moved = await channel.send('PATCH', '/api/v1/model-lines/ML-EOS', {
      salesEndOn: '2027-03-31',
    });
    expect(moved.status).toBe(200);
    expect(await lineOf('ML-EOS')).toMatchObject({ salesEndOn: '2027-03-31' });
    await channel.send('PATCH', '/api/v1/model-lines/ML-EOS', { salesEndOn: null });
    expect(await lineOf('ML-EOS')).toMatchObject({ salesEndOn: null });
    for (const bad of ['2027-02-30', '30/06/2027', 20270630]) {
      const res = await channel.send('PATCH', '/api/v1/model-lines/ML-EOS', { salesEndOn: bad });
      expect(res.status).toBe(400);
      const paths = ((await res.json()) as ErrorBody).details.problems!.map((p) => p.path);
      expect(paths).toContain('body.salesEndOn');
    }
    const badCreate = await channel.send('POST', '/api/v1/model-lines', {
      code: 'ML-EOS2',
      name: 'Eos 2',
      segment: 'sedan',
      salesEndOn: '2027-13-01',
    });
    expect(badCreate.status).toBe(400);
    expect(((await badCreate.json()) as ErrorBody).details.problems!.map((p) => p.path)).toContain(
      'body.salesEndOn',
    );
  });

  it('serves health checks and the OpenAPI document', async () => {
    expect(await (await fetch(`${t.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${t.url}/readyz`)).json()).toMatchObject({ status: 'ready' });
    const doc = (await (await fetch(`${t.url}/api/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/dealers', '/api/v1/transactions']),
    );
    expect((await fetch(`${t.url}/api/docs`)).status).toBeLessThan(400);
    const unknown = await fetch(`${t.url}/api/v1/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'NOT_FOUND' });
  });
});
