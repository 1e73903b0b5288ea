/**
 * The commitment risk refresh (issue 14): recomputes the risks of some dealers' agreements (all
 * when null), as the system, by one of two paths that give the same rows
 * (tests/insights-risk-network.test.ts; the paths are risk-refresh-paths.ts): chunks for a
 * batch's dealers, the network path for the nightly run. It reads what the run shares (currency,
 * basis, catalog, calibration, planned ends of sale; the dealers' supply, market and own
 * expectation, read once for the agreements and the program tiers), runs the agreements' path and
 * the program tier risks (program-risk.service.ts; beside each other on a server when asked) and,
 * after a network run, prunes the risks of agreements no longer in force and settles the
 * interventions' outcomes.
 *
 * Refreshes may run side by side (a batch's and the nightly one, two batches of one dealer in two
 * processes): each agreement carries the time its risks' inputs were last read
 * (commitment_risk_reads), and a write replaces only risks read earlier, so an older read finishing
 * last cannot undo a newer one. Rows are written in place: a risk whose values did not change is
 * left as it was (`computed_at`: when its values last changed). A failed read
 * or write fails the refresh (an overlapped one is awaited, never left to reject unobserved).
 */
import type { Db } from '../../db/db';
import { runAsSystem } from '../../db/scope';
import { observed } from './observed';
import type { ProgramRiskService } from './program-risk.service';
import type { ActiveCalibration } from './risk-calibration';
import { riskBasis } from './agreement-risk';
import { createInsightsRepository } from './insights.repository';
import {
  byChunks,
  byNetwork,
  readDealerInputs,
  readTime,
  type Context,
  type Timings,
} from './risk-refresh-paths';

export type RiskRefreshPath = 'network' | 'chunks';

export function createRiskRefresh(deps: {
  db: Db;
  today: () => string;
  /** The program tier risks (program-risk.service.ts), refreshed with the agreements'. */
  programRisk?: Pick<ProgramRiskService, 'refresh'> | undefined;
  /**
   * On a server, the program tier risks run beside the agreements' (true, env INSIGHTS_OVERLAP=1)
   * or after them (false, the default; a refresh's `overlapPrograms` option overrides it: the
   * bench).
   */
  overlapPrograms?: boolean;
  /** The recalibration to use (risk-calibration-job.ts `current`); absent: the shipped default. */
  calibration?: () => Promise<ActiveCalibration>;
}) {
  const overlap = () => deps.db.engine === 'postgres';
  return async function refresh(
    dealerIds: number[] | null,
    report?: (done: number, total: number) => Promise<void>,
    /**
     * `path`: by default the network's for all dealers, chunks for some; `size`: tests' chunks;
     * `overlapPrograms`: this run's choice of the program tiers beside the agreements (on a server)
     */
    options: { path?: RiskRefreshPath; size?: number; overlapPrograms?: boolean } = {},
  ) {
    return runAsSystem(async () => {
      const today = deps.today();
      const repo = createInsightsRepository(deps.db);
      const timings: Timings = { readMs: 0, computeMs: 0, writeMs: 0, programMs: 0 };
      const r0 = performance.now();
      // the run's small reads side by side (none depends on another's answer)
      const [currency, latest, agreements, catalog, calibration, salesEnds] = await Promise.all([
        repo.currency(),
        repo.latestActualsMonth(),
        repo.agreementsForRisk(dealerIds, today),
        repo.skuModelLines(),
        deps.calibration?.() ?? Promise.resolve(null),
        repo.salesEnds(),
      ]);
      const basis = riskBasis(today, latest);
      const path = options.path ?? (dealerIds === null ? 'network' : 'chunks');
      // The dealers' supply, market and own expectation read once, for the agreements and the
      // program tiers (both read them as of the same day and month): a batch's dealers, or on
      // the network path every dealer (the agreements' dealers and the programs' eligible ones),
      // read after the run's read time and, on a server, beside the agreements' first reads.
      const readAt = path === 'network' ? await readTime(deps.db) : null;
      const dealerInputs =
        path === 'chunks' && dealerIds !== null
          ? Promise.resolve(
              await readDealerInputs(deps.db, today, basis.month, dealerIds, catalog, overlap()),
            )
          : path === 'network'
            ? observed(
                (dealerIds ? Promise.resolve(dealerIds) : repo.dealerIds()).then((ids) =>
                  readDealerInputs(deps.db, today, basis.month, ids, catalog, overlap()),
                ),
              )
            : null;
      // one connection (PGlite): read in turn, before the agreements' reads
      if (dealerInputs && !overlap()) await dealerInputs;
      timings.readMs += performance.now() - r0;
      const ctx: Context = {
        today,
        currency,
        basis,
        agreements,
        catalog,
        salesEnds,
        timings,
        report,
        size: options.size,
        calibration: calibration ?? null,
        dealerInputs,
        readAt,
      };
      const programsRun = async () => {
        const p0 = performance.now();
        const inputs = dealerInputs ? await dealerInputs : null;
        const result = await deps.programRisk?.refresh(dealerIds, basis, {
          calibration: ctx.calibration,
          salesEnds,
          ...(inputs ? { inputs } : {}),
        });
        timings.programMs = performance.now() - p0;
        return result;
      };
      const agreementsRun = () =>
        path === 'network' ? byNetwork(deps.db, ctx) : byChunks(deps.db, ctx);
      let risks: number;
      let programs: Awaited<ReturnType<typeof programsRun>>;
      if (overlap() && (options.overlapPrograms ?? deps.overlapPrograms ?? false)) {
        // On a server the program tier risks run beside the agreements' (the nightly run: each
        // one's reads and writes go on while the other computes; a batch: the tiers' reads, mostly
        // the database's work, beside the agreements' compute); they share no rows.
        const pending = observed(programsRun());
        try {
          risks = await agreementsRun();
        } finally {
          // on a failure, nothing of this refresh keeps running after it returns
          await Promise.allSettled([pending]);
        }
        programs = await pending;
      } else {
        risks = await agreementsRun();
        programs = await programsRun();
      }
      if (programs) timings.program = programs.timings;
      if (dealerIds === null) {
        await repo.pruneRisks(today);
        await repo.settleInterventionOutcomes(today);
        await repo.markNetworkRefreshed();
      }
      return {
        agreements: agreements.length,
        risks,
        programRisks: programs?.risks ?? 0,
        asOf: basis.asOf,
        path,
        timings,
      };
    });
  };
}
