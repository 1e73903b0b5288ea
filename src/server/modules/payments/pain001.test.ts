import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { Dec } from '../../../shared/money';
import { buildAccrualJournal } from './journal';
import { buildPain001, MAX_VIN_LINES, type DealerPayment } from './pain001';

const XSD = readFileSync(
  new URL('../../../../fixtures/iso20022/pain.001.001.09.xsd', import.meta.url),
  'utf8',
);
const validate = (xml: string) =>
  validateXML({
    xml: [{ fileName: 'p.xml', contents: xml }],
    schema: [{ fileName: 'pain.001.001.09.xsd', contents: XSD }],
  });

const vins = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    vin: `WVWZZZ1JZ${String(i).padStart(8, '0')}`,
    amount: '10.00',
  }));

const euro: DealerPayment = {
  dealerCode: 'DLR-1',
  accountHolder: 'Autohaus "Müller" & Söhne <Köln>',
  currency: 'EUR',
  account: { scheme: 'iban', iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' },
  statements: [
    {
      reference: 'Q-BONUS-2026-Q1-DLR-1-WITH-A-VERY-LONG-REFERENCE-BEYOND-35',
      programCode: 'Q-BONUS',
      programName: 'Quarter bonus',
      period: '2026-Q1',
      amount: '1500.25',
      vins: vins(3),
    },
    // a clawback statement nets against the bonus: a credit note in the remittance
    {
      reference: 'CLAW-2026-01-DLR-1',
      programCode: 'CLAW',
      programName: 'Clawbacks',
      period: '2026-01',
      amount: '-200.25',
      vins: [{ vin: 'WVWZZZ1JZ00000099', amount: '-200.25' }],
    },
  ],
};
const yen: DealerPayment = {
  dealerCode: 'DLR-JP',
  accountHolder: 'Tokyo Motors',
  currency: 'JPY',
  account: { scheme: 'iban', iban: 'GB82WEST12345698765432', bic: 'WESTGB2L' },
  statements: [
    {
      reference: 'BIG-2026-03-DLR-JP',
      programCode: 'BIG',
      programName: 'Volume',
      period: '2026-03',
      amount: '120000',
      vins: vins(MAX_VIN_LINES + 1),
    },
  ],
};

describe('pain.001.001.09', () => {
  it('validates with SEPA euro, a credit note, yen and a remittance file reference', async () => {
    const xml = buildPain001({
      messageId: 'PAY-20260420-0001',
      createdAt: '2026-04-20T10:00:00Z',
      executionDate: '2026-04-21',
      debtor: {
        name: 'OEM AG',
        iban: 'DE89370400440532013000',
        bic: 'COBADEFFXXX',
        usAccount: null,
        usRouting: null,
      },
      payments: [euro, yen],
    });
    const result = await validate(xml);
    expect(result.errors).toEqual([]);
    expect(xml.match(/<PmtInf>/g)).toHaveLength(2);
    // euros and yen are never added together: the group header has no control sum, each
    // payment information block has its own
    expect(xml).toMatch(
      /<GrpHdr><MsgId>[^<]*<\/MsgId><CreDtTm>[^<]*<\/CreDtTm><NbOfTxs>2<\/NbOfTxs><InitgPty>/,
    );
    expect(xml).toContain('<NbOfTxs>1</NbOfTxs><CtrlSum>1300.00</CtrlSum>');
    expect(xml).toContain('<NbOfTxs>1</NbOfTxs><CtrlSum>120000.00</CtrlSum>');
    expect(xml).toContain('<SvcLvl><Cd>SEPA</Cd></SvcLvl>');
    expect(xml).toContain('<InstdAmt Ccy="EUR">1300.00</InstdAmt>');
    expect(xml).toContain('<CdtNoteAmt Ccy="EUR">200.25</CdtNoteAmt>');
    expect(xml).toContain('<InstdAmt Ccy="JPY">120000</InstdAmt>');
    expect(xml).toContain('see remittance file PAY-20260420-0001/BIG-2026-03-DLR-JP');
    expect(xml).not.toContain(`<Nb>${vins(MAX_VIN_LINES + 1)[MAX_VIN_LINES]!.vin}</Nb>`);
    expect(xml).toContain('Autohaus &quot;Müller&quot; &amp; Söhne &lt;Köln&gt;');
  });
});

describe('accrual journal', () => {
  it('swaps the sides of a negative accrual and balances', () => {
    const journal = buildAccrualJournal({
      gl: {
        incentiveExpense: 'EXP',
        accruedLiability: 'LIA',
        payoutClearing: 'CLR',
        costCentres: {},
        defaultCostCentre: 'CC',
        debtorName: 'x',
        debtorIban: null,
        debtorBic: null,
        debtorUsAccount: null,
        debtorUsRouting: null,
      },
      programCode: 'P',
      month: '2026-01',
      currency: 'USD',
      prior: [{ region: 'R', costCentre: 'CC', amount: new Dec('10.005') }],
      current: [{ region: 'R', costCentre: 'CC', amount: new Dec('-4') }],
    });
    expect(
      journal.lines.map((l) => [l.entry, l.postingDate, l.account, l.debit, l.credit]),
    ).toEqual([
      ['reversal', '2026-01-01', 'LIA', '10.01', '0.00'],
      ['reversal', '2026-01-01', 'EXP', '0.00', '10.01'],
      ['accrual', '2026-01-31', 'LIA', '4.00', '0.00'],
      ['accrual', '2026-01-31', 'EXP', '0.00', '4.00'],
    ]);
    expect(journal.lines[0]!.period).toBe('2025-12');
    expect(journal.totals).toEqual([{ currency: 'USD', debit: '14.01', credit: '14.01' }]);
  });
});
