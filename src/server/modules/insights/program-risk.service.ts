/**
 * Program tier risks in the app (issue 14 §1): for every running incentive program (published,
 * today within its dates) and every eligible dealer, the risk of each tier in the program's
 * current measurement window (program-risk.ts, one dealer's in program-risk-dealer.ts), kept in
 * `program_tier_risks`. Refreshed with the agreements' risks (insights.service.ts refresh: the
 * nightly job and the dealers of each batch); read scoped on the risk board and in the dealer's
 * outlook. Ended windows are settled first (program-risk-settle.ts).
 *
 * The incentive engine's inputs (grouped rows for the network, or progressInputs, the same
 * loading as the dealer's progress page) give the measure to date as of the risks' basis (the
 * last complete month); the monthly roll-up gives the history of the measure's SKUs; one
 * simulation per dealer × distinct history reads every tier (see `refresh`). The running
 * programs and each one's plan: program-risk-plans.ts; the refresh's two paths (network, per
 * dealer): program-risk-paths.ts; the bench's floor of its reads: program-risk-floor.ts.
 */
import { readDealerExpectation, type DealerExpectation } from './dealer-expectation';
import { notFound } from '../../../shared/errors';
import { monthFromIndex, monthIndex } from '../../../shared/months';
import type { ProgramRisk, ProgramRiskList } from '../../../shared/schemas/program-risk';
import { requirePermission, type Actor } from '../../auth/actor';
import { runAsSystem } from '../../db/scope';
import { createIncentivesContext, type IncentivesDeps } from '../incentives/incentives-context';
import { createIncentivesContextRepository } from '../incentives/incentives-context.repository';
import type { DealerRow } from '../incentives/incentives.repository';
import { createProgressService } from '../incentives/progress.service';
import { HISTORY_MONTHS, readSupply, type Supply } from './agreement-risk';
import { readMarketTrend } from './market-trend';
import { createInsightsRepository } from './insights.repository';
import type { DrawsMemo } from './program-risk';
import { assessDealer, type DealerInput, type ProgramRiskOut } from './program-risk-dealer';
import { bareInputs } from './program-risk-floor';
import { createHistoryReads, dealerEnding, type Histories } from './program-risk-histories';
import { networkPath, perDealerPath, type RefreshRun } from './program-risk-paths';
import { programPlans, runningPrograms, type Plan } from './program-risk-plans';
import { settleEnded } from './program-risk-settle';
import { calibrationUsed, type ActiveCalibration } from './risk-calibration';
import type { SalesEnds } from './sales-end';
import { createProgramRiskRepository, type ProgramRiskRow } from './program-risk.repository';

type Market = { ratio: number; months: number };

