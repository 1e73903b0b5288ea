/**
 * The SQL a statement is computed from (issue 19). Transactions are loaded set-based: one
 * statement per program and settlement period, either row by row (one dealer, with lines) or
 * pre-aggregated per dealer × month × kind × sign × filter class (the network's totals, where
 * the engine's totals are provably the same); plans, prior year, stored statements, settled
 * units, adjustments, and a stored statement's lines.
 */
import type { Queryable } from '../../db/db';
import type { ProgramFilter } from '../../../shared/schemas/program';
import type { AgreementPlanRow, LoadSpec, TxRow } from './incentives.repository';

/** A statement line as written to incentive_statement_lines (and read back, narrower). */
export type StatementLineRow = {
  kind: string;
  transactionId: string | null;
  date: string | null;
  quantity: number | null;
  basis: string | null;
  rate: string | null;
  tierFrom: string | null;
  parts: unknown;
  amount: string;
  explanation: string;
  correctsPeriod?: string | null;
  correctsLineNo?: number | null;
  /** Correction lines moved by another dealer's delivery of the same VIN (migration 0063). */
  correctionReason?: string | null;
  correctsTransactionId?: string | null;
  /** per_g_co2_below lines: the structured CO2 figures of the line */
  co2?: { gPerKm: string; thresholdGPerKm: string; belowGPerKm: string } | null;
};

/** A closed, approved or paid statement as the engine reads it back (findStoredStatements). */
export type StoredStatementRow = {
  id: string;
  dealerId: number;
  period: string;
  windowLabel: string;
  status: 'closed' | 'approved' | 'paid';
  amountDue: string;
  snapshot: Record<string, unknown>;
  versionNo: number;
  approvedBy: string | null;
};

/** A unit benefit already settled (not clawed back), as the statements read it. */
export type SettledUnitRow = {
  dealerId: number;
  transactionId: string;
  window: string;
  vin: string | null;
  externalId: string | null;
  quantity: number;
  amount: string;
  /** Paid by the adjustment naming this claim (CLAIM_PAID_UNITS), else null. */
  claimId: string | null;
  /** The window of the approved statement that clawed the claim's adjustment back, if any. */
  clawedBackIn: string | null;
  /** Taken back by a correction (its VIN earns with another dealer, migration 0064), else null. */
  takenBack: 'paid_to_other_dealer' | 'delivered_by_other_dealer' | null;
};
/**
 * settled_unit_benefits as the engine reads them (`s`), with the window of the approved statement
 * that clawed each back (`cs`): the engine claws a unit back once, and keeps that clawback in the
 * later (cumulative) statements of that window only. Before, a clawed-back unit vanished from them
 * too, so the unwind then only netted there (below a tier: 0.00) and the clawback was handed back.
 */
const SETTLED_UNIT_COLUMNS = `s.program_id as "programId", s.dealer_id as "dealerId", s.transaction_id::text as "transactionId", s.window_label as window, s.vin,
  s.external_id as "externalId", s.quantity, s.amount::text as amount, null::text as "claimId", cs.window_label as "clawedBackIn",
  s.taken_back_reason as "takenBack"`;
const SETTLED_UNITS = `settled_unit_benefits s
  left join incentive_statements cs on cs.id = s.clawed_back_by and cs.dealer_id = s.dealer_id`;

/**
 * Sales paid by an adjustment naming their claim (claims.service.ts: approved after the sale's
 * window was settled), as settled units: an unwind of the sale claws back exactly the adjustment,
 * once (docs/incentives.md, "Claims"). `window` is the adjustment's period; a clawback approved
 * in a window hides the unit from every other window (`clawedBackIn`). Same columns as
 * settled_unit_benefits' SETTLED_UNIT_COLUMNS; $1 program ids, $2 dealer ids (null: all).
 */
const CLAIM_PAID_UNITS = `select a.program_id as "programId", a.dealer_id as "dealerId", c.transaction_id::text as "transactionId",
    a.period as window, t.vin, t.external_id as "externalId", abs(t.quantity) as quantity, a.amount::text as amount,
    a.claim_id::text as "claimId", cs.window_label as "clawedBackIn", null::text as "takenBack"
  from incentive_adjustments a
  join incentive_claims c on c.id = a.claim_id and c.dealer_id = a.dealer_id
  join transactions t on t.id = c.transaction_id and t.dealer_id = a.dealer_id
  left join incentive_statements cs on cs.id = a.clawed_back_by and cs.dealer_id = a.dealer_id
  where a.program_id = any($1::int[]) and ($2::int[] is null or a.dealer_id = any($2::int[]))
    and a.claim_id is not null and a.amount > 0`;

