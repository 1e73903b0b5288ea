/**
 * Incentive reads around the calculation: the list of payout batches and a program's settlement
 * periods with their state. Separate from incentives.service.ts
 * (the engine and its writes); the periods come from the engine's own calendar
 * (calc/periods.ts `listSettlementPeriods`), so the labels are the ones statements use.
 */
import { AppError, notFound } from '../../../shared/errors';
import { moneyString } from '../../../shared/money';
import type { PayoutBatchSummary, SettlementPeriodList } from '../../../shared/schemas/incentives';
import { requirePermission, type Actor } from '../../auth/actor';
import type { Db } from '../../db/db';
import { periodClosability } from './bulk-settlement';
import { listSettlementPeriods } from './calc/periods';
import { createIncentiveListsRepository } from './incentives-lists.repository';
import { createProgramVisibility } from './program-visibility';

type Deps = { db: Db; today: () => string };

export function createIncentiveListsService(deps: Deps) {
  const repo = () => createIncentiveListsRepository(deps.db);

  return {
    /** Payout batches, newest first (finance, OEM side only, like the other payout routes). */
    async findPayoutBatches({
      actor,
      filter,
    }: {
      actor: Actor;
      filter: { status?: 'exported' | 'paid'; limit: number; offset: number };
    }): Promise<{ items: PayoutBatchSummary[]; total: number }> {
      requirePermission(actor, 'payouts:manage');
      if (actor.scope.kind === 'dealers') {
        throw new AppError('FORBIDDEN', 'Only the OEM may list payout batches');
      }
      const { items, total } = await repo().findPayoutBatches({ scope: actor.scope, ...filter });
      return {
        total,
        items: items.map((b) => ({
          ...b,
          totals: b.totals.map((t) => ({
            currency: t.currency,
            amount: moneyString(t.amount, t.currency),
          })),
        })),
      };
    },

    /**
     * The settlement periods of a program (its latest version's dates), each with its cut-off
     * and grace deadline, whether it is closed, and the stored statements in scope by status.
     */
    async findSettlementPeriods({
      actor,
      code,
    }: {
      actor: Actor;
      code: string;
    }): Promise<SettlementPeriodList> {
      requirePermission(actor, 'programs:read');
      await createProgramVisibility(deps.db).requireVisible(actor, code);
      const r = repo();
      const program = await r.findProgramWithLatestVersion(code);
      // A draft is not shown to dealers (as GET /programs/{code}).
      if (!program || (actor.scope.kind === 'dealers' && program.status === 'draft')) {
        throw notFound('Program', code);
      }
      const def = program.definition;
      const [fy, states] = await Promise.all([
        r.findFiscalStart(),
        r.findPeriodStates(program.programId, actor.scope),
      ]);
      const byPeriod = new Map(states.map((s) => [s.period, s]));
      const today = deps.today();
      return {
        programCode: code,
        versionNo: program.versionNo,
        currency: def.currency,
        measurementPeriod: def.measurementPeriod,
        payoutFrequency: def.payoutFrequency,
        graceDays: def.graceDays,
        items: listSettlementPeriods({ program: def, fiscalYearStartMonth: fy }).map((p) => {
          const state = byPeriod.get(p.period);
          const isClosed = state?.closedAt != null;
          return {
            period: p.period,
            start: p.periodStart,
            end: p.cutoff,
            graceUntil: p.graceUntil,
            window: p.window,
            isCumulative: p.isCumulative,
            hasStarted: p.periodStart <= today,
            isCurrent: p.periodStart <= today && today <= p.cutoff,
            status: isClosed ? 'closed' : 'open',
            closedAt: state?.closedAt ?? null,
            closedBy: state?.closedBy ?? null,
            ...periodClosability(
              { end: p.cutoff, graceUntil: p.graceUntil, closedAt: state?.closedAt ?? null },
              today,
            ),
            statements: {
              closed: state?.closed ?? 0,
              approved: state?.approved ?? 0,
              paid: state?.paid ?? 0,
            },
          };
        }),
      };
    },
  };
}

export type IncentiveListsService = ReturnType<typeof createIncentiveListsService>;
