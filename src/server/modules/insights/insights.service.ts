/**
 * Insights (issue 14): calibrated commitment risk per approved or active agreement (totals and
 * each line) with drivers and interventions, refreshed by a job (nightly, with progress) and for
 * the dealers of each ingested batch; the scoped reads of the risk board and the dealer outlook;
 * the intervention log with outcome tracking.
 */
import { AppError, notFound } from '../../../shared/errors';
import { Dec, moneyString, roundMoney } from '../../../shared/money';
import { addMonths, monthIndex } from '../../../shared/months';
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
import { completeMonths } from '../agreements/agreement-periods';
import type { JobsService } from '../jobs/jobs.service';
import { assessCommitment, type Intervention } from './assess';
import {
  createInsightsRepository,
  type LineHistoryRow,
  type RiskAgreementRow,
  type RiskRow,
  type RiskWrite,
} from './insights.repository';

export const RISK_JOB_KIND = 'insights.risk-refresh';
/** Months of history before the current month that the forecast sees (at least). */
const HISTORY_MONTHS = 36;
const CHUNK = 200;

type Deps = { db: Db; jobs: JobsService; events: EventBus; today: () => string };

type WhatIfAll = (input: {
  actor: Actor;
  dealerCode: string;
  data: { quantity: number; modelLine?: string };
}) => Promise<{
  totals: { currency: string; added: string }[];
  programs: { programCode: string; name: string; added: string }[];
}>;

function plannedByMonth(
  planned: readonly number[],
  frequency: 'monthly' | 'quarterly',
  months: number,
): number[] {
  if (frequency === 'monthly') return Array.from({ length: months }, (_, m) => planned[m] ?? 0);
  return Array.from({ length: months }, (_, m) => (planned[Math.floor(m / 3)] ?? 0) / 3);
}

const pct = (p: number) => `${Math.round(p * 100)} %`;

/** A line's counted units by month index, and its unit value's basis (insights.repository). */
export type LineHistory = Pick<LineHistoryRow, 'months' | 'quantities' | 'soldUnits' | 'soldAmount'>;

/**
 * The month the risks are computed as of (docs/insights.md, "As of"): the first month that is not
 * complete. That is the current month, unless the actuals stop earlier (a demo network generated
 * up to its last complete month and read weeks later, or a feed that has stopped): then the
 * month after the latest month with actuals, so the months without data are forecast, not
 * counted as months without sales. `asOf` is the last day of the last complete month.
 */
export function riskBasis(today: string, latestActualsMonth: string | null) {
  const current = today.slice(0, 7);
  const month =
    latestActualsMonth !== null && latestActualsMonth < current
      ? addMonths(latestActualsMonth, 1)
      : current;
  const end = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 1, 0));
  return { month, asOf: end.toISOString().slice(0, 10) };
}

