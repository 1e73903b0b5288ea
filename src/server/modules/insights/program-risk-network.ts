/**
 * The nightly run's reads of program tier risks for the whole network at once (issue 14,
 * Performance): the engine's inputs of one program for every eligible dealer in one read, as
 * the network recalculation reads them (statement-compute.ts): when the program's totals follow
 * from monthly groups (`canAggregate`, no unit benefit settled yet), the window's transactions
 * come pre-aggregated per dealer × month × kind × sign × arrival × class (`findAggregatedRows`),
 * a few rows per dealer and month instead of every transaction; the statement run on them (and
 * again with the units that reach a tier) gives the same totals as on the rows, provided the
 * statement's date is a month end (whole months counted) — otherwise the caller reads the rows.
 *
 * Otherwise the same loading as `progressInputs` (progress.service.ts, which the per-dealer path
 * keeps using): every row of the window, read once for the network while their estimate fits
 * the run's row budget, else slice by slice.
 *
 * Each read is made once for the network, not once per slice of dealers: a slice's read scans
 * about as much of the table as the network's (the dealers' rows are spread over the window's
 * pages), so reading by slices multiplied the reads by the number of slices. */
import type { StatementInput } from '../incentives/calc';
import { findVinBlocks } from '../incentives/vin-once';
import { adjustmentPeriodsOf } from '../incentives/calc';
import {
  canAggregate,
  dealerStatementInputs,
  groupByDealer,
  isMonthEnd,
  programReadSpec,
  type Ctx,
} from '../incentives/incentives-context';
import type { DealerRow, TxRow, VersionRow } from '../incentives/incentives.repository';
import { createStatementsRepository } from '../incentives/statements.repository';
import type { Queryable } from '../../db/db';
import { addMonths } from '../../../shared/months';
import { createProgramRiskRepository } from './program-risk.repository';
import { createProgramRiskReadsRepository } from './program-risk-reads.repository';

export type NetworkInput = Omit<StatementInput, 'period'>;

/** Whether a program's inputs may be read grouped for a statement dated `date`. */
export function groupable(def: VersionRow['definition'], date: string): boolean {
  return canAggregate(def) && isMonthEnd(date);
}

/**
 * The grouped read of one program's window rows for these dealers (`findAggregatedRows`) and the
 * key under which programs that count the same rows share it (null: claims, not shared).
 */
export function groupedSpec(options: Parameters<typeof programReadSpec>[0]) {
  const spec = programReadSpec(options);
  const { qualifyingSkuIds, payingSkuIds } = spec;
  const bevSkuIds = [...options.ctx.skus.values()]
    .filter((s) => s.powertrain === 'BEV')
    .map((s) => s.id);
  const grouped = { ...spec.rows, qualifyingSkuIds, payingSkuIds, bevSkuIds };
  const key = grouped.requiresClaim ? null : JSON.stringify({ ...grouped, programId: null });
  return { spec, grouped, key };
}

/** A program's engine inputs read for many dealers, handed out for any of them (a slice). */
export type InputsOf = (dealers: readonly DealerRow[]) => Map<number, NetworkInput>;

/** One program of `networkInputs`: its version, period and the dealers read (eligible ones). */
export type ProgramToRead = {
  programId: number;
  version: VersionRow;
  dealers: DealerRow[];
  period: string;
  /** whether the statement's date allows grouped rows (`groupable`) */
  canGroup: boolean;
};

/** `fn` over `items`, at most `width` at once (in order when 1). */
export async function pool<T, R>(items: readonly T[], width: number, fn: (x: T) => Promise<R>) {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(width, items.length)) }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
    }),
  );
  return out;
}

/** Whether an agreement (start month, months) overlaps [from, to] (findAgreementPlans' test). */
const overlaps = (a: { startMonth: string; months: number }, from: string, to: string) =>
  `${a.startMonth}-01` <= to && `${addMonths(a.startMonth, a.months)}-01` > from;

/**
 * The engine's inputs of some programs, each read once for its dealers (the network's eligible
 * ones) and handed out slice by slice: the statement inputs are built only for the dealers
 * asked (`InputsOf`), so what the run holds is the reads (grouped rows are a few per dealer and
 * month), not every dealer's inputs. A program's rows are grouped when `grouped` and no unit
 * benefit of the program was settled; otherwise the rows, as `progressInputs` loads them (with
 * the settled unit benefits) — or its entry is null when the window's rows of its dealers are
 * estimated above `rowBudget` (the caller then reads them slice by slice).
 *
 * The small reads are one query of each kind for all the programs (settled units counted,
 * stored statements, settled units, adjustments, agreement plans: program-risk-reads.repository.ts),
 * split in memory; the rows are read once per distinct read (programs that count the same rows,
 * claims aside, share one); the VIN-once check and a growth program's prior year, per program.
 */
