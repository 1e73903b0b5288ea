/**
 * Insights (issue 14): calibrated commitment risk per approved or active agreement (totals and
 * each line) with drivers and interventions, refreshed by a job (nightly, with progress) and for
 * the dealers of each ingested batch; the scoped reads of the risk board and the dealer outlook;
 * the intervention log with outcome tracking.
 */
import { AppError, notFound } from '../../../shared/errors';
import { Dec, moneyString } from '../../../shared/money';
import { addMonths } from '../../../shared/months';
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
import { readMarketTrend } from './market-trend';
import type { ProgramRiskService } from './program-risk.service';
import { createProgramRiskRepository } from './program-risk.repository';
import { createBatchRiskRefresh } from './batch-refresh';
import {
  assessAgreement,
  HISTORY_MONTHS,
  readSupply,
  riskBasis,
  type LineHistory,
} from './agreement-risk';
import {
  createInsightsRepository,
  type RiskAgreementRow,
  type RiskRow,
  type RiskWrite,
} from './insights.repository';

export const RISK_JOB_KIND = 'insights.risk-refresh';
const CHUNK = 200;

type Deps = {
  db: Db;
  jobs: JobsService;
  events: EventBus;
  today: () => string;
  /** The program tier risks (program-risk.service.ts), refreshed with the agreements'. */
  programRisk?: Pick<ProgramRiskService, 'refresh'>;
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

  /**
   * Recomputes the risks of some dealers' agreements (all when null), as the system. Chunks of
   * agreements: one read of their lines' monthly histories (one row per line, from the roll-up),
   * the pure assessment, one write. On a PostgreSQL server the next chunk's read and the previous
   * chunk's write run while this chunk is computed (the database and Node work at once).
   *
   * Refreshes may run side by side (a batch's and the nightly one, two batches of one dealer in two
   * processes): each chunk's risks carry the time their histories were read (`computed_at`), and a
   * write replaces only risks read earlier (insights.repository.ts `saveRisks`), so an older read
   * finishing last cannot undo a newer one. A failed read or write fails the refresh (the overlapped
   * one is awaited, never left to reject unobserved).
   */
  async function refresh(
    dealerIds: number[] | null,
    report?: (done: number, total: number) => Promise<void>,
  ) {
    return runAsSystem(async () => {
      const today = deps.today();
      const repo = repoOf(deps.db);
      const [currency, latest] = await Promise.all([repo.currency(), repo.latestActualsMonth()]);
      const basis = riskBasis(today, latest);
      const agreements = await repo.agreementsForRisk(dealerIds);
      const timings = { readMs: 0, computeMs: 0, writeMs: 0, programMs: 0 };
      const overlap = deps.db.engine === 'postgres';
      const catalog = await repo.skuModelLines();
      const read = async (chunk: RiskAgreementRow[]) => {
        const t0 = performance.now();
        const dealers = [...new Set(chunk.map((a) => a.dealerId))];
        const earliest = chunk.reduce(
          (m, a) => (a.startMonth < m ? a.startMonth : m),
          addMonths(basis.month, -HISTORY_MONTHS),
        );
        const ids = chunk.map((a) => a.id);
        // One transaction, its statements in turn (PGlite has one connection: nothing may
        // query outside an open transaction); its sorts in memory, not spilled to disk.
        const { rows, seen, supply, market, readAt } = await deps.db.transaction(async (tx) => {
          await tx.query(`set local work_mem = '64MB'`);
          // the transaction's start: every history below is read after it
          const at = await tx.query<{ readAt: string }>(`select now()::text as "readAt"`);
          const r = repoOf(tx);
          const lines = await r.lineHistories(ids, earliest, basis.month, dealers);
          const withHistory = await r.agreementsWithHistory(ids);
          const supplies = await readSupply(tx, today, dealers, catalog);
          const trend = await readMarketTrend(tx, basis.month, dealers);
          return {
            rows: lines,
            seen: withHistory,
            supply: supplies,
            market: trend,
            readAt: at.rows[0]!.readAt,
          };
        });
        timings.readMs += performance.now() - t0;
        return { rows, seen, supply, market, readAt };
      };
      const write = async (ids: number[], writes: RiskWrite[], readAt: string) => {
        const t0 = performance.now();
        await deps.db.transaction((tx) => repoOf(tx).saveRisks(ids, writes, today, readAt));
        timings.writeMs += performance.now() - t0;
      };
      const chunks: RiskAgreementRow[][] = [];
      for (let i = 0; i < agreements.length; i += CHUNK)
        chunks.push(agreements.slice(i, i + CHUNK));
      let risks = 0;
      let done = 0;
      // a promise awaited later: its rejection is handled now and surfaces where it is awaited
      const observed = <T>(p: Promise<T>): Promise<T> => {
        p.catch(() => undefined);
        return p;
      };
      let next = chunks.length > 0 ? observed(read(chunks[0]!)) : null;
      let pending: Promise<void> | null = null;
      try {
        for (let c = 0; c < chunks.length; c += 1) {
          const chunk = chunks[c]!;
          const { rows, seen, supply, market, readAt } = await next!;
          next = c + 1 < chunks.length && overlap ? observed(read(chunks[c + 1]!)) : null;
          const t0 = performance.now();
          const byAgreement = new Map<number, Map<number, LineHistory>>();
          for (const r of rows) {
            const lines = byAgreement.get(r.agreementId) ?? new Map<number, LineHistory>();
            byAgreement.set(r.agreementId, lines);
            lines.set(r.lineNo, r);
          }
          const writes = chunk.flatMap((a) =>
            assessAgreement(a, byAgreement.get(a.id) ?? new Map(), {
              today,
              currency,
              basis: basis.month,
              asOf: basis.asOf,
              backfill: !seen.has(a.id),
              ...(supply.has(a.dealerId) ? { supply: supply.get(a.dealerId)! } : {}),
              ...(market.has(a.dealerId) ? { market: market.get(a.dealerId)! } : {}),
            }),
          );
          timings.computeMs += performance.now() - t0;
          if (pending) await pending;
          pending = observed(
            write(
              chunk.map((a) => a.id),
              writes,
              readAt,
            ),
          );
          if (!overlap) await pending;
          if (!next && c + 1 < chunks.length) next = observed(read(chunks[c + 1]!));
          risks += writes.length;
          done += chunk.length;
          await report?.(done, agreements.length);
        }
        if (pending) await pending;
      } finally {
        // on a failure, nothing of this refresh keeps running after it returns
        await Promise.allSettled([next, pending]);
      }
      const p0 = performance.now();
      const programs = await deps.programRisk?.refresh(dealerIds, basis);
      timings.programMs = performance.now() - p0;
      if (dealerIds === null) {
        await repo.pruneRisks();
        await repo.settleInterventionOutcomes(today);
      }
      return {
        agreements: agreements.length,
        risks,
        programRisks: programs?.risks ?? 0,
        asOf: basis.asOf,
        timings,
      };
    });
  }

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

    /** Starts the network-wide refresh as a job (the nightly run; also on demand). */
    async startRefresh({ actor }: { actor: Actor | null }) {
      if (actor) requirePermission(actor, 'agreements:write');
      return deps.jobs.start({ actor, kind: RISK_JOB_KIND, params: {} });
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
     * `nightlyHourUtc`). Resolves once this process hears the batches; gives the stop function.
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
          void deps.jobs
            .start({ actor: null, kind: RISK_JOB_KIND, params: {} })
            .catch(() => undefined);
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
