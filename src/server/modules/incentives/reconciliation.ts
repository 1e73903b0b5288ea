/**
 * The reconciliation of a program's settlement period (docs/incentives.md, "Late rows after
 * settlement"): every feed row inside the program's window and filters is, for every dealer, in
 * exactly one bucket: a statement line of the period, a correction line (stored after the period
 * was settled: paid in a later statement), or an excluded line with its reason. Pure: the service
 * loads the rows and the statements.
 */
import { Dec, moneyString } from '../../../shared/money';
import type { IncentiveTransaction, ProgramDefinition } from '../../../shared/schemas/program';
import type {
  ReconciliationBucket,
  ReconciliationView,
} from '../../../shared/schemas/reconciliation';
import { groupTransactionsByWindow, matchesFilter, type SettlementPeriod } from './calc';

/** A line as the statement holds it (frozen or computed). */
export type ReconLine = {
  kind: string;
  transactionId: string | null;
  amount: string;
  correctsPeriod?: string | null;
};

export type DealerReconInput = {
  dealerCode: string;
  /** The period's statement: its lines (frozen when approved), exclusions and figures. */
  lines: ReconLine[];
  excluded: { transactionId: string; reason: string }[];
  earned: string;
  eligible: boolean;
  /** The feed rows inside the program's window and filters (counted or not). */
  rows: IncentiveTransaction[];
  /** Rows stored after the period was settled, with the correction lines that pay them. */
  corrections: { transactionId: string | null; amount: string; inPeriod: string }[];
  /** Late rows of a cumulative period carried by a later statement of the window (id → period). */
  carried: Map<string, { period: string; amount: string }>;
  /** Rows excluded by P's recomputation with every row (late rows after settlement only). */
  lateExcluded: Map<string, string>;
  /** Ids of the rows stored after the period's close (empty when open). */
  storedAfterClose: Set<string>;
  requiresClaim: boolean;
};

type Acc = { rows: number; units: number; revenue: Dec; amount: Dec };

/** The exclusions of "a VIN is paid once": a later unwind or chargeback may free the row. */
const VIN_REASONS: ReadonlySet<string> = new Set([
  'paid_to_other_dealer',
  'delivered_by_other_dealer',
]);

