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
 * simulation per dealer × distinct history reads every tier (see `refresh`).
 */
import { readDealerExpectation, type DealerExpectation } from './dealer-expectation';
import { notFound } from '../../../shared/errors';
import { monthFromIndex, monthIndex } from '../../../shared/months';
import type { ProgramRisk, ProgramRiskList } from '../../../shared/schemas/program-risk';
import { requirePermission, type Actor } from '../../auth/actor';
import { runAsSystem } from '../../db/scope';
import { checkEligibility, resolvePeriod } from '../incentives/calc';
import {
  compiledKinds,
  createIncentivesContext,
  latest,
  toDealer,
  versionFor,
  type Ctx,
  type IncentivesDeps,
} from '../incentives/incentives-context';
import { createIncentivesContextRepository } from '../incentives/incentives-context.repository';
import type { DealerRow } from '../incentives/incentives.repository';
import { createProgramsRepository } from '../incentives/programs.repository';
import { createProgressService } from '../incentives/progress.service';
import { createStatementsRepository } from '../incentives/statements.repository';
import { HISTORY_MONTHS, readSupply, type Supply } from './agreement-risk';
import { readMarketTrend } from './market-trend';
import { observed } from './observed';
import { createInsightsRepository } from './insights.repository';
import type { DrawsMemo } from './program-risk';
import {
  assessDealer,
  statementDate,
  windowMonths,
  type DealerInput,
  type ProgramRiskOut,
  type Running,
} from './program-risk-dealer';
import { createHistoryReads, dealerEnding, type Histories } from './program-risk-histories';
import { groupable, groupedSpec, networkInputs, type InputsOf } from './program-risk-network';
import { createProgramRiskReadsRepository } from './program-risk-reads.repository';
import { axisSkus } from './program-risk-measure';
import { settleEnded } from './program-risk-settle';
import { calibrationUsed, type ActiveCalibration } from './risk-calibration';
import { endingLines, onSaleSkus, type SalesEnds } from './sales-end';
import { createProgramRiskRepository, type ProgramRiskRow } from './program-risk.repository';

/** Dealers per read of the per-dealer path. */
const CHUNK = 500;
/**
 * Dealers per slice of the network path: what the run holds at once besides the network's reads
 * (every program's statement inputs and risks of a slice's dealers) grows with the slice.
 */
const SLICE = 500;
/**
 * Feed rows the network path may hold for the programs read row by row (not grouped), read once
 * for the network; a program whose estimate does not fit is read slice by slice.
 */
const ROW_BUDGET = 1_000_000;
/** Dealers computed between two yields to the event loop (the overlapped write goes on). */
const YIELD_EVERY = 25;

type Market = { ratio: number; months: number };

