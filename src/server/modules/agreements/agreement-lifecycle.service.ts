/**
 * The agreement lifecycle and versions (issue 19): draft, edit, the transitions (propose,
 * accept, approve, return, cancel) with the ledger, one agreement as its reader sees it, the
 * approved versions and their documents, renewal, notifications and product groups.
 */
import { AppError, notFound } from '../../../shared/errors';
import { hasPermission, isDealerRole } from '../../../shared/permissions';
import { monthIndex } from '../../../shared/months';
import type {
  AgreementCreate,
  AgreementStatus,
  AgreementTerms,
  Transition,
} from '../../../shared/schemas/agreements';
import { TRANSITION_PERMISSION } from '../../../shared/schemas/agreements';
import type { Actor } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import { translateUnique } from '../../db/errors';
import { canonicalJson, sha256Hex } from '../ledger/canonical-json';
import { termPeriods, termProblem } from './agreement-periods';
import { createAgreementsRepository } from './agreements.repository';
import {
  type AgreementContext,
  TRANSITION_RULES,
  OPEN_STATUSES,
  actorLabel,
  userId,
  requireDealerAct,
  invalid,
} from './agreement-context';
import type { AgreementProgressService } from './agreement-progress.service';

export function createAgreementLifecycleService({
  shared,
  progress: progressService,
}: {
  shared: AgreementContext;
  progress: Pick<AgreementProgressService, 'getProgress'>;
}) {
  // The shared context's loaders and rules, by what they are for.
  const { deps, repo, currentMonth, fiscalStart, periodsOf, advanceLifecycle } = shared;
  const { lockAndAdvance, recordMoves } = shared;
  const { buildLines, termsOf, diffLines, load, checkVersion, allowedTransitions } = shared;
  const { notify, overlapsOf, refuseOverlaps, approvalOf, approveTerms } = shared;

  const service = {
    /** Runs after every ingest, inside its transaction: agreements' actuals move with the feed. */
    async applyIngestDelta(tx: Queryable) {
      await createAgreementsRepository(tx).applyIngestDelta();
    },

    /** Moves approved agreements to active on their start and active ones to expired after their end. */
    advanceLifecycle,

    async getAgreement({ actor, id }: { actor: Actor; id: number }) {
      const row = await load(actor, id);
      const [lines, periods, events, revision] = await Promise.all([
        repo.findLines(id),
        periodsOf(row),
        repo.findEvents(id),
        repo.findOpenRevision(id),
      ]);
      const terms = termsOf(row, lines, periods);
      return {
        id: row.id,
        code: row.code,
        dealerCode: row.dealerCode,
        dealerName: row.dealerName,
        regionCode: row.regionCode,
        status: row.status,
        version: row.rowVersion,
        approvedVersion: row.approvedVersion,
        statusComment: row.statusComment,
        createdBy: row.createdBy,
        createdAt: row.createdAt,
        updatedAt: row.updatedAt,
        renewedFrom: row.renewedFrom,
        terms,
        pendingRevision: revision
          ? {
              id: revision.id,
              status: revision.status,
              comment: revision.comment,
              createdAt: revision.createdAt,
              terms: revision.terms as AgreementTerms,
              changes: diffLines(terms, revision.terms as AgreementTerms),
            }
          : null,
        allowedTransitions: allowedTransitions(actor, row),
        overlaps: OPEN_STATUSES.includes(row.status)
          ? await overlapsOf(deps.db, row, [...OPEN_STATUSES, 'approved', 'active'])
          : [],
        approval: await approvalOf(actor, row),
        events,
      };
    },

    async createAgreement({
      actor,
      data,
      renewedFromId = null,
    }: {
      actor: Actor;
      data: AgreementCreate;
      renewedFromId?: number | null;
    }) {
      if (isDealerRole(actor.role))
        throw new AppError('FORBIDDEN', 'Agreements are drafted by the OEM');
      const dealer = await deps.network.getDealerRef({ actor, code: data.dealerCode });
      const fy = await fiscalStart();
      const problem = termProblem({ ...data, fiscalYearStartMonth: fy });
      if (problem)
        throw invalid([{ path: 'body.startMonth', code: 'invalid_term', message: problem }]);
      const periods = termPeriods({ ...data, fiscalYearStartMonth: fy });
      const id = await deps.db.transaction(async (tx) => {
        const lines = await buildLines(tx, {
          dealerId: dealer.id,
          lines: data.lines,
          periods,
          countedKinds: data.countedKinds,
          path: 'body.lines',
        });
        const r = createAgreementsRepository(tx);
        const newId = await r.insertAgreement({
          dealerId: dealer.id,
          startMonth: data.startMonth,
          months: data.months,
          frequency: data.frequency,
          countedKinds: data.countedKinds,
          createdBy: userId(actor),
          renewedFromId,
        });
        await r.replaceLines(newId, lines, periods.length);
        await r.rebuildActuals(newId);
        await r.insertEvent({
          agreementId: newId,
          action: renewedFromId ? 'renewed' : 'created',
          fromStatus: null,
          toStatus: 'draft',
          comment: null,
          actor: actorLabel(actor),
        });
        return newId;
      });
      return service.getAgreement({ actor, id });
    },

    async updateAgreement({
      actor,
      id,
      data,
    }: {
      actor: Actor;
      id: number;
      data: Omit<AgreementCreate, 'dealerCode'> & { version: number };
    }) {
      await deps.db.transaction(async (tx) => {
        const r = createAgreementsRepository(tx);
        await lockAndAdvance(tx, id);
        const row = await load(actor, id, tx);
        checkVersion(row, data.version);
        if (row.status !== 'draft')
          throw new AppError(
            'INVALID_TRANSITION',
            `Only a draft can be edited; ${row.code} is ${row.status}${row.status === 'active' || row.status === 'approved' ? ' (propose an amendment instead)' : ''}`,
          );
        const fy = await fiscalStart(tx);
        const problem = termProblem({ ...data, fiscalYearStartMonth: fy });
        if (problem)
          throw invalid([{ path: 'body.startMonth', code: 'invalid_term', message: problem }]);
        const periods = termPeriods({ ...data, fiscalYearStartMonth: fy });
        const lines = await buildLines(tx, {
          dealerId: row.dealerId,
          lines: data.lines,
          periods,
          countedKinds: data.countedKinds,
          path: 'body.lines',
        });
        await r.updateTerms(id, data);
        await r.replaceLines(id, lines, periods.length);
        await r.rebuildActuals(id);
        await r.bumpVersion(id);
        await r.insertEvent({
          agreementId: id,
          action: 'edited',
          fromStatus: 'draft',
          toStatus: 'draft',
          comment: null,
          actor: actorLabel(actor),
        });
      });
      return service.getAgreement({ actor, id });
    },

    async transition({
      actor,
      id,
      transition,
      version,
      comment,
    }: {
      actor: Actor;
      id: number;
      transition: Transition;
      version: number;
      comment?: string;
    }) {
      const rule = TRANSITION_RULES[transition];
      if (!hasPermission(actor.role, TRANSITION_PERMISSION[transition]))
        throw new AppError(
          'FORBIDDEN',
          `Your role (${actor.role}) may not ${transition} an agreement`,
          { permission: TRANSITION_PERMISSION[transition] },
        );
      if (transition === 'accept') requireDealerAct(actor);
      await deps.db.transaction(async (tx) => {
        const r = createAgreementsRepository(tx);
        await lockAndAdvance(tx, id);
        const row = await load(actor, id, tx);
        checkVersion(row, version);
        if (!rule.from.includes(row.status)) {
          throw new AppError(
            'INVALID_TRANSITION',
            `Cannot ${transition} agreement ${row.code}: it is ${row.status} (allowed from ${rule.from.join(', ')})`,
            { status: row.status, transition },
          );
        }
        if (rule.needsComment && !comment?.trim())
          throw invalid([
            { path: 'body.comment', code: 'required', message: `say why you ${transition} it` },
          ]);
        if (
          transition === 'approve' &&
          row.createdById !== null &&
          row.createdById === userId(actor)
        ) {
          throw new AppError(
            'FORBIDDEN',
            'Four eyes: the person who drafted an agreement cannot approve it',
          );
        }
        if (transition === 'propose')
          await refuseOverlaps(tx, row, ['proposed', 'accepted', 'approved', 'active']);
        let next: AgreementStatus = rule.to;
        const label = actorLabel(actor);
        if (transition === 'accept') {
          const lines = await r.findLines(id);
          const terms = termsOf(row, lines, await periodsOf(row, tx));
          await deps.ledger.append(tx, {
            entityType: 'agreement_acceptance',
            entityId: row.code,
            action: 'accept',
            payload: {
              agreement: row.code,
              termsSha256: sha256Hex(canonicalJson(terms)),
              acceptedBy: label,
            },
            actor: label,
          });
          await r.setStatus(id, {
            status: next,
            comment: comment ?? null,
            acceptedBy: userId(actor),
          });
          const approval = await approvalOf(actor, { ...row, status: 'accepted' }, tx);
          await notify(
            tx,
            row,
            'oem',
            'agreement_accepted',
            `${row.dealerCode} accepted ${row.code}: waiting for approval by ${approval?.approvers.length ? approval.approvers.join(', ') : 'a channel manager'}${row.createdBy ? ` (not ${row.createdBy}, who drafted it: four eyes)` : ''}`,
          );
        } else if (transition === 'approve') {
          const versionNo = await approveTerms(tx, actor, row, 'approve');
          if (monthIndex(row.startMonth) <= monthIndex(currentMonth())) next = 'active';
          await r.setStatus(id, {
            status: next,
            comment: comment ?? null,
            approvedBy: userId(actor),
            approvedVersion: versionNo,
          });
          await r.closeNotifications(`agreement:${id}`);
        } else {
          await r.setStatus(id, { status: next, comment: comment ?? null });
          if (transition === 'propose')
            await notify(
              tx,
              row,
              'dealer',
              'agreement_proposed',
              `${row.code} is waiting for your acceptance`,
            );
          else if (transition === 'return')
            await notify(
              tx,
              row,
              'oem',
              'agreement_returned',
              `${row.dealerCode} sent ${row.code} back: ${comment}`,
            );
          else await r.closeNotifications(`agreement:${id}`);
          if (transition === 'cancel' && row.approvedVersion) {
            await deps.ledger.append(tx, {
              entityType: 'agreement',
              entityId: row.code,
              action: 'cancel',
              payload: { agreement: row.code, reason: comment, version: row.approvedVersion },
              actor: label,
            });
          }
        }
        await r.insertEvent({
          agreementId: id,
          action: transition,
          fromStatus: row.status,
          toStatus: next,
          comment: comment ?? null,
          actor: label,
        });
        // an approval of a term already under way or over moves on at once (as the daily job would)
        await recordMoves(tx, [id]);
      });
      return service.getAgreement({ actor, id });
    },

    async findVersions({ actor, id }: { actor: Actor; id: number }) {
      const row = await load(actor, id);
      const versions = await repo.findVersions(id);
      return versions.map((v, i) => {
        const terms = v.terms as AgreementTerms;
        const previous = i > 0 ? (versions[i - 1]!.terms as AgreementTerms) : null;
        return {
          agreementCode: row.code,
          versionNo: v.versionNo,
          sha256: v.sha256,
          approvedBy: v.approvedBy,
          createdAt: v.createdAt,
          terms,
          changes: previous ? diffLines(previous, terms) : [],
        };
      });
    },

    /** One version as the canonical JSON that was hashed (download; anyone can re-hash it). */
    async getVersionDocument({
      actor,
      id,
      versionNo,
    }: {
      actor: Actor;
      id: number;
      versionNo: number;
    }) {
      const row = await load(actor, id);
      const versions = await repo.findVersions(id);
      const v = versions.find((x) => x.versionNo === versionNo);
      if (!v) throw notFound('Version', `${versionNo} of ${row.code}`);
      return {
        filename: `${row.code}-v${versionNo}.json`,
        canonical: canonicalJson(v.terms),
        sha256: v.sha256,
      };
    },

    /** A draft for the next term, with the same products and the plan taken from this term's actuals. */
    async renewAgreement({ actor, id }: { actor: Actor; id: number }) {
      const row = await load(actor, id);
      const progress = await progressService.getProgress({ actor, id });
      const nextStart = progress.periods.length
        ? addMonthsSafe(row.startMonth, row.months)
        : row.startMonth;
      const data: AgreementCreate = {
        dealerCode: row.dealerCode,
        startMonth: nextStart,
        months: row.months,
        frequency: row.frequency,
        countedKinds: row.countedKinds as AgreementCreate['countedKinds'],
        lines: progress.lines.map((l) => ({
          target: { kind: l.target.kind, code: l.target.code },
          total: Math.max(0, l.termToDate.projectedTotal ?? l.termToDate.actualQuantity),
          spread: 'seasonal' as const,
        })),
      };
      return service.createAgreement({ actor, data, renewedFromId: id });
    },

    async findNotifications({ actor }: { actor: Actor }) {
      return repo.findNotifications(actor.scope, isDealerRole(actor.role) ? 'dealer' : 'oem');
    },

    async findProductGroups(_: { actor: Actor }) {
      const groups = await repo.findProductGroups();
      return Promise.all(
        groups.map(async (g) => ({
          ...g,
          skuCount: (await repo.resolveTarget('product_group', g.code))?.skuIds.length ?? 0,
        })),
      );
    },

    async createProductGroup({
      data,
    }: {
      actor: Actor;
      data: {
        code: string;
        name: string;
        filter: { powertrains: string[]; segments: string[]; modelLines: string[]; skus: string[] };
      };
    }) {
      await translateUnique('Product group', data.code, () => repo.insertProductGroup(data));
      const target = await repo.resolveTarget('product_group', data.code);
      return {
        ...data,
        skuCount: target?.skuIds.length ?? 0,
        warning: target && target.skuIds.length === 0 ? 'the filter matches no SKU yet' : null,
      };
    },
  };
  return service;
}

export type AgreementLifecycleService = ReturnType<typeof createAgreementLifecycleService>;

function addMonthsSafe(month: string, n: number): string {
  const i = monthIndex(month) + n;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}