export function createProgramRiskService(deps: IncentivesDeps) {
  const shared = createIncentivesContext(deps);
  const { progressInputs } = createProgressService({ shared });

  /**
   * Recomputes the program tier risks of some dealers (all when null) as of `basis` (the
   * agreements' risk basis: the first month that is not complete and the last day before it),
   * by the network path (default) or the per-dealer one (`perDealer`; program-risk-paths.ts).
   */
  async function refresh(
    dealerIds: number[] | null,
    basis: { month: string; asOf: string },
    options: {
      perDealer?: boolean;
      /** tests' slices of dealers and row budget (program-risk-paths.ts ROW_BUDGET) */
      slice?: number;
      rowBudget?: number;
      /** these dealers' supply and market, already read by the caller (risk-refresh.ts) */
      inputs?: {
        supply: Map<number, Supply>;
        market: Map<number, Market>;
        expectation?: Map<number, DealerExpectation>;
      };
      /** the network's recalibration the agreements' risks use (null: the shipped one) */
      calibration?: ActiveCalibration;
      /** the catalog's planned ends of sale, already read by the caller (risk-refresh.ts) */
      salesEnds?: SalesEnds;
    } = {},
  ): Promise<{
    programs: number;
    risks: number;
    /** incentive_tier interventions whose window ended and got their outcome */
    settled: number;
    timings: { readMs: number; computeMs: number; writeMs: number };
  }> {
    return runAsSystem(async () => {
      const timings = { readMs: 0, computeMs: 0, writeMs: 0 };
      const today = deps.today();
      const ctx = await shared.context();
      // the windows that ended first: their last risks say which dealers to settle
      const settled = await settleEnded({ db: deps.db, progressInputs }, ctx, today, dealerIds);
      const running = await runningPrograms(shared, ctx, today);
      const programIds = running.map((x) => x.p.row.id);
      const repo = createProgramRiskRepository(deps.db);
      const network = await createIncentivesContextRepository(deps.db).findDealers({
        kind: 'network',
      });
      const wanted = dealerIds === null ? null : new Set(dealerIds);
      const dealers = wanted ? network.filter((d) => wanted.has(d.id)) : network;
      const names = await repo.modelLineNames();
      // The drivers' supply (availability's days' supply per model line) and regional market.
      const dealerIdList = dealers.map((d) => d.id);
      const [supplies, markets] = options.inputs
        ? [options.inputs.supply, options.inputs.market]
        : await Promise.all([
            createInsightsRepository(deps.db)
              .skuModelLines()
              .then((catalog) => readSupply(deps.db, today, dealerIdList, catalog)),
            readMarketTrend(deps.db, basis.month, dealerIdList),
          ]);
      // The dealers' own forecast-grid adjustments: a driver beside a units tier's (issue 14 §2).
      const expectations =
        options.inputs?.expectation ??
        (await readDealerExpectation(deps.db, basis.month, dealerIdList));
      // The model lines' planned ends of sale: an ending line's forecast after its end comes off.
      const salesEnds = options.salesEnds ?? (await createInsightsRepository(deps.db).salesEnds());
      const basisIndex = monthIndex(basis.month);
      const from = monthFromIndex(basisIndex - HISTORY_MONTHS);
      const plans = programPlans({ running, dealers, ctx, basis, today, salesEnds });
      const histories = createHistoryReads(deps.db, {
        from,
        to: basis.month,
        topFrom: monthFromIndex(basisIndex - 12),
      });
      const assess = (
        plan: Plan,
        d: DealerRow,
        input: DealerInput | undefined,
        h: Histories,
        memo?: DrawsMemo,
      ) => {
        if (!input) return null;
        const sku = ctx.skus.get(h.top.get(d.id) ?? -1) ?? plan.onSale[0];
        return assessDealer({
          program: plan.program,
          dealer: d,
          input,
          sku,
          ctx,
          basis,
          history: h.histories.get(d.id),
          others: h.others.get(d.id),
          lines: h.lines.get(d.id) ?? [],
          axisSkus: plan.axis,
          supply: supplies.get(d.id),
          market: markets.get(d.id),
          expectation: expectations.get(d.id),
          modelLineName: sku ? (names.get(sku.modelLineCode) ?? sku.modelLineCode) : '',
          ...(memo ? { memo } : {}),
          ...(options.calibration ? { recalibration: options.calibration.points } : {}),
          ...(plan.ending.length + plan.endingOthers.length > 0
            ? {
                salesEnds,
                ending: dealerEnding(plan.ending, h.ending, d.id),
                endingOthers: dealerEnding(plan.endingOthers, h.endingOthers, d.id),
              }
            : {}),
        });
      };
      const rowInputs = (plan: Plan, chunk: DealerRow[]) =>
        progressInputs(plan.program.p, plan.program.version, chunk, ctx, plan.program.period);
      const save = async (
        ids: number[] | null,
        writes: ProgramRiskOut[],
        stored?: ReadonlyMap<string, string>,
      ) => {
        const w0 = performance.now();
        await deps.db.transaction((tx) =>
          createProgramRiskRepository(tx).save(
            programIds,
            ids,
            writes,
            today,
            options.calibration?.id ?? null,
            stored,
          ),
        );
        timings.writeMs += performance.now() - w0;
      };
      const run: RefreshRun = {
        db: deps.db,
        ctx,
        basis,
        dealerIds,
        dealers,
        dealerIdList,
        programIds,
        plans,
        histories,
        assess,
        rowInputs,
        save,
        timings,
      };
      const risks = options.perDealer ? await perDealerPath(run) : await networkPath(run, options);
      // the dealers' rows of no running program, or of a dealer no longer in the network, go
      const w0 = performance.now();
      await deps.db.transaction(async (tx) => {
        const r = createProgramRiskRepository(tx);
        if (!options.perDealer) await r.dropOthers(programIds, dealerIds, dealerIdList);
        await r.prune(programIds, dealerIds);
      });
      timings.writeMs += performance.now() - w0;
      return { programs: running.length, risks, settled, timings };
    });
  }

  function toRisk(row: ProgramRiskRow): ProgramRisk {
    const { dealerId: _dealerId, ...rest } = row;
    return {
      ...rest,
      axis: row.axis as ProgramRisk['axis'],
      tiers: row.tiers as ProgramRisk['tiers'],
      interventions: row.interventions as ProgramRisk['interventions'],
      calibration: calibrationUsed(row.calibration),
    };
  }

  return {
    refresh,
    /** The bench's floor (bench/insights.ts): the bare SQL of the run's two large reads. */
    bareInputs: (basis: { month: string; asOf: string }) => bareInputs(shared, basis),

    /** Program tier risks in scope by the next tier's expected missed money (the board). */
    async listProgramRisks({
      actor,
      dealer,
      program,
      limit,
    }: {
      actor: Actor;
      dealer?: string;
      program?: string;
      limit?: number;
    }): Promise<ProgramRiskList> {
      requirePermission(actor, 'programs:read');
      const rows = await createProgramRiskRepository(deps.db).list(actor.scope, {
        limit: limit ?? 100,
        ...(dealer ? { dealerCode: dealer } : {}),
        ...(program ? { programCode: program } : {}),
      });
      return { asOf: rows[0]?.asOf ?? null, items: rows.map(toRisk) };
    },

    /** One dealer's programs (404 outside the actor's scope), lowest next-tier probability first. */
    async getDealerProgramRisks({
      actor,
      dealerCode,
    }: {
      actor: Actor;
      dealerCode: string;
    }): Promise<ProgramRiskList> {
      requirePermission(actor, 'programs:read');
      const dealer = await createInsightsRepository(deps.db).dealerInScope(actor.scope, dealerCode);
      if (!dealer) throw notFound('Dealer', dealerCode);
      const rows = await createProgramRiskRepository(deps.db).list(actor.scope, {
        limit: 100,
        dealerCode,
      });
      return { asOf: rows[0]?.asOf ?? null, items: rows.map(toRisk) };
    },
  };
}

export type ProgramRiskService = ReturnType<typeof createProgramRiskService>;