/**
 * The settled units (settled_unit_benefits and claim-paid units) of programs $1 for dealers $2
 * (null: all), each with its "programId": one read for many programs (insights' batch reads).
 */
export const SETTLED_UNITS_OF_PROGRAMS = `select ${SETTLED_UNIT_COLUMNS}
  from ${SETTLED_UNITS}
  where s.program_id = any($1::int[]) and ($2::int[] is null or s.dealer_id = any($2::int[]))
  union all ${CLAIM_PAID_UNITS}`;

/**
 * Leaves out of the engine's read of the feed (`t`) an unwind of a sale a confirmed integrity flag
 * charged back before the unwind was stored (migration 0059, `forecourt_charged_unwinds`): the
 * chargeback took the sale's money back, once; the unwind takes nothing more (no clawback of its
 * settled unit, no netting of its window). One evaluation per query (an init plan).
 */
export const NOT_CHARGED_UNWIND = `not ((t.kind = 'unwind' or t.quantity < 0)
  and t.id = any((select forecourt_charged_unwinds())::bigint[]))`;

/**
 * The rows a statement over [$2, $3] reads: dealers $1 (all when null), SKUs $4, kinds $5, dated
 * in the window, or a reversal dated before it that arrived in it; never an unwind of a sale
 * already charged back (NOT_CHARGED_UNWIND).
 */
/** A feed row as the engine reads it (`TxRow`): every read of rows for a statement selects these. */
const TX_COLUMNS = `t.id::text as id, t.dealer_id as "dealerId", t.sku_id as "skuId", t.kind, t.vin, t.quantity,
  t.amount::text as amount, t.currency, to_char(t.occurred_on, 'YYYY-MM-DD') as "occurredOn",
  case when t.received_at::date > t.occurred_on then to_char(t.received_at at time zone 'UTC', 'YYYY-MM-DD') end as "receivedOn",
  t.external_id as "externalId", t.original_external_id as "originalExternalId"`;
const WINDOW_ROWS_ALL = `($1::int[] is null or t.dealer_id = any($1::int[]))
  and t.sku_id = any($4::int[]) and t.kind = any($5::text[])
  and (t.occurred_on between $2::date and $3::date
       or ((t.kind = 'unwind' or t.quantity < 0) and t.occurred_on < $2::date
           and t.received_at >= $2::date and t.received_at < $3::date + 1))`;
const WINDOW_ROWS = `${WINDOW_ROWS_ALL}
  and ${NOT_CHARGED_UNWIND}`;

/** The net of a transaction column: an unwind counts negative whatever its sign. */
const net = (column: 'quantity' | 'amount') =>
  `case when t.kind = 'unwind' then -abs(t.${column}) else t.${column} end`;

/**
 * The retail delivery report of a feed row `t`: its own (`rs`), or for a row without one that
 * names the sale it reverses (an unwind's originalExternalId), that sale's (`ro`). Keyed as the
 * feed (dealer, source, externalId), so the join follows rdr_sales' primary key.
 */
export const SALE_JOIN = `left join rdr_sales rs on rs.dealer_id = t.dealer_id and rs.source = t.source and rs.external_id = t.external_id
  left join rdr_sales ro on rs.dealer_id is null and t.original_external_id is not null
    and ro.dealer_id = t.dealer_id and ro.source = t.source and ro.external_id = t.original_external_id`;
export const SALE_COLUMNS = `coalesce(rs.sale_category, ro.sale_category) as "saleCategory", coalesce(rs.buyer_type, ro.buyer_type) as "buyerType"`;

/**
 * A filter's sale rules as a SQL condition on a row joined through SALE_JOIN (the same rules as
 * calc/filters.ts `saleExclusion`: a row without a report is a retail sale with no buyer type).
 */
