/**
 * ISO 20022 pain.001.001.09 (CustomerCreditTransferInitiationV09) for a payout batch: one
 * payment information block per currency (one debtor account, one execution date; the service
 * draws one currency per file, payments.service.ts `getPain001`), one credit
 * transfer per dealer, and a structured remittance per statement (program, period, amount and
 * the VINs paid on, or a reference to the batch's remittance file when a statement has more
 * lines than a bank passes on). Amounts are exact decimal strings; text is XML-escaped and cut to
 * the schema's lengths. Validated against the XSD in tests/payments-pain001.test.ts.
 */
import { Dec, minorUnits } from '../../../shared/money';

export const PAIN001_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09';
/** Per-VIN lines of one statement carried in the file; more and the file names a reference. */
export const MAX_VIN_LINES = 50;

export type CreditorAccount =
  | { scheme: 'iban'; iban: string; bic: string }
  | { scheme: 'us_aba'; routingNumber: string; accountNumber: string };

export type DebtorAccount = {
  name: string;
  iban: string | null;
  bic: string | null;
  usAccount: string | null;
  usRouting: string | null;
};

export type RemittedStatement = {
  reference: string;
  programCode: string;
  programName: string;
  period: string;
  /** exact decimal string, may be negative (a clawback nets against the dealer's other items) */
  amount: string;
  vins: { vin: string; amount: string }[];
};

export type DealerPayment = {
  dealerCode: string;
  accountHolder: string;
  currency: string;
  account: CreditorAccount;
  statements: RemittedStatement[];
};

export type Pain001Input = {
  messageId: string;
  createdAt: string;
  executionDate: string;
  debtor: DebtorAccount;
  payments: DealerPayment[];
};

