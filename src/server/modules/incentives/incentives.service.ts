/**
 * Why this file is over 800 lines: one closure still holds programs, statements, settlement,
 * claims, disputes, payouts and accruals, sharing one context loader. Issue 19 splits it into
 * services of one concern each. Everything added since lives in files of its own and is called
 * from here: settlement.ts, statement-snapshot.ts, corrections.ts, reconciliation.service.ts,
 * pricing.ts, program-visibility.ts, dealer-progress-cache.ts, bulk-settlement.ts, what-if-all.ts.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { AppError, notFound, type Problem } from '../../../shared/errors';
import { checkMinorUnit, Dec, formatMinor, minorUnits, moneyString } from '../../../shared/money';
import { hasPermission, type Permission } from '../../../shared/permissions';
import {
  parseProgramDefinition,
  type IncentiveDealer,
  type IncentiveTransaction,
  type PriorYearVolume,
  type ProgramDefinition,
  type ProgramFilter,
  type StatementAdjustment,
} from '../../../shared/schemas/program';
import type {
  ClaimInput,
  ClaimView,
  DisputeView,
  PayoutBatchView,
  ProgramSummary,
  ProgramView,
  ProgressView,
  StatementDetail,
  StatementLineView,
  StatementStatus,
  StatementView,
  WhatIfBody,
} from '../../../shared/schemas/incentives';
import { requirePermission, scopeSql, SYSTEM_ACTOR, type Actor } from '../../auth/actor';
import type { Db, Queryable } from '../../db/db';
import { translateUnique } from '../../db/errors';
import type { EventBus } from '../../events';
import type { JobsService } from '../jobs/jobs.service';
import { canonicalJson, sha256Hex } from '../ledger/canonical-json';
import type { LedgerService } from '../ledger/ledger.service';
import type { NetworkService } from '../network/network.service';
import { createDealerProgressCache } from './dealer-progress-cache';
import {
  aggregationMode,
  BEV,
  calculateStatementFromGroups,
  PAYING,
  QUALIFYING,
  roundedLineTiers,
  type OrderedRow,
  type RoundedLineBasis,
  type TransactionGroup,
} from './calc/aggregate';
import { monthEnd } from './calc/dates';
import { scanNetwork } from './network-scan';
import { createProgramVisibility } from './program-visibility';
import { lineUnitPrice, loadPriceBook, priceOn, pricesOf, type PriceBook } from './pricing';
import { agreementTerms } from './agreement-plans';
import {
  approvableSnapshot,
  closeWithSnapshots,
  createSettlementRepository,
  snapshotEntityId,
} from './settlement';
import { registerSettlementLedgerSources } from './settlement-ledger';
import { snapshotDocument, snapshotHash } from './statement-snapshot';
import { correctionSources, correctionsFrom } from './corrections';
import { createCorrectionsRepository, type ClosedPeriod } from './corrections.repository';
import { BATCH_STATE_SQL } from './incentives-lists.repository';
import { loadReconciliation } from './reconciliation.service';
import { formatScaled, parseScaled } from '../../../shared/fixed';
import {
  calculateAccrual,
  calculateBudgetUse,
  calculateProgress,
  calculateStatement,
  checkEligibility,
  findFilterWarnings,
  findSettlementPeriod,
  hypotheticalTransactions,
  listSettlementPeriods,
  resolvePeriod,
  whatIf,
  type Progress,
  type SettlementPeriod,
  type Statement,
  type StatementInput,
} from './calc';
import {
  createIncentivesRepository,
  type AgreementPlanRow,
  type DealerRow,
  type ProgramRow,
  type SkuRow,
  type TxRow,
  type VersionRow,
} from './incentives.repository';

type Deps = {
  db: Db;
  jobs: JobsService;
  network: NetworkService;
  ledger: LedgerService;
  events: EventBus;
  today: () => string;
};

type Ctx = {
  skus: Map<number, SkuRow>;
  skuByCode: Map<string, SkuRow>;
  regionCodes: Map<string, string>;
  fy: number;
  /** The SKUs' price history: a transaction is priced on its occurredOn (pricing.ts). */
  prices: PriceBook;
};

/** A program with its versions, ready for the engine. */
type Loaded = { row: ProgramRow; versions: VersionRow[] };

function actorLabel(actor: Actor): string {
  return `${actor.kind === 'user' ? 'user' : 'key'}:${actor.id}:${actor.name}`;
}

function userId(actor: Actor): number | null {
  return actor.kind === 'user' && actor.id > 0 ? actor.id : null;
}

function invalid(problems: Problem[]): AppError {
  return new AppError(
    'VALIDATION_FAILED',
    problems.map((p) => `${p.path}: ${p.message}`).join('; '),
    { problems },
  );
}

function skuMatches(filter: ProgramFilter, sku: SkuRow): boolean {
  return (
    (filter.modelLines.length === 0 || filter.modelLines.includes(sku.modelLineCode)) &&
    (filter.skus.length === 0 || filter.skus.includes(sku.code)) &&
    (filter.powertrains.length === 0 || filter.powertrains.includes(sku.powertrain)) &&
    (filter.segments.length === 0 || filter.segments.includes(sku.segment))
  );
}

/** The job that recalculates every program's current statements (POST /incentives/recalculate). */
export const RECALCULATION_JOB_KIND = 'incentives.recalculate';

const RETAIL = ['retail_delivery', 'registration'];

/** A filter's kinds as the engine matches them (a retail kind brings unwinds). */
function compiledKinds(kinds: readonly string[]): string[] {
  return kinds.some((k) => RETAIL.includes(k)) ? [...kinds, 'unwind'] : [...kinds];
}

function kindsOf(def: ProgramDefinition): string[] {
  const kinds = new Set<string>([...def.qualifying.kinds, ...def.paying.kinds]);
  if ([...kinds].some((k) => RETAIL.includes(k))) kinds.add('unwind');
  return [...kinds];
}

function decimalsOf(value: string): number {
  const i = value.indexOf('.');
  return i < 0 ? 0 : value.replace(/0+$/, '').length - i - 1;
}

function isMonthStart(date: string): boolean {
  return date.endsWith('-01');
}

function isMonthEnd(date: string): boolean {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.getUTCDate() === 1;
}

/**
 * Pre-aggregated rows give the same cents as row-by-row when each line amount is exact: a
 * lump sum, or a per-unit value with no more decimals than the currency; and the program is
 * month-aligned (the pre-aggregation groups by month).
 */
function canAggregate(def: ProgramDefinition): boolean {
  if (!isMonthStart(def.startDate) || !isMonthEnd(def.endDate)) return false;
  if (def.benefit === 'lump_sum') return true;
  if (def.benefit !== 'per_unit') return false;
  const minor = minorUnits(def.currency);
  return def.tiers.every((t) => decimalsOf(t.value) <= minor);
}

