/**
 * Over 600 lines because it keeps both paths of the refresh (the network path and the
 * per-dealer reference the tests compare it with) beside the assessment they share.
 *
 * Program tier risks in the app (issue 14 §1): for every running incentive program (published,
 * today within its dates) and every eligible dealer, the risk of each tier in the program's
 * current measurement window (program-risk.ts), kept in `program_tier_risks`. Refreshed with the
 * agreements' risks (insights.service.ts refresh: the nightly job and the dealers of each batch);
 * read scoped on the risk board and in the dealer's outlook.
 *
 * The incentive engine's inputs (grouped rows for the network, or progressInputs, the same
 * loading as the dealer's progress page) give the measure to date as of the risks' basis (the
 * last complete month); the monthly roll-up gives the history of the measure's SKUs; one
 * simulation per dealer × distinct history reads every tier (see `refresh`).
 */
import { notFound } from '../../../shared/errors';
import { Dec, moneyString } from '../../../shared/money';
import { monthFromIndex, monthIndex } from '../../../shared/months';
import type { ProgramDefinition } from '../../../shared/schemas/program';
import type {
  ProgramRisk,
  ProgramRiskList,
  ProgramTierRisk,
} from '../../../shared/schemas/program-risk';
import { requirePermission, type Actor } from '../../auth/actor';
import { runAsSystem } from '../../db/scope';
import type { ProgramRisk as ProgramRiskApi } from '../../../shared/schemas/program-risk';
type RiskIntervention = ProgramRiskApi['interventions'][number];
import { calculateStatement, checkEligibility, resolvePeriod } from '../incentives/calc';
import { compileTiers } from '../incentives/calc/tiers';
import {
  compiledKinds,
  createIncentivesContext,
  latest,
  skuMatches,
  toDealer,
  versionFor,
  type Ctx,
  type IncentivesDeps,
  type Loaded,
} from '../incentives/incentives-context';
import { createIncentivesContextRepository } from '../incentives/incentives-context.repository';
import type { DealerRow, SkuRow, TxRow, VersionRow } from '../incentives/incentives.repository';
import { priceOn } from '../incentives/pricing';
import { createProgramsRepository } from '../incentives/programs.repository';
import { createProgressService } from '../incentives/progress.service';
import { HISTORY_MONTHS, readSupply, type Supply } from './agreement-risk';
import { supplyAssessment } from './assess';
import { readMarketTrend } from './market-trend';
import { createInsightsRepository } from './insights.repository';
import {
  assessTiers,
  expectedMissed,
  measureBasis,
  memoDraws,
  tierDrivers,
  tierMoney,
  type DrawsMemo,
} from './program-risk';
import { groupable, groupedInputs } from './program-risk-network';
import {
  createProgramRiskRepository,
  type AxisHistoryRow,
  type LineProgressRow,
  type TierOutcome,
  type ProgramRiskRow,
  type ProgramRiskWrite,
} from './program-risk.repository';

const CHUNK = 500;
const pct = (p: number) => `${Math.round(p * 100)} %`;

type Running = {
  p: Loaded;
  version: VersionRow;
  def: ProgramDefinition;
  period: string;
  window: { start: string; end: string; label: string };
  cutoff: string;
};

/** The engine's statement date of a program's risk: the basis, inside the window. */
function statementDate(program: Running, basis: { asOf: string }): string {
  const { window, cutoff } = program;
  return basis.asOf < window.start ? window.start : basis.asOf > cutoff ? cutoff : basis.asOf;
}

type ProgramRiskOut = ProgramRiskWrite & { programName: string };

const byDealer = (rows: AxisHistoryRow[]) => new Map(rows.map((h) => [h.dealerId, h]));

/** A dealer's monthly series (HISTORY_MONTHS months ending before `basisIndex`). */
function series(row: AxisHistoryRow | undefined, basisIndex: number, revenue: boolean) {
  const first = basisIndex - HISTORY_MONTHS;
  const out = new Array<number>(HISTORY_MONTHS).fill(0);
  if (!row) return out;
  const values = revenue ? row.amounts : row.quantities;
  for (let k = 0; k < row.months.length; k += 1) {
    const at = row.months[k]! - first;
    if (at >= 0 && at < HISTORY_MONTHS) out[at] = Number(values[k]);
  }
  return out;
}

