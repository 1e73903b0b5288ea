/**
 * The one place the incentive services load what they share (issue 19): the calculation context
 * (SKUs, region codes, fiscal start, price book), a program with its versions, the dealer in the
 * actor's scope, the engine's dealer and transaction shapes, and the small rules every concern
 * uses (permissions, the OEM check, validation errors).
 */
import { AppError, notFound, type Problem } from '../../../shared/errors';
import { Dec, minorUnits } from '../../../shared/money';
import { type Permission } from '../../../shared/permissions';
import {
  type IncentiveDealer,
  type IncentiveTransaction,
  type ProgramDefinition,
  type ProgramFilter,
} from '../../../shared/schemas/program';
import { requirePermission, type Actor } from '../../auth/actor';
import type { Db, Queryable } from '../../db/db';
import type { EventBus } from '../../events';
import type { JobsService } from '../jobs/jobs.service';
import type { LedgerService } from '../ledger/ledger.service';
import type { NetworkService } from '../network/network.service';
import { createProgramVisibility } from './program-visibility';
import { loadPriceBook, priceOn, type PriceBook } from './pricing';
import { agreementTerms } from './agreement-plans';
import { findSettlementPeriod, resolvePeriod, type StatementInput } from './calc';
import { usesSaleRules } from './calc/filters';
import {
  type AgreementPlanRow,
  type DealerRow,
  type LoadSpec,
  type ProgramRow,
  type SkuRow,
  type TxRow,
  type VersionRow,
} from './incentives.repository';
import { createProgramsRepository } from './programs.repository';
import { createIncentivesContextRepository } from './incentives-context.repository';
import { isEarlierInWindow } from './window-order';
import type { SettledUnitRow } from './statements.repository';
import { blocksOf, type VinBlocks } from './vin-once';

export type IncentivesDeps = {
  db: Db;
  /** where the statement list reads (DATABASE_READ_URL's routing, db/read-replica.ts) */
  readDb?: Db;
  jobs: JobsService;
  network: NetworkService;
  ledger: LedgerService;
  events: EventBus;
  today: () => string;
};

export type Ctx = {
  skus: Map<number, SkuRow>;
  skuByCode: Map<string, SkuRow>;
  regionCodes: Map<string, string>;
  fy: number;
  /** The SKUs' price history: a transaction is priced on its occurredOn (pricing.ts). */
  prices: PriceBook;
};

/** A program with its versions, ready for the engine. */
export type Loaded = { row: ProgramRow; versions: VersionRow[] };

export function actorLabel(actor: Actor): string {
  return `${actor.kind === 'user' ? 'user' : 'key'}:${actor.id}:${actor.name}`;
}

export function userId(actor: Actor): number | null {
  return actor.kind === 'user' && actor.id > 0 ? actor.id : null;
}

export function invalid(problems: Problem[]): AppError {
  return new AppError(
    'VALIDATION_FAILED',
    problems.map((p) => `${p.path}: ${p.message}`).join('; '),
    { problems },
  );
}

export function skuMatches(filter: ProgramFilter, sku: SkuRow): boolean {
  return (
    (filter.modelLines.length === 0 || filter.modelLines.includes(sku.modelLineCode)) &&
    (filter.skus.length === 0 || filter.skus.includes(sku.code)) &&
    (filter.powertrains.length === 0 || filter.powertrains.includes(sku.powertrain)) &&
    (filter.segments.length === 0 || filter.segments.includes(sku.segment))
  );
}

export const RETAIL = ['retail_delivery', 'registration'];

/** A filter's kinds as the engine matches them (a retail kind brings unwinds). */
export function compiledKinds(kinds: readonly string[]): string[] {
  return kinds.some((k) => RETAIL.includes(k)) ? [...kinds, 'unwind'] : [...kinds];
}

export function kindsOf(def: ProgramDefinition): string[] {
  const kinds = new Set<string>([...def.qualifying.kinds, ...def.paying.kinds]);
  if ([...kinds].some((k) => RETAIL.includes(k))) kinds.add('unwind');
  return [...kinds];
}

export function decimalsOf(value: string): number {
  const i = value.indexOf('.');
  return i < 0 ? 0 : value.replace(/0+$/, '').length - i - 1;
}

export function isMonthStart(date: string): boolean {
  return date.endsWith('-01');
}