function addMonths(month: string, n: number): string {
  const i = monthIdx(month) + n;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

function monthIdx(month: string): number {
  return Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
}

function toStatementLine(
  l: Statement['lines'][number],
  i: number,
  refs: Map<string, { vin: string | null; sku: string }>,
): StatementLineView {
  const id = l.transactionId === null ? null : String(l.transactionId);
  const ref = id ? refs.get(id) : undefined;
  return {
    lineNo: i + 1,
    kind: l.kind,
    transactionId: id,
    date: l.date,
    vin: ref?.vin ?? null,
    sku: ref?.sku ?? null,
    quantity: l.quantity,
    basis: l.basis,
    rate: l.rate,
    tierFrom: l.tierFrom,
    parts: l.parts as Record<string, unknown>[] | null,
    unitPrice: null,
    amount: l.amount,
    explanation: l.explanation,
    correctsPeriod: l.correctsPeriod ?? null,
    correctsLineNo: l.correctsLineNo ?? null,
  };
}

/**
 * The adjustment lines of one dealer's statement: its resolved disputes' adjustments, then the
 * corrections of its settled periods (late rows, corrections.ts).
 */
function dealerAdjustments<C>(
  adjustments: readonly {
    dealerId: number;
    id: number | string;
    amount: string;
    explanation: string;
  }[],
  corrections: ReadonlyMap<number, readonly C[]>,
  dealerId: number,
) {
  return [
    ...adjustments
      .filter((a) => a.dealerId === dealerId)
      .map((a) => ({ reference: `ADJ-${a.id}`, amount: a.amount, explanation: a.explanation })),
    ...(corrections.get(dealerId) ?? []),
  ];
}

export function createIncentivesService(deps: Deps) {
  const repoOf = (db: Queryable = deps.db) => createIncentivesRepository(db);
  const visibility = createProgramVisibility(deps.db);

  // What ledger:verify re-hashes: program versions, snapshots, approvals, payout batches.
  registerSettlementLedgerSources(deps.ledger);

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

  function latest(p: Loaded): VersionRow {
    return p.versions[p.versions.length - 1]!;
  }

  /** The version a window is calculated with: the latest published one effective by its start. */
  function versionFor(p: Loaded, windowStart: string): VersionRow {
    const published = p.versions.filter((v) => v.status === 'published');
    if (published.length === 0) return latest(p);
    const effective = published.filter((v) => v.effectiveFrom <= windowStart);
    return (effective.length > 0 ? effective : published).at(-1)!;
  }

  function view(p: Loaded): ProgramView {
    const v = latest(p);
    return {
      code: p.row.code,
      status: p.row.status,
      createdBy: p.row.createdBy,
      versionNo: v.versionNo,
      definition: v.definition as unknown as Record<string, unknown>,
      warnings: v.warnings,
      versions: p.versions.map((x) => ({
        versionNo: x.versionNo,
        effectiveFrom: x.effectiveFrom,
        status: x.status,
        sha256: x.sha256,
        publishedBy: x.publishedBy,
        publishedAt: x.publishedAt,
      })),
    };
  }

  function parseDefinition(input: unknown, ctx: Ctx, path = '') {
    const parsed = parseProgramDefinition(input);
    if (!parsed.ok) {
      throw invalid(
        parsed.problems.map((p) => ({ ...p, path: path ? `${path}.${p.path}` : p.path })),
      );
    }
    const warnings = findFilterWarnings({
      program: parsed.program,
      catalog: [...ctx.skus.values()].map((s) => ({
        code: s.code,
        modelLineCode: s.modelLineCode,
        powertrain: s.powertrain,
        segment: s.segment,
      })),
    });
    return { program: parsed.program, warnings };
  }

  /** Region codes per dealer row object (rows are loaded per request). */
  const regionCodesCache = new WeakMap<DealerRow, string[]>();

  function toDealer(
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

  function toTransaction(r: TxRow, ctx: Ctx): IncentiveTransaction {
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
    };
  }

  /**
   * Correction lines of a period's statements: what the closed periods before it owe for rows
   * stored after their close (corrections.ts; docs/incentives.md, "Late rows after settlement").
   */
  async function correctionsInto(options: {
    db: Queryable;
    program: Loaded;
    period: string;
    dealers: DealerRow[];
    ctx: Ctx;
    /** The dealers are every dealer (no dealer filter in SQL). */
    wholeNetwork?: boolean;
    /** The program's closed periods, when the caller has them. */
    closed?: Map<string, ClosedPeriod>;
    /** false: only the corrections placed in this period (not those its window carries). */
    withWindow?: boolean;
  }): Promise<Map<number, StatementAdjustment[]>> {
    const { db, program, ctx, dealers } = options;
    const repo = createCorrectionsRepository(db);
    const closed = options.closed ?? (await repo.findClosedPeriods(program.row.id));
    const out = new Map<number, StatementAdjustment[]>();
    if (closed.size === 0) return out;
    const periods = listSettlementPeriods({
      program: latest(program).definition,
      fiscalYearStartMonth: ctx.fy,
    });
    const byId = new Map(dealers.map((d) => [d.id, d]));
    for (const source of correctionSources({
      periods,
      closed,
      target: options.period,
      withWindow: options.withWindow !== false,
    })) {
      const found = await correctionsFrom({
        repo,
        source,
        dealerIds: options.wholeNetwork ? null : [...byId.keys()],
        compute: async ({ period, dealerIds, maxFeedId }) => {
          const { items } = await computeStatements({
            db,
            program,
            period,
            dealers: dealerIds.map((id) => byId.get(id)).filter((d): d is DealerRow => !!d),
            withLines: true,
            ctx,
            live: true,
            maxFeedId,
            withoutCorrections: true,
          });
          return new Map(items.map((c) => [c.dealer.id, c.statement]));
        },
      });
      for (const [dealerId, lines] of found)
        out.set(dealerId, [...(out.get(dealerId) ?? []), ...lines]);
    }
    return out;
  }

  type Computed = {
    dealer: DealerRow;
    statement: Statement;
    status: StatementStatus;
    approvedBy: string | null;
    storedId: string | null;
  };

  /**
   * The statements of one program and settlement period for a set of dealers: stored ones
   * (approved or paid) as frozen, the others live from the feed.
   */
  async function computeStatements(options: {
    db?: Queryable;
    program: Loaded;
    period: string;
    dealers: DealerRow[];
    withLines: boolean;
    asOf?: string;
    ctx?: Ctx;
    /** Recompute even stored (closed) statements (approval). */
    live?: boolean;
    /** Count rows stored up to this id (null: all); default: a closed period's feed at close. */
    maxFeedId?: string | null;
    /** Leave out the correction lines owed by earlier periods (computing a correction). */
    withoutCorrections?: boolean;
  }): Promise<{ settlement: SettlementPeriod; version: VersionRow; items: Computed[] }> {
    const db = options.db ?? deps.db;
    const repo = repoOf(db);
    const ctx = options.ctx ?? (await context(db));
    const first = latest(options.program).definition;
    const probe = resolvePeriod({
      program: first,
      period: options.period,
      fiscalYearStartMonth: ctx.fy,
    });
    const version = versionFor(options.program, probe.window.start);
    const def = version.definition;
    const settlement = resolvePeriod({
      program: def,
      period: options.period,
      fiscalYearStartMonth: ctx.fy,
    });
    const programId = options.program.row.id;
    const dealers = options.dealers;
    const dealerIds = dealers.map((d) => d.id);
    const allSkus = [...ctx.skus.values()];
    const qualifyingSkuIds = allSkus.filter((s) => skuMatches(def.qualifying, s)).map((s) => s.id);
    const payingSkuIds = allSkus.filter((s) => skuMatches(def.paying, s)).map((s) => s.id);
    const skuIds = [...new Set([...qualifyingSkuIds, ...payingSkuIds])];
    const bevSkuIds = allSkus.filter((s) => s.powertrain === 'BEV').map((s) => s.id);
    const window = settlement.window;
    const stored = await repo.findStoredStatements(programId, dealerIds, window.label);
    const storedHere = new Map(
      stored.filter((s) => s.period === settlement.period).map((s) => [s.dealerId, s]),
    );
    const settled = await repo.findSettledUnits(programId, dealerIds);
    const closed = await createCorrectionsRepository(db).findClosedPeriods(programId);
    const maxFeedId =
      options.maxFeedId !== undefined
        ? options.maxFeedId
        : (closed.get(settlement.period)?.lastFeedId ?? null);
    const spec = {
      maxFeedId,
      programId,
      dealerIds,
      from: window.start,
      cutoff: settlement.cutoff,
      skuIds,
      kinds: kindsOf(def),
      requiresClaim: def.requiresClaim,
    };
    const aggregate =
      !options.withLines && canAggregate(def) && (await repo.countSettledUnits(programId)) === 0;
    const rows = aggregate
      ? await repo.findAggregatedRows({ ...spec, qualifyingSkuIds, payingSkuIds, bevSkuIds })
      : await repo.findTransactionRows(spec);
    const byDealer = new Map<number, IncentiveTransaction[]>();
    for (const r of rows) {
      const list = byDealer.get(r.dealerId);
      const tx = toTransaction(r, ctx);
      if (list) list.push(tx);
      else byDealer.set(r.dealerId, [tx]);
    }
    const needsAgreements =
      def.measure === 'agreement_attainment' || def.eligibility.requiresActiveAgreement;
    const plans = new Map<number, AgreementPlanRow[]>();
    if (needsAgreements) {
      for (const p of await repo.findAgreementPlans(dealerIds, window.start, window.end)) {
        const list = plans.get(p.dealerId) ?? [];
        list.push(p);
        plans.set(p.dealerId, list);
      }
    }
    const prior = new Map<
      number,
      { units: number; revenue: string; payingUnits: number; payingRevenue: string }
    >();
    if (def.measure === 'growth') {
      const shift = (d: string) =>
        `${Number(d.slice(0, 4)) - 1}${d.slice(4) === '-02-29' ? '-02-28' : d.slice(4)}`;
      for (const p of await repo.findPriorYear({
        dealerIds,
        from: shift(window.start),
        to: shift(window.end),
        kinds: def.qualifying.kinds.some((k) => RETAIL.includes(k))
          ? [...def.qualifying.kinds, 'unwind']
          : def.qualifying.kinds,
        qualifyingSkuIds,
        payingSkuIds,
      })) {
        prior.set(p.dealerId, p);
      }
    }
    const previously = new Map<number, Dec>();
    for (const s of stored) {
      if (s.period === settlement.period || s.status === 'closed') continue;
      if (s.period >= settlement.period && s.period !== 'program') continue;
      previously.set(s.dealerId, (previously.get(s.dealerId) ?? new Dec(0)).plus(s.amountDue));
    }
    const adjustments = await repo.findAdjustments(programId, settlement.period, dealerIds);
    const corrections = options.withoutCorrections
      ? new Map<number, StatementAdjustment[]>()
      : await correctionsInto({
          db,
          program: options.program,
          period: settlement.period,
          dealers,
          ctx,
          closed,
        });
    const items: Computed[] = [];
    for (const d of dealers) {
      const storedRow = storedHere.get(d.id);
      if (storedRow && storedRow.status !== 'closed' && !options.live) {
        items.push({
          dealer: d,
          statement: storedRow.snapshot as unknown as Statement,
          status: storedRow.status,
          approvedBy: storedRow.approvedBy,
          storedId: storedRow.id,
        });
        continue;
      }
      const { dealer, planned } = toDealer(
        d,
        ctx,
        needsAgreements ? (plans.get(d.id) ?? []) : undefined,
        window,
      );
      const input: StatementInput = {
        program: def,
        dealer,
        period: settlement.period,
        transactions: byDealer.get(d.id) ?? [],
        plannedQuantity: planned,
        priorYear: prior.get(d.id) ?? (def.measure === 'growth' ? null : undefined),
        previouslySettled: (previously.get(d.id) ?? new Dec(0)).toFixed(),
        settledUnitBenefits: settled
          .filter((s) => s.dealerId === d.id)
          .map((s) => ({ ...s, transactionId: Number(s.transactionId) })),
        adjustments: dealerAdjustments(adjustments, corrections, d.id),
        includeLines: options.withLines,
        fiscalYearStartMonth: ctx.fy,
        ...(options.asOf ? { asOf: options.asOf } : {}),
      };
      items.push({
        dealer: d,
        statement: calculateStatement(input),
        status: storedRow ? storedRow.status : 'open',
        approvedBy: storedRow?.approvedBy ?? null,
        storedId: storedRow?.id ?? null,
      });
    }
    return { settlement, version, items };
  }

  /**
   * A large read of the network recalculation in its own read-only transaction, without JIT
   * compilation (seconds of compile time for one statement that runs once) and with memory to
   * group in (no spill to disk).
   */
  async function bigRead<T>(
    read: (repo: ReturnType<typeof repoOf>, tx: Queryable) => Promise<T>,
  ): Promise<T> {
    return deps.db.transaction(async (tx) => {
      await tx.query(`set local jit = off`);
      await tx.query(`set local work_mem = '64MB'`);
      return read(repoOf(tx), tx);
    });
  }

  /** One program's settlement period to compute for the network. */
  type NetworkItem = {
    program: Loaded;
    version: VersionRow;
    settlement: SettlementPeriod;
  };

  /**
   * Totals of many programs and settlement periods for many dealers from one shared SQL pass
   * (transactions summed per dealer × month × kind × sign × currency × late arrival × SKU class,
   * with per-row rounded line sums where lines round per transaction), plus one pass for the
   * prior-year volumes of growth programs. Periods the groups cannot give exactly (not
   * month-aligned, claims, settled units to claw back, order-dependent benefits) go through
   * `computeStatements` row by row. Stored approved or paid statements stay frozen.
   */
  async function computeNetworkTotals(options: {
    items: NetworkItem[];
    dealers: DealerRow[];
    ctx: Ctx;
    /** The dealers are every dealer (network scope). */
    wholeNetwork?: boolean;
    /** Count the feed up to this date only (accruals: earned to date). */
    asOf?: string;
  }): Promise<{ item: NetworkItem; computed: Computed[]; path: 'groups' | 'rows' }[]> {
    const { items, dealers, ctx, asOf } = options;
    const repo = repoOf();
    const dealerIds = dealers.map((d) => d.id);
    // The whole network needs no dealer filter (a list of thousands of ids costs per row).
    const scoped = options.wholeNetwork ? null : dealerIds;
    const settledCount = new Map<number, number>();
    for (const p of new Set(items.map((i) => i.program))) {
      settledCount.set(p.row.id, await repo.countSettledUnits(p.row.id));
    }
    // A cut-off inside a month (asOf today in an open period) needs the rows: the groups hold months.
    const splitsMonth = (i: NetworkItem) =>
      asOf !== undefined && asOf < i.settlement.cutoff && monthEnd(asOf.slice(0, 7)) !== asOf;
    // A closed period counts the feed as it was at its close: row by row (late rows).
    const closedOf = new Map<number, Map<string, ClosedPeriod>>();
    for (const p of new Set(items.map((i) => i.program))) {
      closedOf.set(
        p.row.id,
        await createCorrectionsRepository(deps.db).findClosedPeriods(p.row.id),
      );
    }
    const grouped = items.filter(
      (i) =>
        aggregationMode(i.version.definition) !== null &&
        settledCount.get(i.program.row.id) === 0 &&
        !splitsMonth(i) &&
        !closedOf.get(i.program.row.id)!.has(i.settlement.period),
    );
    const byRows = items.filter((i) => !grouped.includes(i));
    const results: { item: NetworkItem; computed: Computed[]; path: 'groups' | 'rows' }[] = [];

    if (grouped.length > 0) {
      // SKU classes: what each SKU matches in every program version computed here.
      const defs = [...new Set(grouped.map((i) => i.version.definition))];
      const allSkus = [...ctx.skus.values()];
      const classKeys = new Map<string, number>();
      const classBits: number[][] = [];
      const maxSkuId = Math.max(0, ...allSkus.map((s) => s.id));
      const classBySkuId: (number | null)[] = new Array<number | null>(maxSkuId).fill(null);
      for (const sku of allSkus) {
        const bits = defs.map(
          (def) =>
            (skuMatches(def.qualifying, sku) ? QUALIFYING : 0) |
            (skuMatches(def.paying, sku) ? PAYING : 0) |
            (sku.powertrain === 'BEV' ? BEV : 0),
        );
        if (bits.every((b) => (b & (QUALIFYING | PAYING)) === 0)) continue;
        const key = bits.join(',');
        let cls = classKeys.get(key);
        if (cls === undefined) {
          cls = classBits.length;
          classKeys.set(key, cls);
          classBits.push(bits);
        }
        // PostgreSQL arrays are 1-based: element i is SKU id i.
        classBySkuId[sku.id - 1] = cls;
      }
      const classesOf = new Map(defs.map((def, j) => [def, classBits.map((bits) => bits[j]!)]));
      // Rounded line columns, shared between programs with the same basis, rate and currency scale.
      const columnKeys = new Map<string, number>();
      const columns: {
        basis: RoundedLineBasis;
        rate: string;
        minorDigits: number;
        classes: number[];
        kinds: string[];
      }[] = [];
      const tierColumnsOf = new Map<ProgramDefinition, number[] | null>();
      for (const def of defs) {
        const tiers = roundedLineTiers(def);
        const minorDigits = minorUnits(def.currency);
        tierColumnsOf.set(
          def,
          tiers === null
            ? null
            : tiers.map((t) => {
                const key = `${t.basis}|${t.rate}|${minorDigits}`;
                let i = columnKeys.get(key);
                if (i === undefined) {
                  i = columns.length;
                  columnKeys.set(key, i);
                  columns.push({ ...t, minorDigits, classes: [], kinds: [] });
                }
                const column = columns[i]!;
                const bits = classesOf.get(def)!;
                for (let cls = 0; cls < bits.length; cls++) {
                  if ((bits[cls]! & PAYING) !== 0 && !column.classes.includes(cls))
                    column.classes.push(cls);
                }
                for (const kind of compiledKinds(def.paying.kinds)) {
                  if (!column.kinds.includes(kind)) column.kinds.push(kind);
                }
                return i;
              }),
        );
      }
      const from = grouped.map((i) => i.settlement.window.start).sort()[0]!;
      const to = grouped
        .map((i) => i.settlement.cutoff)
        .sort()
        .at(-1)!;
      const kinds = [...new Set(defs.flatMap((def) => kindsOf(def)))];
      // Prior-year volumes of growth programs: one pass over the months they need.
      const growth = grouped.filter((i) => i.version.definition.measure === 'growth');
      const shift = (d: string) =>
        `${Number(d.slice(0, 4)) - 1}${d.slice(4) === '-02-29' ? '-02-28' : d.slice(4)}`;
      const priorKinds = (def: ProgramDefinition) =>
        def.qualifying.kinds.some((k) => RETAIL.includes(k))
          ? [...def.qualifying.kinds, 'unwind']
          : [...def.qualifying.kinds];
      const priorByItem = new Map<NetworkItem, Map<number, PriorYearVolume>>();
      const monthlyGrowth = growth.filter((i) => {
        const end = shift(i.settlement.window.end);
        return monthEnd(end.slice(0, 7)) === end;
      });
      // Started now: it runs on its own connection while the groups are read and parsed.
      const priorRead =
        monthlyGrowth.length > 0
          ? bigRead((r) =>
              r.findMonthlyClassVolumes({
                dealerIds: scoped,
                from: monthlyGrowth.map((i) => shift(i.settlement.window.start)).sort()[0]!,
                to: monthlyGrowth
                  .map((i) => shift(i.settlement.window.end))
                  .sort()
                  .at(-1)!,
                kinds: [...new Set(monthlyGrowth.flatMap((i) => priorKinds(i.version.definition)))],
                classBySkuId,
              }),
            )
          : null;
      // Awaited below; a failure of the groups read must not leave it unhandled.
      priorRead?.catch(() => undefined);
      // Rows an order-dependent benefit may walk: the paying classes of those programs.
      const keepClasses = new Set<number>();
      for (const def of defs) {
        if (aggregationMode(def) !== 'ordered') continue;
        classesOf.get(def)!.forEach((bits, cls) => {
          if ((bits & PAYING) !== 0) keepClasses.add(cls);
        });
      }
      const scan = await bigRead((_, tx) =>
        scanNetwork(tx, {
          dealerIds: scoped,
          from,
          to,
          negativeFrom: defs.map((def) => def.startDate).sort()[0]!,
          kinds,
          classBySkuId,
          pricesOf: (skuId) => pricesOf(ctx.prices, skuId, ctx.skus.get(skuId)!.msrp),
          columns,
          keepClasses,
        }),
      );
      // Per dealer: groups sorted by month, and late negative groups (they may count later).
      const groupsOf = scan.groupsOf;
      const monthIndex = new Map<number, { months: string[]; late: TransactionGroup[] }>();
      for (const [dealerId, list] of groupsOf) {
        list.sort((a, b) =>
          a.monthStart < b.monthStart ? -1 : a.monthStart > b.monthStart ? 1 : 0,
        );
        monthIndex.set(dealerId, {
          months: list.map((g) => g.monthStart),
          late: list.filter((g) => g.negative && g.receivedOn !== null),
        });
      }
      const lowerBound = (months: string[], value: string) => {
        let lo = 0;
        let hi = months.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (months[mid]! < value) lo = mid + 1;
          else hi = mid;
        }
        return lo;
      };
      const groupsIn = (dealerId: number, window: { start: string }, cutoff: string) => {
        const list = groupsOf.get(dealerId);
        if (!list) return [];
        const index = monthIndex.get(dealerId)!;
        const first = lowerBound(index.months, window.start);
        const last = lowerBound(index.months, `${cutoff.slice(0, 7)}-32`);
        const inside = list.slice(first, last);
        for (const g of index.late) if (g.monthStart < window.start) inside.push(g);
        return inside;
      };

      if (priorRead) {
        const volumes = await priorRead;
        const byMonth = new Map<string, typeof volumes>();
        for (const v of volumes) {
          const list = byMonth.get(v.monthStart);
          if (list) list.push(v);
          else byMonth.set(v.monthStart, [v]);
        }
        for (const item of monthlyGrowth) {
          const def = item.version.definition;
          const bitsOf = classesOf.get(def)!;
          const kindSet = new Set(priorKinds(def));
          const start = shift(item.settlement.window.start);
          const end = shift(item.settlement.window.end);
          // Revenue in cents (amounts are numeric(16, 2)); decimals only when a sum does not fit.
          type Sum = {
            units: number;
            revenue: number;
            payingUnits: number;
            payingRevenue: number;
            exact: Dec | null;
          };
          const sums = new Map<number, Sum>();
          let overflow = false;
          for (const [month, list] of byMonth) {
            if (month < start || month > end) continue;
            for (const v of list) {
              if (!kindSet.has(v.kind)) continue;
              let sum = sums.get(v.dealerId);
              if (!sum) {
                sum = { units: 0, revenue: 0, payingUnits: 0, payingRevenue: 0, exact: null };
                sums.set(v.dealerId, sum);
              }
              const bits = bitsOf[v.skuClass] ?? 0;
              const cents = parseScaled(v.revenue, 2);
              if (cents === null) overflow = true;
              if (bits & QUALIFYING) {
                sum.units += v.units;
                sum.revenue += cents ?? 0;
              }
              if (bits & PAYING) {
                sum.payingUnits += v.units;
                sum.payingRevenue += cents ?? 0;
              }
            }
          }
          for (const x of sums.values()) {
            if (!Number.isSafeInteger(x.revenue) || !Number.isSafeInteger(x.payingRevenue))
              overflow = true;
          }
          if (overflow) continue; // the per-window query below
          priorByItem.set(
            item,
            new Map(
              [...sums].map(([id, x]) => [
                id,
                {
                  units: x.units,
                  revenue: formatScaled(x.revenue, 2),
                  payingUnits: x.payingUnits,
                  payingRevenue: formatScaled(x.payingRevenue, 2),
                },
              ]),
            ),
          );
        }
      }
      for (const item of growth) {
        if (priorByItem.has(item)) continue;
        const def = item.version.definition;
        const window = item.settlement.window;
        const allSkus2 = [...ctx.skus.values()];
        const found = await repo.findPriorYear({
          dealerIds: scoped,
          from: shift(window.start),
          to: shift(window.end),
          kinds: priorKinds(def),
          qualifyingSkuIds: allSkus2.filter((x) => skuMatches(def.qualifying, x)).map((x) => x.id),
          payingSkuIds: allSkus2.filter((x) => skuMatches(def.paying, x)).map((x) => x.id),
        });
        priorByItem.set(item, new Map(found.map((p) => [p.dealerId, p])));
      }

      // Agreements of the whole span, filtered per window below.
      const needsAgreements = (def: ProgramDefinition) =>
        def.measure === 'agreement_attainment' || def.eligibility.requiresActiveAgreement;
      const plansOf = new Map<number, AgreementPlanRow[]>();
      if (grouped.some((i) => needsAgreements(i.version.definition))) {
        const end = grouped
          .map((i) => i.settlement.window.end)
          .sort()
          .at(-1)!;
        for (const plan of await repo.findAgreementPlans(scoped, from, end)) {
          const list = plansOf.get(plan.dealerId) ?? [];
          list.push(plan);
          plansOf.set(plan.dealerId, list);
        }
      }
      const plansIn = (dealerId: number, window: { start: string; end: string }) =>
        (plansOf.get(dealerId) ?? []).filter(
          (p) =>
            `${p.startMonth}-01` <= window.end &&
            `${addMonths(p.startMonth, p.months)}-01` > window.start,
        );

      const storedOf = new Map<number, Awaited<ReturnType<typeof repo.findStoredStatements>>>();
      const adjustmentsOf = new Map<
        number,
        Awaited<ReturnType<typeof repo.findProgramAdjustments>>
      >();
      for (const p of new Set(grouped.map((i) => i.program))) {
        storedOf.set(p.row.id, await repo.findStoredStatements(p.row.id, scoped));
        adjustmentsOf.set(p.row.id, await repo.findProgramAdjustments(p.row.id, scoped));
      }

      for (const item of grouped) {
        const def = item.version.definition;
        const { settlement } = item;
        const window = settlement.window;
        const stored = storedOf
          .get(item.program.row.id)!
          .filter((s) => s.windowLabel === window.label);
        const storedHere = new Map(
          stored.filter((s) => s.period === settlement.period).map((s) => [s.dealerId, s]),
        );
        const previously = new Map<number, Dec>();
        for (const s of stored) {
          if (s.period === settlement.period || s.status === 'closed') continue;
          if (s.period >= settlement.period && s.period !== 'program') continue;
          previously.set(s.dealerId, (previously.get(s.dealerId) ?? new Dec(0)).plus(s.amountDue));
        }
        const adjustments = adjustmentsOf
          .get(item.program.row.id)!
          .filter((a) => a.period === settlement.period);
        const corrections = await correctionsInto({
          db: deps.db,
          program: item.program,
          period: settlement.period,
          dealers,
          ctx,
          wholeNetwork: options.wholeNetwork === true,
          closed: closedOf.get(item.program.row.id)!,
        });
        const prior = priorByItem.get(item);
        const classes = classesOf.get(def)!;
        const tierColumns = tierColumnsOf.get(def) ?? null;
        const withAgreements = needsAgreements(def);
        const isOrdered = aggregationMode(def) === 'ordered';
        // Order-dependent benefits: dealers whose walk may cross a tier boundary in some month
        // get those months' rows in a second pass.
        const needMonths = new Map<number, Set<string>>();
        const pending: {
          index: number;
          input: Parameters<typeof calculateStatementFromGroups>[0];
        }[] = [];
        const computed: Computed[] = [];
        let ok = true;
        for (const d of dealers) {
          const storedRow = storedHere.get(d.id);
          if (storedRow && storedRow.status !== 'closed') {
            computed.push({
              dealer: d,
              statement: storedRow.snapshot as unknown as Statement,
              status: storedRow.status,
              approvedBy: storedRow.approvedBy,
              storedId: storedRow.id,
            });
            continue;
          }
          const { dealer, planned } = toDealer(
            d,
            ctx,
            withAgreements ? plansIn(d.id, window) : undefined,
            window,
          );
          const input: Parameters<typeof calculateStatementFromGroups>[0] = {
            program: def,
            dealer,
            period: settlement.period,
            groups: groupsIn(d.id, window, settlement.cutoff),
            classes,
            tierColumns,
            plannedQuantity: planned,
            priorYear: def.measure === 'growth' ? (prior?.get(d.id) ?? null) : undefined,
            previouslySettled: (previously.get(d.id) ?? new Dec(0)).toFixed(),
            adjustments: dealerAdjustments(adjustments, corrections, d.id),
            fiscalYearStartMonth: ctx.fy,
            ...(asOf ? { asOf } : {}),
          };
          const months = new Set<string>();
          const statement = calculateStatementFromGroups(
            isOrdered ? { ...input, needMonths: months } : input,
          );
          if (statement === null && months.size > 0) {
            needMonths.set(d.id, months);
            pending.push({ index: computed.length, input });
          } else if (statement === null) {
            ok = false;
            break;
          }
          computed.push({
            dealer: d,
            statement: statement as Statement,
            status: storedRow ? storedRow.status : 'open',
            approvedBy: storedRow?.approvedBy ?? null,
            storedId: storedRow?.id ?? null,
          });
        }
        if (ok && pending.length > 0) {
          const payingSkuIds = allSkus
            .filter((x) => {
              const cls = classBySkuId[x.id - 1];
              return cls !== null && cls !== undefined && ((classes[cls] ?? 0) & PAYING) !== 0;
            })
            .map((x) => x.id);
          const found = await bigRead((_, tx) =>
            scan.readRows(tx, {
              months: needMonths,
              negativeFrom: def.startDate,
              to: settlement.cutoff,
              kinds: kindsOf(def),
              skuIds: payingSkuIds,
            }),
          );
          const rowsOf = new Map<number, OrderedRow[]>();
          for (const [dealerId, rows] of found) {
            rowsOf.set(
              dealerId,
              rows.map((r) => {
                const tx = toTransaction(r, ctx);
                return {
                  id: Number(r.id),
                  occurredOn: r.occurredOn,
                  receivedOn: r.receivedOn,
                  kind: r.kind,
                  currency: tx.currency,
                  skuClass: classBySkuId[r.skuId - 1] ?? -1,
                  tx,
                  quantity: tx.kind === 'unwind' && tx.quantity > 0 ? -tx.quantity : tx.quantity,
                };
              }),
            );
          }
          for (const { index, input } of pending) {
            const dealerId = computed[index]!.dealer.id;
            const statement = calculateStatementFromGroups({
              ...input,
              orderedRows: rowsOf.get(dealerId) ?? [],
            });
            if (statement === null) {
              ok = false;
              break;
            }
            computed[index]!.statement = statement;
          }
        }
        if (ok) results.push({ item, computed, path: 'groups' });
        else byRows.push(item);
      }
    }

    for (const item of byRows) {
      const { items: computed } = await computeStatements({
        program: item.program,
        period: item.settlement.period,
        dealers,
        withLines: false,
        ctx,
        ...(asOf ? { asOf } : {}),
      });
      results.push({ item, computed, path: 'rows' });
    }
    return results;
  }

  function statementView(c: Computed, code: string, versionNo: number): StatementView {
    const s = c.statement;
    return {
      programCode: code,
      versionNo,
      dealerCode: c.dealer.code,
      dealerName: c.dealer.name,
      period: s.period,
      window: s.window,
      cutoff: s.cutoff,
      eligible: s.eligible,
      ineligibleReasons: s.ineligibleReasons,
      measureValue: s.measureValue,
      measureNote: s.measureNote,
      tierReached: s.tierReached,
      tierValue: s.tierValue,
      lineCount: s.lineCount,
      capApplied: s.capApplied,
      earned: s.earned,
      previouslySettled: moneyString(s.previouslySettled, s.currency),
      amountDue: s.amountDue,
      currency: s.currency,
      status: c.status,
      approvedBy: c.approvedBy,
    };
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

  async function getStatementDetail(options: {
    actor: Actor;
    code: string;
    dealerCode: string;
    period?: string;
  }): Promise<StatementDetail> {
    const dealer = await dealerInScope(options.actor, options.dealerCode);
    await visibility.requireVisible(options.actor, options.code, options.dealerCode);
    const p = await loadProgram(options.code);
    const ctx = await context();
    const period = options.period ?? defaultPeriod(p, ctx);
    const { version, items } = await computeStatements({
      program: p,
      period,
      dealers: [dealer],
      withLines: true,
      ctx,
    });
    let c = items[0]!;
    // A closed statement shows its snapshot (what approval approves) and whether it still holds.
    const snapshot = c.storedId
      ? (await createSettlementRepository(deps.db).findSnapshots([c.storedId])).get(c.storedId)
      : undefined;
    let changedSinceClose: boolean | null = null;
    if (snapshot && c.status === 'closed') {
      const live = snapshotDocument({
        programCode: p.row.code,
        programVersion: version.versionNo,
        dealerCode: c.dealer.code,
        statement: c.statement,
      });
      changedSinceClose = snapshotHash(live) !== snapshotHash(snapshot.document);
      c = { ...c, statement: { ...c.statement, ...snapshot.document } };
    }
    let lines: StatementLineView[];
    if (c.storedId && c.status !== 'closed') {
      lines = (await repoOf().findLines(c.storedId)).map((l) => ({
        ...l,
        vin: null,
        sku: null,
        unitPrice: null,
      }));
    } else {
      lines = c.statement.lines.map((l, i) => toStatementLine(l, i, new Map()));
    }
    const ids = lines.map((l) => l.transactionId).filter((x): x is string => x !== null);
    const refs = ids.length > 0 ? await repoOf().findTransactionRefs(ids) : new Map();
    const currency = c.statement.currency;
    for (const l of lines) {
      const ref = l.transactionId ? refs.get(l.transactionId) : undefined;
      if (ref) {
        l.vin = ref.vin;
        l.sku = ref.sku;
      }
      // Frozen lines come from numeric(18,6): every amount leaves in the minor unit.
      l.amount = formatMinor(l.amount, currency);
      l.unitPrice = lineUnitPrice(l, version.definition.benefit, currency);
    }
    return {
      ...statementView(c, p.row.code, snapshot?.document.programVersion ?? version.versionNo),
      snapshot: snapshot
        ? {
            seq: snapshot.seq,
            sha256: snapshot.sha256,
            closedAt: snapshot.closedAt,
            closedBy: snapshot.closedBy,
            changedSinceClose,
          }
        : null,
      lines,
      excluded: (c.statement.excluded ?? []).map((e) => ({
        ...e,
        transactionId: String(e.transactionId),
      })),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Progress
  // -------------------------------------------------------------------------------------------

  function progressView(p: Progress, def: ProgramDefinition): ProgressView {
    const unit =
      def.measure === 'ev_share' ? 'BEVs' : def.measure === 'revenue' ? 'units' : 'units';
    let message: string;
    if (!p.eligible) message = `Not eligible: ${p.statement.ineligibleReasons.join('; ')}`;
    else if (!p.nextTier) message = `Top tier reached: ${p.earned} ${p.currency} earned so far`;
    else if (p.needed?.units && p.nextTierAdds)
      message = `${p.needed.units} more ${p.needed.units === 1 ? unit.replace(/s$/, '') : unit} earn you ${p.nextTierAdds} ${p.currency} more`;
    else message = `Next tier from ${p.nextTier.from}${p.note ? ` (${p.note})` : ''}`;
    return {
      programCode: p.programCode,
      programName: def.name,
      currency: p.currency,
      period: p.period,
      window: p.window,
      asOf: p.asOf,
      eligible: p.eligible,
      measure: def.measure,
      measureValue: p.measureValue,
      measureNote: p.measureNote,
      tierReached: p.tierReached,
      earned: p.earned,
      previouslySettled: moneyString(p.previouslySettled, p.currency),
      amountDue: p.amountDue,
      nextTier: p.nextTier,
      needed: p.needed,
      nextTierAdds: p.nextTierAdds,
      message,
      note: p.note,
    };
  }

  /**
   * The engine inputs of one dealer for many programs' current periods with a handful of
   * queries: the dealer's rows once (each program keeps its SKUs and kinds, as
   * findTransactionRows selects them), agreements once, settlement state once; growth programs
   * add their prior-year query, claim programs load their own rows.
   */
  async function dealerProgressInputs(
    d: DealerRow,
    ctx: Ctx,
    list: { p: Loaded; version: VersionRow; period: string }[],
  ): Promise<Omit<StatementInput, 'period'>[]> {
    const repo = repoOf();
    if (list.length === 0) return [];
    const prepared = list.map((x) => {
      const def = x.version.definition;
      const settlement = resolvePeriod({
        program: def,
        period: x.period,
        fiscalYearStartMonth: ctx.fy,
      });
      return { ...x, def, settlement };
    });
    const from = prepared.map((x) => x.settlement.window.start).sort()[0]!;
    const to = prepared
      .map((x) => x.settlement.cutoff)
      .sort()
      .at(-1)!;
    const windowEnd = prepared
      .map((x) => x.settlement.window.end)
      .sort()
      .at(-1)!;
    const negativeFrom = prepared.map((x) => x.def.startDate).sort()[0]!;
    const needsAgreements = (def: ProgramDefinition) =>
      def.measure === 'agreement_attainment' || def.eligibility.requiresActiveAgreement;
    const allSkus = [...ctx.skus.values()];
    const shift = (x: string) =>
      `${Number(x.slice(0, 4)) - 1}${x.slice(4) === '-02-29' ? '-02-28' : x.slice(4)}`;
    // Prior-year volumes of growth programs, in parallel with the rest.
    const priorYears = new Map<number, Promise<PriorYearVolume | null>>();
    for (const { p, def, settlement } of prepared) {
      if (def.measure !== 'growth' || def.requiresClaim) continue;
      priorYears.set(
        p.row.id,
        repo
          .findPriorYear({
            dealerIds: [d.id],
            from: shift(settlement.window.start),
            to: shift(settlement.window.end),
            kinds: kindsOf(def),
            qualifyingSkuIds: allSkus.filter((x) => skuMatches(def.qualifying, x)).map((x) => x.id),
            payingSkuIds: allSkus.filter((x) => skuMatches(def.paying, x)).map((x) => x.id),
          })
          .then(([py]) => py ?? null),
      );
      // Awaited below; a failure there must not also surface as an unhandled rejection.
      priorYears.get(p.row.id)!.catch(() => undefined);
    }
    const [rows, plans, settlementState] = await Promise.all([
      repo.findDealerRows({
        dealerId: d.id,
        from,
        to,
        negativeFrom,
      }),
      prepared.some((x) => needsAgreements(x.def))
        ? repo.findAgreementPlans([d.id], from, windowEnd)
        : Promise.resolve([] as AgreementPlanRow[]),
      repo.findDealerSettlement(
        d.id,
        prepared.map((x) => x.p.row.id),
      ),
    ]);
    const transactions = rows.map((r) => ({ row: r, tx: toTransaction(r, ctx) }));
    return Promise.all(
      prepared.map(async ({ p, version, period, def, settlement }) => {
        if (def.requiresClaim) return progressInput(p, version, d, ctx, period);
        const window = settlement.window;
        const qualifyingSkuIds = allSkus
          .filter((x) => skuMatches(def.qualifying, x))
          .map((x) => x.id);
        const payingSkuIds = allSkus.filter((x) => skuMatches(def.paying, x)).map((x) => x.id);
        const skuIds = new Set([...qualifyingSkuIds, ...payingSkuIds]);
        const kinds = new Set(kindsOf(def));
        const mine: IncentiveTransaction[] = [];
        for (const { row, tx } of transactions) {
          if (!skuIds.has(row.skuId) || !kinds.has(row.kind)) continue;
          const inWindow = row.occurredOn >= window.start && row.occurredOn <= settlement.cutoff;
          const lateNegative =
            (row.kind === 'unwind' || row.quantity < 0) &&
            row.occurredOn < window.start &&
            row.receivedOn !== null &&
            row.receivedOn >= window.start &&
            row.receivedOn <= settlement.cutoff;
          if (inWindow || lateNegative) mine.push(tx);
        }
        const windowPlans = needsAgreements(def)
          ? plans.filter(
              (x) =>
                `${x.startMonth}-01` <= window.end &&
                `${addMonths(x.startMonth, x.months)}-01` > window.start,
            )
          : undefined;
        const { dealer, planned } = toDealer(d, ctx, windowPlans, window);
        const priorYear = await priorYears.get(p.row.id);
        let previous = new Dec(0);
        for (const x of settlementState.stored) {
          if (x.programId !== p.row.id || x.windowLabel !== window.label) continue;
          if (
            x.period !== settlement.period &&
            x.status !== 'closed' &&
            x.period < settlement.period
          )
            previous = previous.plus(x.amountDue);
        }
        return {
          program: def,
          dealer,
          transactions: mine,
          plannedQuantity: planned,
          priorYear,
          previouslySettled: previous.toFixed(),
          settledUnitBenefits: settlementState.settled
            .filter((x) => x.programId === p.row.id)
            .map(({ programId: _programId, ...x }) => ({
              ...x,
              transactionId: Number(x.transactionId),
            })),
          adjustments: settlementState.adjustments
            .filter((a) => a.programId === p.row.id && a.period === settlement.period)
            .map((a) => ({
              reference: `ADJ-${a.id}`,
              amount: a.amount,
              explanation: a.explanation,
            })),
          includeLines: false,
          fiscalYearStartMonth: ctx.fy,
        };
      }),
    );
  }

  // a dealer's progress, computed once per change of its inputs
  const progressCache = createDealerProgressCache<
    Awaited<ReturnType<typeof computeDealerIncentives>>
  >(deps.db);

  /** A dealer's progress in every program it is eligible for today (read through the cache). */
  async function computeDealerIncentives(d: DealerRow) {
    const repo = repoOf();
    const [ctx, all] = await Promise.all([context(), repo.findPrograms()]);
    const rows = all.filter((r) => r.status === 'published');
    const versions = await repo.findVersions(rows.map((r) => r.id));
    const today = deps.today();
    const chosen: { p: Loaded; version: VersionRow; period: string }[] = [];
    for (const row of rows) {
      // a drafted next version is not in force: it neither shows nor hides a program
      const published = versions.filter((v) => v.programId === row.id && v.status === 'published');
      const p = { row, versions: published };
      const def = latest(p).definition;
      if (today < def.startDate || today > def.endDate) continue;
      const probe = toDealer(d, ctx, [], { start: def.startDate, end: def.endDate });
      const eligibility = checkEligibility({
        program: { eligibility: { ...def.eligibility, requiresActiveAgreement: false } },
        dealer: probe.dealer,
      });
      if (!eligibility.eligible) continue;
      const period = defaultPeriod(p, ctx);
      const settlement = resolvePeriod({ program: def, period, fiscalYearStartMonth: ctx.fy });
      chosen.push({ p, version: versionFor(p, settlement.window.start), period });
    }
    const inputs = await dealerProgressInputs(d, ctx, chosen);
    const programs: ProgressView[] = chosen.map((x, i) =>
      progressView(
        calculateProgress({ ...inputs[i]!, asOf: today, period: x.period }),
        x.version.definition,
      ),
    );
    return { dealerCode: d.code, asOf: today, programs };
  }

  /** Rebuilds the engine input of one dealer (same loading as statements, rows with lines). */
  async function progressInput(
    p: Loaded,
    version: VersionRow,
    d: DealerRow,
    ctx: Ctx,
    period: string,
  ): Promise<Omit<StatementInput, 'period'>> {
    return (await progressInputs(p, version, [d], ctx, period)).get(d.id)!;
  }

  /**
   * The engine's inputs of one program and period for many dealers (rows of the window, plans,
   * prior year, settlement state), with one query of each kind for them all.
   */
  async function progressInputs(
    p: Loaded,
    version: VersionRow,
    dealers: DealerRow[],
    ctx: Ctx,
    period: string,
  ): Promise<Map<number, Omit<StatementInput, 'period'>>> {
    const def = version.definition;
    const repo = repoOf();
    const ids = dealers.map((d) => d.id);
    const settlement = resolvePeriod({ program: def, period, fiscalYearStartMonth: ctx.fy });
    const allSkus = [...ctx.skus.values()];
    const qualifyingSkuIds = allSkus.filter((s) => skuMatches(def.qualifying, s)).map((s) => s.id);
    const payingSkuIds = allSkus.filter((s) => skuMatches(def.paying, s)).map((s) => s.id);
    const byDealer = <T extends { dealerId: number }>(list: T[]) => {
      const map = new Map<number, T[]>();
      for (const x of list) {
        const at = map.get(x.dealerId);
        if (at) at.push(x);
        else map.set(x.dealerId, [x]);
      }
      return map;
    };
    const rows = byDealer(
      await repo.findTransactionRows({
        programId: p.row.id,
        dealerIds: ids,
        from: settlement.window.start,
        cutoff: settlement.cutoff,
        skuIds: [...new Set([...qualifyingSkuIds, ...payingSkuIds])],
        kinds: kindsOf(def),
        requiresClaim: def.requiresClaim,
      }),
    );
    const needsAgreements =
      def.measure === 'agreement_attainment' || def.eligibility.requiresActiveAgreement;
    const plans = needsAgreements
      ? byDealer(await repo.findAgreementPlans(ids, settlement.window.start, settlement.window.end))
      : undefined;
    let prior: Map<number, Awaited<ReturnType<typeof repo.findPriorYear>>> | undefined;
    if (def.measure === 'growth') {
      const shift = (x: string) =>
        `${Number(x.slice(0, 4)) - 1}${x.slice(4) === '-02-29' ? '-02-28' : x.slice(4)}`;
      prior = byDealer(
        await repo.findPriorYear({
          dealerIds: ids,
          from: shift(settlement.window.start),
          to: shift(settlement.window.end),
          kinds: kindsOf(def),
          qualifyingSkuIds,
          payingSkuIds,
        }),
      );
    }
    const stored = byDealer(
      await repo.findStoredStatements(p.row.id, ids, settlement.window.label),
    );
    const settled = byDealer(await repo.findSettledUnits(p.row.id, ids));
    const adjustments = byDealer(await repo.findAdjustments(p.row.id, settlement.period, ids));
    const inputs = new Map<number, Omit<StatementInput, 'period'>>();
    for (const d of dealers) {
      const { dealer, planned } = toDealer(
        d,
        ctx,
        plans ? (plans.get(d.id) ?? []) : undefined,
        settlement.window,
      );
      let previous = new Dec(0);
      for (const x of stored.get(d.id) ?? []) {
        if (x.period !== settlement.period && x.status !== 'closed' && x.period < settlement.period)
          previous = previous.plus(x.amountDue);
      }
      inputs.set(d.id, {
        program: def,
        dealer,
        transactions: (rows.get(d.id) ?? []).map((r) => toTransaction(r, ctx)),
        plannedQuantity: planned,
        priorYear: prior ? (prior.get(d.id)?.[0] ?? null) : undefined,
        previouslySettled: previous.toFixed(),
        settledUnitBenefits: (settled.get(d.id) ?? []).map((x) => ({
          ...x,
          transactionId: Number(x.transactionId),
        })),
        adjustments: (adjustments.get(d.id) ?? []).map((a) => ({
          reference: `ADJ-${a.id}`,
          amount: a.amount,
          explanation: a.explanation,
        })),
        includeLines: false,
        fiscalYearStartMonth: ctx.fy,
      });
    }
    return inputs;
  }

  // -------------------------------------------------------------------------------------------
  // Claims and disputes helpers
  // -------------------------------------------------------------------------------------------

  type ClaimDbRow = Omit<ClaimView, 'checks'> & { checks: ClaimView['checks'] };

  const CLAIM_SELECT = `select c.id::int as id, p.code as "programCode", d.code as "dealerCode", d.name as "dealerName", c.vin, c.sku_code as sku,
      to_char(c.delivered_on, 'YYYY-MM-DD') as "deliveredOn", c.evidence_name as "evidenceName", c.transaction_id::text as "transactionId",
      c.status, c.checks, c.decision_reason as "decisionReason", c.submitted_by as "submittedBy", c.decided_by as "decidedBy",
      to_json(c.created_at)#>>'{}' as "createdAt"
    from incentive_claims c join programs p on p.id = c.program_id join dealers d on d.id = c.dealer_id`;

  async function findClaimRows(where: string, params: unknown[], db: Queryable = deps.db) {
    const { rows } = await db.query<ClaimDbRow>(
      `${CLAIM_SELECT} where ${where} order by c.id`,
      params,
    );
    return rows;
  }

  async function getDispute(
    id: number,
    actor: Actor,
    db: Queryable = deps.db,
  ): Promise<DisputeView> {
    const params: unknown[] = [id];
    const scope = scopeSql(actor.scope, 'd', params);
    const { rows } = await db.query<Omit<DisputeView, 'messages'>>(
      `select x.id::int as id, p.code as "programCode", d.code as "dealerCode", d.name as "dealerName", x.period, x.transaction_id::text as "transactionId",
              (select json_build_object('occurredOn', to_char(t.occurred_on, 'YYYY-MM-DD'), 'vin', t.vin,
                        'sku', k.code, 'amount', t.amount::text, 'currency', trim(t.currency))
               from transactions t join skus k on k.id = t.sku_id where t.id = x.transaction_id) as "transaction",
              x.claim_id::int as "claimId", x.status, x.resolution,
              (select a.amount::text from incentive_adjustments a where a.dispute_id = x.id limit 1) as adjustment,
              (($${params.length + 1}::date - x.created_at::date))::int as "ageDays",
              x.created_by as "createdBy", x.resolved_by as "resolvedBy", to_json(x.created_at)#>>'{}' as "createdAt",
              coalesce(
                (select trim(s.currency) from incentive_statements s
                 where s.program_id = x.program_id and s.dealer_id = x.dealer_id and s.period = x.period),
                (select v.definition->>'currency' from program_versions v
                 where v.program_id = x.program_id order by v.version_no desc limit 1)
              ) as currency
       from incentive_disputes x join programs p on p.id = x.program_id join dealers d on d.id = x.dealer_id
       where x.id = $1 and ${scope}`,
      [...params, deps.today()],
    );
    const row = rows[0];
    if (!row) throw notFound('Dispute', String(id));
    const messages = await db.query<DisputeView['messages'][number]>(
      `select id::int as id, side, author, body, attachment_name as "attachmentName", to_json(created_at)#>>'{}' as "createdAt"
       from incentive_dispute_messages where dispute_id = $1 order by id`,
      [id],
    );
    return {
      ...row,
      adjustment: formatMinor(row.adjustment, row.currency),
      transaction: row.transaction && {
        ...row.transaction,
        amount: formatMinor(row.transaction.amount, row.transaction.currency),
      },
      messages: messages.rows,
    };
  }

  async function validateClaim(
    db: Queryable,
    p: Loaded,
    dealer: DealerRow,
    claim: ClaimInput,
    ctx: Ctx,
  ): Promise<{ checks: ClaimView['checks']; transactionId: string | null }> {
    const def = latest(p).definition;
    const checks: ClaimView['checks'] = [];
    const { rows } = await db.query<{
      id: string;
      dealerId: number;
      skuId: number;
      kind: string;
      occurredOn: string;
    }>(
      `select id::text, dealer_id as "dealerId", sku_id as "skuId", kind, to_char(occurred_on, 'YYYY-MM-DD') as "occurredOn"
       from transactions where vin = $1 and quantity > 0 order by occurred_on, id`,
      [claim.vin],
    );
    const sale = rows.find(
      (r) => r.dealerId === dealer.id && def.qualifying.kinds.includes(r.kind as never),
    );
    checks.push({
      check: 'delivered_by_dealer',
      ok: sale !== undefined,
      message: sale
        ? `VIN ${claim.vin} was delivered by ${dealer.code} on ${sale.occurredOn} (transaction ${sale.id})`
        : `no ${def.qualifying.kinds.join('/')} of VIN ${claim.vin} by ${dealer.code}`,
    });
    const inWindow =
      claim.deliveredOn >= def.startDate &&
      claim.deliveredOn <= def.endDate &&
      (!sale || (sale.occurredOn >= def.startDate && sale.occurredOn <= def.endDate));
    checks.push({
      check: 'inside_window',
      ok: inWindow,
      message: inWindow
        ? `delivered inside the program (${def.startDate} to ${def.endDate})`
        : `delivered outside the program (${def.startDate} to ${def.endDate})`,
    });
    const sku = ctx.skuByCode.get(claim.sku);
    const saleSku = sale ? ctx.skus.get(sale.skuId) : undefined;
    const matches =
      sku !== undefined &&
      skuMatches(def.paying, sku) &&
      (saleSku === undefined || saleSku.code === sku.code);
    checks.push({
      check: 'matches_program',
      ok: matches,
      message: !sku
        ? `SKU ${claim.sku} is not in the catalog`
        : saleSku && saleSku.code !== sku.code
          ? `the sale was of SKU ${saleSku.code}, not ${sku.code}`
          : matches
            ? `SKU ${sku.code} is paid by the program`
            : `SKU ${sku.code} is not paid by the program`,
    });
    const earlier = await db.query(
      `select id from incentive_claims where program_id = $1 and vin = $2 and status in ('validated', 'approved')`,
      [p.row.id, claim.vin],
    );
    checks.push({
      check: 'not_claimed_before',
      ok: earlier.rows.length === 0,
      message:
        earlier.rows.length === 0
          ? 'not claimed before'
          : `VIN ${claim.vin} was already claimed in this program`,
    });
    return { checks, transactionId: sale?.id ?? null };
  }

  async function batchView(code: string, db: Queryable = deps.db): Promise<PayoutBatchView> {
    const { rows } = await db.query<{
      id: string;
      code: string;
      status: 'exported' | 'paid';
      glAccount: string;
      createdBy: string;
      createdAt: string;
      paidAt: string | null;
      state: 'built' | 'exported' | 'paid';
      exportedAt: string | null;
    }>(
      `select id::text, code, status, gl_account as "glAccount", created_by as "createdBy", to_json(created_at)#>>'{}' as "createdAt",
              to_json(paid_at)#>>'{}' as "paidAt", ${BATCH_STATE_SQL} as state,
              to_json(exported_at)#>>'{}' as "exportedAt" from payout_batches b where code = $1`,
      [code],
    );
    const b = rows[0];
    if (!b) throw notFound('Payout batch', code);
    const items = await db.query<PayoutBatchView['items'][number]>(
      `select d.code as "dealerCode", d.name as "dealerName", d.erp_vendor_id as "erpVendorId", i.amount::text as amount,
              trim(i.currency) as currency, $2::text as "glAccount", i.reference, p.code as "programCode", s.period
       from payout_items i join dealers d on d.id = i.dealer_id join incentive_statements s on s.id = i.statement_id
       join programs p on p.id = s.program_id where i.batch_id = $1 order by d.code, p.code, s.period`,
      [b.id, b.glAccount],
    );
    const totals = new Map<string, Dec>();
    for (const i of items.rows) {
      i.amount = moneyString(i.amount, i.currency);
      totals.set(i.currency, (totals.get(i.currency) ?? new Dec(0)).plus(i.amount));
    }
    return {
      code: b.code,
      status: b.status,
      glAccount: b.glAccount,
      createdBy: b.createdBy,
      createdAt: b.createdAt,
      paidAt: b.paidAt,
      state: b.state,
      exportedAt: b.exportedAt,
      totals: [...totals].map(([currency, amount]) => ({
        currency,
        amount: moneyString(amount, currency),
      })),
      items: items.rows,
    };
  }

  function requireOem(actor: Actor) {
    if (actor.scope.kind !== 'network' && actor.scope.kind !== 'region') {
      throw new AppError('FORBIDDEN', 'Only the OEM may do this');
    }
  }

  function need(actor: Actor, permission: Permission) {
    requirePermission(actor, permission);
  }

  const service = {
    /** No stored live state: open statements and progress read the feed directly. */
    async applyIngestDelta(_tx: Queryable) {},

    // ------------------------------------------------------------------ programs
    async createProgram({ actor, data }: { actor: Actor; data: unknown }): Promise<ProgramView> {
      need(actor, 'programs:write');
      const ctx = await context();
      const { program, warnings } = parseDefinition(data, ctx);
      await deps.db.transaction(async (tx) => {
        const repo = repoOf(tx);
        const id = await translateUnique('Program', program.code, () =>
          repo.insertProgram({
            code: program.code,
            createdById: userId(actor),
            createdBy: actorLabel(actor),
          }),
        );
        await repo.insertVersion({
          programId: id,
          versionNo: 1,
          effectiveFrom: program.startDate,
          definition: program,
          warnings,
          createdBy: actorLabel(actor),
        });
      });
      return view(await loadProgram(program.code));
    },

    async updateProgram({ actor, code, data }: { actor: Actor; code: string; data: unknown }) {
      need(actor, 'programs:write');
      const ctx = await context();
      const p = await loadProgram(code);
      const v = latest(p);
      if (v.status !== 'draft') {
        throw new AppError(
          'CONFLICT',
          `Program ${code} version ${v.versionNo} is published and immutable; create a new version`,
        );
      }
      const { program, warnings } = parseDefinition(data, ctx);
      if (program.code !== code) {
        throw invalid([{ path: 'code', code: 'code_changed', message: `must stay ${code}` }]);
      }
      await repoOf().updateDraftVersion({
        programId: p.row.id,
        versionNo: v.versionNo,
        definition: program,
        warnings,
      });
      return view(await loadProgram(code));
    },

    async findPrograms({ actor }: { actor: Actor }): Promise<ProgramSummary[]> {
      need(actor, 'programs:read');
      const repo = repoOf();
      const rows = await repo.findPrograms();
      const versions = await repo.findVersions(rows.map((r) => r.id));
      const visible = await visibility.visibleCodes(actor);
      return rows
        .map((row) => ({ row, versions: versions.filter((v) => v.programId === row.id) }))
        .filter((p) => p.versions.length > 0)
        .filter((p) => visible === null || visible.has(p.row.code))
        .map((p) => {
          const v = latest(p);
          return {
            code: p.row.code,
            status: p.row.status,
            createdBy: p.row.createdBy,
            versionNo: v.versionNo,
            warnings: v.warnings,
            name: v.definition.name,
            currency: v.definition.currency,
            startDate: v.definition.startDate,
            endDate: v.definition.endDate,
            measure: v.definition.measure,
          };
        });
    },

    async getProgram({ actor, code }: { actor: Actor; code: string }): Promise<ProgramView> {
      need(actor, 'programs:read');
      await visibility.requireVisible(actor, code);
      const p = await loadProgram(code);
      if (actor.scope.kind !== 'dealers') return view(p);
      // a dealer sees the published versions only, without the budget and others' names
      const v = view({ ...p, versions: p.versions.filter((x) => x.status === 'published') });
      return { ...v, definition: await visibility.redactDefinition(actor, v.definition) };
    },

    async publishProgram({ actor, code }: { actor: Actor; code: string }): Promise<ProgramView> {
      need(actor, 'programs:write');
      await deps.db.transaction(async (tx) => {
        const p = await loadProgram(code, tx);
        const v = latest(p);
        if (p.row.status === 'closed') throw new AppError('CONFLICT', `Program ${code} is closed`);
        if (v.status !== 'draft') {
          throw new AppError(
            'CONFLICT',
            `Program ${code} version ${v.versionNo} is already published`,
          );
        }
        const canonical = canonicalJson(v.definition);
        const sha256 = sha256Hex(canonical);
        await repoOf(tx).publishVersion({
          programId: p.row.id,
          versionNo: v.versionNo,
          canonical,
          sha256,
          by: actorLabel(actor),
        });
        await deps.ledger.append(tx, {
          entityType: 'program_version',
          entityId: `${code}/v${v.versionNo}`,
          action: 'published',
          payload: v.definition,
          actor: actorLabel(actor),
        });
      });
      return view(await loadProgram(code));
    },

    async createVersion({
      actor,
      code,
      data,
    }: {
      actor: Actor;
      code: string;
      data: { effectiveFrom: string; definition: unknown };
    }): Promise<ProgramView> {
      need(actor, 'programs:write');
      const ctx = await context();
      const { program, warnings } = parseDefinition(data.definition, ctx, 'definition');
      if (program.code !== code) {
        throw invalid([
          { path: 'definition.code', code: 'code_changed', message: `must stay ${code}` },
        ]);
      }
      if (data.effectiveFrom < program.startDate || data.effectiveFrom > program.endDate) {
        throw invalid([
          {
            path: 'effectiveFrom',
            code: 'outside_program',
            message: `must be inside the program (${program.startDate} to ${program.endDate})`,
          },
        ]);
      }
      await deps.db.transaction(async (tx) => {
        const p = await loadProgram(code, tx);
        const v = latest(p);
        if (p.row.status === 'closed') throw new AppError('CONFLICT', `Program ${code} is closed`);
        if (v.status === 'draft') {
          throw new AppError(
            'CONFLICT',
            `Version ${v.versionNo} of ${code} is still a draft; edit it`,
          );
        }
        await repoOf(tx).insertVersion({
          programId: p.row.id,
          versionNo: v.versionNo + 1,
          effectiveFrom: data.effectiveFrom,
          definition: program,
          warnings,
          createdBy: actorLabel(actor),
        });
      });
      return view(await loadProgram(code));
    },

    async closeProgram({ actor, code }: { actor: Actor; code: string }): Promise<ProgramView> {
      need(actor, 'programs:write');
      await deps.db.transaction(async (tx) => {
        const p = await loadProgram(code, tx);
        if (p.row.status !== 'published') {
          throw new AppError(
            'CONFLICT',
            `Only a published program can be closed; ${code} is ${p.row.status}`,
          );
        }
        await repoOf(tx).closeProgram(p.row.id, actorLabel(actor));
        await deps.ledger.append(tx, {
          entityType: 'program',
          entityId: code,
          action: 'closed',
          payload: { code },
          actor: actorLabel(actor),
        });
      });
      return view(await loadProgram(code));
    },

    // ------------------------------------------------------------------ statements
    async findStatements({ actor, code, period }: { actor: Actor; code: string; period?: string }) {
      need(actor, 'statements:read');
      await visibility.requireVisible(actor, code);
      const p = await loadProgram(code);
      const ctx = await context();
      const dealers = await repoOf().findDealers(actor.scope);
      const chosen = period ?? defaultPeriod(p, ctx);
      const probe = resolvePeriod({
        program: latest(p).definition,
        period: chosen,
        fiscalYearStartMonth: ctx.fy,
      });
      const version = versionFor(p, probe.window.start);
      const settlement = resolvePeriod({
        program: version.definition,
        period: chosen,
        fiscalYearStartMonth: ctx.fy,
      });
      // Totals only: the shared pass (or row by row where groups cannot give the cents).
      const [network] = await computeNetworkTotals({
        items: [{ program: p, version, settlement }],
        dealers,
        ctx,
        wholeNetwork: actor.scope.kind === 'network',
      });
      const items = network!.computed;
      const def = version.definition;
      const shown = items.filter((c) => c.statement.eligible || c.statement.lineCount > 0);
      const totalEarned = shown.reduce((a, c) => a.plus(c.statement.earned), new Dec(0));
      const totalDue = shown.reduce((a, c) => a.plus(c.statement.amountDue), new Dec(0));
      return {
        programCode: code,
        period: settlement.period,
        currency: def.currency,
        items: shown.map((c) => statementView(c, code, version.versionNo)),
        totalEarned: moneyString(totalEarned, def.currency),
        totalAmountDue: moneyString(totalDue, def.currency),
        budget: calculateBudgetUse({
          // the program's budget is OEM-internal: a dealer sees its own totals only
          program: actor.scope.kind === 'dealers' ? { ...def, budget: null } : def,
          earned: shown.map((c) => ({ dealerCode: c.dealer.code, earned: c.statement.earned })),
        }),
      };
    },

    getStatement: getStatementDetail,

    /** GET /programs/{code}/reconciliation (reconciliation.service.ts), dealers in scope. */
    async getReconciliation({
      actor,
      code,
      period,
    }: {
      actor: Actor;
      code: string;
      period?: string;
    }) {
      need(actor, 'statements:read');
      const p = await loadProgram(code);
      const ctx = await context();
      const dealers = await repoOf().findDealers(actor.scope);
      const chosen = period ?? defaultPeriod(p, ctx);
      const probe = resolvePeriod({
        program: latest(p).definition,
        period: chosen,
        fiscalYearStartMonth: ctx.fy,
      });
      const def = versionFor(p, probe.window.start).definition;
      const settlement = resolvePeriod({
        program: def,
        period: chosen,
        fiscalYearStartMonth: ctx.fy,
      });
      const skuIds = [...ctx.skus.values()]
        .filter((s) => skuMatches(def.qualifying, s) || skuMatches(def.paying, s))
        .map((s) => s.id);
      return loadReconciliation({
        db: deps.db,
        programId: p.row.id,
        program: def,
        labelsFrom: latest(p).definition,
        settlement,
        fiscalYearStartMonth: ctx.fy,
        dealers,
        spec: {
          programId: p.row.id,
          from: settlement.window.start,
          cutoff: settlement.cutoff,
          skuIds,
          kinds: kindsOf(def),
        },
        toTransaction: (r) => toTransaction(r, ctx),
        compute: async (o) =>
          (
            await computeStatements({
              program: p,
              period: settlement.period,
              withLines: true,
              ctx,
              ...o,
            })
          ).items,
        correctionsInto: (q, list) =>
          correctionsInto({
            db: deps.db,
            program: p,
            period: q,
            dealers: list,
            ctx,
            withWindow: false,
          }),
      });
    },

    /**
     * Full recalculation (the benchmark): earned and amount due of every program's current
     * settlement period (`periods: 'all'`: every period that has started by today; `period`:
     * that one) for every dealer in scope.
     */
    async recalculateAll({
      actor,
      period,
      periods = 'current',
      withStatements = false,
    }: {
      actor: Actor;
      period?: string;
      periods?: 'current' | 'all';
      /** Also return every statement's figures (tests and checks; large). */
      withStatements?: boolean;
    }) {
      need(actor, 'statements:read');
      const ctx = await context();
      const repo = repoOf();
      const dealers = await repo.findDealers(actor.scope);
      const rows = await repo.findPrograms();
      const versions = await repo.findVersions(rows.map((r) => r.id));
      const today = deps.today();
      const items: NetworkItem[] = [];
      for (const row of rows) {
        const p = { row, versions: versions.filter((v) => v.programId === row.id) };
        if (p.versions.length === 0) continue;
        const first = latest(p).definition;
        const labels = period
          ? [period]
          : periods === 'current'
            ? [defaultPeriod(p, ctx)]
            : listSettlementPeriods({ program: first, fiscalYearStartMonth: ctx.fy })
                .filter((s) => s.periodStart <= today)
                .map((s) => s.period);
        for (const label of labels) {
          const probe = resolvePeriod({
            program: first,
            period: label,
            fiscalYearStartMonth: ctx.fy,
          });
          const version = versionFor(p, probe.window.start);
          const settlement = resolvePeriod({
            program: version.definition,
            period: label,
            fiscalYearStartMonth: ctx.fy,
          });
          items.push({ program: p, version, settlement });
        }
      }
      const results = await computeNetworkTotals({
        items,
        dealers,
        ctx,
        wholeNetwork: actor.scope.kind === 'network',
      });
      let statements = 0;
      let earned = 0;
      let due = 0;
      let earnedDec = new Dec(0);
      let dueDec = new Dec(0);
      const paths = { groups: 0, rows: 0 };
      const list: {
        programCode: string;
        period: string;
        dealerCode: string;
        measureValue: string | null;
        tierReached: string | null;
        earned: string;
        amountDue: string;
        lineCount: number;
      }[] = [];
      for (const r of results) {
        paths[r.path]++;
        for (const c of r.computed) {
          statements++;
          if (withStatements) {
            list.push({
              programCode: r.item.program.row.code,
              period: r.item.settlement.period,
              dealerCode: c.dealer.code,
              measureValue: c.statement.measureValue,
              tierReached: c.statement.tierReached,
              earned: c.statement.earned,
              amountDue: c.statement.amountDue,
              lineCount: c.statement.lineCount,
            });
          }
          const e = parseScaled(c.statement.earned, 2);
          const a = parseScaled(c.statement.amountDue, 2);
          if (e === null || a === null) {
            earnedDec = earnedDec.plus(c.statement.earned);
            dueDec = dueDec.plus(c.statement.amountDue);
          } else {
            earned += e;
            due += a;
          }
        }
      }
      return {
        programs: rows.length,
        periods: results.length,
        statements,
        totalEarned: earnedDec.plus(new Dec(earned).div(100)).toFixed(2),
        totalAmountDue: dueDec.plus(new Dec(due).div(100)).toFixed(2),
        periodsFromGroups: paths.groups,
        periodsFromRows: paths.rows,
        ...(withStatements ? { items: list } : {}),
      };
    },

    async startRecalculation({ actor }: { actor: Actor }) {
      need(actor, 'payouts:manage');
      requireOem(actor);
      return deps.jobs.start({ actor, kind: RECALCULATION_JOB_KIND, params: {} });
    },

    // ------------------------------------------------------------------ progress and what-if
    async getDealerIncentives({ actor, dealerCode }: { actor: Actor; dealerCode: string }) {
      need(actor, 'programs:read');
      const d = await dealerInScope(actor, dealerCode);
      return progressCache.read(d.id, deps.today(), () => computeDealerIncentives(d));
    },

    async whatIf({
      actor,
      dealerCode,
      data,
    }: {
      actor: Actor;
      dealerCode: string;
      data: WhatIfBody;
    }) {
      need(actor, 'programs:read');
      const d = await dealerInScope(actor, dealerCode);
      const ctx = await context();
      await visibility.requireVisible(actor, data.programCode, dealerCode);
      const p = await loadProgram(data.programCode);
      const sku = data.sku
        ? ctx.skuByCode.get(data.sku)
        : [...ctx.skus.values()].find(
            (s) =>
              s.modelLineCode === data.modelLine &&
              (data.powertrain === undefined || s.powertrain === data.powertrain),
          );
      if (!sku) {
        throw invalid([
          {
            path: data.sku ? 'body.sku' : 'body.modelLine',
            code: 'unknown_code',
            message: 'no such SKU in the catalog',
          },
        ]);
      }
      const period = data.period ?? defaultPeriod(p, ctx);
      const def0 = latest(p).definition;
      const settlement = resolvePeriod({ program: def0, period, fiscalYearStartMonth: ctx.fy });
      const version = versionFor(p, settlement.window.start);
      const input = await progressInput(p, version, d, ctx, period);
      const today = deps.today();
      const date =
        data.date ??
        (today < settlement.window.start
          ? settlement.window.start
          : today > settlement.cutoff
            ? settlement.cutoff
            : today);
      if (data.amountPerUnit !== undefined) {
        checkMinorUnit(data.amountPerUnit, version.definition.currency, 'body.amountPerUnit');
      }
      // Hypothetical sales on `date` are priced at the MSRP valid then.
      const msrp = priceOn(ctx.prices, sku.id, date, sku.msrp);
      const extra = hypotheticalTransactions({
        template: {
          sku: sku.code,
          modelLineCode: sku.modelLineCode,
          powertrain: sku.powertrain,
          segment: sku.segment,
          msrp,
          amountPerUnit: data.amountPerUnit ?? msrp,
        },
        quantity: data.quantity,
        date,
        currency: version.definition.currency,
      });
      const result = whatIf({ input: { ...input, asOf: today, period }, extraTransactions: extra });
      return {
        before: progressView(result.before, version.definition),
        after: progressView(result.after, version.definition),
        addedEarned: result.addedEarned,
      };
    },

    // ------------------------------------------------------------------ claims
    async submitClaims({
      actor,
      code,
      claims,
    }: {
      actor: Actor;
      code: string;
      claims: (ClaimInput & { path: string })[];
    }): Promise<ClaimView[]> {
      need(actor, 'claims:write');
      for (const dealerCode of new Set(claims.map((c) => c.dealerCode)))
        await visibility.requireVisible(actor, code, dealerCode);
      const ctx = await context();
      const ids: number[] = [];
      await deps.db.transaction(async (tx) => {
        const p = await loadProgram(code, tx);
        const def = latest(p).definition;
        if (p.row.status !== 'published')
          throw new AppError('CONFLICT', `Program ${code} is not published`);
        if (!def.requiresClaim)
          throw new AppError('CONFLICT', `Program ${code} does not take claims`);
        const problems: Problem[] = [];
        const dealers = new Map<string, DealerRow>();
        for (const c of claims) {
          const [d] = await repoOf(tx).findDealers(actor.scope, c.dealerCode);
          if (!d) throw notFound('Dealer', c.dealerCode);
          dealers.set(c.dealerCode, d);
          // the whole feed, past row-level security (migration 0017): yes or no only
          const known = await tx.query<{ known: boolean }>(
            'select forecourt_feed_has_vin($1) as known',
            [c.vin],
          );
          if (!known.rows[0]!.known)
            problems.push({
              path: `${c.path}.vin`,
              code: 'unknown_vin',
              message: `VIN ${c.vin} is not in the feed`,
            });
          if (!ctx.skuByCode.has(c.sku))
            problems.push({
              path: `${c.path}.sku`,
              code: 'unknown_code',
              message: `SKU ${c.sku} is not in the catalog`,
            });
          if (c.deliveredOn < def.startDate || c.deliveredOn > def.endDate)
            problems.push({
              path: `${c.path}.deliveredOn`,
              code: 'outside_program',
              message: `must be inside the program (${def.startDate} to ${def.endDate})`,
            });
        }
        if (problems.length > 0) throw invalid(problems);
        for (const c of claims) {
          const d = dealers.get(c.dealerCode)!;
          const { checks, transactionId } = await validateClaim(tx, p, d, c, ctx);
          const status = checks.every((x) => x.ok) ? 'validated' : 'invalid';
          const { rows } = await tx.query<{ id: number }>(
            `insert into incentive_claims (program_id, dealer_id, vin, sku_code, delivered_on, evidence_name, transaction_id, status, checks, submitted_by)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id::int as id`,
            [
              p.row.id,
              d.id,
              c.vin,
              c.sku,
              c.deliveredOn,
              c.evidenceName ?? null,
              transactionId,
              status,
              JSON.stringify(checks),
              actorLabel(actor),
            ],
          );
          ids.push(rows[0]!.id);
        }
      });
      return findClaimRows('c.id = any($1::bigint[])', [ids]);
    },

    parseClaimsCsv(dealerCode: string, csv: string): (ClaimInput & { path: string })[] {
      let records: Record<string, string>[];
      try {
        records = parseCsv(csv, {
          columns: true,
          skip_empty_lines: true,
          trim: true,
        }) as Record<string, string>[];
      } catch (error) {
        // malformed CSV (an unclosed quote, a ragged row): a 400 at the line, never a 500
        const line = (error as { lines?: number }).lines;
        throw invalid([
          {
            path: line ? `body.csv.${line}` : 'body.csv',
            ...(line ? { row: line } : {}),
            code: 'malformed_csv',
            message: (error as Error).message,
          },
        ]);
      }
      const problems: Problem[] = [];
      const out = records.map((r, i) => {
        const vin = r.vin ?? r.VIN ?? '';
        const sku = r.sku ?? r.SKU ?? '';
        const deliveredOn = r.deliveryDate ?? r.deliveredOn ?? r.delivery_date ?? '';
        if (!vin)
          problems.push({
            path: `body.csv.${i + 2}.vin`,
            row: i + 2,
            code: 'required',
            message: 'is required',
          });
        if (!sku)
          problems.push({
            path: `body.csv.${i + 2}.sku`,
            row: i + 2,
            code: 'required',
            message: 'is required',
          });
        if (!/^\d{4}-\d{2}-\d{2}$/.test(deliveredOn))
          problems.push({
            path: `body.csv.${i + 2}.deliveryDate`,
            row: i + 2,
            code: 'invalid_date',
            message: 'expected YYYY-MM-DD',
          });
        return {
          dealerCode,
          vin,
          sku,
          deliveredOn,
          evidenceName: r.evidence || undefined,
          path: `body.csv.${i + 2}`,
        };
      });
      if (problems.length > 0) throw invalid(problems);
      return out;
    },

    async findClaims({ actor, code }: { actor: Actor; code: string }): Promise<ClaimView[]> {
      need(actor, 'programs:read');
      await visibility.requireVisible(actor, code);
      const params: unknown[] = [code];
      return findClaimRows(`p.code = $1 and ${scopeSql(actor.scope, 'd', params)}`, params);
    },

    async decideClaim({
      actor,
      id,
      decision,
      reason,
    }: {
      actor: Actor;
      id: number;
      decision: 'approve' | 'reject';
      reason: string;
    }): Promise<ClaimView> {
      need(actor, 'claims:review');
      requireOem(actor);
      await deps.db.transaction(async (tx) => {
        const [c] = await findClaimRows('c.id = $1', [id], tx);
        if (!c) throw notFound('Claim', String(id));
        if (decision === 'approve' && c.status !== 'validated') {
          throw new AppError(
            'CONFLICT',
            `Only a validated claim can be approved; claim ${id} is ${c.status}`,
          );
        }
        if (decision === 'reject' && !['validated', 'invalid'].includes(c.status)) {
          throw new AppError('CONFLICT', `Claim ${id} is already ${c.status}`);
        }
        await tx.query(
          `update incentive_claims set status = $2, decision_reason = $3, decided_by = $4, decided_at = now() where id = $1`,
          [id, decision === 'approve' ? 'approved' : 'rejected', reason, actorLabel(actor)],
        );
      });
      return (await findClaimRows('c.id = $1', [id]))[0]!;
    },

    // ------------------------------------------------------------------ disputes
    async createDispute({
      actor,
      data,
    }: {
      actor: Actor;
      data: {
        programCode: string;
        dealerCode: string;
        period: string;
        transactionId?: string;
        claimId?: number;
        comment: string;
        attachmentName?: string;
      };
    }): Promise<DisputeView> {
      need(actor, 'disputes:write');
      const d = await dealerInScope(actor, data.dealerCode);
      await visibility.requireVisible(actor, data.programCode, data.dealerCode);
      const p = await loadProgram(data.programCode);
      const ctx = await context();
      resolvePeriod({
        program: latest(p).definition,
        period: data.period,
        fiscalYearStartMonth: ctx.fy,
      });
      if (data.transactionId) {
        const { rows } = await deps.db.query(
          'select 1 from transactions where id = $1 and dealer_id = $2',
          [data.transactionId, d.id],
        );
        if (rows.length === 0)
          throw invalid([
            {
              path: 'body.transactionId',
              code: 'unknown_line',
              message: 'no such transaction of the dealer',
            },
          ]);
      }
      if (data.claimId) {
        const { rows } = await deps.db.query(
          'select 1 from incentive_claims where id = $1 and dealer_id = $2',
          [data.claimId, d.id],
        );
        if (rows.length === 0)
          throw invalid([
            { path: 'body.claimId', code: 'unknown_claim', message: 'no such claim of the dealer' },
          ]);
      }
      const id = await deps.db.transaction(async (tx) => {
        const { rows } = await tx.query<{ id: number }>(
          `insert into incentive_disputes (program_id, dealer_id, period, transaction_id, claim_id, created_by)
           values ($1, $2, $3, $4, $5, $6) returning id::int as id`,
          [
            p.row.id,
            d.id,
            data.period,
            data.transactionId ?? null,
            data.claimId ?? null,
            actorLabel(actor),
          ],
        );
        const disputeId = rows[0]!.id;
        await tx.query(
          `insert into incentive_dispute_messages (dispute_id, side, author, body, attachment_name) values ($1, $2, $3, $4, $5)`,
          [
            disputeId,
            actor.scope.kind === 'dealers' ? 'dealer' : 'oem',
            actorLabel(actor),
            data.comment,
            data.attachmentName ?? null,
          ],
        );
        return disputeId;
      });
      return getDispute(id, actor);
    },

    async addDisputeMessage({
      actor,
      id,
      data,
    }: {
      actor: Actor;
      id: number;
      data: { body: string; attachmentName?: string };
    }): Promise<DisputeView> {
      if (
        !hasPermission(actor.role, 'disputes:write') &&
        !hasPermission(actor.role, 'disputes:resolve')
      ) {
        throw new AppError('FORBIDDEN', `Your role (${actor.role}) may not write in disputes`);
      }
      const dispute = await getDispute(id, actor);
      if (dispute.status !== 'open')
        throw new AppError('CONFLICT', `Dispute ${id} is ${dispute.status}`);
      await deps.db.query(
        `insert into incentive_dispute_messages (dispute_id, side, author, body, attachment_name) values ($1, $2, $3, $4, $5)`,
        [
          id,
          actor.scope.kind === 'dealers' ? 'dealer' : 'oem',
          actorLabel(actor),
          data.body,
          data.attachmentName ?? null,
        ],
      );
      return getDispute(id, actor);
    },

    async resolveDispute({
      actor,
      id,
      data,
    }: {
      actor: Actor;
      id: number;
      data: { outcome: 'adjust' | 'reject'; amount?: string; reason: string };
    }): Promise<DisputeView> {
      need(actor, 'disputes:resolve');
      requireOem(actor);
      const dispute = await getDispute(id, actor);
      if (dispute.status !== 'open')
        throw new AppError('CONFLICT', `Dispute ${id} is already ${dispute.status}`);
      const p = await loadProgram(dispute.programCode);
      const ctx = await context();
      if (data.amount !== undefined) checkMinorUnit(data.amount, dispute.currency, 'body.amount');
      await deps.db.transaction(async (tx) => {
        if (data.outcome === 'adjust') {
          // The adjustment goes into the disputed period while it is open, else the current one.
          const repo = repoOf(tx);
          const closed = await repo.isPeriodClosed(p.row.id, dispute.period);
          const period = closed ? defaultPeriod(p, ctx) : dispute.period;
          await tx.query(
            `insert into incentive_adjustments (program_id, dealer_id, period, dispute_id, amount, explanation, created_by)
             values ($1, (select id from dealers where code = $2), $3, $4, $5, $6, $7)`,
            [
              p.row.id,
              dispute.dealerCode,
              period,
              id,
              data.amount,
              `dispute ${id}: ${data.reason}`,
              actorLabel(actor),
            ],
          );
        }
        await tx.query(
          `update incentive_disputes set status = $2, resolution = $3, resolved_by = $4, resolved_at = now() where id = $1`,
          [id, data.outcome === 'adjust' ? 'adjusted' : 'rejected', data.reason, actorLabel(actor)],
        );
        await tx.query(
          `insert into incentive_dispute_messages (dispute_id, side, author, body) values ($1, 'oem', $2, $3)`,
          [
            id,
            actorLabel(actor),
            `${data.outcome === 'adjust' ? `Adjusted by ${formatMinor(data.amount!, dispute.currency)}` : 'Rejected'}: ${data.reason}`,
          ],
        );
      });
      return getDispute(id, actor);
    },

    getDispute: ({ actor, id }: { actor: Actor; id: number }) => getDispute(id, actor),

    async findDisputes({
      actor,
      status,
    }: {
      actor: Actor;
      status?: string;
    }): Promise<DisputeView[]> {
      need(actor, 'statements:read');
      const params: unknown[] = [status ?? null];
      const { rows } = await deps.db.query<{ id: number }>(
        `select x.id::int as id from incentive_disputes x join dealers d on d.id = x.dealer_id
         where ($1::text is null or x.status = $1) and ${scopeSql(actor.scope, 'd', params)} order by x.created_at, x.id`,
        params,
      );
      const out: DisputeView[] = [];
      for (const r of rows) out.push(await getDispute(r.id, actor));
      return out;
    },

    // ------------------------------------------------------------------ settlement and payout
    async closePeriod({ actor, code, period }: { actor: Actor; code: string; period: string }) {
      need(actor, 'payouts:manage');
      requireOem(actor);
      return deps.db.transaction(async (tx) => {
        // No batch in flight while closing: the rows up to the feed's last id are the period's.
        await createCorrectionsRepository(tx).lockFeed(tx);
        const p = await loadProgram(code, tx);
        const ctx = await context(tx);
        const repo = repoOf(tx);
        if (p.row.status === 'draft')
          throw new AppError('CONFLICT', `Program ${code} is not published`);
        const reclose = await repo.isPeriodClosed(p.row.id, period);
        const dealers = await repo.findDealers({ kind: 'network' });
        // Every statement not yet approved is frozen as a snapshot (settlement.ts).
        return closeWithSnapshots({
          tx,
          ledger: deps.ledger,
          today: deps.today(),
          programId: p.row.id,
          code,
          period,
          reclose,
          dealers,
          by: actorLabel(actor),
          compute: (slice) =>
            computeStatements({
              db: tx,
              program: p,
              period,
              dealers: slice,
              withLines: true,
              ctx,
              live: true,
            }),
          markClosed: (label) => repo.closePeriod(p.row.id, label, actorLabel(actor)),
        });
      });
    },

    async approveStatement(options: {
      actor: Actor;
      code: string;
      dealerCode: string;
      period: string;
    }): Promise<StatementDetail> {
      await service.approveSnapshot(options);
      return getStatementDetail(options);
    },

    /**
     * The single approval (one transaction): the statement's snapshot, when it still holds,
     * is approved, its lines frozen and a ledger entry written. Bulk approval calls it per
     * statement (bulk-settlement.ts). Answers the amount approved.
     */
    async approveSnapshot({
      actor,
      code,
      dealerCode,
      period,
    }: {
      actor: Actor;
      code: string;
      dealerCode: string;
      period: string;
    }): Promise<{ amountDue: string; currency: string }> {
      need(actor, 'programs:approve');
      requireOem(actor);
      return deps.db.transaction(async (tx) => {
        const p = await loadProgram(code, tx);
        const [d] = await repoOf(tx).findDealers(actor.scope, dealerCode);
        if (!d) throw notFound('Dealer', dealerCode);
        if (
          (p.row.createdById !== null && p.row.createdById === userId(actor)) ||
          p.row.createdBy === actorLabel(actor)
        ) {
          throw new AppError(
            'FORBIDDEN',
            `Four eyes: the author of program ${code} may not approve its statements`,
          );
        }
        const ctx = await context(tx);
        const { settlement, version, items } = await computeStatements({
          db: tx,
          program: p,
          period,
          dealers: [d],
          withLines: true,
          ctx,
          live: true,
        });
        const c = items[0]!;
        if (c.status !== 'closed' || !c.storedId) {
          throw new AppError(
            'CONFLICT',
            c.status === 'open'
              ? `Period ${period} is open (or ${dealerCode} has no statement); close it first`
              : `The statement is already ${c.status}`,
          );
        }
        const s = c.statement;
        const snapshot = await approvableSnapshot({
          tx,
          statementId: c.storedId,
          live: snapshotDocument({
            programCode: code,
            programVersion: version.versionNo,
            dealerCode: d.code,
            statement: s,
          }),
        });
        const repo = repoOf(tx);
        await repo.approveStatement({
          id: c.storedId,
          by: actorLabel(actor),
          earned: s.earned,
          amountDue: s.amountDue,
          snapshot: { ...s, lines: [] },
        });
        // The snapshot's lines: what was closed is what is approved.
        await repo.insertLines(c.storedId, snapshot.document.lines);
        await repo.recordSettledUnits({
          programId: p.row.id,
          dealerId: d.id,
          statementId: c.storedId,
          window: settlement.window.label,
        });
        // Names the snapshot approved (its hash) and what was frozen (settlement.ts).
        await createCorrectionsRepository(tx).recordCorrectedUnits({
          programId: p.row.id,
          dealerId: d.id,
          statementId: c.storedId,
          windows: Object.fromEntries(
            listSettlementPeriods({
              program: latest(p).definition,
              fiscalYearStartMonth: ctx.fy,
            }).map((x) => [x.period, x.window.label]),
          ),
        });
        await deps.ledger.append(tx, {
          entityType: 'statement_approval',
          entityId: snapshotEntityId(code, d.code, settlement.period, snapshot.seq),
          action: 'approved',
          payload: await createSettlementRepository(tx).findApprovalDocument(c.storedId),
          actor: actorLabel(actor),
        });
        return { amountDue: snapshot.document.amountDue, currency: s.currency };
      });
    },

    /**
     * The closed statements of a period in the caller's scope, each recomputed with its lines
     * and compared with its snapshot (as approval does): `difference` is null when the snapshot
     * holds, else what approval would answer in its 409 details.
     */
    async checkClosedStatements({
      actor,
      code,
      period,
    }: {
      actor: Actor;
      code: string;
      period: string;
    }): Promise<
      {
        dealerCode: string;
        dealerName: string;
        amountDue: string;
        difference: Record<string, unknown> | null;
      }[]
    > {
      need(actor, 'statements:read');
      requireOem(actor);
      const p = await loadProgram(code);
      const ctx = await context();
      const dealers = await repoOf().findDealers(actor.scope);
      const out = [];
      for (let i = 0; i < dealers.length; i += 200) {
        const { version, items } = await computeStatements({
          program: p,
          period,
          dealers: dealers.slice(i, i + 200),
          withLines: true,
          ctx,
          live: true,
        });
        for (const c of items.filter((x) => x.status === 'closed' && x.storedId)) {
          let difference: Record<string, unknown> | null = null;
          let amountDue = c.statement.amountDue;
          try {
            const snapshot = await approvableSnapshot({
              tx: deps.db,
              statementId: c.storedId!,
              live: snapshotDocument({
                programCode: code,
                programVersion: version.versionNo,
                dealerCode: c.dealer.code,
                statement: c.statement,
              }),
            });
            amountDue = snapshot.document.amountDue;
          } catch (e) {
            if (!(e instanceof AppError) || e.code !== 'STATEMENT_CHANGED_SINCE_CLOSE') throw e;
            difference = { message: e.message, ...(e.details as Record<string, unknown>) };
            // what was closed (the snapshot's figure), not the recomputation
            const before = (e.details as { totals?: { before?: { amountDue?: string } } }).totals
              ?.before?.amountDue;
            if (before !== undefined) amountDue = before;
          }
          out.push({ dealerCode: c.dealer.code, dealerName: c.dealer.name, amountDue, difference });
        }
      }
      return out;
    },

    async createPayoutBatch({
      actor,
      data,
    }: {
      actor: Actor;
      data: { programCode?: string; glAccount: string };
    }): Promise<PayoutBatchView> {
      need(actor, 'payouts:manage');
      requireOem(actor);
      const code = await deps.db.transaction(async (tx) => {
        const { rows } = await tx.query<{
          id: string;
          dealerId: number;
          amount: string;
          currency: string;
          reference: string;
        }>(
          `select s.id::text, s.dealer_id as "dealerId", s.amount_due::text as amount, trim(s.currency) as currency,
                  p.code || '-' || s.period || '-' || d.code as reference
           from incentive_statements s join programs p on p.id = s.program_id join dealers d on d.id = s.dealer_id
           where s.status = 'approved' and s.amount_due <> 0 and ($1::text is null or p.code = $1)
             and not exists (select 1 from payout_items i where i.statement_id = s.id)
           order by d.code, p.code, s.period`,
          [data.programCode ?? null],
        );
        if (rows.length === 0)
          throw new AppError('CONFLICT', 'No approved statements wait for payout');
        const seq = await tx.query<{ n: number }>(
          'select count(*)::int + 1 as n from payout_batches',
        );
        const batchCode = `PAY-${deps.today().replace(/-/g, '')}-${String(seq.rows[0]!.n).padStart(4, '0')}`;
        const batch = await tx.query<{ id: string }>(
          `insert into payout_batches (code, gl_account, created_by) values ($1, $2, $3) returning id::text`,
          [batchCode, data.glAccount, actorLabel(actor)],
        );
        for (const r of rows) {
          await tx.query(
            `insert into payout_items (batch_id, statement_id, dealer_id, amount, currency, reference) values ($1, $2, $3, $4, $5, $6)`,
            [batch.rows[0]!.id, r.id, r.dealerId, r.amount, r.currency, r.reference],
          );
        }
        await deps.ledger.append(tx, {
          entityType: 'payout_batch',
          entityId: batchCode,
          action: 'created',
          payload: rows.map((r) => [r.reference, r.amount, r.currency]),
          actor: actorLabel(actor),
        });
        return batchCode;
      });
      return batchView(code);
    },

    async getPayoutBatch({ actor, code }: { actor: Actor; code: string }) {
      need(actor, 'payouts:manage');
      requireOem(actor);
      return batchView(code);
    },

    /** The CSV was fetched for accounts payable: the first time makes the batch `exported`. */
    async recordBatchExport({ actor, code }: { actor: Actor; code: string }) {
      need(actor, 'payouts:manage');
      requireOem(actor);
      await deps.db.query(
        `update payout_batches set exported_at = now(), exported_by = $2 where code = $1 and exported_at is null`,
        [code, actorLabel(actor)],
      );
    },

    async markBatchPaid({ actor, code }: { actor: Actor; code: string }) {
      need(actor, 'payouts:manage');
      requireOem(actor);
      await deps.db.transaction(async (tx) => {
        const b = await batchView(code, tx);
        if (b.status === 'paid') throw new AppError('CONFLICT', `Batch ${code} is already paid`);
        await tx.query(
          `update payout_batches set status = 'paid', paid_at = now(), paid_by = $2 where code = $1`,
          [code, actorLabel(actor)],
        );
        await tx.query(
          `update incentive_statements set status = 'paid', paid_at = now()
           where id in (select i.statement_id from payout_items i join payout_batches b on b.id = i.batch_id where b.code = $1)`,
          [code],
        );
        await deps.ledger.append(tx, {
          entityType: 'payout_batch',
          entityId: code,
          action: 'paid',
          payload: b.totals,
          actor: actorLabel(actor),
        });
      });
      return batchView(code);
    },

    async getAccruals({ actor, code }: { actor: Actor; code: string }) {
      need(actor, 'payouts:manage');
      requireOem(actor);
      const p = await loadProgram(code);
      const ctx = await context();
      const def = latest(p).definition;
      const today = deps.today();
      const dealers = await repoOf().findDealers({ kind: 'network' });
      const months: { month: string; earned: string }[] = [];
      let total = new Dec(0);
      let projected = new Dec(0);
      const periods = listSettlementPeriods({ program: def, fiscalYearStartMonth: ctx.fy }).filter(
        (s) => s.periodStart <= today,
      );
      // Every period to date in one read of the feed (see computeNetworkTotals).
      const networkItems = periods.map((s) => {
        const version = versionFor(p, s.window.start);
        const settlement = resolvePeriod({
          program: version.definition,
          period: s.period,
          fiscalYearStartMonth: ctx.fy,
        });
        return { program: p, version, settlement };
      });
      const totals = await computeNetworkTotals({
        items: networkItems,
        dealers,
        ctx,
        wholeNetwork: true,
        asOf: today,
      });
      for (const [index, s] of periods.entries()) {
        const items = totals.find((r) => r.item === networkItems[index])!.computed;
        const due = items.reduce((a, c) => a.plus(c.statement.amountDue), new Dec(0));
        months.push({ month: s.period, earned: moneyString(due, def.currency) });
        total = total.plus(due);
        if (s === periods[periods.length - 1]) {
          const eligible = items.filter((c) => c.statement.eligible);
          const inputs = await progressInputs(
            p,
            versionFor(p, s.window.start),
            eligible.map((c) => c.dealer),
            ctx,
            s.period,
          );
          for (const c of eligible) {
            const input = inputs.get(c.dealer.id)!;
            const accrual = calculateAccrual({ ...input, asOf: today, period: s.period });
            projected = projected.plus(accrual.projectedEarned).minus(c.statement.earned);
          }
        }
      }
      const earnedToDate = moneyString(total, def.currency);
      return {
        programCode: code,
        currency: def.currency,
        asOf: today,
        months,
        earnedToDate,
        projectedToWindowEnd: moneyString(total.plus(projected), def.currency),
        budget: calculateBudgetUse({
          program: def,
          earned: [{ dealerCode: '*', earned: earnedToDate }],
        }),
      };
    },
  };
  deps.jobs.define(RECALCULATION_JOB_KIND, async ({ actor, report }) => {
    await report(0, 'recalculating');
    const result = await service.recalculateAll({ actor: actor ?? SYSTEM_ACTOR });
    await report(100, 'done');
    return result;
  });
  return service;
}

export type IncentivesService = ReturnType<typeof createIncentivesService>;
