/**
 * The SQL of insights: reading agreements, their lines and the monthly counted units (our own
 * queries on the agreements' tables: nothing here writes to them), writing the risk tables and
 * the intervention log, and the scoped reads of the risk board and the dealer outlook.
 */
import { scopeSql, type Scope } from '../../auth/actor';
import { csvField, type Queryable } from '../../db/db';
import { contentHash, stageColumnLists } from './risk-content-hash';
import { shownStatusSql } from '../agreements/agreement-status';
import type { SalesEnds } from './sales-end';

export type RiskAgreementRow = {
  id: number;
  code: string;
  dealerId: number;
  dealerCode: string;
  dealerName: string;
  startMonth: string;
  months: number;
  frequency: 'monthly' | 'quarterly';
  lines: {
    lineNo: number;
    label: string;
    targetKind: 'model_line' | 'sku' | 'product_group';
    targetCode: string;
    planned: number[];
    revenue: (string | number | null)[] | null;
  }[];
};

/**
 * One agreement line's counted units per month (`monthIndex` → units, months without sales
 * absent) and the units and revenue of its months with positive sales (its unit value).
 */
export type LineHistoryRow = {
  agreementId: number;
  lineNo: number;
  months: number[];
  quantities: number[];
  soldUnits: number;
  soldAmount: string;
};

export type RiskRow = {
  agreementId: number;
  agreementCode: string;
  lineNo: number;
  dealerId: number;
  dealerCode: string;
  dealerName: string;
  label: string;
  asOf: string;
  elapsedMonths: number;
  termMonths: number;
  commitment: number;
  toDate: number;
  probability: number;
  expected: number;
  lower80: number;
  upper80: number;
  shortfallUnits: number;
  unitValue: string;
  shortfallMoney: string;
  drivers: unknown;
  interventions: unknown;
  computedAt: string;
  /** The network's recalibration the risk used (risk_calibrations), null: the shipped default. */
  calibration: RiskCalibrationUsed | null;
};

export type RiskCalibrationUsed = {
  id: number;
  fittedAt: string;
  throughMonth: string;
  terms: number;
  cases: number;
};

/** `past`: the totals' probability as of each earlier complete month (a term seen the first time). */
export type RiskWrite = { past?: { day: string; probability: number; expected: number }[] } & Omit<
  RiskRow,
  'agreementCode' | 'dealerCode' | 'dealerName' | 'computedAt' | 'calibration'
> & { rawProbability: number; calibrationId: number | null };

export type InterventionRow = {
  id: number;
  dealerCode: string;
  agreementCode: string | null;
  programCode: string | null;
  programTier: number | null;
  kind: string;
  note: string;
  probabilityBefore: number | null;
  outcome: string | null;
  outcomeProbability: number | null;
  createdByName: string;
  createdAt: string;
  outcomeAt: string | null;
  outcomeIsFinal: boolean | null;
  outcomeCorrectedAt: string | null;
};

/** Any constant: risk writes take turns on it (saveRisks). */
const RISK_WRITE_LOCK = 7_305_141;

const RISK_SELECT = `select r.agreement_id as "agreementId", a.code as "agreementCode", r.line_no as "lineNo",
  r.dealer_id as "dealerId", d.code as "dealerCode", d.name as "dealerName", r.label,
  to_char(r.as_of, 'YYYY-MM-DD') as "asOf", r.elapsed_months as "elapsedMonths", r.term_months as "termMonths",
  r.commitment, r.to_date as "toDate", r.probability, r.expected, r.lower80, r.upper80,
  r.shortfall_units as "shortfallUnits", r.unit_value::text as "unitValue", r.shortfall_money::text as "shortfallMoney",
  r.drivers, r.interventions, to_json(r.computed_at)#>>'{}' as "computedAt",
  case when c.id is null then null else json_build_object('id', c.id, 'fittedAt', to_json(c.fitted_at)#>>'{}',
    'throughMonth', to_char(c.through_month, 'YYYY-MM'), 'terms', c.terms, 'cases', c.cases) end as calibration
  from commitment_risks r join agreements a on a.id = r.agreement_id join dealers d on d.id = r.dealer_id
  left join risk_calibrations c on c.id = r.calibration_id`;