/** Assesses one agreement: its totals (line 0) and each line. */
export function assessAgreement(
  agreement: RiskAgreementRow,
  histories: Map<number, LineHistory>,
  options: { today: string; currency: string; backfill?: boolean; basis?: string; asOf?: string },
): RiskWrite[] {
  // The first month that is not complete (riskBasis), the current month by default.
  const current = options.basis ?? options.today.slice(0, 7);
  const elapsed = completeMonths(agreement.startMonth, agreement.months, `${current}-01`);
  // The forecast's history: the complete months up to the current one (the term's included).
  const start = monthIndex(agreement.startMonth);
  const currentIndex = monthIndex(current);
  // History ends with the term's complete months, or (term not started) the last complete month.
  const end = elapsed > 0 ? start + elapsed : Math.min(start, currentIndex);
  const first = Math.min(start, currentIndex - HISTORY_MONTHS);
  const length = Math.max(0, end - first);
  // Months between the last complete month and a term that has not started yet.
  const lead = elapsed > 0 ? 0 : Math.max(0, start - currentIndex);
  const units: {
    lineNo: number;
    label: string;
    targetKind: string;
    targetCode: string;
    history: number[];
    planned: number[];
    unitValue: Dec;
  }[] = [];
  for (const line of agreement.lines) {
    const h = histories.get(line.lineNo);
    const history = new Array<number>(length).fill(0);
    if (h)
      for (let k = 0; k < h.months.length; k += 1) {
        const at = h.months[k]! - first;
        if (at >= 0 && at < length) history[at] = h.quantities[k]!;
      }
    const soldUnits = h?.soldUnits ?? 0;
    const soldAmount = new Dec(h?.soldAmount ?? 0);
    const plannedUnits = line.planned.reduce((s, q) => s + q, 0);
    const plannedRevenue = (line.revenue ?? []).reduce<Dec>(
      (s, r) => (r === null ? s : s.plus(new Dec(r))),
      new Dec(0),
    );
    const unitValue =
      soldUnits > 0 && soldAmount.gt(0)
        ? soldAmount.div(soldUnits)
        : plannedUnits > 0 && plannedRevenue.gt(0)
          ? plannedRevenue.div(plannedUnits)
          : new Dec(0);
    units.push({
      lineNo: line.lineNo,
      label: line.label,
      targetKind: line.targetKind,
      targetCode: line.targetCode,
      history,
      planned: plannedByMonth(line.planned, agreement.frequency, agreement.months),
      unitValue,
    });
  }
  const totalHistory = Array.from({ length }, (_, i) => units.reduce((s, u) => s + u.history[i]!, 0));
  const totalPlanned = Array.from({ length: agreement.months }, (_, m) =>
    units.reduce((s, u) => s + u.planned[m]!, 0),
  );
  const totalPlannedUnits = totalPlanned.reduce((s, v) => s + v, 0);
  const totalValue =
    totalPlannedUnits > 0
      ? units
          .reduce(
            (s, u) => s.plus(u.unitValue.mul(u.planned.reduce((a, b) => a + b, 0))),
            new Dec(0),
          )
          .div(totalPlannedUnits)
      : new Dec(0);

  const results: RiskWrite[] = [];
  const lineGaps: { label: string; targetKind: string; targetCode: string; gap: number }[] = [];
  const subjects = [
    {
      lineNo: 0,
      label: 'Total',
      history: totalHistory,
      planned: totalPlanned,
      unitValue: totalValue,
      targetKind: '',
      targetCode: '',
    },
    ...units,
  ];
  for (const subject of subjects) {
    const a = assessCommitment({
      label: subject.label,
      history: subject.history,
      plannedByMonth: subject.planned,
      elapsed,
      lead,
    });
    if (subject.lineNo > 0)
      lineGaps.push({
        label: subject.label,
        targetKind: subject.targetKind,
        targetCode: subject.targetCode,
        gap: a.commitment - a.expected,
      });
    const value = subject.unitValue;
    const interventions: Intervention[] = [];
    const what = subject.lineNo === 0 ? 'any line' : subject.label;
    const modelLine =
      subject.lineNo > 0 && subject.targetKind === 'model_line' ? subject.targetCode : undefined;
    // Units within reach this month: at most twice the plan's average month (else an amendment).
    const reachable = Math.max(5, (2 * a.commitment) / Math.max(1, a.term));
    for (const step of a.unitsFor) {
      if (step.units === null || step.units === 0 || step.units > reachable) continue;
      if (interventions.some((i) => i.kind === 'more_units' && i.units === step.units)) continue;
      interventions.push({
        kind: 'more_units',
        units: step.units,
        probability: step.target,
        ...(subject.lineNo > 0 ? { line: subject.label } : {}),
        ...(modelLine ? { modelLine } : {}),
        amount: moneyString(roundMoney(value.mul(step.units), options.currency), options.currency),
        text: `${step.units} more units of ${what} this month lift the probability to ${pct(step.target)}`,
      });
    }
    const remaining = a.term - a.elapsed;
    if (remaining > 0 && a.probability < 0.2) {
      interventions.push({
        kind: 'amendment',
        units: Math.round(a.expected),
        text: `propose an amendment to a realistic plan: about ${Math.round(a.expected)} units (80 % interval ${Math.round(a.lower80)}–${Math.round(a.upper80)}) instead of ${Math.round(a.commitment)}`,
      });
    }
    const shortfallMoney = roundMoney(value.mul(a.shortfallUnits), options.currency);
    if (remaining > 0 && a.probability < 0.5 && shortfallMoney.gt(0)) {
      interventions.push({
        kind: 'field_visit',
        amount: moneyString(shortfallMoney, options.currency),
        text: `field visit: about ${Math.round(a.shortfallUnits)} units expected short of the commitment`,
      });
    }
    const drivers = a.drivers;
    results.push({
      agreementId: agreement.id,
      lineNo: subject.lineNo,
      dealerId: agreement.dealerId,
      label: subject.label,
      asOf: options.asOf ?? options.today,
      elapsedMonths: a.elapsed,
      termMonths: a.term,
      commitment: Math.round(a.commitment),
      toDate: Math.round(a.toDate),
      probability: a.probability,
      rawProbability: a.rawProbability,
      expected: a.expected,
      lower80: a.lower80,
      upper80: a.upper80,
      shortfallUnits: a.shortfallUnits,
      unitValue: moneyString(roundMoney(value, options.currency), options.currency),
      shortfallMoney: moneyString(shortfallMoney, options.currency),
      drivers,
      interventions,
    });
  }
  // The totals come first but their mix and lagging line need the lines' gaps.
  if (subjects.length > 1 && results[0]) results[0] = withMix(results[0], lineGaps);
  // A term seen for the first time gets its past: the totals as of each complete month.
  if (options.backfill && results[0]) {
    const past: PastPoint[] = [];
    for (let e = 1; e < elapsed; e += 1) {
      const a = assessCommitment({
        label: 'Total',
        history: totalHistory.slice(0, totalHistory.length - (elapsed - e)),
        plannedByMonth: totalPlanned,
        elapsed: e,
      });
      past.push({
        day: `${addMonths(agreement.startMonth, e)}-01`,
        probability: a.probability,
        expected: a.expected,
      });
    }
    results[0] = { ...results[0], past };
  }
  return results;
}

type PastPoint = { day: string; probability: number; expected: number };