export function reconcile(options: {
  program: ProgramDefinition;
  settlement: SettlementPeriod;
  fiscalYearStartMonth: number;
  closedAt: string | null;
  dealers: DealerReconInput[];
}): ReconciliationView {
  const { program, settlement } = options;
  const currency = program.currency;
  const totals = new Map<
    string,
    Acc & { bucket: ReconciliationBucket['bucket']; reason: string | null }
  >();
  const unaccounted: ReconciliationView['unaccounted'] = [];
  const dealers: ReconciliationView['dealers'] = [];
  let feedRows = 0;
  let linesWithoutRow = new Dec(0);
  let correctionsWithoutRow = new Dec(0);
  let earned = new Dec(0);

  for (const d of options.dealers) {
    const put = (
      bucket: ReconciliationBucket['bucket'],
      reason: string | null,
      tx: IncentiveTransaction,
      amount: string,
    ) => {
      const key = `${bucket}|${reason ?? ''}`;
      let acc = totals.get(key);
      if (!acc) {
        acc = { bucket, reason, rows: 0, units: 0, revenue: new Dec(0), amount: new Dec(0) };
        totals.set(key, acc);
      }
      const quantity = tx.kind === 'unwind' && tx.quantity > 0 ? -tx.quantity : tx.quantity;
      acc.rows += 1;
      acc.units += quantity;
      acc.revenue = acc.revenue.plus(
        quantity < 0 && !tx.amount.startsWith('-') ? `-${tx.amount}` : tx.amount,
      );
      acc.amount = acc.amount.plus(amount);
      counts[bucket] += 1;
    };
    const counts = { statement_line: 0, correction_line: 0, excluded: 0 };
    let dealerRows = 0;
    const lineOf = new Map<string, Dec>();
    let withoutRow = new Dec(0);
    for (const l of d.lines) {
      if (l.transactionId !== null && (l.kind === 'benefit' || l.kind === 'clawback')) {
        lineOf.set(l.transactionId, (lineOf.get(l.transactionId) ?? new Dec(0)).plus(l.amount));
      } else withoutRow = withoutRow.plus(l.amount);
    }
    const excludedOf = new Map(d.excluded.map((e) => [e.transactionId, e.reason]));
    const correctionOf = new Map<string, { amount: Dec; inPeriod: string }>();
    let dealerCorrectionsWithoutRow = new Dec(0);
    for (const c of d.corrections) {
      if (c.transactionId === null) {
        dealerCorrectionsWithoutRow = dealerCorrectionsWithoutRow.plus(c.amount);
        continue;
      }
      const prior = correctionOf.get(c.transactionId);
      correctionOf.set(c.transactionId, {
        amount: (prior?.amount ?? new Dec(0)).plus(c.amount),
        inPeriod: c.inPeriod,
      });
    }
    // The window each row counts in (a late unwind counts on its arrival date).
    const windowOf = new Map<string, string>();
    for (const [label, list] of groupTransactionsByWindow({
      program,
      transactions: d.rows,
      fiscalYearStartMonth: options.fiscalYearStartMonth,
    })) {
      for (const tx of list) windowOf.set(String(tx.id), label);
    }
    for (const tx of d.rows) {
      const id = String(tx.id);
      // An unwind dated before the window is in it only when it counts here (late, on arrival).
      if (tx.occurredOn < settlement.window.start && windowOf.get(id) !== settlement.window.label)
        continue;
      feedRows++;
      dealerRows++;
      const line = lineOf.get(id);
      if (line !== undefined) {
        put('statement_line', null, tx, line.toFixed());
        continue;
      }
      const excludedReason = excludedOf.get(id);
      const freed = VIN_REASONS.has(excludedReason ?? '') ? correctionOf.get(id) : undefined;
      if (freed) {
        // excluded there (its VIN earned elsewhere), freed after the close: paid by a correction
        put('correction_line', freed.inPeriod, tx, freed.amount.toFixed());
        continue;
      }
      if (excludedReason !== undefined) {
        put('excluded', excludedReason, tx, '0');
        continue;
      }
      if (d.storedAfterClose.has(id)) {
        const correction = correctionOf.get(id);
        if (correction) {
          put('correction_line', correction.inPeriod, tx, correction.amount.toFixed());
          continue;
        }
        const carried = d.carried.get(id);
        if (carried) {
          put('correction_line', `${carried.period} (cumulative)`, tx, carried.amount);
          continue;
        }
        const lateReason = d.lateExcluded.get(id);
        if (lateReason !== undefined) {
          put('excluded', lateReason, tx, '0');
          continue;
        }
      }
      const reason =
        windowOf.get(id) !== settlement.window.label
          ? 'counts_in_other_window'
          : !d.eligible
            ? 'dealer_ineligible'
            : program.benefit === 'lump_sum'
              ? 'lump_sum'
              : d.requiresClaim
                ? 'no_approved_claim'
                : !matchesFilter({ filter: program.paying, transaction: tx })
                  ? 'measure_only'
                  : d.storedAfterClose.has(id)
                    ? 'no_open_period'
                    : null;
      if (reason === 'lump_sum') put('statement_line', 'lump_sum', tx, '0');
      else if (reason !== null) put('excluded', reason, tx, '0');
      else unaccounted.push({ dealerCode: d.dealerCode, transactionId: id });
    }
    linesWithoutRow = linesWithoutRow.plus(withoutRow);
    correctionsWithoutRow = correctionsWithoutRow.plus(dealerCorrectionsWithoutRow);
    earned = earned.plus(d.earned);
    dealers.push({
      dealerCode: d.dealerCode,
      feedRows: dealerRows,
      statementLines: counts.statement_line,
      correctionLines: counts.correction_line,
      excluded: counts.excluded,
      earned: moneyString(d.earned, currency),
      linesWithoutRow: moneyString(withoutRow, currency),
      correctionsWithoutRow: moneyString(dealerCorrectionsWithoutRow, currency),
    });
  }
  const order = { statement_line: 0, correction_line: 1, excluded: 2 };
  const buckets = [...totals.values()]
    .sort(
      (a, b) => order[a.bucket] - order[b.bucket] || (a.reason ?? '').localeCompare(b.reason ?? ''),
    )
    .map((a) => ({
      bucket: a.bucket,
      reason: a.reason,
      rows: a.rows,
      units: a.units,
      revenue: a.revenue.toFixed(2),
      amount: moneyString(a.amount, currency),
    }));
  return {
    programCode: program.code,
    period: settlement.period,
    window: settlement.window,
    cutoff: settlement.cutoff,
    graceUntil: settlement.graceUntil,
    currency,
    closedAt: options.closedAt,
    feedRows,
    accountedRows: feedRows - unaccounted.length,
    buckets,
    statementEarned: moneyString(earned, currency),
    linesWithoutRow: moneyString(linesWithoutRow, currency),
    correctionsWithoutRow: moneyString(correctionsWithoutRow, currency),
    dealers: dealers.filter((x) => x.feedRows > 0 || x.earned !== moneyString('0', currency)),
    unaccounted,
  };
}
