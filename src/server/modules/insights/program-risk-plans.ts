/**
 * What a program tier risk refresh computes (program-risk.service.ts `refresh`): the running
 * incentive programs (published, today within their dates), each with its version in force for
 * its current measurement window; and per program, its plan for the run: the eligible dealers,
 * the SKUs its axis counts (and, for ev_share, its other qualifying units) and the kinds, the
 * mix's first month, the model lines of the axis (and of the others) whose sale ends before the
 * window does, and the axis's SKUs still on sale, which a step may name.
 */
import { monthFromIndex, monthIndex } from '../../../shared/months';
import { checkEligibility, resolvePeriod } from '../incentives/calc';
import {
  compiledKinds,
  latest,
  toDealer,
  versionFor,
  type Ctx,
  type IncentivesContext,
} from '../incentives/incentives-context';
import type { DealerRow } from '../incentives/incentives.repository';
import { createProgramsRepository } from '../incentives/programs.repository';
import { windowMonths, type Running } from './program-risk-dealer';
import { axisSkus } from './program-risk-measure';
import { endingLines, onSaleSkus, type SalesEnds } from './sales-end';

/** The programs running today, each in its current window (the default period's). */
export async function runningPrograms(
  shared: IncentivesContext,
  ctx: Ctx,
  today: string,
): Promise<Running[]> {
  const repo = createProgramsRepository(shared.deps.db);
  const rows = (await repo.findPrograms()).filter((r) => r.status === 'published');
  const versions = await repo.findVersions(rows.map((r) => r.id));
  const out: Running[] = [];
  for (const row of rows) {
    const published = versions.filter((v) => v.programId === row.id && v.status === 'published');
    if (published.length === 0) continue;
    const p = { row, versions: published };
    const def0 = latest(p).definition;
    if (today < def0.startDate || today > def0.endDate) continue;
    const period = shared.defaultPeriod(p, ctx);
    const settlement = resolvePeriod({ program: def0, period, fiscalYearStartMonth: ctx.fy });
    const version = versionFor(p, settlement.window.start);
    out.push({
      p,
      version,
      def: version.definition,
      period: settlement.period,
      window: settlement.window,
      cutoff: settlement.cutoff,
    });
  }
  return out;
}

/** Each running program's plan for these dealers as of the risks' basis (in program order). */
export function programPlans(options: {
  running: readonly Running[];
  dealers: readonly DealerRow[];
  ctx: Ctx;
  basis: { month: string; asOf: string };
  today: string;
  /** The catalog's planned ends of sale. */
  salesEnds: SalesEnds;
}) {
  const { ctx, basis, today, salesEnds } = options;
  const skus = [...ctx.skus.values()].sort((a, b) => a.code.localeCompare(b.code));
  const basisIndex = monthIndex(basis.month);
  return options.running.map((program) => {
    const { def, window } = program;
    const eligible = options.dealers.filter(
      (d) =>
        checkEligibility({
          program: { eligibility: { ...def.eligibility, requiresActiveAgreement: false } },
          dealer: toDealer(d, ctx, [], window).dealer,
        }).eligible,
    );
    const { axis, others } = axisSkus(def, skus);
    const kinds = compiledKinds(def.qualifying.kinds);
    // The mix's first month: the window's complete months (at most the last 12).
    const windowFrom = window.start.slice(0, 7);
    const mixFrom =
      monthIndex(windowFrom) < basisIndex - 12 ? monthFromIndex(basisIndex - 12) : windowFrom;
    // the axis's (and the others') model lines whose sale ends before the window does
    const { firstRemaining, remaining } = windowMonths(window, basis);
    const ending = endingLines(salesEnds, axis, firstRemaining, remaining);
    const endingOthers = endingLines(salesEnds, others, firstRemaining, remaining);
    // the SKUs a step may name: the axis's still on sale when extra units count (today or
    // the window's start); the dealer's top SKU is read among them
    const onSale = onSaleSkus(salesEnds, axis, window.start > today ? window.start : today);
    return { program, eligible, axis, others, kinds, mixFrom, ending, endingOthers, onSale };
  });
}

/** A running program's plan for the run (`programPlans`). */
export type Plan = ReturnType<typeof programPlans>[number];