export function createProgramRiskService(deps: IncentivesDeps) {
  const shared = createIncentivesContext(deps);
  const { progressInputs } = createProgressService({ shared });
  type ProgressInput =
    Awaited<ReturnType<typeof progressInputs>> extends Map<number, infer T> ? T : never;

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

  /** The SKUs whose units the measure's axis counts (and, for ev_share, the other ones). */
  function axisSkus(def: ProgramDefinition, skus: SkuRow[]) {
    const qualifying = skus.filter((s) => skuMatches(def.qualifying, s));
    if (def.measure === 'ev_share')
      return {
        axis: qualifying.filter((s) => s.powertrain === 'BEV'),
        others: qualifying.filter((s) => s.powertrain !== 'BEV'),
      };
    if (def.measure === 'low_co2_units') {
      const limit = Number(def.co2ThresholdGPerKm ?? Number.NaN);
      return { axis: qualifying.filter((s) => s.co2GPerKm <= limit), others: [] };
    }
    return { axis: qualifying, others: [] };
  }

  /**
   * Settles the risks (of these dealers, or all) whose window has ended, before the refresh
   * replaces them with the next window's or prunes them: the engine's statement of the ended
   * period (as of its cutoff, or today when the cutoff is still ahead: later reports do not
   * count) gives the tier reached; kept in program_tier_outcomes, it settles the window's
   * incentive_tier interventions. Returns the interventions settled.
   */
  async function settleEnded(ctx: Ctx, today: string, dealerIds: number[] | null) {
    const repo = createProgramRiskRepository(deps.db);
    const ended = await repo.endedRisks(today, dealerIds);
    if (ended.length === 0) return 0;
    const programs = createProgramsRepository(deps.db);
    const ids = new Set(ended.map((e) => e.programId));
    const rows = (await programs.findPrograms()).filter((r) => ids.has(r.id));
    const versions = await programs.findVersions(rows.map((r) => r.id));
    const network = await createIncentivesContextRepository(deps.db).findDealers({
      kind: 'network',
    });
    const dealerById = new Map(network.map((d) => [d.id, d]));
    const outcomes: TierOutcome[] = [];
    for (const row of rows) {
      const published = versions.filter((v) => v.programId === row.id && v.status === 'published');
      if (published.length === 0) continue;
      const p = { row, versions: published };
      const mine = ended.filter((e) => e.programId === row.id);
      for (const period of new Set(mine.map((e) => e.period))) {
        const settlement = resolvePeriod({
          program: latest(p).definition,
          period,
          fiscalYearStartMonth: ctx.fy,
        });
        const version = versionFor(p, settlement.window.start);
        const tiers = compileTiers(version.definition);
        const these = mine.filter((e) => e.period === period);
        const asOf = settlement.cutoff < today ? settlement.cutoff : today;
        for (let i = 0; i < these.length; i += CHUNK) {
          const chunk = these.slice(i, i + CHUNK);
          const dealers = chunk.flatMap((e) => dealerById.get(e.dealerId) ?? []);
          const inputs = await progressInputs(p, version, dealers, ctx, settlement.period);
          for (const e of chunk) {
            const input = inputs.get(e.dealerId);
            const statement = input
              ? calculateStatement({
                  ...input,
                  period: settlement.period,
                  asOf,
                  includeLines: false,
                })
              : null;
            const final = statement?.tierReached ?? null;
            outcomes.push({
              programId: row.id,
              dealerId: e.dealerId,
              period,
              windowLabel: e.windowLabel,
              windowEnd: e.windowEnd,
              targetTier: e.tierReached + 1 < e.tierCount ? e.tierReached + 1 : -1,
              targetProbability: e.nextProbability,
              tierReached:
                final === null ? -1 : tiers.findIndex((t) => new Dec(t.fromText).eq(final)),
            });
          }
        }
      }
    }
    return deps.db.transaction((tx) => createProgramRiskRepository(tx).saveOutcomes(outcomes));
  }

  /**
   * Recomputes the program tier risks of some dealers (all when null) as of `basis` (the
   * agreements' risk basis: the first month that is not complete and the last day before it).
   *
   * The network path (default): each program's engine inputs for all its eligible dealers in one
   * read (grouped rows when the totals allow it, program-risk-network.ts), each distinct axis
   * history (SKUs × kinds) once for every dealer, then dealer by dealer every program, sharing
   * the simulation of a history between the programs that count the same SKUs, and one write.
   * The per-dealer path (`perDealer`: the reference the tests compare it with) reads each program
   * by chunks of dealers, row by row, and simulates every dealer × program on its own.
   */
  async function refresh(
    dealerIds: number[] | null,
    basis: { month: string; asOf: string },
    options: { perDealer?: boolean } = {},
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
      const settled = await settleEnded(ctx, today, dealerIds);
      const running = await runningPrograms(ctx, today);
      const repo = createProgramRiskRepository(deps.db);
      const network = await createIncentivesContextRepository(deps.db).findDealers({
        kind: 'network',
      });
      const wanted = dealerIds === null ? null : new Set(dealerIds);
      const dealers = wanted ? network.filter((d) => wanted.has(d.id)) : network;
      const names = await repo.modelLineNames();
      // The drivers' supply (availability's days' supply per model line) and regional market.
      const dealerIdList = dealers.map((d) => d.id);
      const catalog = await createInsightsRepository(deps.db).skuModelLines();
      const [supplies, markets] = await Promise.all([
        readSupply(deps.db, today, dealerIdList, catalog),
        readMarketTrend(deps.db, basis.month, dealerIdList),
      ]);
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
        return { program, eligible, axis, others, kinds };
      });
      type Plan = (typeof plans)[number];
      type Histories = {
        histories: Map<number, AxisHistoryRow>;
        others: Map<number, AxisHistoryRow>;
        top: Map<number, number>;
        lines: Map<number, LineProgressRow[]>;
      };
      // Each read of a SKU set's history once per refresh (programs often count the same SKUs).
      const reads = new Map<string, Promise<unknown>>();
      const once = <T>(key: string, read: () => Promise<T>): Promise<T> => {
        if (!reads.has(key)) reads.set(key, read());
        return reads.get(key) as Promise<T>;
      };
      const readHistories = async (
        plan: Plan,
        ids: number[],
        key: string | null,
      ): Promise<Histories> => {
        const axisIds = plan.axis.map((s) => s.id);
        const otherIds = plan.others.map((s) => s.id);
        const k = (what: string, skuIds: number[]) =>
          `${what}|${plan.kinds.join(',')}|${skuIds.join(',')}|${key}`;
        const read = <T>(what: string, skuIds: number[], fn: () => Promise<T>) =>
          key === null ? fn() : once(k(what, skuIds), fn);
        // The mix: the window's complete months (at most the last 12) against a year earlier.
        const windowFrom = plan.program.window.start.slice(0, 7);
        const mixFrom =
          monthIndex(windowFrom) < basisIndex - 12 ? monthFromIndex(basisIndex - 12) : windowFrom;
        const [histories, otherHistories, top, lines] = await Promise.all([
          read('history', axisIds, async () =>
            byDealer(await repo.axisHistories(ids, axisIds, plan.kinds, from, basis.month)),
          ),
          otherIds.length > 0
            ? read('history', otherIds, async () =>
                byDealer(await repo.axisHistories(ids, otherIds, plan.kinds, from, basis.month)),
              )
            : Promise.resolve(new Map<number, AxisHistoryRow>()),
          read('top', axisIds, () =>
            repo.topSkus(ids, axisIds, plan.kinds, monthFromIndex(basisIndex - 12), basis.month),
          ),
          read(`lines ${mixFrom}`, axisIds, async () => {
            const byDealer = new Map<number, LineProgressRow[]>();
            for (const row of await repo.lineProgress(
              ids,
              axisIds,
              plan.kinds,
              mixFrom,
              basis.month,
            ))
              byDealer.set(row.dealerId, [...(byDealer.get(row.dealerId) ?? []), row]);
            return byDealer;
          }),
        ]);
        return { histories, others: otherHistories, top, lines };
      };
      const assess = (
        plan: Plan,
        d: DealerRow,
        input: ProgressInput | undefined,
        h: Histories,
        memo?: DrawsMemo,
      ) => {
        if (!input) return null;
        const sku = ctx.skus.get(h.top.get(d.id) ?? -1) ?? plan.axis[0];
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
          modelLineName: sku ? (names.get(sku.modelLineCode) ?? sku.modelLineCode) : '',
          ...(memo ? { memo } : {}),
        });
      };
      const rowwise = async (plan: Plan, given?: Histories) => {
        const out: ProgramRiskOut[] = [];
        for (let i = 0; i < plan.eligible.length; i += CHUNK) {
          const chunk = plan.eligible.slice(i, i + CHUNK);
          const r0 = performance.now();
          const [inputs, h] = await Promise.all([
            progressInputs(plan.program.p, plan.program.version, chunk, ctx, plan.program.period),
            given ??
              readHistories(
                plan,
                chunk.map((d) => d.id),
                null,
              ),
          ]);
          const c0 = performance.now();
          timings.readMs += c0 - r0;
          for (const d of chunk) {
            const write = assess(plan, d, inputs.get(d.id), h);
            if (write) out.push(write);
          }
          timings.computeMs += performance.now() - c0;
        }
        return out;
      };
      const writes: ProgramRiskOut[] = [];
      if (options.perDealer) {
        for (const plan of plans) writes.push(...(await rowwise(plan)));
      } else {
        // Reads: each distinct axis once for every dealer, each program's inputs once.
        const r0 = performance.now();
        const ids = dealers.map((d) => d.id);
        const histories = new Map<Plan, Histories>();
        const rowReads = new Map<string, Promise<TxRow[]>>();
        const parallel = deps.db.engine === 'postgres' ? 4 : 1;
        const queue = [...plans];
        const grouped = new Map<Plan, Map<number, ProgressInput>>();
        await Promise.all(
          Array.from({ length: parallel }, async () => {
            for (let plan = queue.shift(); plan; plan = queue.shift()) {
              histories.set(plan, await readHistories(plan, ids, 'network'));
              const { program } = plan;
              if (!groupable(program.def, statementDate(program, basis))) continue;
              const inputs = await groupedInputs(deps.db, {
                programId: program.p.row.id,
                version: program.version,
                dealers: plan.eligible,
                ctx,
                period: program.period,
                reads: rowReads,
              });
              if (inputs) grouped.set(plan, inputs);
            }
          }),
        );
        timings.readMs += performance.now() - r0;
        // Dealer by dealer, every grouped program (one simulation per distinct history).
        const c0 = performance.now();
        for (const d of dealers) {
          const memo: DrawsMemo = new Map();
          for (const [plan, inputs] of grouped) {
            const write = assess(plan, d, inputs.get(d.id), histories.get(plan)!, memo);
            if (write) writes.push(write);
          }
        }
        timings.computeMs += performance.now() - c0;
        // The programs that need each row: by chunks, as the per-dealer path.
        for (const plan of plans)
          if (!grouped.has(plan)) writes.push(...(await rowwise(plan, histories.get(plan))));
      }
      const w0 = performance.now();
      await deps.db.transaction(async (tx) => {
        const r = createProgramRiskRepository(tx);
        await r.save(
          running.map((x) => x.p.row.id),
          dealerIds,
          writes,
          today,
        );
        await r.prune(
          running.map((x) => x.p.row.id),
          dealerIds,
        );
      });
      timings.writeMs += performance.now() - w0;
      return { programs: running.length, risks: writes.length, settled, timings };
    });
  }

  function assessDealer(options: {
    program: Running;
    dealer: DealerRow;
    input: ProgressInput;
    sku: SkuRow | undefined;
    ctx: Ctx;
    basis: { month: string; asOf: string };
    history: AxisHistoryRow | undefined;
    others: AxisHistoryRow | undefined;
    lines: LineProgressRow[];
    axisSkus: SkuRow[];
    supply: Supply | undefined;
    market: { ratio: number; months: number } | undefined;
    modelLineName: string;
    memo?: DrawsMemo;
  }): ProgramRiskOut | null {
    const { program, dealer, ctx, basis } = options;
    // one simulation per history for the tiers and the supply window alike
    const memo = options.memo ?? new Map();
    const { def, window } = program;
    const date = statementDate(program, basis);
    const input = {
      ...options.input,
      period: program.period,
      asOf: date,
      includeLines: false,
    };
    const statement = calculateStatement(input);
    if (!statement.eligible) return null;
    const currency = def.currency;
    const template = options.sku
      ? (() => {
          const msrp = priceOn(ctx.prices, options.sku.id, date, options.sku.msrp);
          return {
            sku: options.sku.code,
            modelLineCode: options.sku.modelLineCode,
            powertrain: options.sku.powertrain,
            segment: options.sku.segment,
            msrp,
            amountPerUnit: msrp,
            co2GPerKm: options.sku.co2GPerKm,
          };
        })()
      : null;
    const perUnit = template ? Number(template.amountPerUnit) : 0;
    const startIndex = monthIndex(window.start.slice(0, 7));
    const endIndex = monthIndex(window.end.slice(0, 7));
    const basisIndex = monthIndex(basis.month);
    const term = endIndex - startIndex + 1;
    const elapsed = Math.min(term, Math.max(0, basisIndex - startIndex));
    const remaining = term - elapsed;
    const lead = Math.max(0, startIndex - basisIndex);
    const revenueAxis =
      def.measure === 'revenue' || (def.measure === 'growth' && def.growthBasis === 'revenue');
    const history = series(options.history, basisIndex, revenueAxis);
    const otherForecast =
      def.measure === 'ev_share'
        ? memoDraws(memo, series(options.others, basisIndex, false), remaining, 0, lead).mean
        : 0;
    const tiers = compileTiers(def).map((t) => ({ from: t.fromText, value: t.valueText }));
    const measured = measureBasis({
      measure: def.measure,
      growthBasis: def.growthBasis,
      froms: tiers.map((t) => t.from),
      volumes: statement.volumes,
      plannedQuantity:
        options.input.plannedQuantity === null || options.input.plannedQuantity === undefined
          ? null
          : Number(options.input.plannedQuantity),
      priorYear: options.input.priorYear
        ? {
            units: Number(options.input.priorYear.units),
            revenue: String(options.input.priorYear.revenue),
          }
        : null,
      otherForecast,
      perUnit,
    });
    if (!measured) return null;
    const reached =
      statement.tierReached === null
        ? -1
        : tiers.findIndex((t) => new Dec(t.from).eq(statement.tierReached!));
    // Supply (units axes): the axis's model lines' units on hand and promised, against the
    // forecast's first month and what the next tier still needs (assess.ts, as the agreements).
    const axisLines = new Set(options.axisSkus.map((sku) => sku.modelLineCode));
    const lineSupply =
      options.supply && !revenueAxis
        ? [...options.supply].filter(([code]) => axisLines.has(code)).map(([, v]) => v)
        : [];
    const supplyInput =
      lineSupply.length > 0
        ? {
            units: lineSupply.reduce((s, v) => s + v.units, 0),
            daysSupply: lineSupply.length === 1 ? lineSupply[0]!.daysSupply : null,
            label: lineSupply.length === 1 ? lineSupply[0]!.label : `${def.name}'s lines`,
          }
        : undefined;
    const nextThreshold = measured.thresholds.find(
      (t, k) => k > reached && t !== null && t > measured.toDate,
    );
    const draws0 = supplyInput ? memoDraws(memo, history, remaining, 1000, lead) : null;
    const supply = supplyInput
      ? supplyAssessment({
          supply: supplyInput,
          firstMonth: draws0!.first,
          remaining,
          lead,
          need: (nextThreshold ?? measured.toDate) - measured.toDate,
        })
      : null;
    const risk = assessTiers(
      {
        ...(supply ? { shortage: supply.shortage } : {}),
        history,
        toDate: measured.toDate,
        remaining,
        term,
        lead,
        thresholds: measured.thresholds,
        reached,
        isMonotone: def.measure !== 'ev_share',
        ...(revenueAxis ? { perUnit } : {}),
      },
      memo,
    );
    const drivers = tierDrivers({
      history,
      toDate: measured.toDate,
      elapsed,
      term,
      lead,
      thresholds: measured.thresholds,
      reached: tiers.map((_, k) => k <= reached),
      result: risk,
      supply,
      ...(supplyInput ? { supplyInput } : {}),
      ...(options.market ? { market: options.market } : {}),
      lines: elapsed > 0 ? options.lines : [],
      unit: revenueAxis ? currency : measured.axis === 'bev_units' ? 'BEVs' : 'units',
    });
    const unitHistory = revenueAxis ? series(options.history, basisIndex, false) : history;
    const last12 = unitHistory.slice(-12);
    const reachable = Math.max(5, (2 * last12.reduce((s, v) => s + v, 0)) / 12);
    const tierRisks: ProgramTierRisk[] = tiers.map((tier, k) => {
      const r = risk.tiers[k]!;
      const isReached = k <= reached;
      const unitsNow = measured.unitsNow[k] ?? null;
      const money =
        !isReached && template && unitsNow !== null
          ? tierMoney({
              input,
              earned: statement.earned,
              template,
              units: unitsNow,
              date,
              tierFrom: tier.from,
            })
          : null;
      return {
        tier: k + 1,
        from: tier.from,
        value: tier.value,
        threshold: measured.thresholds[k] ?? null,
        reached: isReached,
        probability: r.probability,
        shortfall: r.shortfall,
        unitsNow: isReached ? 0 : (money?.units ?? unitsNow),
        unitsFor80: r.unitsFor80,
        adds: isReached ? moneyString(0, currency) : (money?.adds ?? null),
        pays: isReached ? moneyString(statement.earned, currency) : (money?.pays ?? null),
        expectedShortfallMoney:
          isReached || !money
            ? moneyString(0, currency)
            : expectedMissed(r.probability, money.adds, currency),
        drivers: drivers[k] ?? [],
      };
    });
    const interventions: (RiskIntervention & { value: number })[] = [];
    for (const t of tierRisks) {
      if (t.reached || t.adds === null || t.unitsFor80 === null || t.unitsFor80 === 0) continue;
      if (t.unitsFor80 > reachable) continue;
      const lift = Math.max(0, 0.8 - t.probability);
      interventions.push({
        kind: 'incentive_tier',
        units: t.unitsFor80,
        probability: 0.8,
        amount: t.adds,
        ...(template ? { modelLine: template.modelLineCode } : {}),
        text: `${t.unitsFor80} more ${t.unitsFor80 === 1 ? 'unit' : 'units'} of ${options.modelLineName} reach tier ${t.tier} of ${def.name} (+${t.adds} ${currency}): ${pct(t.probability)} → 80 %`,
        value: lift * Number(t.adds),
      });
    }
    interventions.sort((a, b) => b.value - a.value);
    const next = tierRisks.find((t) => !t.reached);
    return {
      programId: program.p.row.id,
      programName: def.name,
      dealerId: dealer.id,
      period: program.period,
      windowLabel: window.label,
      windowStart: window.start,
      windowEnd: window.end,
      asOf: date,
      elapsedMonths: elapsed,
      termMonths: term,
      measure: def.measure,
      axis: measured.axis,
      measureValue: statement.measureValue,
      toDate: measured.toDate,
      expected: risk.expected,
      lower80: risk.lower80,
      upper80: risk.upper80,
      tierReached: reached,
      currency,
      earned: moneyString(statement.earned, currency),
      shortfallMoney: next?.expectedShortfallMoney ?? moneyString(0, currency),
      tiers: tierRisks,
      interventions: interventions.slice(0, 3).map(({ value: _value, ...i }) => i),
    };
  }

  function toRisk(row: ProgramRiskRow): ProgramRisk {
    const { dealerId: _dealerId, ...rest } = row;
    return {
      ...rest,
      axis: row.axis as ProgramRisk['axis'],
      // rows computed before the drivers existed have none
      tiers: (row.tiers as ProgramRisk['tiers']).map((t) => ({ ...t, drivers: t.drivers ?? [] })),
      interventions: row.interventions as ProgramRisk['interventions'],
    };
  }

  /**
   * The bench's floor (bench/insights.ts): the bare SQL of the run's reads — every running
   * program's window rows (the engine's input) and its axis history, for all its dealers at once,
   * rows discarded.
   */
  async function bareInputs(basis: { month: string }): Promise<number> {
    return runAsSystem(async () => {
      const ctx = await shared.context();
      const running = await runningPrograms(ctx, deps.today());
      const repo = createProgramRiskRepository(deps.db);
      const { rows: dealers } = await deps.db.query<{ id: number }>(`select id from dealers`);
      const ids = dealers.map((d) => d.id);
      const skus = [...ctx.skus.values()];
      let rows = 0;
      for (const { def, window, cutoff } of running) {
        const { axis } = axisSkus(def, skus);
        const kinds = compiledKinds(def.qualifying.kinds);
        const skuIds = skus.filter((s) => skuMatches(def.qualifying, s)).map((s) => s.id);
        const read = await deps.db.query(
          `select id, dealer_id, sku_id, kind, quantity, amount, occurred_on, received_at from transactions
           where occurred_on >= $1::date and occurred_on <= $2::date and sku_id = any($3::int[]) and kind = any($4::text[])`,
          [window.start, cutoff, skuIds, kinds],
        );
        rows += read.rows.length;
        const from = monthFromIndex(monthIndex(basis.month) - HISTORY_MONTHS);
        const history = await repo.axisHistories(
          ids,
          axis.map((x) => x.id),
          kinds,
          from,
          basis.month,
        );
        rows += history.length;
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
