/**
 * The statements of one program and period (issue 19): loading the feed rows, plans, prior year
 * and settlement state for a set of dealers and calling the engine, with the correction lines
 * the closed periods owe (corrections.ts). Network-wide totals: network-totals.ts.
 */
import { Dec } from '../../../shared/money';
import {
  type IncentiveTransaction,
  type ProgramDefinition,
  type StatementAdjustment,
} from '../../../shared/schemas/program';
import {
  CORRECTION_REASONS,
  type CorrectionReason,
  type StatementLineView,
  type StatementStatus,
} from '../../../shared/schemas/incentives';
import type { Queryable } from '../../db/db';
import { correctionSources, correctionsFrom } from './corrections';
import { createCorrectionsRepository, type ClosedPeriod } from './corrections.repository';
import {
  adjustmentPeriodsOf,
  calculateStatement,
  groupTransactionsByWindow,
  listSettlementPeriods,
  type ExcludedTransaction,
  type SettlementPeriod,
  type Statement,
  type StatementInput,
} from './calc';
import { type AgreementPlanRow, type DealerRow, type VersionRow } from './incentives.repository';
import { createStatementsRepository } from './statements.repository';
import { isEarlierInWindow, settledInLater } from './window-order';
import { blocksOf, findVinBlocks } from './vin-once';
import {
  type IncentivesContext,
  type Ctx,
  type Loaded,
  skuMatches,
  kindsOf,
  canAggregate,
  RETAIL,
  latest,
  versionAndPeriod,
  toDealer,
  toTransaction,
  needsSaleDetails,
} from './incentives-context';

export function toStatementLine(
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
    ...correctionFields(l),
    ...(l.co2 ? { co2: l.co2 } : {}),
  };
}

/**
 * The ids of the rows that count in `window`, as the engine places them: on their date, except
 * an unwind that arrived after its own window's grace deadline, on its arrival date. The rows
 * the engine never sees (a charged-back unwind, migration 0059) are listed by it in exactly one
 * window's statements: the window that would have counted them. (The feed read takes, for a
 * window, the rows dated in it and the unwinds dated before it that arrived in it: a late
 * unwind is in two windows' reads, and the engine keeps it in one.)
 */
export function countingInWindow(options: {
  program: ProgramDefinition;
  fiscalYearStartMonth: number;
  window: string;
  transactions: readonly IncentiveTransaction[];
}): Set<string> {
  if (options.transactions.length === 0) return new Set();
  const groups = groupTransactionsByWindow({
    program: options.program,
    transactions: options.transactions,
    fiscalYearStartMonth: options.fiscalYearStartMonth,
  });
  return new Set((groups.get(options.window) ?? []).map((t) => String(t.id)));
}

/**
 * A correction line's reason code and the delivery it is about, as the API gives them: the
 * stored code of a line moved by another dealer's delivery of the same VIN, else what the line
 * is (a late row, an unwind of a settled sale, or the tier or cap recomputed). Other lines: none.
 */
export function correctionFields(l: {
  kind: string;
  transactionId: string | number | null;
  correctsLineNo?: number | null;
  correctionReason?: string | null;
  correctsTransactionId?: string | null;
}): Pick<StatementLineView, 'correctionReason' | 'correctsTransactionId'> {
  if (l.kind !== 'correction') return {};
  const stored = (CORRECTION_REASONS as readonly string[]).includes(l.correctionReason ?? '')
    ? (l.correctionReason as CorrectionReason)
    : null;
  const reason: CorrectionReason =
    stored ??
    (l.transactionId === null
      ? 'recomputed'
      : l.correctsLineNo != null
        ? 'settled_unwind'
        : 'late_row');
  return { correctionReason: reason, correctsTransactionId: l.correctsTransactionId ?? null };
}

/**
 * The adjustment lines of one dealer's statement: its resolved disputes' adjustments, then the
 * corrections of its settled periods (late rows, corrections.ts).
 */
