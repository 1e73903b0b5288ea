/**
 * Insights (issue 14): calibrated commitment risk per approved or active agreement (totals and
 * each line) with drivers and interventions, refreshed by a job (nightly, with progress) and for
 * the dealers of each ingested batch; the scoped reads of the risk board and the dealer outlook;
 * the intervention log with outcome tracking.
 */
import { AppError, notFound } from '../../../shared/errors';
import { Dec, moneyString } from '../../../shared/money';
import type {
  AgreementRisk,
  DealerOutlook,
  InterventionBody,
  InterventionRecord,
  RiskBoard,
} from '../../../shared/schemas/insights';
import { requirePermission, type Actor } from '../../auth/actor';
import type { Db, Queryable } from '../../db/db';
import { runAsSystem } from '../../db/scope';
import type { EventBus } from '../../events';
import type { JobsService } from '../jobs/jobs.service';
import type { ProgramRiskService } from './program-risk.service';
import { createProgramRiskRepository } from './program-risk.repository';
import { createBatchRiskRefresh } from './batch-refresh';
import { createInsightsRepository, type RiskRow } from './insights.repository';
import { createRiskRefresh } from './risk-refresh';
import { calibrationUsed } from './risk-calibration';
import { createRiskCalibrations } from './risk-calibration-job';

export const RISK_JOB_KIND = 'insights.risk-refresh';

type Deps = {
  db: Db;
  jobs: JobsService;
  events: EventBus;
  today: () => string;
  /** The program tier risks (program-risk.service.ts), refreshed with the agreements'. */
  programRisk?: Pick<ProgramRiskService, 'refresh'>;
  /** On a server, the program tiers beside the agreements (env INSIGHTS_OVERLAP; default false). */
  overlapPrograms?: boolean;
};

type WhatIfAll = (input: {
  actor: Actor;
  dealerCode: string;
  data: { quantity: number; modelLine?: string };
}) => Promise<{
  totals: { currency: string; added: string }[];
  programs: { programCode: string; name: string; added: string }[];
}>;

