/**
 * The program tier risks' small reads for many programs at once (issue 14, Performance): a
 * refresh used to ask each of them once per program (20 programs: 20 stored-statement reads, 20
 * adjustment reads, …); here each kind is one query for every program of the run, its rows
 * tagged with the program (or the spec) they answer, split in memory by the caller
 * (program-risk-network.ts, program-risk.service.ts). Each gives, for a program, the rows the
 * per-program query of statements.repository.ts / program-risk.repository.ts gives (the tests
 * compare the risks with the per-dealer path, which keeps those).
 */
import type { Queryable } from '../../db/db';
import {
  SETTLED_UNITS_OF_PROGRAMS,
  type SettledUnitRow,
  type StoredStatementRow,
} from '../incentives/statements.repository';
import type { AxisHistoryRow, LineProgressRow } from './program-risk.repository';

/** A SKU set and kinds of the monthly roll-up (a program's axis), `from` where it has its own. */
export type RollUpSpec = { skuIds: number[]; kinds: string[]; from?: string };

export type AdjustmentRow = { id: string; dealerId: number; amount: string; explanation: string };

/** Rows tagged with their key, split by it (each key's rows in the query's order). */
function split<T extends { k: number }>(rows: T[]): Map<number, Omit<T, 'k'>[]> {
  const out = new Map<number, Omit<T, 'k'>[]>();
  for (const { k, ...rest } of rows) {
    const list = out.get(k);
    if (list) list.push(rest);
    else out.set(k, [rest]);
  }
  return out;
}

/** The specs as the `spec` relation of a query (k: the spec's index). */
const specsJson = (specs: readonly RollUpSpec[]) =>
  JSON.stringify(
    specs.map((s, k) => ({ k, skus: s.skuIds, kinds: s.kinds, from: s.from ?? null })),
  );
const SPEC = `spec as (select * from jsonb_to_recordset($2::jsonb) as x(k int, skus int[], kinds text[], "from" text))`;

