/**
 * Integrity flags (issue 14 §4): a scan runs the pure detectors (integrity.ts) on the feed and
 * the claims inside the audit look-back (settings.audit_lookback_months, default 12) and stores
 * each finding with its evidence; an auditor dismisses it (with a reason) or confirms it.
 * A confirmation is recorded (who, when, why); the chargeback adjustment through the incentive
 * engine is not made here (docs/insights.md says what is missing).
 */
import { AppError, notFound } from '../../../shared/errors';
import { addMonths } from '../../../shared/months';
import type { FlagDecision } from '../../../shared/schemas/insights';
import { requirePermission, type Actor } from '../../auth/actor';
import type { Db } from '../../db/db';
import { runAsSystem } from '../../db/scope';
import { detectIntegrityFlags } from './integrity';
import { createIntegrityRepository, type FlagRow } from './integrity.repository';

export function createIntegrityService(deps: { db: Db; today: () => string }) {
  const repo = () => createIntegrityRepository(deps.db);
  const lookbackStart = async () => {
    const months = await repo().lookbackMonths();
    return { months, from: `${addMonths(deps.today().slice(0, 7), -months)}-01` };
  };

  return {
    /** Runs the detectors on the whole network's look-back window (as the system). */
    async scan({ actor }: { actor: Actor | null }) {
      if (actor) requirePermission(actor, 'claims:review');
      return runAsSystem(async () => {
        const r = repo();
        const { from, months } = await lookbackStart();
        const [feed, claimData, tierThresholds, currency] = await Promise.all([
          r.feed(from),
          r.claims(from),
          r.tierThresholds(),
          deps.db
            .query<{ currency: string }>(`select currency from settings`)
            .then((x) => x.rows[0]?.currency ?? 'USD'),
        ]);
        // Claims are checked against every delivery of their VINs, not only the look-back's.
        const flags = detectIntegrityFlags(feed, [], { tierThresholds, currency }).concat(
          detectIntegrityFlags(claimData.deliveries, claimData.claims, { currency }).filter(
            (f) => f.kind === 'claim_not_delivered',
          ),
        );
        const { inserted } = await deps.db.transaction((tx) =>
          createIntegrityRepository(tx).upsertFlags(flags),
        );
        return {
          lookbackMonths: months,
          from,
          rows: feed.length,
          flags: flags.length,
          inserted,
          dealers: new Set(flags.map((f) => f.dealer)).size,
        };
      });
    },

    async list({
      actor,
      status,
    }: {
      actor: Actor;
      status?: FlagRow['status'];
    }): Promise<FlagRow[]> {
      requirePermission(actor, 'claims:review');
      const { from } = await lookbackStart();
      return repo().list(actor.scope, { from, ...(status ? { status } : {}) });
    },

    async decide({
      actor,
      id,
      data,
    }: {
      actor: Actor;
      id: number;
      data: FlagDecision;
    }): Promise<FlagRow> {
      requirePermission(actor, 'claims:review');
      const r = repo();
      const [flag] = await r.list(actor.scope, { from: '1900-01-01', id });
      if (!flag) throw notFound('Integrity flag', String(id));
      if (flag.status !== 'open')
        throw new AppError('CONFLICT', `flag ${id} is already ${flag.status}`);
      if (data.decision === 'dismiss' && !data.reason?.trim())
        throw new AppError('VALIDATION_FAILED', 'body.reason: a dismissal needs a reason', {
          problems: [
            { path: 'body.reason', code: 'required', message: 'a dismissal needs a reason' },
          ],
        });
      const ok = await r.decide(
        actor.scope,
        id,
        data.decision === 'dismiss' ? 'dismissed' : 'confirmed',
        data.reason?.trim() || null,
        actor.name,
      );
      if (!ok) throw new AppError('CONFLICT', `flag ${id} was decided meanwhile`);
      const [after] = await r.list(actor.scope, { from: '1900-01-01', id });
      return after!;
    },

    async getSettings({ actor }: { actor: Actor }) {
      requirePermission(actor, 'claims:review');
      return { lookbackMonths: await repo().lookbackMonths() };
    },

    async setSettings({ actor, lookbackMonths }: { actor: Actor; lookbackMonths: number }) {
      requirePermission(actor, 'settings:write');
      await repo().setLookbackMonths(lookbackMonths);
      return { lookbackMonths };
    },
  };
}

export type IntegrityService = ReturnType<typeof createIntegrityService>;
