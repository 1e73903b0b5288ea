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
import { blocksOf, findVinBlocks } from '../incentives/vin-once';
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
import { createProgramRiskRepository } from './program-risk.repository';

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

/**
 * The engine's inputs of one program and period, read once for these dealers (the network's
 * eligible ones) and handed out slice by slice: the statement inputs are built only for the
 * dealers asked (`InputsOf`), so what the run holds is the reads (grouped rows are a few per
 * dealer and month), not every dealer's inputs. Grouped when `grouped` and no unit benefit of the
 * program was settled; otherwise the rows, as `progressInputs` loads them (with the settled unit
 * benefits) — or null when the window's rows of these dealers are estimated above `rowBudget`
 * (the caller then reads them slice by slice).
 */
export async function networkInputs(
  db: Queryable,
  options: {
    programId: number;
    version: VersionRow;
    dealers: DealerRow[];
    ctx: Ctx;
    period: string;
    /** whether the statement's date allows grouped rows (`groupable`) */
    grouped: boolean;
    /**
     * Reads already made in this run, by what they read: programs that count the same rows
     * (same window, SKUs, kinds and classes, no claims) share one read.
     */
    reads?: Map<string, Promise<TxRow[]>>;
    /**
     * Rows the caller may still take (the estimate of a row read is taken off `left`) and the
     * estimates made, by what they read.
     */
    rowBudget?: { left: number; estimates: Map<string, number> };
  },
): Promise<InputsOf | null> {
  const { programId, version, dealers, ctx, period, reads } = options;
  const def = version.definition;
  const repo = createStatementsRepository(db);
  const ids = dealers.map((d) => d.id);
  const { spec, grouped, key } = groupedSpec({ programId, def, period, ctx, dealerIds: ids });
  const { settlement } = spec;
  // A delivery whose VIN earns for another dealer (incentives/vin-once.ts) needs the rows.
  const blocks = await findVinBlocks(db, {
    programId,
    program: def,
    dealerIds: ids,
    from: settlement.window.start,
    to: settlement.cutoff,
  });
  const isGrouped =
    options.grouped && blocks.size === 0 && (await repo.countSettledUnits(programId)) === 0;
  let rowsRead: Promise<TxRow[]>;
  if (isGrouped) {
    const read = () => repo.findAggregatedRows(grouped);
    if (!reads || key === null) rowsRead = read();
    else {
      rowsRead = reads.get(key) ?? read();
      reads.set(key, rowsRead);
    }
  } else {
    if (options.rowBudget) {
      // programs that read the same rows (claims aside) share the estimate
      const what = JSON.stringify({ ...spec.rows, programId: null });
      const known = options.rowBudget.estimates.get(what);
      const estimate = known ?? (await createProgramRiskRepository(db).estimateRows(spec.rows));
      options.rowBudget.estimates.set(what, estimate);
      if (estimate > options.rowBudget.left) return null;
      options.rowBudget.left -= estimate;
    }
    rowsRead = repo.findTransactionRows(spec.rows);
  }
  const [rows, plans, prior, stored, settled, adjustments] = await Promise.all([
    rowsRead.then(groupByDealer),
    spec.needsAgreements
      ? repo
          .findAgreementPlans(ids, settlement.window.start, settlement.window.end)
          .then(groupByDealer)
      : Promise.resolve(undefined),
    spec.prior ? repo.findPriorYear(spec.prior).then(groupByDealer) : Promise.resolve(undefined),
    repo.findStoredStatements(programId, ids, settlement.window.label).then(groupByDealer),
    isGrouped
      ? Promise.resolve(undefined)
      : repo.findSettledUnits(programId, ids).then(groupByDealer),
    repo
      .findAdjustments(
        programId,
        adjustmentPeriodsOf({ program: def, period, fiscalYearStartMonth: ctx.fy }),
        ids,
      )
      .then(groupByDealer),
  ]);
  return (slice) =>
    dealerStatementInputs({
      program: def,
      dealers: slice,
      ctx,
      settlement,
      rows,
      plans,
      prior,
      stored,
      adjustments,
      settledUnitBenefits: (id) =>
        (settled?.get(id) ?? []).map((x) => ({ ...x, transactionId: Number(x.transactionId) })),
      blockedSales: (id) => blocksOf(blocks, id),
    });
}