/** The columns of commitment_risks a write sets (computed_at: set when a value changes). */
const RISK_COLUMNS = `agreement_id, line_no, dealer_id, label, as_of, elapsed_months, term_months, commitment,
  to_date, probability, raw_probability, expected, lower80, upper80, shortfall_units, unit_value, shortfall_money,
  drivers, interventions, calibration_id`;

/** The columns an existing row takes from a new computation (all but its key and time). */
const RISK_UPDATED = RISK_COLUMNS.split(',')
  .map((c) => c.trim())
  .filter((c) => c !== 'agreement_id' && c !== 'line_no' && c !== 'dealer_id');

/**
 * The staged columns (RISK_COLUMNS, the JSON as text, then the hash) and RISK_COLUMNS read from
 * the stage (its JSON text cast to jsonb, for a changed row only).
 */
const { stage: STAGE_COLUMNS, fromStage: FROM_STAGE } = stageColumnLists(RISK_COLUMNS, [
  'drivers',
  'interventions',
]);

/** An unchanged risk's line (RISK_COLUMNS): its key and today's history point, nothing else. */
function shortLine(r: RiskWrite): string {
  const columns: (string | number | null)[] = new Array(20).fill(null);
  columns[0] = r.agreementId;
  columns[1] = r.lineNo;
  columns[2] = r.dealerId;
  columns[9] = r.probability; // probability and expected: the 10th and 12th of RISK_COLUMNS
  columns[11] = r.expected;
  return columns.map(csvField).join(',');
}

/** A stored risk's key in `storedHashes`: agreement, line and dealer. */
export const riskKey = (agreementId: number, lineNo: number, dealerId: number) =>
  `${agreementId}:${lineNo}:${dealerId}`;

/**
 * Risks as COPY text (CSV) of RISK_COLUMNS and the line's hash (content_hash, migration 0068),
 * and their totals' past points (agreement, dealer, day, probability, expected): the network
 * refresh encodes each slice as it is computed. Numbers are written as JSON writes them (the
 * shortest text that reads back the same double), so the same risk gives the same text.
 *
 * With `stored` (the stored rows' hashes by `riskKey`, read with the slice), a risk whose hash
 * is the stored one's goes as a short line: its key, probability, expected (today's history
 * point) and hash, the other columns empty. The risk is unchanged, so nothing else of it is
 * written, and the database is spared most of the text: on a night without new inputs, every
 * row (BENCHMARKS.md, fifteenth session). `applyStage` never writes a short line into a risk:
 * if the stored row changed since (another refresh wrote between the read and this write), the
 * caller's `refill` sends the full line instead.
 */
export function riskCopyText(
  risks: readonly RiskWrite[],
  stored?: ReadonlyMap<string, string>,
): { risks: string; past: string } {
  let text = '';
  let past = '';
  for (const r of risks) {
    const line = [
      r.agreementId,
      r.lineNo,
      r.dealerId,
      r.label,
      r.asOf,
      r.elapsedMonths,
      r.termMonths,
      r.commitment,
      r.toDate,
      r.probability,
      r.rawProbability,
      r.expected,
      r.lower80,
      r.upper80,
      r.shortfallUnits,
      r.unitValue,
      r.shortfallMoney,
      JSON.stringify(r.drivers),
      JSON.stringify(r.interventions),
      r.calibrationId,
    ]
      .map(csvField)
      .join(',');
    const hash = contentHash(line);
    text +=
      stored?.get(riskKey(r.agreementId, r.lineNo, r.dealerId)) === hash
        ? `${shortLine(r)},${hash}\n`
        : `${line},${hash}\n`;
    for (const p of r.past ?? [])
      past += `${r.agreementId},${r.dealerId},${p.day},${p.probability},${p.expected}\n`;
  }
  return { risks: text, past };
}

/** The full COPY lines (riskCopyText without `stored`) of the risks of these keys (riskKey). */
export type Refill = (keys: ReadonlySet<string>) => string;