export function saleKeepSql(filter: ProgramFilter, params: unknown[]): string {
  const categories = filter.excludeSaleCategories ?? [];
  const buyers = filter.excludeBuyerTypes ?? [];
  const unreported = filter.withoutReport === 'exclude';
  if (categories.length === 0 && buyers.length === 0 && !unreported) return 'true';
  params.push(categories, buyers);
  const c = `$${params.length - 1}::text[]`;
  const b = `$${params.length}::text[]`;
  const category = 'coalesce(rs.sale_category, ro.sale_category)';
  return `(case when ${category} is null then ${unreported ? 'false' : `not ('retail' = any(${c}))`}
    else not (${category} = any(${c})) and not (coalesce(coalesce(rs.buyer_type, ro.buyer_type) = any(${b}), false)) end)`;
}

export function createStatementsRepository(db: Queryable) {
  return {
    /** Approved or active agreements of dealers overlapping [from, to]. */
    async findAgreementPlans(
      dealerIds: number[] | null,
      from: string,
      to: string,
    ): Promise<AgreementPlanRow[]> {
      // Every agreement that had approved terms and overlaps the span, whatever its status now,
      // with its approved versions: the plan of a window comes from the version in force then.
      const { rows } = await db.query<
        Omit<AgreementPlanRow, 'versions'> & {
          versions: { versionNo: number; effectiveMonth: string; lines: unknown }[];
        }
      >(
        `select a.dealer_id as "dealerId", a.code, a.status, to_char(a.start_month, 'YYYY-MM') as "startMonth", a.months, a.frequency,
                (select json_agg(json_build_object('versionNo', v.version_no, 'effectiveMonth', to_char(v.effective_month, 'YYYY-MM'),
                                                   'lines', v.terms->'lines') order by v.version_no)
                   from agreement_versions v where v.agreement_id = a.id) as versions
         from agreements a
         where a.approved_version is not null and a.status in ('approved', 'active', 'expired', 'cancelled')
           and ($1::int[] is null or a.dealer_id = any($1::int[]))
           and a.start_month <= $3::date and (a.start_month + make_interval(months => a.months))::date > $2::date`,
        [dealerIds, from, to],
      );
      return rows.map((r) => ({
        ...r,
        versions: (r.versions ?? []).map((v) => {
          const planned: number[] = [];
          for (const line of (v.lines ?? []) as { plannedQuantities?: number[] }[])
            (line.plannedQuantities ?? []).forEach((q, i) => (planned[i] = (planned[i] ?? 0) + q));
          return {
            versionNo: v.versionNo,
            effectiveMonth: v.effectiveMonth,
            plannedByPeriod: Array.from(planned, (q) => q ?? 0),
          };
        }),
      }));
    },

    /** Transactions of one program's settlement, row by row (with lines). */
    async findTransactionRows(spec: LoadSpec): Promise<TxRow[]> {
      const params: unknown[] = [spec.dealerIds, spec.from, spec.cutoff, spec.skuIds, spec.kinds];
      const claimed = claimedSql(spec, params) + feedSql(spec, params);
      const { rows } = await db.query<TxRow>(
        `select ${TX_COLUMNS}${spec.withSale ? `, ${SALE_COLUMNS}` : ''}
         from transactions t ${spec.withSale ? SALE_JOIN : ''}
         where ${WINDOW_ROWS}
           ${claimed}
         order by t.dealer_id, t.occurred_on, t.id`,
        params,
      );
      return rows;
    },

    /**
     * The unwinds a statement over the window would read but leaves out (NOT_CHARGED_UNWIND:
     * their sale was already charged back), each with the confirmed flag that charged it
     * (migration 0062, `forecourt_charged_unwind_flags`): listed as excluded, never counted.
     */
    async findChargedUnwindRows(spec: LoadSpec): Promise<(TxRow & { flagId: number })[]> {
      const params: unknown[] = [spec.dealerIds, spec.from, spec.cutoff, spec.skuIds, spec.kinds];
      const claimed = claimedSql(spec, params) + feedSql(spec, params);
      const { rows } = await db.query<TxRow & { flagId: number }>(
        `select ${TX_COLUMNS}, c.flag_id as "flagId"
         from forecourt_charged_unwind_flags($1::int[]) c join transactions t on t.id = c.transaction_id
         where ${WINDOW_ROWS_ALL}
           ${claimed}
         order by t.dealer_id, t.occurred_on, t.id`,
        params,
      );
      return rows;
    },

    /**
     * The same rows pre-aggregated per dealer × kind × sign × month × arrival class × filter
     * class (qualifying, paying, BEV): every row of a group counts the same way in the engine.
     */
    async findAggregatedRows(
      spec: LoadSpec & { qualifyingSkuIds: number[]; payingSkuIds: number[]; bevSkuIds: number[] },
    ): Promise<TxRow[]> {
      const params: unknown[] = [
        spec.dealerIds,
        spec.from,
        spec.cutoff,
        spec.skuIds,
        spec.kinds,
        spec.qualifyingSkuIds,
        spec.payingSkuIds,
        spec.bevSkuIds,
      ];
      const claimed = claimedSql(spec, params) + feedSql(spec, params);
      const { rows } = await db.query<TxRow>(
        `select min(t.id)::text as id, t.dealer_id as "dealerId", min(t.sku_id) as "skuId", t.kind, null as vin,
                sum(t.quantity)::int as quantity, sum(t.amount)::text as amount, t.currency,
                to_char(min(t.occurred_on), 'YYYY-MM-DD') as "occurredOn",
                to_char(case when t.received_at::date > least((date_trunc('month', t.occurred_on) + interval '1 month - 1 day')::date, $3::date)
                             then t.received_at::date end, 'YYYY-MM-DD') as "receivedOn",
                null as "externalId"
         from transactions t
         where ${WINDOW_ROWS}
           ${claimed}
         group by t.dealer_id, t.kind, t.quantity < 0, t.currency, date_trunc('month', t.occurred_on),
                  case when t.received_at::date > least((date_trunc('month', t.occurred_on) + interval '1 month - 1 day')::date, $3::date)
                       then t.received_at::date end,
                  t.sku_id = any($6::int[]), t.sku_id = any($7::int[]), t.sku_id = any($8::int[])
         order by t.dealer_id`,
        params,
      );
      return rows;
    },

    /**
     * One dealer's rows for many programs at once (progress): every SKU and kind dated from
     * `from` to `to`, and negative rows dated from `negativeFrom` that arrived from `from` on.
     * The caller keeps each program's SKUs and kinds (as findTransactionRows selects them).
     */
    async findDealerRows(spec: {
      dealerId: number;
      from: string;
      to: string;
      negativeFrom: string;
    }): Promise<TxRow[]> {
      const { rows } = await db.query<TxRow>(
        `select ${TX_COLUMNS}, ${SALE_COLUMNS}
         from transactions t ${SALE_JOIN}
         where t.dealer_id = $1
           and (t.occurred_on between $2::date and $3::date
                or ((t.kind = 'unwind' or t.quantity < 0) and t.occurred_on >= $4::date and t.occurred_on < $2::date
                    and t.received_at >= $2::date))
           and ${NOT_CHARGED_UNWIND}
         order by t.occurred_on, t.id`,
        [spec.dealerId, spec.from, spec.to, spec.negativeFrom],
      );
      return rows;
    },

    /** Stored statements, settled units and adjustments of one dealer in many programs. */
    async findDealerSettlement(dealerId: number, programIds: number[]) {
      const [stored, settled, adjustments] = await Promise.all([
        db.query<{
          programId: number;
          period: string;
          windowLabel: string;
          status: 'closed' | 'approved' | 'paid';
          amountDue: string;
        }>(
          `select program_id as "programId", period, window_label as "windowLabel", status, amount_due::text as "amountDue"
           from incentive_statements where dealer_id = $1 and program_id = any($2::int[]) order by id`,
          [dealerId, programIds],
        ),
        db.query<SettledUnitRow & { programId: number }>(
          `select ${SETTLED_UNIT_COLUMNS}
           from ${SETTLED_UNITS}
           where s.program_id = any($1::int[]) and s.dealer_id = any($2::int[])
           union all ${CLAIM_PAID_UNITS}`,
          [programIds, [dealerId]],
        ),
        db.query<{
          programId: number;
          id: string;
          period: string;
          amount: string;
          explanation: string;
        }>(
          `select program_id as "programId", id::text, period, amount::text as amount, explanation
           from incentive_adjustments where dealer_id = $1 and program_id = any($2::int[]) order by id`,
          [dealerId, programIds],
        ),
      ]);
      return { stored: stored.rows, settled: settled.rows, adjustments: adjustments.rows };
    },

    /** Net units and revenue per dealer × month × SKU class (prior-year figures of growth). */
    async findMonthlyClassVolumes(spec: {
      dealerIds: number[] | null;
      from: string;
      to: string;
      kinds: string[];
      classBySkuId: (number | null)[];
    }) {
      const { rows } = await db.query<{
        dealerId: number;
        skuClass: number;
        kind: string;
        monthStart: string;
        units: number;
        revenue: string;
      }>(
        `select t.dealer_id as "dealerId", ($5::int[])[t.sku_id] as "skuClass", t.kind,
                to_char(date_trunc('month', t.occurred_on), 'YYYY-MM-DD') as "monthStart",
                sum(${net('quantity')})::int as units,
                sum(${net('amount')})::text as revenue
         from transactions t
         where ($1::int[] is null or t.dealer_id = any($1::int[]))
           and t.occurred_on between $2::date and $3::date and t.kind = any($4::text[])
           and ($5::int[])[t.sku_id] is not null
         group by 1, 2, 3, date_trunc('month', t.occurred_on)`,
        [spec.dealerIds, spec.from, spec.to, spec.kinds, spec.classBySkuId],
      );
      return rows;
    },

    /** Adjustments of a program, every period. */
    async findProgramAdjustments(programId: number, dealerIds: number[] | null) {
      const { rows } = await db.query<{
        id: string;
        dealerId: number;
        period: string;
        amount: string;
        explanation: string;
      }>(
        `select id::text, dealer_id as "dealerId", period, amount::text as amount, explanation
         from incentive_adjustments where program_id = $1 and ($2::int[] is null or dealer_id = any($2::int[]))
         order by id`,
        [programId, dealerIds],
      );
      return rows;
    },

    /** Net units and revenue of the qualifying and paying SKUs in a range, per dealer. */
    async findPriorYear(input: {
      dealerIds: number[] | null;
      from: string;
      to: string;
      kinds: string[];
      qualifyingSkuIds: number[];
      payingSkuIds: number[];
      /** The program's filters, when they have sale rules (the report is joined). */
      saleFilters?: { qualifying: ProgramFilter; paying: ProgramFilter };
    }) {
      const params: unknown[] = [
        input.dealerIds,
        input.from,
        input.to,
        input.kinds,
        input.qualifyingSkuIds,
        input.payingSkuIds,
      ];
      const sale = input.saleFilters;
      const q = sale
        ? `t.sku_id = any($5::int[]) and ${saleKeepSql(sale.qualifying, params)}`
        : 't.sku_id = any($5::int[])';
      const p = sale
        ? `t.sku_id = any($6::int[]) and ${saleKeepSql(sale.paying, params)}`
        : 't.sku_id = any($6::int[])';
      const { rows } = await db.query<{
        dealerId: number;
        units: number;
        revenue: string;
        payingUnits: number;
        payingRevenue: string;
      }>(
        `select t.dealer_id as "dealerId",
                coalesce(sum(${net('quantity')}) filter (where ${q}), 0)::int as units,
                coalesce(sum(${net('amount')}) filter (where ${q}), 0)::text as revenue,
                coalesce(sum(${net('quantity')}) filter (where ${p}), 0)::int as "payingUnits",
                coalesce(sum(${net('amount')}) filter (where ${p}), 0)::text as "payingRevenue"
         from transactions t ${sale ? SALE_JOIN : ''}
         where ($1::int[] is null or t.dealer_id = any($1::int[])) and t.occurred_on between $2::date and $3::date
           and t.kind = any($4::text[])
         group by t.dealer_id`,
        params,
      );
      return rows;
    },

    async findStoredStatements(programId: number, dealerIds: number[] | null, window?: string) {
      const { rows } = await db.query<StoredStatementRow>(
        `select id::text, dealer_id as "dealerId", period, window_label as "windowLabel", status, amount_due::text as "amountDue",
                snapshot, version_no as "versionNo", approved_by as "approvedBy"
         from incentive_statements
         where program_id = $1 and ($2::int[] is null or dealer_id = any($2::int[])) and ($3::text is null or window_label = $3)
         order by id`,
        [programId, dealerIds, window ?? null],
      );
      return rows;
    },

    /** Settled units (approved statements' and claims' adjustments') an unwind claws back. */
    async findSettledUnits(programId: number, dealerIds: number[] | null) {
      const { rows } = await db.query<SettledUnitRow>(
        `select ${SETTLED_UNIT_COLUMNS}
         from ${SETTLED_UNITS}
         where s.program_id = any($1::int[]) and ($2::int[] is null or s.dealer_id = any($2::int[]))
         union all ${CLAIM_PAID_UNITS}`,
        [[programId], dealerIds],
      );
      return rows;
    },

    async countSettledUnits(programId: number): Promise<number> {
      const { rows } = await db.query<{ n: number }>(
        `select ((select count(*) from settled_unit_benefits where program_id = $1)
              + (select count(*) from incentive_adjustments where program_id = $1 and claim_id is not null))::int as n`,
        [programId],
      );
      return rows[0]!.n;
    },

    /** Adjustments placed in the given periods (adjustmentPeriodsOf: a statement's window so far). */
    async findAdjustments(programId: number, periods: string[], dealerIds: number[] | null) {
      const { rows } = await db.query<{
        id: string;
        dealerId: number;
        amount: string;
        explanation: string;
      }>(
        `select id::text, dealer_id as "dealerId", amount::text as amount, explanation
         from incentive_adjustments where program_id = $1 and period = any($2::text[]) and ($3::int[] is null or dealer_id = any($3::int[]))
         order by id`,
        [programId, periods, dealerIds],
      );
      return rows;
    },

    async findLines(statementId: string) {
      const { rows } = await db.query<
        StatementLineRow & {
          lineNo: number;
          kind: 'benefit' | 'clawback' | 'adjustment' | 'cap' | 'correction';
          parts: Record<string, unknown>[] | null;
          correctsPeriod: string | null;
          correctsLineNo: number | null;
        }
      >(
        `select line_no as "lineNo", kind, transaction_id::text as "transactionId", to_char(line_date, 'YYYY-MM-DD') as date, quantity,
                basis, rate, tier_from as "tierFrom", parts, amount::text as amount, explanation,
                corrects_period as "correctsPeriod", corrects_line_no as "correctsLineNo", co2,
                correction_reason as "correctionReason", corrects_transaction_id::text as "correctsTransactionId"
         from incentive_statement_lines where statement_id = $1 order by line_no`,
        [statementId],
      );
      // the CO2 figures and a correction's reason only on the lines that have them, as live
      return rows.map(({ co2, correctionReason, correctsTransactionId, ...r }) => ({
        ...r,
        ...(co2 ? { co2 } : {}),
        ...(correctionReason ? { correctionReason, correctsTransactionId } : {}),
      }));
    },

    async findTransactionRefs(ids: string[]) {
      const { rows } = await db.query<{ id: string; vin: string | null; sku: string }>(
        `select t.id::text as id, t.vin, s.code as sku from transactions t join skus s on s.id = t.sku_id where t.id = any($1::bigint[])`,
        [ids],
      );
      return new Map(rows.map((r) => [r.id, r]));
    },
  };
}

