/**
 * The first period that can still pay a dealer money owed for an earlier one (window-order.ts,
 * firstPayablePeriod) wired to the program's periods and the database: a dispute's adjustment, a
 * chargeback and a claim approved after its sale's window was settled all land there.
 */
import type { Queryable } from '../../db/db';
import { listSettlementPeriods } from './calc';
import { type Loaded, latest, versionAndPeriod } from './incentives-context';
import { createSettlementRepository } from './settlement';
import { createSettlementWritesRepository } from './settlement-writes.repository';
import { firstPayablePeriod } from './window-order';

export function payablePeriods(tx: Queryable, p: Loaded, fy: number) {
  const periods = listSettlementPeriods({
    program: latest(p).definition,
    fiscalYearStartMonth: fy,
  });
  const writes = createSettlementWritesRepository(tx);
  const settlement = createSettlementRepository(tx);
  const windowOf = (x: string) => versionAndPeriod(p, x, fy).settlement.window.label;
  return {
    periods,
    /** The first payable period from `periods[from]` on for the dealer (its id or code). */
    firstFrom: (from: number, dealer: number | string) =>
      firstPayablePeriod({
        periods,
        from,
        isClosed: (x) => writes.isPeriodClosed(p.row.id, x),
        windowOf: (x) => settlement.findDealerWindowStatements(p.row.id, windowOf(x), dealer),
        lock: (x) => settlement.lockWindow(p.row.id, windowOf(x)),
      }),
  };
}