export function createProgramRiskReadsRepository(db: Queryable) {
  return {
    /** Settled unit benefits per program (countSettledUnits of each); absent: none. */
    async settledCounts(programIds: number[]): Promise<Map<number, number>> {
      if (programIds.length === 0) return new Map();
      const { rows } = await db.query<{ programId: number; n: number }>(
        `select "programId", sum(n)::int as n from (
           select program_id as "programId", count(*) as n from settled_unit_benefits
           where program_id = any($1::int[]) group by 1
           union all
           select program_id, count(*) from incentive_adjustments
           where program_id = any($1::int[]) and claim_id is not null group by 1) c
         group by 1`,
        [programIds],
      );
      return new Map(rows.map((r) => [r.programId, r.n]));
    },

    /**
     * Of these programs, the ones with an approved claim: a claims program without one counts no
     * row (statements.repository.ts `claimedSql` keeps only the rows behind approved claims).
     */
    async withApprovedClaims(programIds: number[]): Promise<Set<number>> {
      if (programIds.length === 0) return new Set();
      const { rows } = await db.query<{ programId: number }>(
        `select distinct program_id as "programId" from incentive_claims
         where program_id = any($1::int[]) and status = 'approved'`,
        [programIds],
      );
      return new Set(rows.map((r) => r.programId));
    },

    /** Each program's stored statements of its window for these dealers (by id). */
    async storedStatements(
      windows: { programId: number; windowLabel: string }[],
      dealerIds: number[],
    ): Promise<Map<number, StoredStatementRow[]>> {
      if (windows.length === 0) return new Map();
      const { rows } = await db.query<StoredStatementRow & { k: number }>(
        `select s.program_id as k, s.id::text, s.dealer_id as "dealerId", s.period, s.window_label as "windowLabel",
                s.status, s.amount_due::text as "amountDue", s.snapshot, s.version_no as "versionNo", s.approved_by as "approvedBy"
         from incentive_statements s
         join unnest($1::int[], $2::text[]) as w(program_id, window_label)
           on w.program_id = s.program_id and w.window_label = s.window_label
         where s.dealer_id = any($3::int[])
         order by s.id`,
        [windows.map((w) => w.programId), windows.map((w) => w.windowLabel), dealerIds],
      );
      return split(rows);
    },

    /** Each program's settled units (statements.repository.ts SETTLED_UNITS_OF_PROGRAMS) of these dealers. */
    async settledUnits(
      programIds: number[],
      dealerIds: number[],
    ): Promise<Map<number, SettledUnitRow[]>> {
      if (programIds.length === 0) return new Map();
      const { rows } = await db.query<SettledUnitRow & { programId: number }>(
        SETTLED_UNITS_OF_PROGRAMS,
        [programIds, dealerIds],
      );
      return split(rows.map(({ programId, ...rest }) => ({ k: programId, ...rest })));
    },

    /** Each program's adjustments placed in its periods, for these dealers (by id). */
    async adjustments(
      periods: { programId: number; periods: string[] }[],
      dealerIds: number[],
    ): Promise<Map<number, AdjustmentRow[]>> {
      const pairs = periods.flatMap((p) => p.periods.map((period) => [p.programId, period]));
      if (pairs.length === 0) return new Map();
      const { rows } = await db.query<AdjustmentRow & { k: number }>(
        `select a.program_id as k, a.id::text, a.dealer_id as "dealerId", a.amount::text as amount, a.explanation
         from incentive_adjustments a
         join (select distinct * from unnest($1::int[], $2::text[])) as w(program_id, period)
           on w.program_id = a.program_id and w.period = a.period
         where a.dealer_id = any($3::int[])
         order by a.id`,
        [pairs.map((p) => p[0]), pairs.map((p) => p[1]), dealerIds],
      );
      return split(rows);
    },

    /**
     * axisHistories (program-risk.repository.ts) of each spec, in one query: per spec index, one
     * row per dealer of its units and revenue per month in [from, to).
     */
    async axisHistories(
      dealerIds: number[],
      specs: readonly RollUpSpec[],
      from: string,
      to: string,
    ): Promise<Map<number, AxisHistoryRow[]>> {
      if (dealerIds.length === 0 || specs.length === 0) return new Map();
      const { rows } = await db.query<AxisHistoryRow & { k: number }>(
        `with ${SPEC},
         by_month as (
           select s.k, m.dealer_id, m.month, sum(m.quantity)::int as q, sum(m.amount)::float8 as a
           from spec s join monthly_actuals m on m.sku_id = any(s.skus) and m.kind = any(s.kinds)
           where m.dealer_id = any($1::int[])
             and m.month >= ($3 || '-01')::date and m.month < ($4 || '-01')::date
           group by 1, 2, 3)
         select k, dealer_id as "dealerId",
           array_agg((extract(year from month)::int * 12 + extract(month from month)::int - 1) order by month) as months,
           array_agg(q order by month) as quantities, array_agg(a order by month) as amounts
         from by_month group by 1, 2`,
        [dealerIds, specsJson(specs), from, to],
      );
      return split(rows);
    },

    /** topSkus of each spec in one query: per spec index, each dealer's best-selling SKU. */
    async topSkus(
      dealerIds: number[],
      specs: readonly RollUpSpec[],
      from: string,
      to: string,
    ): Promise<Map<number, Map<number, number>>> {
      if (dealerIds.length === 0 || specs.length === 0) return new Map();
      const { rows } = await db.query<{ k: number; dealerId: number; skuId: number }>(
        `with ${SPEC}
         select distinct on (s.k, m.dealer_id) s.k, m.dealer_id as "dealerId", m.sku_id as "skuId"
         from spec s join monthly_actuals m on m.sku_id = any(s.skus) and m.kind = any(s.kinds)
         where m.dealer_id = any($1::int[])
           and m.month >= ($3 || '-01')::date and m.month < ($4 || '-01')::date
         group by s.k, m.dealer_id, m.sku_id having sum(m.quantity) > 0
         order by s.k, m.dealer_id, sum(m.quantity) desc, m.sku_id`,
        [dealerIds, specsJson(specs), from, to],
      );
      const out = new Map<number, Map<number, number>>();
      for (const [k, list] of split(rows))
        out.set(k, new Map(list.map((r) => [r.dealerId, r.skuId])));
      return out;
    },

    /**
     * lineProgress of each spec (its own `from`, the window's first complete month) in one query:
     * per spec index, the units per dealer × model line in [from, to) and a year earlier.
     */
    async lineProgress(
      dealerIds: number[],
      specs: readonly (RollUpSpec & { from: string })[],
      to: string,
    ): Promise<Map<number, LineProgressRow[]>> {
      const open = specs.map((s) => (s.from < to ? s : { ...s, skuIds: [] }));
      if (dealerIds.length === 0 || open.every((s) => s.skuIds.length === 0)) return new Map();
      const { rows } = await db.query<LineProgressRow & { k: number }>(
        `with ${SPEC}
         select s.k, m.dealer_id as "dealerId", ml.name as "modelLine",
           coalesce(sum(m.quantity) filter (where m.month >= (s."from" || '-01')::date), 0)::int as units,
           coalesce(sum(m.quantity) filter (where m.month < (s."from" || '-01')::date), 0)::int as "lastYear"
         from spec s
         join monthly_actuals m on m.sku_id = any(s.skus) and m.kind = any(s.kinds)
           and ((m.month >= (s."from" || '-01')::date and m.month < ($3 || '-01')::date)
             or (m.month >= (s."from" || '-01')::date - interval '12 months'
                 and m.month < ($3 || '-01')::date - interval '12 months'))
         join skus sk on sk.id = m.sku_id join model_lines ml on ml.id = sk.model_line_id
         where m.dealer_id = any($1::int[])
         group by 1, 2, 3`,
        [dealerIds, specsJson(open), to],
      );
      return split(rows);
    },
  };
}
