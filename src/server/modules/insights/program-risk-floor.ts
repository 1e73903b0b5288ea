/**
 * The bench's floor of the program tier risks (bench/insights.ts; program-risk.service.ts
 * `bareInputs`): the bare SQL of the refresh's two large reads, each once for every network
 * dealer, rows discarded — every running program's window rows as the run reads them (grouped
 * per dealer × month when the totals allow it, one read shared by the programs that count the
 * same rows; otherwise every row) and each distinct axis history. (The run's smaller reads — top
 * SKUs, the mix, plans, stored statements — are left out: a floor, not a replay.)
 */
import { monthFromIndex, monthIndex } from '../../../shared/months';
import { runAsSystem } from '../../db/scope';
import { compiledKinds, type IncentivesContext } from '../incentives/incentives-context';
import { createIncentivesContextRepository } from '../incentives/incentives-context.repository';
import { createStatementsRepository } from '../incentives/statements.repository';
import { HISTORY_MONTHS } from './agreement-risk';
import { statementDate } from './program-risk-dealer';
import { axisSkus } from './program-risk-measure';
import { groupable, groupedSpec } from './program-risk-network';
import { runningPrograms } from './program-risk-plans';
import { createProgramRiskReadsRepository } from './program-risk-reads.repository';
import { createProgramRiskRepository } from './program-risk.repository';

/** The rows the two large reads return as of `basis` (the refresh's basis). */
export async function bareInputs(
  shared: IncentivesContext,
  basis: { month: string; asOf: string },
): Promise<number> {
  const { deps } = shared;
  return runAsSystem(async () => {
    const ctx = await shared.context();
    const running = await runningPrograms(shared, ctx, deps.today());
    const repo = createProgramRiskRepository(deps.db);
    const statements = createStatementsRepository(deps.db);
    const network = await createIncentivesContextRepository(deps.db).findDealers({
      kind: 'network',
    });
    const ids = network.map((d) => d.id);
    const skus = [...ctx.skus.values()];
    const from = monthFromIndex(monthIndex(basis.month) - HISTORY_MONTHS);
    const seen = new Set<string>();
    // a claims program without an approved claim reads no row (program-risk-network.ts)
    const claimed = await createProgramRiskReadsRepository(deps.db).withApprovedClaims(
      running.filter((x) => x.def.requiresClaim).map((x) => x.p.row.id),
    );
    let rows = 0;
    for (const program of running) {
      const { def } = program;
      const { grouped, key, spec } = groupedSpec({
        programId: program.p.row.id,
        def,
        period: program.period,
        ctx,
        dealerIds: ids,
      });
      if (spec.rows.requiresClaim && !claimed.has(program.p.row.id)) {
        // no row to read
      } else if (!groupable(def, statementDate(program, basis)))
        rows += (await statements.findTransactionRows(spec.rows)).length;
      else if (key === null || !seen.has(key)) {
        if (key !== null) seen.add(key);
        rows += (await statements.findAggregatedRows(grouped)).length;
      }
      const axis = axisSkus(def, skus).axis.map((x) => x.id);
      const kinds = compiledKinds(def.qualifying.kinds);
      const history = `${kinds.join(',')}|${axis.join(',')}`;
      if (seen.has(history)) continue;
      seen.add(history);
      rows += (await repo.axisHistories(ids, axis, kinds, from, basis.month)).length;
    }
    return rows;
  });
}
