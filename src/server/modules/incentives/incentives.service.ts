/**
 * The incentives service as routes and other modules see it (issue 19): a thin façade composing
 * the services of one concern each, so `services.incentives.<verb>` keeps its shape.
 *
 * - incentives-context.ts: the shared loading (context, program, dealer in scope) and rules
 * - programs.service.ts: programs and versions
 * - statement-compute.ts, network-totals.ts: statements of a period and the network calculation
 * - statements.service.ts: statement lists and detail, reconciliation, the recalculation job
 * - progress.service.ts: a dealer's progress and the what-if
 * - settlement.service.ts: close, approve, check closed statements
 * - claims.service.ts, disputes.service.ts, payouts.service.ts, accruals.service.ts
 */
import { SYSTEM_ACTOR } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import { createAccrualsService } from './accruals.service';
import { createClaimsService } from './claims.service';
import { createCounterfactualService } from './counterfactual';
import { createDisputesService } from './disputes.service';
import { createIncentivesContext, type IncentivesDeps } from './incentives-context';
import { createNetworkTotals } from './network-totals';
import { createPayoutsService } from './payouts.service';
import { createProgramsService } from './programs.service';
import { createProgressService } from './progress.service';
import { registerSettlementLedgerSources } from './settlement-ledger';
import { createSettlementService } from './settlement.service';
import { createStatementComputation } from './statement-compute';
import { createStatementsService, RECALCULATION_JOB_KIND } from './statements.service';

export { RECALCULATION_JOB_KIND };

export function createIncentivesService(deps: IncentivesDeps) {
  const shared = createIncentivesContext(deps);

  // What ledger:verify re-hashes: program versions, snapshots, approvals, payout batches.
  registerSettlementLedgerSources(deps.ledger);

  const compute = createStatementComputation({ shared });
  const network = createNetworkTotals({ shared, compute });
  const statements = createStatementsService({ shared, compute, network });
  const progress = createProgressService({ shared });
  const { progressInputs: _progressInputs, ...progressApi } = progress;
  // The statement list (OEM and dealer, GET /programs/{code}/statements): a heavy read, on the
  // read replica when there is one (read-replica.ts decides per request; write requests and the
  // settlement's own use of the statements read the primary).
  const listStatements = deps.readDb
    ? (() => {
        const onReplica = createIncentivesContext({ ...deps, db: deps.readDb });
        const replicaCompute = createStatementComputation({ shared: onReplica });
        return createStatementsService({
          shared: onReplica,
          compute: replicaCompute,
          network: createNetworkTotals({ shared: onReplica, compute: replicaCompute }),
        }).findStatements;
      })()
    : statements.findStatements;

  const service = {
    /** No stored live state: open statements and progress read the feed directly. */
    async applyIngestDelta(_tx: Queryable) {},
    ...createProgramsService({ shared }),
    ...statements,
    findStatements: listStatements,
    ...progressApi,
    ...createClaimsService({ shared, compute }),
    ...createDisputesService({ shared }),
    ...createSettlementService({ shared, compute, statements }),
    ...createPayoutsService({ shared }),
    ...createAccrualsService({ shared, network, progress }),
    ...createCounterfactualService({ shared, compute }),
  };
  deps.jobs.define(RECALCULATION_JOB_KIND, async ({ actor, report }) => {
    await report(0, 'recalculating');
    const result = await service.recalculateAll({ actor: actor ?? SYSTEM_ACTOR });
    await report(100, 'done');
    return result;
  });
  return service;
}

export type IncentivesService = ReturnType<typeof createIncentivesService>;