export function createProgramRiskService(deps: IncentivesDeps) {
  const shared = createIncentivesContext(deps);
  const { progressInputs } = createProgressService({ shared });

  async function runningPrograms(ctx: Ctx, today: string): Promise<Running[]> {
    const repo = createProgramsRepository(deps.db);
    const rows = (await repo.findPrograms()).filter((r) => r.status === 'published');
    const versions = await repo.findVersions(rows.map((r) => r.id));
    const out: Running[] = [];
    for (const row of rows) {
      const published = versions.filter((v) => v.programId === row.id && v.status === 'published');
      if (published.length === 0) continue;
      const p = { row, versions: published };
      const def0 = latest(p).definition;
      if (today < def0.startDate || today > def0.endDate) continue;
      const period = shared.defaultPeriod(p, ctx);
      const settlement = resolvePeriod({ program: def0, period, fiscalYearStartMonth: ctx.fy });
      const version = versionFor(p, settlement.window.start);
      out.push({
        p,
        version,
        def: version.definition,
        period: settlement.period,
        window: settlement.window,
        cutoff: settlement.cutoff,
      });
    }
    return out;
  }

  /**
   * Recomputes the program tier risks of some dealers (all when null) as of `basis` (the
   * agreements' risk basis: the first month that is not complete and the last day before it).
   *
   * The network path (default) goes by slices of SLICE dealers: for a slice, each program's
   * engine inputs for its eligible dealers in one read (grouped rows when the totals allow it,
   * program-risk-network.ts; otherwise the rows, as the per-dealer path), each distinct axis
   * history (SKUs × kinds) once, then dealer by dealer every program, sharing the simulation of
   * a history between the programs that count the same SKUs, and the slice's write. Nothing of
   * a slice is kept once it is written: the run holds one slice's inputs, not the network's.
   * The per-dealer path (`perDealer`: the reference the tests compare it with) reads each program
   * by chunks of dealers, row by row, simulates every dealer × program on its own, and writes once.
   */
  async function refresh(
    dealerIds: number[] | null,
    basis: { month: string; asOf: string },
    options: {
      perDealer?: boolean;
      /** tests' slices of dealers and row budget (ROW_BUDGET) */
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
      const running = await runningPrograms(ctx, today);
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
      const skus = [...ctx.skus.values()].sort((a, b) => a.code.localeCompare(b.code));
      const basisIndex = monthIndex(basis.month);
      const from = monthFromIndex(basisIndex - HISTORY_MONTHS);
      const plans = running.map((program) => {
        const { def, window } = program;
        const eligible = dealers.filter(
          (d) =>
            checkEligibility({
              program: { eligibility: { ...def.eligibility, requiresActiveAgreement: false } },
              dealer: toDealer(d, ctx, [], window).dealer,
            }).eligible,
        );
        const { axis, others } = axisSkus(def, skus);
        const kinds = compiledKinds(def.qualifying.kinds);
        // The mix's first month: the window's complete months (at most the last 12).
        const windowFrom = window.start.slice(0, 7);
        const mixFrom =
          monthIndex(windowFrom) < basisIndex - 12 ? monthFromIndex(basisIndex - 12) : windowFrom;
        // the axis's (and the others') model lines whose sale ends before the window does
        const { firstRemaining, remaining } = windowMonths(window, basis);
        const ending = endingLines(salesEnds, axis, firstRemaining, remaining);
        const endingOthers = endingLines(salesEnds, others, firstRemaining, remaining);
        // the SKUs a step may name: the axis's still on sale when extra units count (today or
        // the window's start); the dealer's top SKU is read among them
        const onSale = onSaleSkus(salesEnds, axis, window.start > today ? window.start : today);
        return { program, eligible, axis, others, kinds, mixFrom, ending, endingOthers, onSale };
      });
      type Plan = (typeof plans)[number];
      const { readHistories, readAllHistories } = createHistoryReads(deps.db, {
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
      let risks = 0;
      if (options.perDealer) {
        const writes: ProgramRiskOut[] = [];
        for (const plan of plans)
          for (let i = 0; i < plan.eligible.length; i += CHUNK) {
            const chunk = plan.eligible.slice(i, i + CHUNK);
            const r0 = performance.now();
            const ids = chunk.map((d) => d.id);
            const [inputs, h] = await Promise.all([
              rowInputs(plan, chunk),
              readHistories(plan, ids),
            ]);
            const c0 = performance.now();
            timings.readMs += c0 - r0;
            for (const d of chunk) {
              const write = assess(plan, d, inputs.get(d.id), h);
              if (write) writes.push(write);
            }
            timings.computeMs += performance.now() - c0;
          }
        await save(dealerIds, writes);
        risks = writes.length;
      } else {
        const size = options.slice ?? SLICE;
        const overlap = deps.db.engine === 'postgres';
        // Reads: each program's inputs and each distinct axis history once for the network's
        // eligible dealers (on a server, a few at once), handed out slice by slice. A batch's
        // dealers (one slice): each kind of read once for every program.
        const r0 = performance.now();
        const width = overlap ? 4 : 1;
        const queue = plans.filter((plan) => plan.eligible.length > 0);
        // a batch's dealers in one slice: their rows read at once whatever the estimate
        const oneSlice = dealerIds !== null && dealers.length <= size;
        const [histories, inputsOf, stored] = await Promise.all([
          readAllHistories(queue, dealerIdList, dealerIds !== null, width),
          networkInputs(
            deps.db,
            queue.map(({ program, eligible }) => ({
              programId: program.p.row.id,
              version: program.version,
              dealers: eligible,
              period: program.period,
              canGroup: groupable(program.def, statementDate(program, basis)),
            })),
            {
              ctx,
              width,
              ...(oneSlice && options.rowBudget === undefined
                ? {}
                : {
                    rowBudget: {
                      left: options.rowBudget ?? ROW_BUDGET,
                      estimates: new Map<string, number>(),
                    },
                  }),
            },
          ),
          // the stored risks' hashes: an unchanged risk is written as a short line
          repo.storedHashes(programIds, dealerIds),
        ]);
        const read = new Map<Plan, { inputsOf: InputsOf | null; h: Histories }>();
        for (const plan of queue)
          read.set(plan, {
            inputsOf: inputsOf.get(plan.program.p.row.id) ?? null,
            h: histories.get(plan)!,
          });
        timings.readMs += performance.now() - r0;
        // Slice by slice: dealer by dealer, every program (one simulation per distinct history),
        // in plan order; on a server the slice is written while the next one is computed.
        let pending: Promise<void> | null = null;
        try {
          for (let s = 0; s < dealers.length; s += size) {
            const slice = dealers.slice(s, s + size);
            const ids = slice.map((d) => d.id);
            const inSlice = new Set(ids);
            const inputs = new Map<Plan, Map<number, DealerInput>>();
            for (const [plan, x] of read) {
              const eligible = plan.eligible.filter((d) => inSlice.has(d.id));
              if (eligible.length === 0) continue;
              if (x.inputsOf) inputs.set(plan, x.inputsOf(eligible));
              else {
                // a program whose rows exceed the budget: its rows by slices
                const r1 = performance.now();
                inputs.set(plan, await rowInputs(plan, eligible));
                timings.readMs += performance.now() - r1;
              }
            }
            let c0 = performance.now();
            const writes: ProgramRiskOut[] = [];
            for (const [k, d] of slice.entries()) {
              if (overlap && k > 0 && k % YIELD_EVERY === 0) {
                // let the previous slice's write go on (its COPY is fed from this thread)
                timings.computeMs += performance.now() - c0;
                await new Promise<void>((resolve) => setImmediate(resolve));
                c0 = performance.now();
              }
              const memo: DrawsMemo = new Map();
              for (const plan of plans) {
                const x = read.get(plan);
                const input = inputs.get(plan)?.get(d.id);
                const write = x ? assess(plan, d, input, x.h, memo) : null;
                if (write) writes.push(write);
              }
            }
            timings.computeMs += performance.now() - c0;
            if (pending) await pending;
            pending = observed(save(ids, writes, stored));
            if (!overlap) await pending;
            risks += writes.length;
          }
          if (pending) await pending;
        } finally {
          // on a failure, nothing of this refresh keeps writing after it returns
          await Promise.allSettled([pending]);
        }
      }
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

  /**
   * The bench's floor (bench/insights.ts): the bare SQL of the run's two large reads, each once
   * for every network dealer, rows discarded — every running program's window rows as the run
   * reads them (grouped per dealer × month when the totals allow it, one read shared by the
   * programs that count the same rows; otherwise every row) and each distinct axis history.
   * (The run's smaller reads — top SKUs, the mix, plans, stored statements — are left out: a
   * floor, not a replay.)
   */
  async function bareInputs(basis: { month: string; asOf: string }): Promise<number> {
    return runAsSystem(async () => {
      const ctx = await shared.context();
      const running = await runningPrograms(ctx, deps.today());
      const repo = createProgramRiskRepository(deps.db);
      const statements = createStatementsRepository(deps.db);
      const network = await createIncentivesContextRepository(deps.db).findDealers({
        kind: 'network',
      });
      const ids = network.map((d) => d.id);
      const skus = [...ctx.skus.values()];
      const from = monthFromIndex(monthIndex(basis.month) - HISTORY_MONTHS);
      const seen = new Set<string>();
      // a claims program without an approved claim reads no row (program-risk-network.ts)
      const claimed = await createProgramRiskReadsRepository(deps.db).withApprovedClaims(
        running.filter((x) => x.def.requiresClaim).map((x) => x.p.row.id),
      );
      let rows = 0;
      for (const program of running) {
        const { def } = program;
        const { grouped, key, spec } = groupedSpec({
          programId: program.p.row.id,
          def,
          period: program.period,
          ctx,
          dealerIds: ids,
        });
        if (spec.rows.requiresClaim && !claimed.has(program.p.row.id)) {
          // no row to read
        } else if (!groupable(def, statementDate(program, basis)))
          rows += (await statements.findTransactionRows(spec.rows)).length;
        else if (key === null || !seen.has(key)) {
          if (key !== null) seen.add(key);
          rows += (await statements.findAggregatedRows(grouped)).length;
        }
        const axis = axisSkus(def, skus).axis.map((x) => x.id);
        const kinds = compiledKinds(def.qualifying.kinds);
        const history = `${kinds.join(',')}|${axis.join(',')}`;
        if (seen.has(history)) continue;
        seen.add(history);
        rows += (await repo.axisHistories(ids, axis, kinds, from, basis.month)).length;
      }
      return rows;
    });
  }

  return {
    refresh,
    bareInputs,

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