/** A closed period counts the rows stored by its close (docs/incentives.md, late rows). */
function feedSql(spec: LoadSpec, params: unknown[]): string {
  if (spec.maxFeedId === undefined || spec.maxFeedId === null) return '';
  params.push(spec.maxFeedId);
  return ` and t.id <= $${params.length}::bigint`;
}

/**
 * Programs with requiresClaim count only transactions behind approved claims and their unwinds
 * (naming the claimed VIN, or the claimed sale by originalExternalId, same dealer and source).
 * A claim paid by an adjustment line naming it (approved when no statement could count its sale,
 * claims.service.ts) counts in no statement: the adjustment paid it, once.
 */
function claimedSql(spec: LoadSpec, params: unknown[]): string {
  if (!spec.requiresClaim) return '';
  params.push(spec.programId);
  const p = `$${params.length}`;
  return `and (t.id in (select c.transaction_id from incentive_claims c where c.program_id = ${p} and c.status = 'approved'
      and not exists (select 1 from incentive_adjustments a where a.claim_id = c.id))
    or ((t.kind = 'unwind' or t.quantity < 0) and t.vin in (select c.vin from incentive_claims c where c.program_id = ${p} and c.status = 'approved'))
    or ((t.kind = 'unwind' or t.quantity < 0) and t.original_external_id is not null and exists (
      select 1 from incentive_claims c join transactions s on s.id = c.transaction_id and s.dealer_id = c.dealer_id
      where c.program_id = ${p} and c.status = 'approved' and c.dealer_id = t.dealer_id
        and s.source = t.source and s.external_id = t.original_external_id)))`;
}
