/**
 * Files banks and ERPs import (issue 15, part 3): dealers' bank details (validated, masked for
 * all but OEM finance, changed only by OEM finance with a ledger and an audit entry), payout
 * batches as pain.001.001.09 validated against the ISO 20022 XSD (fixtures/iso20022), and the GL
 * journals (the monthly accrual with the prior month reversed; the clearing journal of a paid
 * batch) with the configurable account mapping.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { ingestRows, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import {
  createProgram,
  engines,
  json,
  login,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';

const XSD = readFileSync(
  new URL('../fixtures/iso20022/pain.001.001.09.xsd', import.meta.url),
  'utf8',
);

async function validate(xml: string) {
  return validateXML({
    xml: [{ fileName: 'payment.xml', contents: xml }],
    schema: [{ fileName: 'pain.001.001.09.xsd', contents: XSD }],
  });
}

const vin = (n: number) => `1FTEW1EP5MFA${String(n).padStart(5, '0')}`;

const IBAN_ALPHA = 'DE89 3704 0044 0532 0130 00';
type Journal = {
  journalId: string;
  lines: {
    entry: string;
    account: string;
    costCentre: string;
    region: string;
    debit: string;
    credit: string;
    postingDate: string;
  }[];
  totals: { currency: string; debit: string; credit: string }[];
};

describe.each(engines())('payments: bank details, pain.001, journals (%s)', (engine) => {
  let t: TestApp;
  let finance: Client;
  let admin: Client;
  let channel: Client;
  let dealerA: Client;
  let dealerB: Client;
  let batch: string;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-04-20' });
    await seedFixtures(t.db);
    await ingestRows(t.services, [
      ...[1, 2, 3].map((n) =>
        txRow({ occurredOn: `2026-03-0${n}`, externalId: `PA-${n}`, vin: vin(n) }),
      ),
      ...[4, 5].map((n) =>
        txRow({
          dealerCode: 'DLR-BRAVO',
          occurredOn: `2026-03-1${n}`,
          externalId: `PB-${n}`,
          vin: vin(n),
        }),
      ),
    ]);
    await t.db.query('update transactions set received_at = occurred_on + 1');
    [finance, admin, channel, dealerA, dealerB] = await Promise.all([
      login(t.url, USERS.finance, PASSWORD),
      login(t.url, USERS.admin, PASSWORD),
      login(t.url, USERS.channel, PASSWORD),
      login(t.url, USERS.dealerA, PASSWORD),
      login(t.url, USERS.dealerB, PASSWORD),
    ]);
    await createProgram(channel, {
      code: 'PAY',
      name: 'Spring <cash> & carry',
      currency: 'USD',
      startDate: '2026-01-01',
      endDate: '2026-12-31',
      measurementPeriod: 'month',
      payoutFrequency: 'month',
      graceDays: 5,
      measure: 'units',
      tiers: [{ from: '0', value: '100.50' }],
      benefit: 'per_unit',
    });
    await json(
      await finance.send('POST', '/api/v1/programs/PAY/periods/close', { period: '2026-03' }),
      200,
    );
    for (const dealer of ['DLR-ALPHA', 'DLR-BRAVO']) {
      await json(
        await finance.send('POST', `/api/v1/programs/PAY/statements/${dealer}/approve`, {
          period: '2026-03',
        }),
        200,
      );
    }
    batch = (
      await json<{ code: string }>(
        await finance.send('POST', '/api/v1/payouts', { programCode: 'PAY', glAccount: '2150' }),
        201,
      )
    ).code;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses a pain.001 while a dealer of the batch lacks bank details, naming them', async () => {
    const body = await json<{ code: string; details: { dealers: { dealerCode: string }[] } }>(
      await finance.get(`/api/v1/payouts/${batch}/pain001`),
      409,
    );
    expect(body.details.dealers.map((d) => d.dealerCode)).toEqual(['DLR-ALPHA', 'DLR-BRAVO']);
  });

  it('lets only OEM finance set bank details, and checks them', async () => {
    const iban = {
      scheme: 'iban',
      accountHolder: 'Alpha & Sons <West>',
      iban: IBAN_ALPHA,
      bic: 'COBADEFFXXX',
      currency: 'EUR',
    };
    expect((await dealerA.send('PUT', '/api/v1/dealers/DLR-ALPHA/bank-account', iban)).status).toBe(
      403,
    );
    expect((await channel.send('PUT', '/api/v1/dealers/DLR-ALPHA/bank-account', iban)).status).toBe(
      403,
    );
    const bad = await json<{ details: { problems: { path: string; code: string }[] } }>(
      await finance.send('PUT', '/api/v1/dealers/DLR-ALPHA/bank-account', {
        ...iban,
        iban: 'DE89 3704 0044 0532 0130 01',
      }),
      400,
    );
    expect(bad.details.problems).toEqual([
      expect.objectContaining({ path: 'body.iban', code: 'invalid_iban' }),
    ]);
    const badAba = await json<{ details: { problems: { path: string }[] } }>(
      await finance.send('PUT', '/api/v1/dealers/DLR-BRAVO/bank-account', {
        scheme: 'us_aba',
        accountHolder: 'Bravo Autos LLC',
        routingNumber: '021000022',
        accountNumber: '123456789',
        currency: 'USD',
      }),
      400,
    );
    expect(badAba.details.problems.map((p) => p.path)).toEqual(['body.routingNumber']);
    const saved = await json<{ iban: string; isMasked: boolean }>(
      await finance.send('PUT', '/api/v1/dealers/DLR-ALPHA/bank-account', iban),
      200,
    );
    expect(saved).toMatchObject({ iban: 'DE89370400440532013000', isMasked: false });
    await json(
      await finance.send('PUT', '/api/v1/dealers/DLR-BRAVO/bank-account', {
        scheme: 'us_aba',
        accountHolder: 'Bravo Autos LLC',
        routingNumber: '021000021',
        accountNumber: '123456789',
        currency: 'USD',
      }),
      200,
    );
    // each change is a ledger entry and an audit entry
    const ledger = await t.db.query<{ entity_id: string; action: string }>(
      `select entity_id, action from ledger_entries where entity_type = 'dealer_bank_account' order by seq`,
    );
    expect(ledger.rows).toEqual([
      { entity_id: 'DLR-ALPHA', action: 'created' },
      { entity_id: 'DLR-BRAVO', action: 'created' },
    ]);
    const audit = await json<{
      items: { kind: string; details: { dealerCode: string; account: string } }[];
    }>(await admin.get('/api/v1/audit-log?kind=bank_account'), 200);
    expect(audit.items.map((i) => i.details.dealerCode).sort()).toEqual(['DLR-ALPHA', 'DLR-BRAVO']);
    expect(JSON.stringify(audit.items)).not.toContain('0532013000');
    expect((await json<{ ok: boolean }>(await admin.get('/api/v1/ledger/verify'), 200)).ok).toBe(
      true,
    );
  });

  it('masks bank details for everyone but OEM finance; other dealers see nothing', async () => {
    const own = await json<{ iban: string; isMasked: boolean }>(
      await dealerA.get('/api/v1/dealers/DLR-ALPHA/bank-account'),
      200,
    );
    expect(own.isMasked).toBe(true);
    expect(own.iban).toMatch(/^•+3000$/);
    expect(JSON.stringify(own)).not.toContain('04400532');
    const oem = await json<{ isMasked: boolean; accountNumber: string | null }>(
      await channel.get('/api/v1/dealers/DLR-BRAVO/bank-account'),
      200,
    );
    expect(oem).toMatchObject({ isMasked: true, accountNumber: '•••••6789' });
    expect(
      (
        await json<{ accountNumber: string }>(
          await finance.get('/api/v1/dealers/DLR-BRAVO/bank-account'),
          200,
        )
      ).accountNumber,
    ).toBe('123456789');
    expect((await dealerB.get('/api/v1/dealers/DLR-ALPHA/bank-account')).status).toBe(404);
  });

  it('exports the batch as pain.001.001.09 that validates against the XSD', async () => {
    // a dealer's account in another currency than its payout is refused, naming both
    const mismatch = await json<{
      message: string;
      details: { dealers: Record<string, string>[] };
    }>(await finance.get(`/api/v1/payouts/${batch}/pain001`), 409);
    expect(mismatch.details.dealers).toEqual([
      expect.objectContaining({
        dealerCode: 'DLR-ALPHA',
        accountCurrency: 'EUR',
        payoutCurrency: 'USD',
      }),
    ]);
    expect(mismatch.message).toContain('DLR-ALPHA (account EUR, payout USD)');
    await json(
      await finance.send('PUT', '/api/v1/dealers/DLR-ALPHA/bank-account', {
        scheme: 'iban',
        accountHolder: 'Alpha & Sons <West>',
        iban: IBAN_ALPHA,
        bic: 'COBADEFFXXX',
        currency: 'USD',
      }),
      200,
    );
    // the OEM's own account is needed first
    const noDebtor = await json<{ message: string }>(
      await finance.get(`/api/v1/payouts/${batch}/pain001`),
      409,
    );
    expect(noDebtor.message).toContain('debtor');
    const gl = await json<Record<string, unknown>>(
      await finance.get('/api/v1/settings/gl-accounts'),
      200,
    );
    await json(
      await finance.send('PUT', '/api/v1/settings/gl-accounts', {
        ...gl,
        costCentres: { 'US-W': 'CC-WEST' },
        debtorName: 'Forecourt Motors Inc.',
        debtorUsAccount: '987654321',
        debtorUsRouting: '011000015',
      }),
      200,
    );
    const res = await finance.get(`/api/v1/payouts/${batch}/pain001`);
    const xml = await res.text();
    expect(res.status, xml).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/xml');
    const result = await validate(xml);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    // one payment per dealer, exact amounts, the VINs and the program in the remittance
    expect(xml.match(/<CdtTrfTxInf>/g)).toHaveLength(2);
    expect(xml).toContain('<GrpHdr><MsgId>' + batch + '</MsgId>');
    expect(xml).toContain('<CtrlSum>502.50</CtrlSum>');
    expect(xml).toContain('<InstdAmt Ccy="USD">301.50</InstdAmt>');
    expect(xml).toContain('<InstdAmt Ccy="USD">201.00</InstdAmt>');
    expect(xml).toContain('<IBAN>DE89370400440532013000</IBAN>');
    expect(xml).toContain('<Cd>USABA</Cd></ClrSysId><MmbId>021000021</MmbId>');
    for (const n of [1, 2, 3, 4, 5]) expect(xml).toContain(`<Nb>${vin(n)}</Nb>`);
    expect(xml).toContain('<Ref>PAY/2026-03</Ref>');
    // names are escaped, never raw markup
    expect(xml).toContain('Alpha &amp; Sons &lt;West&gt;');
    expect(xml).toContain('Spring &lt;cash&gt; &amp; carry');
    // the XSD check can fail: a file without an end-to-end id does not validate
    const broken = await validate(xml.replace(/<EndToEndId>[^<]*<\/EndToEndId>/, ''));
    expect(broken.valid).toBe(false);
    // the download counts as the batch's export
    const listed = await json<{ items: { code: string; state: string }[] }>(
      await finance.get('/api/v1/payouts'),
      200,
    );
    expect(listed.items.find((b) => b.code === batch)?.state).toBe('exported');
    expect((await dealerA.get(`/api/v1/payouts/${batch}/pain001`)).status).toBe(403);
  });

  it('draws the monthly accrual journal with the prior month reversed, per cost centre', async () => {
    const march = await json<Journal>(
      await finance.get('/api/v1/programs/PAY/accrual-journal?month=2026-03'),
      200,
    );
    // nothing accrued at the end of February: only the March accrual, West and the default centre
    expect(march.lines.map((l) => [l.entry, l.account, l.costCentre, l.debit, l.credit])).toEqual([
      ['accrual', '640000', 'OEM-SALES', '201.00', '0.00'],
      ['accrual', '219000', 'OEM-SALES', '0.00', '201.00'],
      ['accrual', '640000', 'CC-WEST', '301.50', '0.00'],
      ['accrual', '219000', 'CC-WEST', '0.00', '301.50'],
    ]);
    expect(march.totals).toEqual([{ currency: 'USD', debit: '502.50', credit: '502.50' }]);
    expect(march.lines[0]!.postingDate).toBe('2026-03-31');
    const csv = await finance.get('/api/v1/programs/PAY/accrual-journal?month=2026-03&format=csv');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const text = await csv.text();
    expect(text.split('\n')[0]).toBe(
      'journalId,postingDate,lineNo,entry,account,costCentre,region,programCode,period,debit,credit,currency,text',
    );
    expect(text.trim().split('\n')).toHaveLength(5);
    expect((await dealerA.get('/api/v1/programs/PAY/accrual-journal?month=2026-03')).status).toBe(
      403,
    );
  });

  it('clears the accrual when the batch is paid, and the next month reverses the accrual', async () => {
    expect((await finance.get(`/api/v1/payouts/${batch}/journal`)).status).toBe(409);
    await json(await finance.send('POST', `/api/v1/payouts/${batch}/paid`), 200);
    // the bank paid it on 15 April (the test's calendar)
    await t.db.query(`update payout_batches set paid_at = '2026-04-15T10:00:00Z' where code = $1`, [
      batch,
    ]);
    const clearing = await json<Journal>(
      await finance.get(`/api/v1/payouts/${batch}/journal`),
      200,
    );
    expect(clearing.lines.map((l) => [l.account, l.costCentre, l.debit, l.credit])).toEqual([
      ['219000', 'CC-WEST', '301.50', '0.00'],
      ['160000', 'CC-WEST', '0.00', '301.50'],
      ['219000', 'OEM-SALES', '201.00', '0.00'],
      ['160000', 'OEM-SALES', '0.00', '201.00'],
    ]);
    expect(clearing.lines[0]!.postingDate).toBe('2026-04-15');
    const april = await json<Journal>(
      await finance.get('/api/v1/programs/PAY/accrual-journal?month=2026-04'),
      200,
    );
    // March's accrual reversed on 1 April; nothing left accrued at the end of April
    expect(
      april.lines.map((l) => [l.entry, l.account, l.costCentre, l.debit, l.credit, l.postingDate]),
    ).toEqual([
      ['reversal', '219000', 'OEM-SALES', '201.00', '0.00', '2026-04-01'],
      ['reversal', '640000', 'OEM-SALES', '0.00', '201.00', '2026-04-01'],
      ['reversal', '219000', 'CC-WEST', '301.50', '0.00', '2026-04-01'],
      ['reversal', '640000', 'CC-WEST', '0.00', '301.50', '2026-04-01'],
    ]);
  });
  it('draws one file per currency: a mixed batch is refused unless ?currency= names one', async () => {
    await t.db.query(
      `update payout_items set currency = 'EUR'
        where dealer_id = (select id from dealers where code = 'DLR-BRAVO')
          and batch_id = (select id from payout_batches where code = $1)`,
      [batch],
    );
    const mixed = await json<{
      message: string;
      details: { currencies: { currency: string; amount: string }[] };
    }>(await finance.get(`/api/v1/payouts/${batch}/pain001`), 409);
    expect(mixed.details.currencies.map((c) => c.currency)).toEqual(['EUR', 'USD']);
    expect(mixed.message).toContain('?currency=EUR');
    const res = await finance.get(`/api/v1/payouts/${batch}/pain001?currency=USD`);
    const xml = await res.text();
    expect(res.status, xml).toBe(200);
    expect((await validate(xml)).errors).toEqual([]);
    // the group header sums one currency: Alpha's USD payment alone
    expect(xml).toMatch(/<GrpHdr>.*<NbOfTxs>1<\/NbOfTxs><CtrlSum>301.50<\/CtrlSum>.*<\/GrpHdr>/);
    expect(xml.match(/<PmtInf>/g)).toHaveLength(1);
    expect(xml).not.toContain('Ccy="EUR"');
    // Bravo's account is in USD: its EUR payment is refused, naming both currencies
    const eur = await json<{ details: { dealers: Record<string, string>[] } }>(
      await finance.get(`/api/v1/payouts/${batch}/pain001?currency=EUR`),
      409,
    );
    expect(eur.details.dealers).toEqual([
      expect.objectContaining({
        dealerCode: 'DLR-BRAVO',
        accountCurrency: 'USD',
        payoutCurrency: 'EUR',
      }),
    ]);
    expect((await finance.get(`/api/v1/payouts/${batch}/pain001?currency=GBP`)).status).toBe(404);
    expect((await finance.get(`/api/v1/payouts/${batch}/pain001?currency=usd`)).status).toBe(400);
  });
});