export function createInsightsService(deps: Deps) {
  const repoOf = (q: Queryable) => createInsightsRepository(q);

  /** The network's own recalibration, fitted nightly (risk-calibration-job.ts). */
  const calibrations = createRiskCalibrations({
    db: deps.db,
    jobs: deps.jobs,
    today: deps.today,
    afterNightly: () => deps.jobs.start({ actor: null, kind: RISK_JOB_KIND, params: {} }),
  });

  /** Recomputes the risks of some dealers' agreements (all when null): risk-refresh.ts. */
  const refresh = createRiskRefresh({
    db: deps.db,
    today: deps.today,
    programRisk: deps.programRisk,
    overlapPrograms: deps.overlapPrograms ?? false,
    calibration: () => calibrations.current(),
  });

  deps.jobs.define(RISK_JOB_KIND, async ({ report }) => {
    const result = await refresh(null, (done, total) =>
      report((100 * done) / Math.max(1, total), `${done} of ${total} agreements`).catch(
        () => undefined,
      ),
    );
    return result;
  });

  function toRisk(row: RiskRow): AgreementRisk {
    return {
      agreementCode: row.agreementCode,
      lineNo: row.lineNo,
      label: row.label,
      dealerCode: row.dealerCode,
      dealerName: row.dealerName,
      asOf: row.asOf,
      elapsedMonths: row.elapsedMonths,
      termMonths: row.termMonths,
      commitment: row.commitment,
      toDate: row.toDate,
      probability: row.probability,
      expected: row.expected,
      lower80: row.lower80,
      upper80: row.upper80,
      shortfallUnits: row.shortfallUnits,
      unitValue: row.unitValue,
      shortfallMoney: row.shortfallMoney,
      drivers: row.drivers as AgreementRisk['drivers'],
      interventions: row.interventions as AgreementRisk['interventions'],
      computedAt: row.computedAt,
      calibration: calibrationUsed(row.calibration),
    };
  }

  let unsubscribe: (() => void) | null = null;
  const batches = createBatchRiskRefresh({
    db: deps.db,
    events: deps.events,
    refresh: (dealerIds) => refresh(dealerIds),
  });

  return {
    refresh,
    calibrations,

    /** Starts the network-wide refresh as a job (the nightly run; also on demand). */
    async startRefresh({ actor }: { actor: Actor | null }) {
      if (actor) requirePermission(actor, 'agreements:write');
      return deps.jobs.start({ actor, kind: RISK_JOB_KIND, params: {} });
    },

    /**
     * Starts the network's recalibration now (the nightly job `insights.risk-calibration`, on
     * demand): it backtests the ended terms and stores the maps the next risk refresh uses; with
     * `refresh`, the network's risks are recomputed with them when it ends. 409 while one runs.
     */
    async startCalibration({ actor, data }: { actor: Actor; data: { refresh?: boolean } }) {
      requirePermission(actor, 'agreements:write');
      return calibrations.start({ actor, refresh: data.refresh === true });
    },

    /**
     * The first risks of a network (a freshly seeded demo): the network refresh as a job (with
     * progress) when no risk exists yet, so a dealer and the OEM see risks without "Recompute
     * now". Null when risks exist, nothing is to be assessed, or the job is already running.
     */
    async startFirstRefresh(): Promise<{ id: number } | null> {
      const needs = await runAsSystem(() => repoOf(deps.db).needsFirstRisks());
      if (!needs) return null;
      try {
        return await deps.jobs.start({ actor: null, kind: RISK_JOB_KIND, params: {} });
      } catch (error) {
        // another process started it (WEB_CONCURRENCY > 1): that one reports the progress
        if (error instanceof AppError && error.code === 'CONFLICT') return null;
        throw error;
      }
    },

    /** Each batch's refresh, once per batch across processes, its outcome on the batch. */
    batches,

    /**
     * Refreshes the dealers of each ingested batch (within seconds of the batch, once per batch
     * whichever process hears it: batch-refresh.ts), and the whole network once a night (at
     * `nightlyHourUtc`, after the network's recalibration: risk-calibration-job.ts). Resolves once this process hears the batches; gives the stop function.
     */
    async listen(options: { nightlyHourUtc?: number } = {}): Promise<() => void> {
      unsubscribe?.();
      let timer: NodeJS.Timeout | null = null;
      const schedule = () => {
        const now = new Date();
        const next = new Date(
          Date.UTC(
            now.getUTCFullYear(),
            now.getUTCMonth(),
            now.getUTCDate(),
            options.nightlyHourUtc ?? 2,
          ),
        );
        if (next <= now) next.setUTCDate(next.getUTCDate() + 1);
        timer = setTimeout(() => {
          // the network's recalibration first; it starts the risk refresh when it ends
          void calibrations.start({ refresh: true }).catch(() => undefined);
          schedule();
        }, next.getTime() - now.getTime());
        timer.unref();
      };
      schedule();
      const off = await batches.listen();
      unsubscribe = () => {
        off();
        if (timer) clearTimeout(timer);
      };
      return unsubscribe;
    },

    /** The regional manager's board: agreements in scope by expected shortfall in money. */
    async getBoard({
      actor,
      limit,
      dealer,
    }: {
      actor: Actor;
      limit?: number;
      dealer?: string;
    }): Promise<RiskBoard> {
      requirePermission(actor, 'agreements:read');
      const repo = repoOf(deps.db);
      const rows = await repo.board(actor.scope, {
        limit: limit ?? 100,
        ...(dealer ? { dealerCode: dealer } : {}),
      });
      const currency = await repo.currency();
      const atStake = rows.reduce((s, r) => s.plus(r.shortfallMoney), new Dec(0));
      return {
        asOf: rows[0]?.asOf ?? deps.today(),
        currency,
        shortfallMoney: moneyString(atStake, currency),
        items: rows.map(toRisk),
      };
    },

    /** One agreement's totals and lines with the history of each probability. */
    async getAgreementRisk({ actor, code }: { actor: Actor; code: string }) {
      requirePermission(actor, 'agreements:read');
      const repo = repoOf(deps.db);
      const rows = await repo.agreementRisks(actor.scope, code);
      if (rows.length === 0) throw notFound('Agreement risk', code);
      const history = await repo.history(rows[0]!.agreementId);
      return {
        agreementCode: code,
        risks: rows.map(toRisk),
        history: history.map((h) => ({
          lineNo: h.lineNo,
          day: h.day,
          probability: h.probability,
          expected: h.expected,
        })),
      };
    },

    /**
     * The dealer's outlook: each agreement's totals, and for the first one the incentive money
     * the top "more units" intervention would add (the incentives what-if across programs).
     */
    async getDealerOutlook({
      actor,
      dealerCode,
      whatIfAll,
    }: {
      actor: Actor;
      dealerCode: string;
      whatIfAll?: WhatIfAll;
    }): Promise<DealerOutlook> {
      requirePermission(actor, 'agreements:read');
      const repo = repoOf(deps.db);
      const dealer = await repo.dealerInScope(actor.scope, dealerCode);
      if (!dealer) throw notFound('Dealer', dealerCode);
      const rows = await repo.board(actor.scope, { limit: 20, dealerCode });
      const currency = await repo.currency();
      const items = rows
        .map(toRisk)
        .sort((a, b) => (a.asOf === b.asOf ? a.agreementCode.localeCompare(b.agreementCode) : 0));
      let incentive: DealerOutlook['incentive'] = null;
      const first = items.find((i) => i.interventions.some((x) => x.kind === 'more_units'));
      const step = first?.interventions.find((x) => x.kind === 'more_units');
      if (whatIfAll && first && step?.units) {
        try {
          const result = await whatIfAll({
            actor,
            dealerCode,
            data: {
              quantity: Math.min(1000, step.units),
              ...(step.modelLine ? { modelLine: step.modelLine } : {}),
            },
          });
          const total = result.totals.find((t) => t.currency === currency) ?? result.totals[0];
          if (total) {
            incentive = {
              agreementCode: first.agreementCode,
              units: step.units,
              modelLine: step.modelLine ?? null,
              currency: total.currency,
              added: total.added,
              programs: result.programs
                .filter((p) => new Dec(p.added).gt(0))
                .map((p) => ({ programCode: p.programCode, name: p.name, added: p.added })),
            };
          }
        } catch (error) {
          // No program the dealer is in (or no SKU for the line): the outlook stands without it.
          if (!(error instanceof AppError)) throw error;
        }
      }
      return { dealerCode: dealer.code, dealerName: dealer.name, currency, items, incentive };
    },

    async logIntervention({
      actor,
      data,
    }: {
      actor: Actor;
      data: InterventionBody;
    }): Promise<InterventionRecord> {
      requirePermission(actor, 'agreements:write');
      const repo = repoOf(deps.db);
      const dealer = await repo.dealerInScope(actor.scope, data.dealerCode);
      if (!dealer) throw notFound('Dealer', data.dealerCode);
      let agreementId: number | null = null;
      let probabilityBefore: number | null = null;
      if (data.agreementCode) {
        const risks = await repo.agreementRisks(actor.scope, data.agreementCode);
        const totals = risks.find((r) => r.lineNo === 0);
        if (!totals || totals.dealerId !== dealer.id)
          throw new AppError(
            'VALIDATION_FAILED',
            'body.agreementCode: not an assessed agreement of this dealer',
            {
              problems: [
                {
                  path: 'body.agreementCode',
                  code: 'unknown_code',
                  message: 'not an assessed agreement of this dealer',
                },
              ],
            },
          );
        agreementId = totals.agreementId;
        probabilityBefore = totals.probability;
      }
      // An incentive tier: the program's risk for this dealer, its next tier and probability.
      let programId: number | null = null;
      let programTier: number | null = null;
      let programPeriod: string | null = null;
      if (data.kind === 'incentive_tier' || data.programCode) {
        const risk = data.programCode
          ? (
              await createProgramRiskRepository(deps.db).list(actor.scope, {
                limit: 1,
                dealerCode: data.dealerCode,
                programCode: data.programCode,
              })
            )[0]
          : undefined;
        if (!risk || data.kind !== 'incentive_tier' || data.agreementCode)
          throw new AppError(
            'VALIDATION_FAILED',
            'body.programCode: an incentive_tier intervention names an assessed program of this dealer (and no agreement)',
            {
              problems: [
                {
                  path: 'body.programCode',
                  code: risk ? 'kind_mismatch' : 'unknown_code',
                  message:
                    'an incentive_tier intervention names an assessed program of this dealer (and no agreement)',
                },
              ],
            },
          );
        const next = (risk.tiers as { tier: number; reached: boolean; probability: number }[]).find(
          (t) => !t.reached,
        );
        const { rows } = await deps.db.query<{ id: number }>(
          `select id from programs where code = $1`,
          [data.programCode],
        );
        programId = rows[0]!.id;
        programTier = next?.tier ?? null;
        programPeriod = risk.period;
        probabilityBefore = next?.probability ?? 1;
      }
      const id = await repo.insertIntervention({
        dealerId: dealer.id,
        agreementId,
        programId,
        programTier,
        programPeriod,
        kind: data.kind,
        note: data.note ?? '',
        probabilityBefore,
        createdBy: actor.kind === 'user' ? actor.id : null,
        createdByName: actor.name,
      });
      const [row] = await repo.interventions(actor.scope, { id, limit: 1 });
      return row!;
    },

    async listInterventions({
      actor,
      dealer,
    }: {
      actor: Actor;
      dealer?: string;
    }): Promise<InterventionRecord[]> {
      requirePermission(actor, 'agreements:read');
      return repoOf(deps.db).interventions(actor.scope, {
        ...(dealer ? { dealerCode: dealer } : {}),
        limit: 200,
      });
    },
  };
}

export type InsightsService = ReturnType<typeof createInsightsService>;