/** Adds the mix (lines' gaps) and the lagging line's name to the totals once the lines are known. */
function withMix(
  totals: RiskWrite,
  lineGaps: { label: string; targetKind: string; targetCode: string; gap: number }[],
): RiskWrite {
  const lagging = [...lineGaps].sort((x, y) => y.gap - x.gap)[0];
  const drivers = [
    ...(totals.drivers as object[]),
    ...lineGaps
      .filter((g) => g.gap > 0.5)
      .sort((x, y) => y.gap - x.gap)
      .slice(0, 3)
      .map((g) => ({
        kind: 'mix',
        units: Math.round(g.gap * 10) / 10,
        text: `${g.label} is expected ${Math.round(g.gap)} units short of its line plan`,
        additive: false,
      })),
  ];
  const interventions = (totals.interventions as Intervention[]).map((i) => {
    if (i.kind !== 'more_units' || !lagging || lagging.gap <= 0) return i;
    return {
      ...i,
      ...(lagging.targetKind === 'model_line' ? { modelLine: lagging.targetCode } : {}),
      line: lagging.label,
      text: i.text.replace('of any line', `of ${lagging.label}`),
    };
  });
  return { ...totals, drivers, interventions };
}

export function createInsightsService(deps: Deps) {
  const repoOf = (q: Queryable) => createInsightsRepository(q);

  /**
   * Recomputes the risks of some dealers' agreements (all when null), as the system. Chunks of
   * agreements: one read of their lines' monthly histories (one row per line, from the roll-up),
   * the pure assessment, one write. On a PostgreSQL server the next chunk's read and the previous
   * chunk's write run while this chunk is computed (the database and Node work at once).
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
      const timings = { readMs: 0, computeMs: 0, writeMs: 0 };
      const overlap = deps.db.engine === 'postgres';
      const read = async (chunk: RiskAgreementRow[]) => {
        const t0 = performance.now();
        const earliest = chunk.reduce(
          (m, a) => (a.startMonth < m ? a.startMonth : m),
          addMonths(basis.month, -HISTORY_MONTHS),
        );
        const ids = chunk.map((a) => a.id);
        const [rows, seen] = await Promise.all([
          repo.lineHistories(ids, earliest, basis.month),
          repo.agreementsWithHistory(ids),
        ]);
        timings.readMs += performance.now() - t0;
        return { rows, seen };
      };
      const write = async (ids: number[], writes: RiskWrite[]) => {
        const t0 = performance.now();
        await deps.db.transaction((tx) => repoOf(tx).saveRisks(ids, writes, today));
        timings.writeMs += performance.now() - t0;
      };
      const chunks: RiskAgreementRow[][] = [];
      for (let i = 0; i < agreements.length; i += CHUNK) chunks.push(agreements.slice(i, i + CHUNK));
      let risks = 0;
      let done = 0;
      let next = chunks.length > 0 ? read(chunks[0]!) : null;
      let pending: Promise<void> | null = null;
      for (let c = 0; c < chunks.length; c += 1) {
        const chunk = chunks[c]!;
        const { rows, seen } = await next!;
        next = c + 1 < chunks.length && overlap ? read(chunks[c + 1]!) : null;
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
          }),
        );
        timings.computeMs += performance.now() - t0;
        if (pending) await pending;
        pending = write(
          chunk.map((a) => a.id),
          writes,
        );
        if (!overlap) await pending;
        if (!next && c + 1 < chunks.length) next = read(chunks[c + 1]!);
        risks += writes.length;
        done += chunk.length;
        await report?.(done, agreements.length);
      }
      if (pending) await pending;
      if (dealerIds === null) {
        await repo.pruneRisks();
        await repo.settleInterventionOutcomes(today);
      }
      return { agreements: agreements.length, risks, asOf: basis.asOf, timings };
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

  return {
    refresh,

    /** Starts the network-wide refresh as a job (the nightly run; also on demand). */
    async startRefresh({ actor }: { actor: Actor | null }) {
      if (actor) requirePermission(actor, 'agreements:write');
      return deps.jobs.start({ actor, kind: RISK_JOB_KIND, params: {} });
    },

    /**
     * Refreshes the dealers of each ingested batch (within seconds of the batch), and the whole
     * network once a night (at `nightlyHourUtc`). Returns a stop function.
     */
    listen(options: { nightlyHourUtc?: number } = {}): () => void {
      unsubscribe?.();
      const off = deps.events.on('transactions.ingested', ({ batchId }) => {
        void runAsSystem(async () => {
          const { rows } = await deps.db.query<{ dealerIds: number[] | null }>(
            `select dealer_ids as "dealerIds" from ingest_batches where id = $1`,
            [batchId],
          );
          const dealerIds = rows[0]?.dealerIds ?? [];
          if (dealerIds.length > 0) await refresh(dealerIds);
        }).catch((error: unknown) =>
          process.emitWarning(
            `insights refresh after batch ${batchId} failed: ${(error as Error).message}`,
          ),
        );
      });
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
      const id = await repo.insertIntervention({
        dealerId: dealer.id,
        agreementId,
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
