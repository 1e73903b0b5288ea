/**
 * The printable statement: GET /programs/{code}/statements/{dealerCode}/pdf returns a PDF whose
 * text shows the statement's figures to the cent, with the same access as the JSON statement.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { groupDigits, renderStatementPdf } from '../src/server/modules/incentives/statement-pdf';
import { PASSWORD, seedFixtures, txRow, USERS, ingestRows } from './helpers/fixtures';
import { engines, login, startTestApp, type Client, type TestApp } from './helpers/test-app';
import { pdfText } from './helpers/pdf-text';

describe('groupDigits', () => {
  it('groups thousands without touching the digits', () => {
    expect(groupDigits('7530.45')).toBe('7,530.45');
    expect(groupDigits('-1234567.891')).toBe('-1,234,567.891');
    expect(groupDigits('0.00')).toBe('0.00');
    expect(groupDigits('999')).toBe('999');
  });
});

describe.each(engines())('statement PDF (%s)', (engine) => {
  let t: TestApp;
  let finance: Client;
  let dealerA: Client;
  let dealerB: Client;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-04-20' });
    await seedFixtures(t.db);
    const rows = Array.from({ length: 61 }, (_, i) =>
      txRow({
        occurredOn: `2026-03-${String((i % 28) + 1).padStart(2, '0')}`,
        vin: `1ALPHA0PDF${String(i).padStart(7, '0')}`,
        externalId: `PDF-A-${i}`,
      }),
    );
    rows.push(txRow({ dealerCode: 'DLR-BRAVO', externalId: 'PDF-B-1' }));
    await ingestRows(t.services, rows);
    // These rows arrived on their own date (the feed stamps arrival with the wall clock).
    await t.db.query('update transactions set received_at = occurred_on + 1');
    await t.services.incentives.createProgram({
      actor: SYSTEM_ACTOR,
      data: {
        code: 'PDF-UNITS',
        name: 'Aura retail bonus',
        currency: 'USD',
        startDate: '2026-01-01',
        endDate: '2026-12-31',
        measurementPeriod: 'month',
        payoutFrequency: 'month',
        measure: 'units',
        tiers: [
          { from: '0', value: '100.00' },
          { from: '50', value: '123.45' },
        ],
        benefit: 'per_unit',
      },
    });
    await t.services.incentives.publishProgram({ actor: SYSTEM_ACTOR, code: 'PDF-UNITS' });
    [finance, dealerA, dealerB] = await Promise.all([
      login(t.url, USERS.finance, PASSWORD),
      login(t.url, USERS.dealerA, PASSWORD),
      login(t.url, USERS.dealerB, PASSWORD),
    ]);
  }, 60_000);
  afterAll(async () => t?.close());

  const path = '/api/v1/programs/PDF-UNITS/statements/DLR-ALPHA';

  it('returns a PDF whose text has the statement total to the cent and its lines', async () => {
    const json = (await (await dealerA.get(`${path}?period=2026-03`)).json()) as {
      earned: string;
      amountDue: string;
      lines: { vin: string | null }[];
    };
    // 61 units reach the 50-unit tier: 61 × 123.45, retroactive.
    expect(json.earned).toBe('7530.45');
    expect(json.amountDue).toBe('7530.45');

    const res = await dealerA.get(`${path}/pdf?period=2026-03`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toContain(
      'statement-PDF-UNITS-DLR-ALPHA-2026-03.pdf',
    );
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdfText(pdf);
    expect(text).toContain('Amount due');
    expect(text).toContain('7,530.45 USD');
    expect(text).toContain(`${groupDigits(json.amountDue)} USD`);
    expect(text).toContain('Dealer Alpha Motors (DLR-ALPHA)');
    expect(text).toContain('Aura retail bonus (PDF-UNITS, version 1)');
    expect(text).toContain('Lines (61)');
    expect(text).toContain(json.lines[0]!.vin!);
    expect(text).toMatch(/Page 1 of \d+/);
  });

  it('is open to the OEM, closed to another dealer, and rejects a malformed period', async () => {
    const oem = await finance.get(`${path}/pdf?period=2026-03`);
    expect(oem.status).toBe(200);
    expect(pdfText(Buffer.from(await oem.arrayBuffer()))).toContain('7,530.45 USD');

    const other = await dealerB.get(`${path}/pdf?period=2026-03`);
    expect(other.status).toBe(404);
    expect(other.headers.get('content-type')).toContain('application/json');
    expect(await other.text()).not.toContain('7,530.45');

    const bad = await finance.get(`${path}/pdf?period=March`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('VALIDATION_FAILED');

    const anonymous = await fetch(`${t.url}${path}/pdf?period=2026-03`);
    expect(anonymous.status).toBe(401);
  });

  it('renders uncompressed when asked, with the same total (many lines: several pages)', async () => {
    const statement = await t.services.incentives.getStatement({
      actor: SYSTEM_ACTOR,
      code: 'PDF-UNITS',
      dealerCode: 'DLR-ALPHA',
      period: '2026-03',
    });
    const pdf = await renderStatementPdf(statement, {
      programName: 'Aura retail bonus',
      generatedAt: '2026-04-20 09:00 UTC',
      compress: false,
    });
    const raw = pdf.toString('latin1');
    expect(raw).not.toContain('/FlateDecode');
    const text = pdfText(pdf);
    expect(text).toContain('Total earned');
    expect(text.match(/7,530\.45 USD/g)?.length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/Page 2 of 2/);
  });
});
