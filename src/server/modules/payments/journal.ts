/**
 * GL journals for the ERP (pure): the monthly accrual journal of a program (the prior month's
 * accrual reversed on the first day, the month's accrual posted on its last day: debit incentive
 * expense, credit accrued liability, per cost centre) and the clearing journal of a paid payout
 * batch (debit accrued liability, credit the payout clearing account). Amounts are exact decimal
 * strings; a negative balance swaps the sides. CSV cells go through exportCell.
 */
import { Dec, moneyString } from '../../../shared/money';
import type { GlAccounts, Journal, JournalLine } from '../../../shared/schemas/payments';
import { exportCell } from '../../http/csv-export';

/** An amount of one cost centre (a region's dealers summed). */
export type RegionAmount = { region: string; amount: Dec };

/** The cost centre of a region: its own, else its nearest ancestor's, else the default. */
export function costCentreOf(gl: GlAccounts, regionPath: readonly string[]): string {
  for (let i = regionPath.length - 1; i >= 0; i--) {
    const cc = gl.costCentres[regionPath[i]!];
    if (cc) return cc;
  }
  return gl.defaultCostCentre;
}

type Posting = {
  entry: JournalLine['entry'];
  postingDate: string;
  debitAccount: string;
  creditAccount: string;
  costCentre: string;
  region: string;
  programCode: string;
  period: string | null;
  amount: Dec;
  currency: string;
  text: string;
};

function toLines(journalId: string, postings: Posting[]): JournalLine[] {
  const lines: JournalLine[] = [];
  for (const p of postings) {
    if (p.amount.isZero()) continue;
    // a negative amount is the opposite posting of its absolute value
    const [debitAccount, creditAccount] = p.amount.isNegative()
      ? [p.creditAccount, p.debitAccount]
      : [p.debitAccount, p.creditAccount];
    const value = moneyString(p.amount.abs(), p.currency);
    const zero = moneyString(0, p.currency);
    const base = {
      journalId,
      postingDate: p.postingDate,
      entry: p.entry,
      costCentre: p.costCentre,
      region: p.region,
      programCode: p.programCode,
      period: p.period,
      currency: p.currency,
      text: p.text,
    };
    lines.push({
      ...base,
      lineNo: lines.length + 1,
      account: debitAccount,
      debit: value,
      credit: zero,
    });
    lines.push({
      ...base,
      lineNo: lines.length + 1,
      account: creditAccount,
      debit: zero,
      credit: value,
    });
  }
  return lines;
}

function totals(lines: JournalLine[]): Journal['totals'] {
  const byCurrency = new Map<string, { debit: Dec; credit: Dec }>();
  for (const l of lines) {
    const t = byCurrency.get(l.currency) ?? { debit: new Dec(0), credit: new Dec(0) };
    t.debit = t.debit.plus(l.debit);
    t.credit = t.credit.plus(l.credit);
    byCurrency.set(l.currency, t);
  }
  return [...byCurrency.entries()].map(([currency, t]) => ({
    currency,
    debit: moneyString(t.debit, currency),
    credit: moneyString(t.credit, currency),
  }));
}

export function lastDayOf(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${month}-${String(last).padStart(2, '0')}`;
}

export function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** The accrual journal of a program for `month`. */
export function buildAccrualJournal(options: {
  gl: GlAccounts;
  programCode: string;
  month: string;
  currency: string;
  /** liability at the end of the prior month and of this month, per region */
  prior: (RegionAmount & { costCentre: string })[];
  current: (RegionAmount & { costCentre: string })[];
}): Journal {
  const { gl, programCode, month, currency } = options;
  const journalId = `ACR-${programCode}-${month}`.slice(0, 60);
  const reversal: Posting[] = options.prior.map((r) => ({
    entry: 'reversal',
    postingDate: `${month}-01`,
    debitAccount: gl.accruedLiability,
    creditAccount: gl.incentiveExpense,
    costCentre: r.costCentre,
    region: r.region,
    programCode,
    period: previousMonth(month),
    amount: r.amount,
    currency,
    text: `Reversal of ${programCode} incentive accrual ${previousMonth(month)}`,
  }));
  const accrual: Posting[] = options.current.map((r) => ({
    entry: 'accrual',
    postingDate: lastDayOf(month),
    debitAccount: gl.incentiveExpense,
    creditAccount: gl.accruedLiability,
    costCentre: r.costCentre,
    region: r.region,
    programCode,
    period: month,
    amount: r.amount,
    currency,
    text: `${programCode} incentive accrual ${month}`,
  }));
  const lines = toLines(journalId, [...reversal, ...accrual]);
  return {
    journalId,
    kind: 'accrual',
    lines,
    totals: totals(lines),
    note: 'Accrued liability = amounts due on the statements of every period started by the month end and not paid by then, as computed on the day the journal is drawn.',
  };
}

/** The journal clearing the accrual when a payout batch is paid. */
export function buildPayoutJournal(options: {
  gl: GlAccounts;
  batchCode: string;
  paidOn: string;
  items: {
    programCode: string;
    period: string;
    region: string;
    costCentre: string;
    amount: Dec;
    currency: string;
  }[];
}): Journal {
  const { gl, batchCode, paidOn } = options;
  const journalId = `PAY-CLR-${batchCode}`.slice(0, 60);
  // one posting per program × period × cost centre × currency
  const grouped = new Map<string, (typeof options.items)[number]>();
  for (const item of options.items) {
    const key = [item.programCode, item.period, item.region, item.costCentre, item.currency].join(
      '\u0000',
    );
    const prior = grouped.get(key);
    grouped.set(key, prior ? { ...prior, amount: prior.amount.plus(item.amount) } : { ...item });
  }
  const postings: Posting[] = [...grouped.values()].map((g) => ({
    entry: 'clearing',
    postingDate: paidOn,
    debitAccount: gl.accruedLiability,
    creditAccount: gl.payoutClearing,
    costCentre: g.costCentre,
    region: g.region,
    programCode: g.programCode,
    period: g.period,
    amount: g.amount,
    currency: g.currency,
    text: `Payout ${batchCode} ${g.programCode} ${g.period}`,
  }));
  const lines = toLines(journalId, postings);
  return {
    journalId,
    kind: 'payout_clearing',
    lines,
    totals: totals(lines),
    note: 'Clears the accrued liability of the statements paid in the batch.',
  };
}

export const JOURNAL_CSV_COLUMNS = [
  'journalId',
  'postingDate',
  'lineNo',
  'entry',
  'account',
  'costCentre',
  'region',
  'programCode',
  'period',
  'debit',
  'credit',
  'currency',
  'text',
] as const;

export function journalCsv(journal: Journal): string {
  const rows = journal.lines.map((l) => JOURNAL_CSV_COLUMNS.map((c) => exportCell(l[c])).join(','));
  return [JOURNAL_CSV_COLUMNS.join(','), ...rows].join('\n') + '\n';
}