/** XML text: the five entities, and characters XML 1.0 cannot hold dropped. */
export function xmlText(value: string): string {
  return (
    value
      // eslint-disable-next-line no-control-regex -- the characters XML 1.0 allows, listed
      .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

/** Cut to `max` characters (code points), never empty (the schema's MaxNText have min 1). */
function cut(value: string, max: number): string {
  const chars = [...value.trim()];
  return chars.length === 0 ? '-' : chars.slice(0, max).join('');
}

function el(name: string, value: string, max = 140): string {
  return `<${name}>${xmlText(cut(value, max))}</${name}>`;
}

/** A decimal string with at most `digits` fraction digits and no trailing zeros past them. */
function amountText(value: Dec, digits = 2): string {
  return value.toFixed(digits);
}

function amt(name: string, value: Dec, currency: string): string {
  return `<${name} Ccy="${xmlText(currency)}">${amountText(value, minorUnits(currency))}</${name}>`;
}

function agent(account: { bic?: string | null; routing?: string | null }): string {
  if (account.bic) return `<FinInstnId><BICFI>${xmlText(account.bic)}</BICFI></FinInstnId>`;
  if (account.routing)
    return `<FinInstnId><ClrSysMmbId><ClrSysId><Cd>USABA</Cd></ClrSysId><MmbId>${xmlText(account.routing)}</MmbId></ClrSysMmbId></FinInstnId>`;
  return '<FinInstnId><Othr><Id>NOTPROVIDED</Id></Othr></FinInstnId>';
}

function accountId(iban: string | null, other: string | null): string {
  if (iban) return `<Id><IBAN>${xmlText(iban)}</IBAN></Id>`;
  return `<Id><Othr><Id>${xmlText(cut(other ?? 'NOTPROVIDED', 34))}</Id></Othr></Id>`;
}

/** The total a dealer is paid (its statements netted). */
export function paymentTotal(p: DealerPayment): Dec {
  return p.statements.reduce((sum, s) => sum.plus(s.amount), new Dec(0));
}

function remittance(s: RemittedStatement, currency: string, batchRef: string): string {
  const value = new Dec(s.amount);
  const hasLines = s.vins.length > 0 && s.vins.length <= MAX_VIN_LINES;
  const lines = hasLines
    ? s.vins
        .map((v) => {
          const line = new Dec(v.amount);
          return `<LineDtls><Id><Tp><CdOrPrtry><Prtry>VIN</Prtry></CdOrPrtry></Tp>${el('Nb', v.vin, 35)}</Id><Amt>${
            line.isNegative()
              ? amt('CdtNoteAmt', line.abs(), currency)
              : amt('RmtdAmt', line, currency)
          }</Amt></LineDtls>`;
        })
        .join('')
    : '';
  const amountEl = value.isNegative()
    ? amt('CdtNoteAmt', value.abs(), currency)
    : amt('RmtdAmt', value, currency);
  const note =
    s.vins.length > MAX_VIN_LINES
      ? `${s.vins.length} VINs: see remittance file ${batchRef}/${s.reference}`
      : `Incentive ${s.programName} ${s.period}`;
  return (
    '<Strd>' +
    `<RfrdDocInf><Tp><CdOrPrtry><Cd>SOAC</Cd></CdOrPrtry></Tp>${el('Nb', s.reference, 35)}${lines}</RfrdDocInf>` +
    `<RfrdDocAmt>${amountEl}</RfrdDocAmt>` +
    `<CdtrRefInf><Tp><CdOrPrtry><Prtry>PROGRAM-PERIOD</Prtry></CdOrPrtry></Tp>${el('Ref', `${s.programCode}/${s.period}`, 35)}</CdtrRefInf>` +
    el('AddtlRmtInf', note, 140) +
    '</Strd>'
  );
}

/** The document. Payments with a total of zero or less must be left out by the caller. */
export function buildPain001(input: Pain001Input): string {
  const byCurrency = new Map<string, DealerPayment[]>();
  for (const p of input.payments) {
    const list = byCurrency.get(p.currency) ?? [];
    list.push(p);
    byCurrency.set(p.currency, list);
  }
  // The group header's control sum adds amounts; amounts of different currencies are never
  // added: a file of one currency carries it, a file of several leaves it out (it is optional)
  // and each payment information block carries its own.
  const total =
    byCurrency.size === 1
      ? input.payments.reduce((sum, p) => sum.plus(paymentTotal(p)), new Dec(0))
      : null;
  const { debtor } = input;
  const blocks = [...byCurrency.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([currency, payments]) => {
      const sum = payments.reduce((s, p) => s.plus(paymentTotal(p)), new Dec(0));
      const isSepa = currency === 'EUR';
      const txs = payments
        .map((p) => {
          const creditorAgent =
            p.account.scheme === 'iban'
              ? agent({ bic: p.account.bic })
              : agent({ routing: p.account.routingNumber });
          const creditorAccount =
            p.account.scheme === 'iban'
              ? accountId(p.account.iban, null)
              : accountId(null, p.account.accountNumber);
          return (
            '<CdtTrfTxInf>' +
            `<PmtId>${el('InstrId', `${input.messageId}-${p.dealerCode}`, 35)}${el('EndToEndId', `${input.messageId}-${p.dealerCode}`, 35)}</PmtId>` +
            `<Amt>${amt('InstdAmt', paymentTotal(p), currency)}</Amt>` +
            `<CdtrAgt>${creditorAgent}</CdtrAgt>` +
            `<Cdtr>${el('Nm', p.accountHolder, 140)}</Cdtr>` +
            `<CdtrAcct>${creditorAccount}</CdtrAcct>` +
            `<RmtInf>${p.statements.map((s) => remittance(s, currency, input.messageId)).join('')}</RmtInf>` +
            '</CdtTrfTxInf>'
          );
        })
        .join('');
      return (
        '<PmtInf>' +
        el('PmtInfId', `${input.messageId}-${currency}`, 35) +
        '<PmtMtd>TRF</PmtMtd><BtchBookg>false</BtchBookg>' +
        `<NbOfTxs>${payments.length}</NbOfTxs><CtrlSum>${amountText(sum)}</CtrlSum>` +
        (isSepa ? '<PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf>' : '') +
        `<ReqdExctnDt><Dt>${xmlText(input.executionDate)}</Dt></ReqdExctnDt>` +
        `<Dbtr>${el('Nm', debtor.name, 140)}</Dbtr>` +
        `<DbtrAcct>${accountId(debtor.iban, debtor.usAccount)}</DbtrAcct>` +
        `<DbtrAgt>${agent({ bic: debtor.bic, routing: debtor.usRouting })}</DbtrAgt>` +
        `<ChrgBr>${isSepa ? 'SLEV' : 'SHAR'}</ChrgBr>` +
        txs +
        '</PmtInf>'
      );
    })
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Document xmlns="${PAIN001_NAMESPACE}"><CstmrCdtTrfInitn>` +
    `<GrpHdr>${el('MsgId', input.messageId, 35)}<CreDtTm>${xmlText(input.createdAt)}</CreDtTm>` +
    `<NbOfTxs>${input.payments.length}</NbOfTxs>` +
    (total ? `<CtrlSum>${amountText(total)}</CtrlSum>` : '') +
    `<InitgPty>${el('Nm', debtor.name, 140)}</InitgPty></GrpHdr>` +
    blocks +
    '</CstmrCdtTrfInitn></Document>\n'
  );
}
