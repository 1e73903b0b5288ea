/**
 * Accruals (issue 19): a program's earned amounts month by month to date from one read of the
 * feed, and the projection to the window's end.
 */
import { Dec, moneyString } from '../../../shared/money';
import { type Actor } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import { calculateAccrual, calculateBudgetUse, listSettlementPeriods, resolvePeriod } from './calc';
import { createIncentivesContextRepository } from './incentives-context.repository';
import { type IncentivesContext, requireOem, need, latest, versionFor } from './incentives-context';
import { type NetworkTotals } from './network-totals';
import { type ProgressService } from './progress.service';

/** The accruals read the network totals and the dealers' progress inputs of the other services. */
export function createAccrualsService(parts: {
  shared: IncentivesContext;
  network: NetworkTotals;
  progress: Pick<ProgressService, 'progressInputs'>;
}) {
  const { deps, context, loadProgram } = parts.shared;
  const repoOf = (db: Queryable = deps.db) => createIncentivesContextRepository(db);

  return {
    async getAccruals({ actor, code }: { actor: Actor; code: string }) {
      need(actor, 'payouts:manage');
      requireOem(actor);
      const p = await loadProgram(code);
      const ctx = await context();
      const def = latest(p).definition;
      const today = deps.today();
      const dealers = await repoOf().findDealers({ kind: 'network' });
      const months: { month: string; earned: string }[] = [];
      let total = new Dec(0);
      let projected = new Dec(0);
      const periods = listSettlementPeriods({ program: def, fiscalYearStartMonth: ctx.fy }).filter(
        (s) => s.periodStart <= today,
      );
      // Every period to date in one read of the feed (see computeNetworkTotals).
      const networkItems = periods.map((s) => {
        const version = versionFor(p, s.window.start);
        const settlement = resolvePeriod({
          program: version.definition,
          period: s.period,
          fiscalYearStartMonth: ctx.fy,
        });
        return { program: p, version, settlement };
      });
      const totals = await parts.network.computeNetworkTotals({
        items: networkItems,
        dealers,
        ctx,
        wholeNetwork: true,
        asOf: today,
      });
      for (const [index, s] of periods.entries()) {
        const items = totals.find((r) => r.item === networkItems[index])!.computed;
        const due = items.reduce((a, c) => a.plus(c.statement.amountDue), new Dec(0));
        months.push({ month: s.period, earned: moneyString(due, def.currency) });
        total = total.plus(due);
        if (s === periods[periods.length - 1]) {
          const eligible = items.filter((c) => c.statement.eligible);
          const inputs = await parts.progress.progressInputs(
            p,
            versionFor(p, s.window.start),
            eligible.map((c) => c.dealer),
            ctx,
            s.period,
          );
          for (const c of eligible) {
            const input = inputs.get(c.dealer.id)!;
            const accrual = calculateAccrual({ ...input, asOf: today, period: s.period });
            projected = projected.plus(accrual.projectedEarned).minus(c.statement.earned);
          }
        }
      }
      const earnedToDate = moneyString(total, def.currency);
      return {
        programCode: code,
        currency: def.currency,
        asOf: today,
        months,
        earnedToDate,
        projectedToWindowEnd: moneyString(total.plus(projected), def.currency),
        budget: calculateBudgetUse({
          program: def,
          earned: [{ dealerCode: '*', earned: earnedToDate }],
        }),
      };
    },
  };
}

export type AccrualsService = ReturnType<typeof createAccrualsService>;