export function dealerAdjustments<C>(
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

/**
 * What each dealer's earlier statements of the window put up for payment before `period`: the
 * amounts of every stored one, closed (not yet approved) included (window-order.ts).
 */
export function previouslyDue(
  stored: readonly { dealerId: number; period: string; status: string; amountDue: string }[],
  period: string,
): Map<number, Dec> {
  const previously = new Map<number, Dec>();
  for (const s of stored) {
    if (!isEarlierInWindow(s.period, period)) continue;
    previously.set(s.dealerId, (previously.get(s.dealerId) ?? new Dec(0)).plus(s.amountDue));
  }
  return previously;
}

export type Computed = {
  dealer: DealerRow;
  statement: Statement;
  status: StatementStatus;
  approvedBy: string | null;
  storedId: string | null;
  /** status settled_later: the later period whose approved statement paid this one. */
  settledIn?: string;
};

/**
 * A statement computed from the feed: closed (its stored row), open, or settled_later when the
 * dealer has no statement of its own for the period and a later statement of the window is
 * approved or paid (it paid the window so far; window-order.ts). The statement is kept (the
 * reconciliation accounts for the rows with it); the views show no amount for it.
 */
export function liveComputed(
  dealer: DealerRow,
  statement: Statement,
  period: string,
  storedRow: { id: string; status: StatementStatus; approvedBy: string | null } | undefined,
  window: readonly { dealerId: number; period: string; status: string }[],
): Computed {
  if (storedRow)
    return {
      dealer,
      statement,
      status: storedRow.status,
      approvedBy: storedRow.approvedBy,
      storedId: storedRow.id,
    };
  const settledIn = settledInLater(
    period,
    window.filter((s) => s.dealerId === dealer.id),
  );
  return settledIn === null
    ? { dealer, statement, status: 'open', approvedBy: null, storedId: null }
    : { dealer, statement, status: 'settled_later', approvedBy: null, storedId: null, settledIn };
}

/** An approved or paid statement as it was stored: its snapshot, never recomputed. */
export function storedComputed(
  dealer: DealerRow,
  row: {
    id: string;
    status: StatementStatus;
    snapshot: Record<string, unknown>;
    approvedBy: string | null;
  },
): Computed {
  return {
    dealer,
    statement: row.snapshot as unknown as Statement,
    status: row.status,
    approvedBy: row.approvedBy,
    storedId: row.id,
  };
}

export function createStatementComputation({ shared }: { shared: IncentivesContext }) {
  const { deps, context } = shared;
  const repoOf = (db: Queryable = deps.db) => createStatementsRepository(db);

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
    /** Leave these feed rows out (a chargeback's counterfactual statement, insights/chargeback.ts). */
    excludeTransactionIds?: ReadonlySet<string>;
    /** The dealers are every dealer (no dealer filter in the VIN check). */
    wholeNetwork?: boolean;
  }): Promise<{ settlement: SettlementPeriod; version: VersionRow; items: Computed[] }> {
    const db = options.db ?? deps.db;
    const repo = repoOf(db);
    const ctx = options.ctx ?? (await context(db));
    const { version, settlement } = versionAndPeriod(options.program, options.period, ctx.fy);
    const def = version.definition;
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
      withSale: needsSaleDetails(def),
    };
    // A VIN earns once across the network (vin-once.ts): deliveries whose VIN earns elsewhere.
    const blocks = await findVinBlocks(db, {
      programId,
      program: def,
      dealerIds: options.wholeNetwork ? null : dealerIds,
      from: window.start,
      to: settlement.cutoff,
      maxFeedId,
    });
    const aggregate =
      !options.withLines &&
      canAggregate(def) &&
      blocks.size === 0 &&
      (await repo.countSettledUnits(programId)) === 0;
    const rows = aggregate
      ? await repo.findAggregatedRows({ ...spec, qualifyingSkuIds, payingSkuIds, bevSkuIds })
      : await repo.findTransactionRows(spec);
    // The unwinds left out because their sale was already charged back (migration 0059): shown
    // as excluded with the flag's number, so the dealer sees why its unwind took nothing. Only
    // where lines are asked for (statement pages, exports, reconciliation, approval); never counted.
    const chargedUnwinds = new Map<number, ExcludedTransaction[]>();
    if (options.withLines && !aggregate) {
      const charged = await repo.findChargedUnwindRows(spec);
      const here = countingInWindow({
        program: def,
        fiscalYearStartMonth: ctx.fy,
        window: window.label,
        transactions: charged.map((r) => toTransaction(r, ctx)),
      });
      for (const r of charged) {
        if (options.excludeTransactionIds?.has(r.id) || !here.has(r.id)) continue;
        const list = chargedUnwinds.get(r.dealerId) ?? [];
        list.push({
          transactionId: r.id,
          reason: 'charged_back_unwind',
          detail: `unwind of a sale already charged back (integrity flag #${r.flagId}): the chargeback took its benefit back once; this unwind takes nothing more`,
        });
        chargedUnwinds.set(r.dealerId, list);
      }
    }
    const byDealer = new Map<number, IncentiveTransaction[]>();
    for (const r of rows) {
      if (options.excludeTransactionIds?.has(r.id)) continue;
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
        ...(needsSaleDetails(def)
          ? { saleFilters: { qualifying: def.qualifying, paying: def.paying } }
          : {}),
      })) {
        prior.set(p.dealerId, p);
      }
    }
    const previously = previouslyDue(stored, settlement.period);
    const adjustments = await repo.findAdjustments(
      programId,
      adjustmentPeriodsOf({
        program: def,
        period: settlement.period,
        fiscalYearStartMonth: ctx.fy,
      }),
      dealerIds,
    );
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
        items.push(storedComputed(d, storedRow));
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
        blockedSales: blocksOf(blocks, d.id),
        ...(options.asOf ? { asOf: options.asOf } : {}),
      };
      const statement = calculateStatement(input);
      const charged = chargedUnwinds.get(d.id);
      if (charged) statement.excluded = [...statement.excluded, ...charged];
      items.push(liveComputed(d, statement, settlement.period, storedRow, stored));
    }
    return { settlement, version, items };
  }

  return { correctionsInto, computeStatements };
}

export type StatementComputation = ReturnType<typeof createStatementComputation>;
