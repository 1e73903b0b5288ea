/**
 * The agreements service as routes and other modules see it (issue 19): a thin façade composing
 * the services of one concern each, so `services.agreements.<verb>` keeps its shape.
 *
 * - agreement-context.ts: what they share (rules, periods and lines, loading, approval, lifecycle)
 * - agreement-lifecycle.service.ts: drafts, transitions, versions, renewal, product groups
 * - agreement-progress.service.ts: the list, roll-ups, progress, expectations, planning help
 * - agreement-amendments.service.ts: amendments proposed and decided
 * - agreement-status.ts, agreement-lifecycle-job.ts: the lifecycle shown on read, stored daily
 */
import { agreementVersionDocuments } from './agreement-ledger';
import { defineLifecycleJob } from './agreement-lifecycle-job';
import { createAgreementAmendmentsService } from './agreement-amendments.service';
import { createAgreementContext, type AgreementsDeps } from './agreement-context';
import { createAgreementLifecycleService } from './agreement-lifecycle.service';
import { createAgreementProgressService } from './agreement-progress.service';

export function createAgreementsService(deps: AgreementsDeps) {
  const shared = createAgreementContext(deps);

  // The stored terms and, for the current version, the live agreement (agreement-ledger.ts).
  deps.ledger.registerPayloadSource('agreement_version', agreementVersionDocuments);

  const progress = createAgreementProgressService({ shared });
  const lifecycle = createAgreementLifecycleService({ shared, progress });
  const scheduleLifecycle = deps.jobs
    ? defineLifecycleJob(deps.jobs, (report) => shared.advanceLifecycle(report))
    : () => () => undefined;
  return {
    /** Starts the daily lifecycle job (agreement-lifecycle-job.ts); returns a stop function. */
    scheduleLifecycle,
    ...lifecycle,
    ...progress,
    ...createAgreementAmendmentsService({ shared, lifecycle }),
  };
}

export type AgreementsService = ReturnType<typeof createAgreementsService>;
