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
 * Otherwise the same loading as `progressInputs` (progress.service.ts), which the per-dealer path
 * and the programs that need the rows keep using.
 */
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

/**
 * The engine's inputs of one program and period for these dealers from pre-aggregated rows, or
 * null when a unit benefit of the program was settled (the row path needs each row then).
 */
export async function groupedInputs(
  db: Queryable,
  options: {
    programId: number;
    version: VersionRow;
    dealers: DealerRow[];
    ctx: Ctx;
    period: string;
    /**
     * Reads already made in this run, by what they read: programs that count the same rows
     * (same window, SKUs, kinds and classes, no claims) share one read.
     */
    reads?: Map<string, Promise<TxRow[]>>;
  },
): Promise<Map<number, NetworkInput> | null> {
  const { programId, version, dealers, ctx, period, reads } = options;
  const def = version.definition;
  const repo = createStatementsRepository(db);
  if ((await repo.countSettledUnits(programId)) > 0) return null;
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
  if (blocks.size > 0) return null;
  const read = () => repo.findAggregatedRows(grouped);
  let rowsRead: Promise<TxRow[]>;
  if (!reads || key === null) rowsRead = read();
  else {
    rowsRead = reads.get(key) ?? read();
    reads.set(key, rowsRead);
  }
  const [rows, plans, prior, stored, adjustments] = await Promise.all([
    rowsRead.then(groupByDealer),
    spec.needsAgreements
      ? repo
          .findAgreementPlans(ids, settlement.window.start, settlement.window.end)
          .then(groupByDealer)
      : Promise.resolve(undefined),
    spec.prior ? repo.findPriorYear(spec.prior).then(groupByDealer) : Promise.resolve(undefined),
    repo.findStoredStatements(programId, ids, settlement.window.label).then(groupByDealer),
    repo
      .findAdjustments(
        programId,
        adjustmentPeriodsOf({ program: def, period, fiscalYearStartMonth: ctx.fy }),
        ids,
      )
      .then(groupByDealer),
  ]);
  return dealerStatementInputs({
    program: def,
    dealers,
    ctx,
    settlement,
    rows,
    plans,
    prior,
    stored,
    adjustments,
    settledUnitBenefits: () => [],
  });
}
