/**
 * Allocation runs (issue 16), one service over files of one concern each:
 * - allocation-runs.service.ts: settings, what-if, run creation, overrides, publishing, the run
 *   as the API gives it;
 * - allocation-decisions.service.ts: dealer decisions and re-allocation;
 * - allocation-compute.ts: the formula's inputs and one computed round (allocation.ts is the
 *   pure formula);
 * - allocation-run.repository.ts: their SQL.
 */
import type { Queryable } from '../../db/db';
import { canonicalJson } from '../ledger/canonical-json';
import { createAllocationDecisionsService } from './allocation-decisions.service';
import {
  createAllocationRunsService,
  roundDocument,
  type AllocationDeps,
} from './allocation-runs.service';
import { daysBetween } from './days-supply';

export { FORMULA_TEXT } from './allocation-compute';

export function createAllocationService(deps: AllocationDeps) {
  return {
    ...createAllocationRunsService(deps),
    ...createAllocationDecisionsService(deps),

    /** The ledger's document loader: the round's document rebuilt from the live rows. */
    async ledgerDocument(q: Queryable, entityId: string): Promise<string | null> {
      const at = entityId.lastIndexOf('#');
      if (at < 0) return null;
      try {
        const doc = await roundDocument(q, entityId.slice(0, at), Number(entityId.slice(at + 1)));
        return doc ? canonicalJson(doc) : null;
      } catch {
        return null;
      }
    },

    /** The document the ledger records for `RUN#round` (null: no such round). */
    ledgerDocumentOf(q: Queryable, entityId: string) {
      const at = entityId.lastIndexOf('#');
      return roundDocument(q, entityId.slice(0, at), Number(entityId.slice(at + 1)));
    },

    daysUntilClose(run: { acceptUntil: string | null }) {
      return run.acceptUntil ? daysBetween(deps.today(), run.acceptUntil) : null;
    },
  };
}

export type AllocationService = ReturnType<typeof createAllocationService>;
