/**
 * Amendments (issue 19): a new plan proposed for an approved or active agreement, accepted by
 * the dealer and approved by the OEM (four eyes) into a new version, or rejected.
 */
import { AppError, notFound } from '../../../shared/errors';
import { hasPermission, isDealerRole } from '../../../shared/permissions';
import type { AgreementLineInput, AgreementTerms } from '../../../shared/schemas/agreements';
import type { Actor } from '../../auth/actor';
import { canonicalJson, sha256Hex } from '../ledger/canonical-json';
import { createAgreementsRepository } from './agreements.repository';
import {
  type AgreementContext,
  actorLabel,
  userId,
  requireDealerAct,
  invalid,
} from './agreement-context';
import type { AgreementLifecycleService } from './agreement-lifecycle.service';

export function createAgreementAmendmentsService({
  shared,
  lifecycle,
}: {
  shared: AgreementContext;
  lifecycle: Pick<AgreementLifecycleService, 'getAgreement'>;
}) {
  const { deps, periodsOf, buildLines, termsOf, load, checkVersion, notify, approveTerms } = shared;

  return {
    async proposeRevision({
      actor,
      id,
      data,
    }: {
      actor: Actor;
      id: number;
      data: { version: number; comment?: string; lines: AgreementLineInput[] };
    }) {
      await deps.db.transaction(async (tx) => {
        const r = createAgreementsRepository(tx);
        await shared.lockAndAdvance(tx, id);
        const row = await load(actor, id, tx);
        checkVersion(row, data.version);
        if (row.status !== 'active' && row.status !== 'approved')
          throw new AppError(
            'INVALID_TRANSITION',
            `Only an approved or active agreement is amended; ${row.code} is ${row.status}`,
          );
        if (await r.findOpenRevision(id))
          throw new AppError(
            'CONFLICT',
            `${row.code} already has an amendment waiting; decide on it first`,
          );
        const periods = await periodsOf(row, tx);
        const lines = await buildLines(tx, {
          dealerId: row.dealerId,
          lines: data.lines,
          periods,
          countedKinds: row.countedKinds,
          path: 'body.lines',
        });
        const terms = termsOf(row, lines, periods);
        await r.insertRevision({
          agreementId: id,
          terms,
          comment: data.comment ?? null,
          createdBy: userId(actor),
        });
        await r.bumpVersion(id);
        await r.insertEvent({
          agreementId: id,
          action: 'amendment_proposed',
          fromStatus: row.status,
          toStatus: row.status,
          comment: data.comment ?? null,
          actor: actorLabel(actor),
        });
        await notify(
          tx,
          row,
          'dealer',
          'amendment_proposed',
          `${row.code} has an amendment waiting for your acceptance`,
        );
      });
      return lifecycle.getAgreement({ actor, id });
    },

    async decideRevision({
      actor,
      id,
      revisionId,
      decision,
      comment,
    }: {
      actor: Actor;
      id: number;
      revisionId: number;
      decision: 'accept' | 'approve' | 'reject';
      comment?: string;
    }) {
      await deps.db.transaction(async (tx) => {
        const r = createAgreementsRepository(tx);
        await shared.lockAndAdvance(tx, id);
        const row = await load(actor, id, tx);
        const revision = await r.findOpenRevision(id);
        if (!revision || revision.id !== revisionId)
          throw notFound('Open amendment', `${revisionId} of ${row.code}`);
        const label = actorLabel(actor);
        if (decision === 'accept') {
          if (!hasPermission(actor.role, 'agreements:accept'))
            throw new AppError('FORBIDDEN', 'The dealer principal accepts amendments');
          requireDealerAct(actor);
          if (revision.status !== 'proposed')
            throw new AppError('INVALID_TRANSITION', 'The amendment is already accepted');
          await deps.ledger.append(tx, {
            entityType: 'agreement_acceptance',
            entityId: row.code,
            action: 'accept_amendment',
            payload: {
              agreement: row.code,
              revision: revision.id,
              termsSha256: sha256Hex(canonicalJson(revision.terms)),
              acceptedBy: label,
            },
            actor: label,
          });
          await r.setRevisionStatus(revision.id, {
            status: 'accepted',
            acceptedBy: userId(actor),
            comment,
          });
          await notify(
            tx,
            row,
            'oem',
            'amendment_accepted',
            `${row.dealerCode} accepted the amendment of ${row.code}: approve it`,
          );
        } else if (decision === 'approve') {
          if (!hasPermission(actor.role, 'agreements:approve'))
            throw new AppError('FORBIDDEN', 'An OEM approver approves amendments', {
              permission: 'agreements:approve',
            });
          if (revision.status !== 'accepted')
            throw new AppError(
              'INVALID_TRANSITION',
              'The dealer has not accepted the amendment yet',
            );
          if (revision.createdById !== null && revision.createdById === userId(actor))
            throw new AppError(
              'FORBIDDEN',
              'Four eyes: the author of an amendment cannot approve it',
            );
          const terms = revision.terms as AgreementTerms;
          const periods = await periodsOf(row, tx);
          const lines = await buildLines(tx, {
            dealerId: row.dealerId,
            lines: terms.lines.map((l) => ({
              target: { kind: l.target.kind, code: l.target.code },
              planned: periods.map((p, i) => ({
                period: p.label,
                quantity: l.plannedQuantities[i] ?? 0,
                ...(l.plannedRevenue ? { revenue: l.plannedRevenue[i] } : {}),
              })),
              spread: 'even' as const,
            })),
            periods,
            countedKinds: row.countedKinds,
            path: 'amendment.lines',
          });
          await r.replaceLines(id, lines, periods.length);
          const versionNo = await approveTerms(tx, actor, row, 'approve_amendment');
          await r.setRevisionStatus(revision.id, {
            status: 'approved',
            decidedBy: userId(actor),
            comment,
          });
          await r.setStatus(id, {
            status: row.status,
            approvedBy: userId(actor),
            approvedVersion: versionNo,
            comment: row.statusComment,
          });
          await r.closeNotifications(`agreement:${id}`);
        } else {
          const isDealer = isDealerRole(actor.role);
          if (
            isDealer
              ? !hasPermission(actor.role, 'agreements:accept')
              : !hasPermission(actor.role, 'agreements:approve')
          )
            throw new AppError('FORBIDDEN', 'You may not reject this amendment');
          if (!comment?.trim())
            throw invalid([
              {
                path: 'body.comment',
                code: 'required',
                message: 'say why you reject the amendment',
              },
            ]);
          await r.setRevisionStatus(revision.id, {
            status: 'rejected',
            decidedBy: userId(actor),
            comment,
          });
          await r.closeNotifications(`agreement:${id}`);
          await r.bumpVersion(id);
        }
        await r.insertEvent({
          agreementId: id,
          action: `amendment_${decision === 'accept' ? 'accepted' : decision === 'approve' ? 'approved' : 'rejected'}`,
          fromStatus: row.status,
          toStatus: row.status,
          comment: comment ?? null,
          actor: label,
        });
      });
      return lifecycle.getAgreement({ actor, id });
    },
  };
}

export type AgreementAmendmentsService = ReturnType<typeof createAgreementAmendmentsService>;