export function isMonthEnd(date: string): boolean {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.getUTCDate() === 1;
}

/**
 * Pre-aggregated rows give the same cents as row-by-row when each line amount is exact: a
 * lump sum, or a per-unit value with no more decimals than the currency; and the program is
 * month-aligned (the pre-aggregation groups by month).
 */
export function canAggregate(def: ProgramDefinition): boolean {
  if (!isMonthStart(def.startDate) || !isMonthEnd(def.endDate)) return false;
  // The grouped SQL carries neither the retail delivery report nor each SKU's g/km.
  if (usesSaleRules(def.qualifying) || usesSaleRules(def.paying)) return false;
  if (def.measure === 'low_co2_units') return false;
  if (def.benefit === 'lump_sum') return true;
  if (def.benefit !== 'per_unit') return false;
  const minor = minorUnits(def.currency);
  return def.tiers.every((t) => decimalsOf(t.value) <= minor);
}

export function addMonths(month: string, n: number): string {
  const i = monthIdx(month) + n;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

export function monthIdx(month: string): number {
  return Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
}

export function requireOem(actor: Actor) {
  if (actor.scope.kind !== 'network' && actor.scope.kind !== 'region') {
    throw new AppError('FORBIDDEN', 'Only the OEM may do this');
  }
}

export function need(actor: Actor, permission: Permission) {
  requirePermission(actor, permission);
}

export function latest(p: Loaded): VersionRow {
  return p.versions[p.versions.length - 1]!;
}

/** The version a window is calculated with: the latest published one effective by its start. */
export function versionFor(p: Loaded, windowStart: string): VersionRow {
  const published = p.versions.filter((v) => v.status === 'published');
  if (published.length === 0) return latest(p);
  const effective = published.filter((v) => v.effectiveFrom <= windowStart);
  return (effective.length > 0 ? effective : published).at(-1)!;
}

/** A request about one settlement period of a program (close, approve, preview…). */
export type PeriodRequest = { actor: Actor; code: string; period: string };

/** A request about one dealer's statement of a settlement period. */
export type DealerPeriodRequest = PeriodRequest & { dealerCode: string };

/**
 * A settlement period of a program and the version it is calculated with: the period is first
 * resolved on the latest version (to find its window's start), then on the version in force then.
 */
export function versionAndPeriod(p: Loaded, period: string, fiscalYearStartMonth: number) {
  const probe = resolvePeriod({ program: latest(p).definition, period, fiscalYearStartMonth });
  const version = versionFor(p, probe.window.start);
  const settlement = resolvePeriod({ program: version.definition, period, fiscalYearStartMonth });
  return { version, settlement };
}

/** Region codes per dealer row object (rows are loaded per request). */
const regionCodesCache = new WeakMap<DealerRow, string[]>();

export function toDealer(
  d: DealerRow,
  ctx: Ctx,
  plans: AgreementPlanRow[] | undefined,
  window: { start: string; end: string },
): { dealer: IncentiveDealer; planned: number | null } {
  let regionCodes = regionCodesCache.get(d);
  if (!regionCodes) {
    regionCodes = d.regionPath
      .split('/')
      .filter(Boolean)
      .map((_, i, parts) => ctx.regionCodes.get(`/${parts.slice(0, i + 1).join('/')}/`) ?? '')
      .filter(Boolean);
    regionCodesCache.set(d, regionCodes);
  }
  const { planned, ...agreement } = agreementTerms(plans, window);
  return {
    dealer: {
      code: d.code,
      regionCodes,
      dealerGroupCode: d.dealerGroupCode,
      status: d.status,
      ...agreement,
    },
    planned,
  };
}

export function toTransaction(r: TxRow, ctx: Ctx): IncentiveTransaction {
  const sku = ctx.skus.get(r.skuId)!;
  return {
    id: /^\d+$/.test(r.id) ? Number(r.id) : r.id,
    kind: r.kind as IncentiveTransaction['kind'],
    sku: sku.code,
    modelLineCode: sku.modelLineCode,
    powertrain: sku.powertrain,
    segment: sku.segment,
    msrp: priceOn(ctx.prices, r.skuId, r.occurredOn, sku.msrp),
    vin: r.vin,
    quantity: r.quantity,
    amount: r.amount,
    currency: r.currency.trim(),
    occurredOn: r.occurredOn,
    receivedAt: r.receivedOn,
    externalId: r.externalId,
    originalExternalId: r.originalExternalId ?? null,
    saleCategory: (r.saleCategory ?? null) as IncentiveTransaction['saleCategory'],
    buyerType: (r.buyerType ?? null) as IncentiveTransaction['buyerType'],
    co2GPerKm: sku.co2GPerKm,
  };
}

/** Whether a program's rows must carry their retail delivery report (sale rules). */
export function needsSaleDetails(def: ProgramDefinition): boolean {
  return usesSaleRules(def.qualifying) || usesSaleRules(def.paying);
}

export function createIncentivesContext(deps: IncentivesDeps) {
  const repoOf = (db: Queryable = deps.db) => ({
    ...createProgramsRepository(db),
    ...createIncentivesContextRepository(db),
  });
  const visibility = createProgramVisibility(deps.db);

  async function context(db: Queryable = deps.db): Promise<Ctx> {
    const repo = repoOf(db);
    const [skus, regionCodes, fy, prices] = await Promise.all([
      repo.findSkus(),
      repo.findRegionCodes(),
      repo.findFiscalStart(),
      loadPriceBook(db),
    ]);
    return {
      skus: new Map(skus.map((s) => [s.id, s])),
      skuByCode: new Map(skus.map((s) => [s.code, s])),
      regionCodes,
      fy,
      prices,
    };
  }

  async function loadProgram(code: string, db: Queryable = deps.db): Promise<Loaded> {
    const repo = repoOf(db);
    const row = await repo.findProgram(code);
    if (!row) throw notFound('Program', code);
    return { row, versions: await repo.findVersions([row.id]) };
  }

  function defaultPeriod(p: Loaded, ctx: Ctx): string {
    return findSettlementPeriod({
      program: latest(p).definition,
      date: deps.today(),
      fiscalYearStartMonth: ctx.fy,
    }).period;
  }

  async function dealerInScope(actor: Actor, code: string, db: Queryable = deps.db) {
    const [d] = await repoOf(db).findDealers(actor.scope, code);
    if (!d) throw notFound('Dealer', code);
    return d;
  }

  return { deps, visibility, context, loadProgram, defaultPeriod, dealerInScope };
}

export type IncentivesContext = ReturnType<typeof createIncentivesContext>;

/**
 * One dealer's statement input for a settlement period from what was read for it: its rows, plans,
 * prior year, the window's stored statements and carried adjustments. Progress and the program tier
 * risks both build it this way (only the settled unit benefits differ).
 */
export function dealerStatementInput(args: {
  program: ProgramDefinition;
  dealer: DealerRow;
  ctx: Ctx;
  settlement: { period: string; window: { start: string; end: string } };
  rows: TxRow[];
  plans: AgreementPlanRow[] | undefined;
  priorYear: StatementInput['priorYear'];
  stored: { period: string; status: string; amountDue: string }[];
  adjustments: { id: string; amount: string; explanation: string }[];
  settledUnitBenefits: StatementInput['settledUnitBenefits'];
  /** Deliveries whose VIN earns for another dealer (vin-once.ts). */
  blockedSales?: StatementInput['blockedSales'];
}): Omit<StatementInput, 'period'> {
  const { ctx, settlement } = args;
  const { dealer, planned } = toDealer(args.dealer, ctx, args.plans, settlement.window);
  let previous = new Dec(0);
  // every earlier statement of the window, closed ones included (window-order.ts)
  for (const x of args.stored) {
    if (isEarlierInWindow(x.period, settlement.period)) previous = previous.plus(x.amountDue);
  }
  return {
    program: args.program,
    dealer,
    transactions: args.rows.map((r) => toTransaction(r, ctx)),
    plannedQuantity: planned,
    priorYear: args.priorYear,
    previouslySettled: previous.toFixed(),
    settledUnitBenefits: args.settledUnitBenefits,
    adjustments: args.adjustments.map((a) => ({
      reference: `ADJ-${a.id}`,
      amount: a.amount,
      explanation: a.explanation,
    })),
    includeLines: false,
    fiscalYearStartMonth: ctx.fy,
    ...(args.blockedSales ? { blockedSales: args.blockedSales } : {}),
  };
}

/**
 * Every dealer's statement input (dealerStatementInput) from the per-dealer maps read for the
 * network: progress and the program tier risks' network path.
 */
export function dealerStatementInputs(args: {
  program: ProgramDefinition;
  dealers: readonly DealerRow[];
  ctx: Ctx;
  settlement: { period: string; window: { start: string; end: string } };
  rows: Map<number, TxRow[]>;
  plans: Map<number, AgreementPlanRow[]> | undefined;
  prior: Map<number, NonNullable<StatementInput['priorYear']>[]> | undefined;
  stored: Map<number, { period: string; status: string; amountDue: string }[]>;
  adjustments: Map<number, { id: string; amount: string; explanation: string }[]>;
  /** The unit benefits already settled, by dealer (none: undefined). */
  settled: Map<number, SettledUnitRow[]> | undefined;
  /** The deliveries whose VIN earns for another dealer (vin-once.ts). */
  blocks: VinBlocks;
}): Map<number, Omit<StatementInput, 'period'>> {
  const { rows, plans, prior, stored, adjustments } = args;
  const inputs = new Map<number, Omit<StatementInput, 'period'>>();
  for (const d of args.dealers)
    inputs.set(
      d.id,
      dealerStatementInput({
        program: args.program,
        dealer: d,
        ctx: args.ctx,
        settlement: args.settlement,
        rows: rows.get(d.id) ?? [],
        plans: plans ? (plans.get(d.id) ?? []) : undefined,
        priorYear: prior ? (prior.get(d.id)?.[0] ?? null) : undefined,
        stored: stored.get(d.id) ?? [],
        adjustments: adjustments.get(d.id) ?? [],
        settledUnitBenefits: (args.settled?.get(d.id) ?? []).map((x) => ({
          ...x,
          transactionId: Number(x.transactionId),
        })),
        blockedSales: blocksOf(args.blocks, d.id),
      }),
    );
  return inputs;
}

/** A list's items by dealer (in list order). */
export function groupByDealer<T extends { dealerId: number }>(list: readonly T[]) {
  const map = new Map<number, T[]>();
  for (const x of list) {
    const at = map.get(x.dealerId);
    if (at) at.push(x);
    else map.set(x.dealerId, [x]);
  }
  return map;
}

/**
 * What the engine's inputs of one program's `period` read for some dealers (progress.service.ts
 * `progressInputs`, the program tier risks' `groupedInputs`): the settlement, the window's rows,
 * whether the agreements' plans count, and the prior year's read (growth only).
 */
export function programReadSpec(options: {
  programId: number;
  def: ProgramDefinition;
  period: string;
  ctx: Ctx;
  dealerIds: number[];
}) {
  const { programId, def, period, ctx, dealerIds } = options;
  const settlement = resolvePeriod({ program: def, period, fiscalYearStartMonth: ctx.fy });
  const allSkus = [...ctx.skus.values()];
  const qualifyingSkuIds = allSkus.filter((s) => skuMatches(def.qualifying, s)).map((s) => s.id);
  const payingSkuIds = allSkus.filter((s) => skuMatches(def.paying, s)).map((s) => s.id);
  const rows: LoadSpec = {
    programId,
    dealerIds,
    from: settlement.window.start,
    cutoff: settlement.cutoff,
    skuIds: [...new Set([...qualifyingSkuIds, ...payingSkuIds])],
    kinds: kindsOf(def),
    requiresClaim: def.requiresClaim,
    withSale: needsSaleDetails(def),
  };
  // the same dates a year earlier (29 February: the 28th)
  const shift = (x: string) =>
    `${Number(x.slice(0, 4)) - 1}${x.slice(4) === '-02-29' ? '-02-28' : x.slice(4)}`;
  const prior =
    def.measure === 'growth'
      ? {
          dealerIds,
          from: shift(settlement.window.start),
          to: shift(settlement.window.end),
          kinds: kindsOf(def),
          qualifyingSkuIds,
          payingSkuIds,
          ...(needsSaleDetails(def)
            ? { saleFilters: { qualifying: def.qualifying, paying: def.paying } }
            : {}),
        }
      : null;
  return {
    settlement,
    qualifyingSkuIds,
    payingSkuIds,
    rows,
    needsAgreements:
      def.measure === 'agreement_attainment' || def.eligibility.requiresActiveAgreement,
    prior,
  };
}
