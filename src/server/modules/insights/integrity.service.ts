/**
 * Integrity flags (issue 14 §4): a scan runs the pure detectors (integrity.ts) on the feed and
 * the claims inside the audit look-back (settings.audit_lookback_months, default 12) and stores
 * each finding with its evidence; an auditor dismisses it (with a reason) or confirms it.
 * A confirmation posts the chargeback through the incentive engine in the same transaction
 * (chargeback.ts: what the statements paid for the flagged deliveries, as negative adjustments
 * naming the flag, and a ledger entry).
 */
import { AppError, notFound } from '../../../shared/errors';
import { addMonths } from '../../../shared/months';
import type { FlagDecision } from '../../../shared/schemas/insights';
import { requirePermission, type Actor } from '../../auth/actor';
import type { Db } from '../../db/db';
import { runAsSystem } from '../../db/scope';
import type { IncentivesService } from '../incentives/incentives.service';
import type { LedgerService } from '../ledger/ledger.service';
import {
  CHARGEBACK_ENTITY,
  chargebackDocument,
  chargebackLines,
  flagVins,
  registerChargebackLedgerSource,
} from './chargeback';
import { detectIntegrityFlags } from './integrity';
import { detectRdrFlags } from './integrity-rdr';
import { createIntegrityRepository, type FlagRow } from './integrity.repository';

export function createIntegrityService(deps: {
  db: Db;
  today: () => string;
  incentives: Pick<IncentivesService, 'statementWithout' | 'postChargeback'>;
  ledger: LedgerService;
}) {
  registerChargebackLedgerSource(deps.ledger);
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
        const [feed, claimData, tierThresholds, rdr, currency] = await Promise.all([
          r.feed(from),
          r.claims(from),
          r.tierThresholds(),
          r.rdr(from),
          deps.db
            .query<{ currency: string }>(`select currency from settings`)
            .then((x) => x.rows[0]?.currency ?? 'USD'),
        ]);
        // Claims are checked against every delivery of their VINs, not only the look-back's.
        const deliveries = new Map<string, number>();
        const monthUnits = new Map<string, number>();
        for (const row of feed) {
          if (row.kind !== 'retail_delivery' || row.quantity <= 0) continue;
          deliveries.set(row.dealer, (deliveries.get(row.dealer) ?? 0) + row.quantity);
          const key = `${row.dealer}|${row.occurredOn.slice(0, 7)}`;
          monthUnits.set(key, (monthUnits.get(key) ?? 0) + row.quantity);
        }
        const flags = detectIntegrityFlags(feed, [], { tierThresholds, currency })
          .concat(
            detectIntegrityFlags(claimData.deliveries, claimData.claims, { currency }).filter(
              (f) => f.kind === 'claim_not_delivered',
            ),
          )
          .concat(detectRdrFlags(rdr, { deliveries, monthUnits, tierThresholds, currency }));
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
      const status = data.decision === 'dismiss' ? 'dismissed' : 'confirmed';
      // The chargeback is computed from the statements before the write (they read outside it).
      const dealerId = await r.dealerId(flag.dealerCode);
      const lines =
        status === 'confirmed'
          ? await chargebackLines({
              db: deps.db,
              incentives: deps.incentives,
              actor,
              flag: { ...flag, dealerId },
              fiscalYearStartMonth: await r.fiscalYearStartMonth(),
            })
          : [];
      await deps.db.transaction(async (tx) => {
        const ok = await createIntegrityRepository(tx).decide(
          actor.scope,
          id,
          status,
          data.reason?.trim() || null,
          actor.name,
        );
        if (!ok) throw new AppError('CONFLICT', `flag ${id} was decided meanwhile`);
        if (status !== 'confirmed') return;
        // the flag's VINs no longer stand for this dealer in "a VIN is paid once" (0056)
        await createIntegrityRepository(tx).markChargedBack(tx, id, flagVins(flag.evidence));
        const programs = [...new Set(lines.map((l) => l.programCode))];
        for (const code of programs)
          await deps.incentives.postChargeback({
            tx,
            code,
            dealerId,
            flagId: id,
            by: actor.name,
            lines: lines.filter((l) => l.programCode === code),
          });
        await deps.ledger.append(tx, {
          entityType: CHARGEBACK_ENTITY,
          entityId: `flag-${id}`,
          action: 'confirmed',
          payload: await chargebackDocument(tx, id),
          actor: actor.name,
        });
      });
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