export function createInsightsRepository(db: Queryable) {
  /** The staging table of one write's risks (RISK_COLUMNS), dropped at its transaction's end. */
  const createStage = () =>
    db.query(
      `create temp table risk_stage on commit drop as
         select ${STAGE_COLUMNS}, content_hash from commitment_risks with no data`,
    );

  /**
   * Short lines (riskCopyText with `stored`) whose stored row no longer has their hash (another
   * refresh wrote it after this one read the hashes): replaced in the stage by their full lines
   * from `refill`, under the write lock, before anything is written.
   */
  const refillChanged = async (agreementIds: number[], refill: Refill) => {
    const { rows } = await db.query<{ agreementId: number; lineNo: number; dealerId: number }>(
      `delete from risk_stage s
       where s.drivers is null and s.agreement_id = any($1::int[])
         and not exists (select 1 from commitment_risks o where o.agreement_id = s.agreement_id
           and o.line_no = s.line_no and o.dealer_id = s.dealer_id and o.content_hash = s.content_hash)
       returning s.agreement_id as "agreementId", s.line_no as "lineNo", s.dealer_id as "dealerId"`,
      [agreementIds],
    );
    if (rows.length === 0) return;
    const keys = new Set(rows.map((r) => riskKey(r.agreementId, r.lineNo, r.dealerId)));
    await db.copyFrom(
      `copy risk_stage (${RISK_COLUMNS}, content_hash) from stdin with (format csv)`,
      [refill(keys)],
    );
  };

  /**
   * Writes the staged risks of these agreements read at `readAt` (in the caller's transaction)
   * and returns the agreements left as they were. Risk writes take turns (a transaction lock),
   * and an agreement whose risks were read after `readAt` (commitment_risk_reads, migration
   * 0058) keeps them: an older read that finishes last does not undo a newer one. The others
   * are written in place: a staged row whose hash is the stored row's is unchanged and left as it
   * was (its JSON not even parsed: no dead row version, no index entry); a row whose hash differs
   * is updated (`computed_at`: `readAt`, the read of the computation that changed it, unless its
   * values are in fact equal: a row stored before its hash only takes the hash; a HOT update where
   * its page has room, fillfactor 70), a new one inserted, and only the rows not computed again
   * are deleted; their read time is recorded. Then
   * today's history point of each risk (the latest computation of the day wins; an unchanged
   * point is not rewritten). Repeated batch refreshes leave few dead rows
   * (tests/insights-risk-bloat.test.ts).
   */
  const applyStage = async (
    agreementIds: number[],
    day: string,
    readAt: string,
    refill?: Refill,
  ): Promise<Set<number>> => {
    await db.query(`select pg_advisory_xact_lock(${RISK_WRITE_LOCK})`);
    const { rows: newer } = await db.query<{ id: number }>(
      `select agreement_id as id from commitment_risk_reads
        where agreement_id = any($1::int[]) and read_at > $2::timestamptz`,
      [agreementIds, readAt],
    );
    const kept = new Set(newer.map((r) => r.id));
    const ids = kept.size === 0 ? agreementIds : agreementIds.filter((id) => !kept.has(id));
    if (ids.length === 0) return kept;
    if (refill) await refillChanged(ids, refill);
    await db.query(
      `insert into commitment_risks as r (${RISK_COLUMNS}, content_hash, computed_at)
       select ${FROM_STAGE}, s.content_hash, $2::timestamptz from risk_stage s
       where s.agreement_id = any($1::int[]) and s.drivers is not null
         and not exists (select 1 from commitment_risks o where o.agreement_id = s.agreement_id
           and o.line_no = s.line_no and o.dealer_id = s.dealer_id and o.content_hash = s.content_hash)
       on conflict (agreement_id, line_no, dealer_id) do update
         set ${RISK_UPDATED.map((c) => `${c} = excluded.${c}`).join(', ')}, content_hash = excluded.content_hash,
           computed_at = case when (${RISK_UPDATED.map((c) => `r.${c}`).join(', ')})
             is distinct from (${RISK_UPDATED.map((c) => `excluded.${c}`).join(', ')})
             then excluded.computed_at else r.computed_at end
         where r.content_hash is distinct from excluded.content_hash`,
      [ids, readAt],
    );
    await db.query(
      `delete from commitment_risks r where r.agreement_id = any($1::int[])
         and not exists (select 1 from risk_stage s
           where s.agreement_id = r.agreement_id and s.line_no = r.line_no and s.dealer_id = r.dealer_id)`,
      [ids],
    );
    await db.query(
      `insert into commitment_risk_reads as x (agreement_id, dealer_id, read_at)
       select a.id, a.dealer_id, $2::timestamptz from agreements a where a.id = any($1::int[])
       on conflict (agreement_id, dealer_id) do update set read_at = excluded.read_at
         where x.read_at is distinct from excluded.read_at`,
      [ids, readAt],
    );
    await db.query(
      `insert into commitment_risk_history as h (agreement_id, line_no, dealer_id, day, probability, expected)
       select agreement_id, line_no, dealer_id, $2::date, probability, expected from risk_stage
       where agreement_id = any($1::int[])
       on conflict (agreement_id, line_no, day, dealer_id) do update
         set probability = excluded.probability, expected = excluded.expected
         where (h.probability, h.expected) is distinct from (excluded.probability, excluded.expected)`,
      [ids, day],
    );
    return kept;
  };

  return {
    async currency(): Promise<string> {
      const { rows } = await db.query<{ currency: string }>(`select currency from settings`);
      return rows[0]?.currency ?? 'USD';
    },

    /** Every dealer's id (the nightly run's supply and market are read once for all of them). */
    async dealerIds(): Promise<number[]> {
      const { rows } = await db.query<{ id: number }>(`select id from dealers order by id`);
      return rows.map((r) => r.id);
    },

    /** Each SKU's model line (id, code, name): for the supply of an agreement line. */
    async skuModelLines(): Promise<
      Map<number, { modelLineId: number; code: string; name: string }>
    > {
      const { rows } = await db.query<{
        id: number;
        modelLineId: number;
        code: string;
        name: string;
      }>(
        `select s.id, m.id as "modelLineId", m.code, m.name from skus s join model_lines m on m.id = s.model_line_id`,
      );
      return new Map(
        rows.map((r) => [r.id, { modelLineId: r.modelLineId, code: r.code, name: r.name }]),
      );
    },

    /** The catalog's planned ends of sale (agreement-risk.ts `SalesEnds`): usually none. */
    async salesEnds(): Promise<SalesEnds> {
      const { rows } = await db.query<{
        line: string;
        name: string;
        on: string;
        sku: string | null;
      }>(
        `select m.code as line, m.name, to_char(m.sales_end_on, 'YYYY-MM-DD') as "on", s.code as sku
         from model_lines m left join skus s on s.model_line_id = m.id
         where m.sales_end_on is not null`,
      );
      const ends: SalesEnds = { lines: new Map(), skus: new Map() };
      for (const r of rows) {
        ends.lines.set(r.line, { name: r.name, on: r.on });
        if (r.sku !== null) ends.skus.set(r.sku, r.line);
      }
      return ends;
    },

    /** The latest month of the network's actuals ('YYYY-MM'), null without any. */
    async latestActualsMonth(): Promise<string | null> {
      const { rows } = await db.query<{ m: string | null }>(
        `select to_char(max(month), 'YYYY-MM') as m from monthly_actuals`,
      );
      return rows[0]?.m ?? null;
    },

    /**
     * Approved and active agreements (of some dealers, or all), with their lines: the status shown
     * on `today` (agreement-status.ts), not the stored one the daily job has yet to move.
     */
    async agreementsForRisk(
      dealerIds: number[] | null,
      today: string,
    ): Promise<RiskAgreementRow[]> {
      const { rows } = await db.query<RiskAgreementRow>(
        `select a.id, a.code, a.dealer_id as "dealerId", d.code as "dealerCode", d.name as "dealerName",
           to_char(a.start_month, 'YYYY-MM') as "startMonth", a.months, a.frequency,
           coalesce((select json_agg(json_build_object('lineNo', l.line_no, 'label', l.target_label, 'targetKind', l.target_kind, 'targetCode', l.target_code,
              'planned', l.planned_quantities, 'revenue', l.planned_revenue) order by l.line_no)
              from agreement_lines l where l.agreement_id = a.id), '[]'::json) as lines
         from agreements a join dealers d on d.id = a.dealer_id
         where a.status in ('approved', 'active') and ${shownStatusSql('a', '$2::date')} in ('approved', 'active')
           and ($1::int[] is null or a.dealer_id = any($1::int[]))
         order by a.id`,
        [dealerIds, `${today.slice(0, 7)}-01`],
      );
      return rows;
    },

    /**
     * Each agreement line's counted units per month in [its start or `from` if earlier, `to`)
     * ('YYYY-MM') as two arrays (month index, units), with the units and revenue of its months
     * with positive sales: one row per line (not per line × month), read straight from the monthly
     * roll-up. Each agreement's months are its own (not widened by the other agreements read with
     * it), so a line's unit value does not depend on how the agreements are grouped into reads.
     */
    async lineHistories(
      agreementIds: number[],
      from: string,
      to: string,
      dealerIds: number[],
    ): Promise<LineHistoryRow[]> {
      if (agreementIds.length === 0) return [];
      const { rows } = await db.query<LineHistoryRow>(
        // The lines' SKUs first (materialized: a few thousand rows), then the roll-up rows of
        // those dealers only (its primary key leads with dealer_id), joined on (dealer, SKU).
        `with ls as materialized (
           select a.dealer_id, s.sku_id, s.agreement_id, s.line_no, a.counted_kinds,
             least(a.start_month, ($2 || '-01')::date) as from_month
           from agreements a join agreement_line_skus s on s.agreement_id = a.id
           where a.id = any($1::int[])
         ), by_month as (
           select ls.agreement_id, ls.line_no, m.month, sum(m.quantity)::int as q, sum(m.amount) as amount
           from ls join monthly_actuals m on m.dealer_id = ls.dealer_id and m.sku_id = ls.sku_id and m.kind = any(ls.counted_kinds)
           where m.dealer_id = any($4::int[])
             and m.month >= (select min(from_month) from ls) and m.month >= ls.from_month
             and m.month < ($3 || '-01')::date
           group by 1, 2, 3)
         select agreement_id as "agreementId", line_no as "lineNo",
           array_agg((extract(year from month)::int * 12 + extract(month from month)::int - 1) order by month) as months,
           array_agg(q order by month) as quantities,
           coalesce(sum(q) filter (where q > 0), 0)::int as "soldUnits",
           coalesce(sum(amount) filter (where q > 0), 0)::text as "soldAmount"
         from by_month group by 1, 2`,
        [agreementIds, from, to, dealerIds],
      );
      return rows;
    },

    /**
     * Replaces the risks of these agreements with ones read at `readAt` (in a transaction), in
     * place (`applyStage`): the chunked path's write, its rows through the same staging table as
     * `saveRisksStaged`, and its new terms' past points.
     */
    async saveRisks(
      agreementIds: number[],
      risks: RiskWrite[],
      day: string,
      readAt: string,
    ): Promise<void> {
      if (agreementIds.length === 0) return;
      await createStage();
      if (risks.length > 0)
        await db.copyFrom(
          `copy risk_stage (${RISK_COLUMNS}, content_hash) from stdin with (format csv)`,
          [riskCopyText(risks).risks],
        );
      const kept = await applyStage(agreementIds, day, readAt);
      const past = risks
        .filter((r) => !kept.has(r.agreementId))
        .flatMap((r) =>
          (r.past ?? []).map((p) => ({ agreementId: r.agreementId, dealerId: r.dealerId, ...p })),
        );
      if (past.length > 0)
        await db.query(
          `insert into commitment_risk_history (agreement_id, line_no, dealer_id, day, probability, expected)
           select x."agreementId", 0, x."dealerId", x.day::date, x.probability, x.expected
           from jsonb_to_recordset($1::jsonb) as x("agreementId" int, "dealerId" int, day text, probability float8, expected float8)
           on conflict (agreement_id, line_no, day, dealer_id) do nothing`,
          [JSON.stringify(past)],
        );
    },

    /**
     * `saveRisks` for many agreements at once (the network refresh), set-based: the risks' COPY
     * text (riskCopyText) into the staging table, then the same in-place write (`applyStage`)
     * and one insert of the new terms' past points.
     */
    async saveRisksStaged(input: {
      agreementIds: number[];
      risks: Iterable<string>;
      past: Iterable<string>;
      day: string;
      readAt: string;
      /** the full lines of short ones whose stored row changed since (riskCopyText) */
      refill?: Refill;
    }): Promise<void> {
      if (input.agreementIds.length === 0) return;
      await createStage();
      await db.query(
        `create temp table risk_past_stage (agreement_id int, dealer_id int, day date, probability float8, expected float8)
         on commit drop`,
      );
      await db.copyFrom(
        `copy risk_stage (${RISK_COLUMNS}, content_hash) from stdin with (format csv)`,
        input.risks,
      );
      await db.copyFrom(
        `copy risk_past_stage (agreement_id, dealer_id, day, probability, expected) from stdin with (format csv)`,
        input.past,
      );
      const kept = await applyStage(input.agreementIds, input.day, input.readAt, input.refill);
      await db.query(
        `insert into commitment_risk_history (agreement_id, line_no, dealer_id, day, probability, expected)
         select agreement_id, 0, dealer_id, day, probability, expected from risk_past_stage
         where agreement_id <> all($1::int[])
         on conflict (agreement_id, line_no, day, dealer_id) do nothing`,
        [[...kept]],
      );
    },

    /** The stored risks' content hashes of these agreements, by `riskKey` (riskCopyText). */
    async storedHashes(agreementIds: number[]): Promise<Map<string, string>> {
      const { rows } = await db.query<{ a: number; l: number; d: number; h: string }>(
        // a uuid column: its 32 hex digits, as contentHash writes them
        `select agreement_id as a, line_no as l, dealer_id as d, replace(content_hash::text, '-', '') as h
         from commitment_risks where agreement_id = any($1::int[]) and content_hash is not null`,
        [agreementIds],
      );
      return new Map(rows.map((r) => [riskKey(r.a, r.l, r.d), r.h]));
    },

    /** Which of these agreements already have a history. */
    async agreementsWithHistory(agreementIds: number[]): Promise<Set<number>> {
      const { rows } = await db.query<{ id: number }>(
        `select distinct agreement_id as id from commitment_risk_history where agreement_id = any($1::int[])`,
        [agreementIds],
      );
      return new Set(rows.map((r) => r.id));
    },

    /** Records that the network's risks were refreshed (caches of the nightly results: see 0044). */
    async markNetworkRefreshed(): Promise<void> {
      await db.query(
        `insert into insight_refreshes (id, network_refreshed_at) values (1, clock_timestamp())
         on conflict (id) do update set network_refreshed_at = excluded.network_refreshed_at`,
      );
    },

    /**
     * Agreements no longer approved or active as shown on `today` lose their current risk
     * (history stays).
     */
    async pruneRisks(today: string): Promise<void> {
      await db.query(
        `delete from commitment_risks r using agreements a
         where a.id = r.agreement_id and ${shownStatusSql('a', '$1::date')} not in ('approved', 'active')`,
        [`${today.slice(0, 7)}-01`],
      );
    },

    /** The board: agreement totals in scope, by expected shortfall in money (largest first). */
    async board(scope: Scope, options: { limit: number; dealerCode?: string }): Promise<RiskRow[]> {
      const params: unknown[] = [];
      const where = [`r.line_no = 0`, scopeSql(scope, 'd', params)];
      if (options.dealerCode) {
        params.push(options.dealerCode);
        where.push(`d.code = $${params.length}`);
      }
      params.push(options.limit);
      const { rows } = await db.query<RiskRow>(
        `${RISK_SELECT} where ${where.join(' and ')} order by r.shortfall_money desc, r.probability, a.code limit $${params.length}`,
        params,
      );
      return rows;
    },

    /** The totals and lines of one agreement (by code), when in scope. */
    async agreementRisks(scope: Scope, code: string): Promise<RiskRow[]> {
      const params: unknown[] = [code];
      const { rows } = await db.query<RiskRow>(
        `${RISK_SELECT} where a.code = $1 and ${scopeSql(scope, 'd', params)} order by r.line_no`,
        params,
      );
      return rows;
    },

    async history(
      agreementId: number,
    ): Promise<{ lineNo: number; day: string; probability: number; expected: number }[]> {
      const { rows } = await db.query<{
        lineNo: number;
        day: string;
        probability: number;
        expected: number;
      }>(
        `select line_no as "lineNo", to_char(day, 'YYYY-MM-DD') as day, probability, expected
         from commitment_risk_history where agreement_id = $1 order by line_no, day`,
        [agreementId],
      );
      return rows;
    },

    async dealerInScope(
      scope: Scope,
      code: string,
    ): Promise<{ id: number; code: string; name: string } | undefined> {
      const params: unknown[] = [code];
      const { rows } = await db.query<{ id: number; code: string; name: string }>(
        `select d.id, d.code, d.name from dealers d where d.code = $1 and ${scopeSql(scope, 'd', params)}`,
        params,
      );
      return rows[0];
    },

    async insertIntervention(input: {
      dealerId: number;
      agreementId: number | null;
      programId?: number | null;
      programTier?: number | null;
      programPeriod?: string | null;
      kind: string;
      note: string;
      probabilityBefore: number | null;
      createdBy: number | null;
      createdByName: string;
    }): Promise<number> {
      const { rows } = await db.query<{ id: number }>(
        `insert into insight_interventions (dealer_id, agreement_id, kind, note, probability_before, created_by,
           created_by_name, program_id, program_tier, program_period)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id`,
        [
          input.dealerId,
          input.agreementId,
          input.kind,
          input.note,
          input.probabilityBefore,
          input.createdBy,
          input.createdByName,
          input.programId ?? null,
          input.programTier ?? null,
          input.programPeriod ?? null,
        ],
      );
      return rows[0]!.id;
    },

    async interventions(
      scope: Scope,
      options: { dealerCode?: string; id?: number; limit: number },
    ): Promise<InterventionRow[]> {
      const params: unknown[] = [];
      const where = [scopeSql(scope, 'd', params)];
      if (options.dealerCode) {
        params.push(options.dealerCode);
        where.push(`d.code = $${params.length}`);
      }
      if (options.id !== undefined) {
        params.push(options.id);
        where.push(`i.id = $${params.length}`);
      }
      params.push(options.limit);
      const { rows } = await db.query<InterventionRow>(
        `select i.id, d.code as "dealerCode", a.code as "agreementCode", p.code as "programCode",
           i.program_tier as "programTier", i.kind, i.note,
           i.probability_before as "probabilityBefore", i.outcome, i.outcome_probability as "outcomeProbability",
           i.created_by_name as "createdByName", to_json(i.created_at)#>>'{}' as "createdAt",
           to_json(i.outcome_at)#>>'{}' as "outcomeAt",
           case when i.outcome is null then null else coalesce(o.is_final, true) end as "outcomeIsFinal",
           to_json(o.corrected_at)#>>'{}' as "outcomeCorrectedAt"
         from insight_interventions i join dealers d on d.id = i.dealer_id left join agreements a on a.id = i.agreement_id
           left join programs p on p.id = i.program_id
           left join lateral (
             -- the tier window the intervention was settled on (as settleInterventions matches it)
             select t.is_final, t.corrected_at from program_tier_outcomes t
             where i.outcome is not null and i.kind = 'incentive_tier' and t.program_id = i.program_id
               and t.dealer_id = i.dealer_id
               and (i.program_period = t.period or (i.program_period is null and i.created_at::date <= t.window_end))
             order by t.window_end limit 1) o on true
         where ${where.join(' and ')} order by i.created_at desc, i.id desc limit $${params.length}`,
        params,
      );
      return rows;
    },

    /**
     * Outcome tracking: interventions whose agreement's term has ended get `reached`/`missed` from
     * the agreement's final actual against its plan, and the last probability before the end.
     */
    /**
     * Whether no risk was ever computed while there is something to assess (approved or active
     * agreements, published programs): a freshly seeded network.
     */
    async needsFirstRisks(): Promise<boolean> {
      const { rows } = await db.query<{ needs: boolean }>(
        `select not (exists (select 1 from commitment_risks) or exists (select 1 from program_tier_risks))
           and (exists (select 1 from agreements where status in ('approved', 'active'))
             or exists (select 1 from programs where status = 'published')) as needs`,
      );
      return rows[0]?.needs ?? false;
    },

    async settleInterventionOutcomes(today: string): Promise<number> {
      const { rows } = await db.query<{ n: number }>(
        `with ended as (
           select a.id, (select coalesce(sum(q), 0) from agreement_lines l, unnest(l.planned_quantities) q where l.agreement_id = a.id) as planned,
             (select coalesce(sum(p.quantity), 0) from agreement_period_actuals p where p.agreement_id = a.id) as actual
           from agreements a where (a.start_month + make_interval(months => a.months)) <= $1::date
         ), done as (
           update insight_interventions i set outcome = case when e.actual >= e.planned then 'reached' else 'missed' end,
             outcome_at = now(),
             outcome_probability = (select h.probability from commitment_risk_history h where h.agreement_id = e.id and h.line_no = 0 order by h.day desc limit 1)
           from ended e where i.agreement_id = e.id and i.outcome is null returning 1)
         select count(*)::int as n from done`,
        [today],
      );
      return rows[0]?.n ?? 0;
    },
  };
}

export type InsightsRepository = ReturnType<typeof createInsightsRepository>;