export async function networkInputs(
  db: Queryable,
  programs: readonly ProgramToRead[],
  options: {
    ctx: Ctx;
    /** the reads of rows and VIN checks at once (a server's pool), 1: in turn */
    width?: number;
    /**
     * Rows the caller may still take (the estimate of a row read is taken off `left`) and the
     * estimates made, by what they read; absent: no estimate (a read that fits anyway: a batch).
     */
    rowBudget?: { left: number; estimates: Map<string, number> };
  },
): Promise<Map<number, InputsOf | null>> {
  const { ctx } = options;
  const width = options.width ?? 1;
  const repo = createStatementsRepository(db);
  const grouped = createProgramRiskReadsRepository(db);
  const plans = programs.map((p) => {
    const def = p.version.definition;
    const ids = p.dealers.map((d) => d.id);
    return { ...p, def, ids, ...groupedSpec({ ...p, def, ctx, dealerIds: ids }) };
  });
  const allIds = [...new Set(plans.flatMap((p) => p.ids))];
  // A delivery whose VIN earns for another dealer (incentives/vin-once.ts) needs the rows.
  // A claims program counts only the rows behind its approved claims: with none, no row (its
  // read would scan the window's rows to keep none of them).
  const claimPrograms = plans.filter((p) => p.spec.rows.requiresClaim).map((p) => p.programId);
  const [counts, blocks, claimed] = await Promise.all([
    grouped.settledCounts(plans.map((p) => p.programId)),
    pool(plans, width, (p) =>
      findVinBlocks(db, {
        programId: p.programId,
        program: p.def,
        dealerIds: p.ids,
        from: p.spec.settlement.window.start,
        to: p.spec.settlement.cutoff,
      }),
    ),
    grouped.withApprovedClaims(claimPrograms),
  ]);
  /** A claims program with no approved claim: no row to read. */
  const noRows = (p: (typeof plans)[number]) =>
    p.spec.rows.requiresClaim && !claimed.has(p.programId);
  const read = plans.map((p, i) => {
    const isGrouped = p.canGroup && blocks[i]!.size === 0 && (counts.get(p.programId) ?? 0) === 0;
    return { ...p, isGrouped, blocks: blocks[i]!, skipped: false };
  });
  // The row budget, program by program in order (programs that read the same rows share one).
  for (const p of read) {
    if (p.isGrouped || !options.rowBudget || noRows(p)) continue;
    const what = JSON.stringify({ ...p.spec.rows, programId: null });
    const known = options.rowBudget.estimates.get(what);
    const estimate = known ?? (await createProgramRiskRepository(db).estimateRows(p.spec.rows));
    options.rowBudget.estimates.set(what, estimate);
    if (estimate > options.rowBudget.left) p.skipped = true;
    else options.rowBudget.left -= estimate;
  }
  const kept = read.filter((p) => !p.skipped);
  const withPlans = kept.filter((p) => p.spec.needsAgreements);
  const windowOf = (p: (typeof kept)[number]) => p.spec.settlement.window;
  const [stored, adjustments, settled, agreementPlans] = await Promise.all([
    grouped.storedStatements(
      kept.map((p) => ({ programId: p.programId, windowLabel: windowOf(p).label })),
      allIds,
    ),
    grouped.adjustments(
      kept.map((p) => ({
        programId: p.programId,
        periods: adjustmentPeriodsOf({
          program: p.def,
          period: p.period,
          fiscalYearStartMonth: ctx.fy,
        }),
      })),
      allIds,
    ),
    grouped.settledUnits(
      kept.filter((p) => !p.isGrouped).map((p) => p.programId),
      allIds,
    ),
    withPlans.length === 0
      ? Promise.resolve([])
      : repo.findAgreementPlans(
          [...new Set(withPlans.flatMap((p) => p.ids))],
          withPlans.map((p) => windowOf(p).start).reduce((a, b) => (a < b ? a : b)),
          withPlans.map((p) => windowOf(p).end).reduce((a, b) => (a > b ? a : b)),
        ),
  ]);
  // The rows: each distinct read once (claims: each program its own).
  const rowReads = new Map<string, Promise<TxRow[]>>();
  const rowsOf = (p: (typeof kept)[number]) => {
    const key = p.isGrouped
      ? p.key && `grouped ${p.key}`
      : p.spec.rows.requiresClaim
        ? null
        : `rows ${JSON.stringify({ ...p.spec.rows, programId: null })}`;
    const fn = (): Promise<TxRow[]> =>
      noRows(p)
        ? Promise.resolve([])
        : p.isGrouped
          ? repo.findAggregatedRows(p.grouped)
          : repo.findTransactionRows(p.spec.rows);
    if (key === null) return fn();
    const known = rowReads.get(key);
    if (known) return known;
    const made = fn();
    rowReads.set(key, made);
    return made;
  };
  const inputs = await pool(kept, width, async (p) => {
    const [rows, prior] = await Promise.all([
      rowsOf(p).then(groupByDealer),
      p.spec.prior
        ? repo.findPriorYear(p.spec.prior).then(groupByDealer)
        : Promise.resolve(undefined),
    ]);
    return { rows, prior };
  });
  const out = new Map<number, InputsOf | null>();
  for (const p of read) out.set(p.programId, null);
  for (const [i, p] of kept.entries()) {
    const { rows, prior } = inputs[i]!;
    const { start, end } = windowOf(p);
    const plansOf = p.spec.needsAgreements
      ? groupByDealer(agreementPlans.filter((a) => overlaps(a, start, end)))
      : undefined;
    const storedOf = groupByDealer(stored.get(p.programId) ?? []);
    const adjustmentsOf = groupByDealer(adjustments.get(p.programId) ?? []);
    const settledOf = p.isGrouped ? undefined : groupByDealer(settled.get(p.programId) ?? []);
    out.set(p.programId, (slice) =>
      dealerStatementInputs({
        program: p.def,
        dealers: slice,
        ctx,
        settlement: p.spec.settlement,
        rows,
        plans: plansOf,
        prior,
        stored: storedOf,
        adjustments: adjustmentsOf,
        settled: settledOf,
        blocks: p.blocks,
      }),
    );
  }
  return out;
}
