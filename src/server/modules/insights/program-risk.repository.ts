/**
 * The SQL of program tier risks (program-risk.service.ts): the monthly history of a program's
 * axis for some dealers (from the monthly roll-up), the dealers' top SKU of it, writing
 * `program_tier_risks`, and the scoped reads of the board and one dealer.
 */
import { scopeSql, type Scope } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import type { LoadSpec } from '../incentives/incentives.repository';
import type { RiskCalibrationUsed } from './insights.repository';
import { unpackTiers } from './program-risk-store';
import {
  COLUMNS,
  copyText,
  FROM_STAGE,
  STAGE_COLUMNS,
  tierRiskKey,
  UPDATED,
  type RiskToWrite,
} from './program-risk-copy';

/** One dealer's monthly values of a SKU set (`monthIndex` → units and revenue; gaps absent). */
export type AxisHistoryRow = {
  dealerId: number;
  months: number[];
  quantities: number[];
  amounts: number[];
};

/** A dealer's units of one model line in the window so far and in the same months a year earlier. */
export type LineProgressRow = {
  dealerId: number;
  modelLine: string;
  units: number;
  lastYear: number;
};

/** A risk whose window has ended (program-risk.repository `endedRisks`). */
/** One dealer's window of a program (program_tier_outcomes' key). */
export type TierWindowKey = { programId: number; dealerId: number; period: string };

export type EndedRiskRow = {
  programId: number;
  dealerId: number;
  period: string;
  windowLabel: string;
  windowEnd: string;
  tierReached: number;
  tierCount: number;
  nextProbability: number | null;
};

/** An ended window's outcome (program_tier_outcomes). */
export type TierOutcome = {
  programId: number;
  dealerId: number;
  period: string;
  windowLabel: string;
  windowEnd: string;
  targetTier: number;
  targetProbability: number | null;
  tierReached: number;
  /** The last arrival date that counts in the window (program-risk-settle.ts). */
  graceUntil: string;
  /** Settled after the grace days: later arrivals count in a later window. */
  isFinal: boolean;
};

/** A provisional outcome settled again (program-risk-settle.ts). */
export type TierResettle = {
  programId: number;
  dealerId: number;
  period: string;
  tierReached: number;
  isFinal: boolean;
};

export type ProgramRiskWrite = {
  programId: number;
  dealerId: number;
  period: string;
  windowLabel: string;
  windowStart: string;
  windowEnd: string;
  asOf: string;
  elapsedMonths: number;
  termMonths: number;
  measure: string;
  axis: string;
  measureValue: string | null;
  toDate: number;
  expected: number;
  lower80: number;
  upper80: number;
  tierReached: number;
  currency: string;
  earned: string;
  shortfallMoney: string;
  tiers: unknown;
  interventions: unknown;
};

export type ProgramRiskRow = Omit<ProgramRiskWrite, 'programId'> & {
  programCode: string;
  programName: string;
  dealerCode: string;
  dealerName: string;
  computedAt: string;
  history: { day: string; probabilities: number[]; expected: number }[];
  /** The network's recalibration the risk used (risk_calibrations), null: the shipped default. */
  calibration: RiskCalibrationUsed | null;
};

const SELECT = `select p.code as "programCode", r.program_name as "programName", r.dealer_id as "dealerId",
  d.code as "dealerCode", d.name as "dealerName", r.period, r.window_label as "windowLabel",
  to_char(r.window_start, 'YYYY-MM-DD') as "windowStart", to_char(r.window_end, 'YYYY-MM-DD') as "windowEnd",
  to_char(r.as_of, 'YYYY-MM-DD') as "asOf", r.elapsed_months as "elapsedMonths", r.term_months as "termMonths",
  r.measure, r.axis, r.measure_value as "measureValue", r.to_date as "toDate", r.expected, r.lower80, r.upper80,
  r.tier_reached as "tierReached", r.currency, r.earned::text as earned, r.shortfall_money::text as "shortfallMoney",
  r.tiers, r.interventions, to_json(r.computed_at)#>>'{}' as "computedAt",
  coalesce((select json_agg(json_build_object('day', to_char(h.day, 'YYYY-MM-DD'), 'probabilities', h.probabilities,
      'expected', h.expected) order by h.day)
    from program_tier_risk_history h
    where h.program_id = r.program_id and h.dealer_id = r.dealer_id and h.window_label = r.window_label), '[]'::json) as history,
  case when c.id is null then null else json_build_object('id', c.id, 'fittedAt', to_json(c.fitted_at)#>>'{}',
    'throughMonth', to_char(c.through_month, 'YYYY-MM'), 'terms', c.terms, 'cases', c.cases) end as calibration
  from program_tier_risks r join programs p on p.id = r.program_id join dealers d on d.id = r.dealer_id
  left join risk_calibrations c on c.id = r.calibration_id`;

export function createProgramRiskRepository(db: Queryable) {
  /**
   * The rows through a staging table (COPY: no large JSON parameter to parse; COPY itself does
   * not apply row-level security, the insert from the stage does), their JSON staged as text
   * with the hash of the row (program-risk-copy.ts), written in place: a staged row whose hash is
   * the stored row's is unchanged and left alone (its JSON never parsed into jsonb nor compared;
   * no dead row version), only the others are cast and written: a row that exists is updated (its
   * `computed_at` moved only when a value changed: a row stored before its hash only takes it; a
   * HOT update where its page has room: fillfactor, migration 0054), a new one inserted. A short
   * line (`stored`: the risk computed to the hash read before) is never written into a row; one
   * whose stored row no longer has that hash (another refresh wrote it since) is replaced in the
   * stage by its full line first. In the caller's transaction; the stage stays for `save`'s
   * delete and the history.
   */
  const upsertRows = async (
    rows: RiskToWrite[],
    calibrationId: number | null,
    stored: ReadonlyMap<string, string> | undefined,
  ) => {
    await db.query(
      `create temp table program_risk_stage on commit drop as
         select ${STAGE_COLUMNS}, null::float8[] as probabilities, content_hash
         from program_tier_risks with no data`,
    );
    const copy = `copy program_risk_stage (${COLUMNS}, probabilities, content_hash) from stdin with (format csv)`;
    await db.copyFrom(copy, copyText(rows, calibrationId, stored));
    if (stored) {
      const { rows: changed } = await db.query<{ programId: number; dealerId: number }>(
        `delete from program_risk_stage s
         where s.tiers is null and not exists (select 1 from program_tier_risks o
           where o.program_id = s.program_id and o.dealer_id = s.dealer_id and o.content_hash = s.content_hash)
         returning s.program_id as "programId", s.dealer_id as "dealerId"`,
      );
      if (changed.length > 0) {
        const keys = new Set(changed.map((c) => tierRiskKey(c.programId, c.dealerId)));
        const full = rows.filter((x) => keys.has(tierRiskKey(x.programId, x.dealerId)));
        await db.copyFrom(copy, copyText(full, calibrationId));
      }
    }
    await db.query(
      `insert into program_tier_risks as r (${COLUMNS}, calibration_id, content_hash)
       select ${FROM_STAGE}, $1::int, s.content_hash from program_risk_stage s
       where s.tiers is not null and not exists (select 1 from program_tier_risks o where o.program_id = s.program_id
         and o.dealer_id = s.dealer_id and o.content_hash = s.content_hash)
       on conflict (program_id, dealer_id) do update
         set ${UPDATED.map((c) => `${c} = excluded.${c}`).join(', ')}, content_hash = excluded.content_hash,
           computed_at = case when (${UPDATED.map((c) => `r.${c}`).join(', ')})
             is distinct from (${UPDATED.map((c) => `excluded.${c}`).join(', ')}) then now() else r.computed_at end
         where r.content_hash is distinct from excluded.content_hash`,
      [calibrationId],
    );
  };
  return {
    /**
     * Per dealer, the units and revenue of these SKUs and kinds per month in [from, to)
     * ('YYYY-MM'), one row per dealer.
     */
    async axisHistories(
      dealerIds: number[],
      skuIds: number[],
      kinds: string[],
      from: string,
      to: string,
    ): Promise<AxisHistoryRow[]> {
      if (dealerIds.length === 0 || skuIds.length === 0) return [];
      const { rows } = await db.query<AxisHistoryRow>(
        `with by_month as (
           select dealer_id, month, sum(quantity)::int as q, sum(amount)::float8 as a
           from monthly_actuals
           where dealer_id = any($1::int[]) and sku_id = any($2::int[]) and kind = any($3::text[])
             and month >= ($4 || '-01')::date and month < ($5 || '-01')::date
           group by 1, 2)
         select dealer_id as "dealerId",
           array_agg((extract(year from month)::int * 12 + extract(month from month)::int - 1) order by month) as months,
           array_agg(q order by month) as quantities, array_agg(a order by month) as amounts
         from by_month group by 1`,
        [dealerIds, skuIds, kinds, from, to],
      );
      return rows;
    },

    /**
     * Per dealer × model line of these SKUs and kinds: the units in the window's complete months
     * [from, to) and in the same months a year earlier (the mix driver: lines lagging). A window
     * is at most 12 months long, so the year-earlier months all fall before `from`.
     */
    async lineProgress(
      dealerIds: number[],
      skuIds: number[],
      kinds: string[],
      from: string,
      to: string,
    ): Promise<LineProgressRow[]> {
      if (dealerIds.length === 0 || skuIds.length === 0 || from >= to) return [];
      const { rows } = await db.query<LineProgressRow>(
        `select m.dealer_id as "dealerId", ml.name as "modelLine",
           coalesce(sum(m.quantity) filter (where m.month >= ($4 || '-01')::date), 0)::int as units,
           coalesce(sum(m.quantity) filter (where m.month < ($4 || '-01')::date), 0)::int as "lastYear"
         from monthly_actuals m join skus s on s.id = m.sku_id join model_lines ml on ml.id = s.model_line_id
         where m.dealer_id = any($1::int[]) and m.sku_id = any($2::int[]) and m.kind = any($3::text[])
           and ((m.month >= ($4 || '-01')::date and m.month < ($5 || '-01')::date)
             or (m.month >= ($4 || '-01')::date - interval '12 months' and m.month < ($5 || '-01')::date - interval '12 months'))
         group by 1, 2`,
        [dealerIds, skuIds, kinds, from, to],
      );
      return rows;
    },

    /** Each dealer's best-selling SKU of a set in [from, to): the unit the interventions add. */
    async topSkus(
      dealerIds: number[],
      skuIds: number[],
      kinds: string[],
      from: string,
      to: string,
    ): Promise<Map<number, number>> {
      if (dealerIds.length === 0 || skuIds.length === 0) return new Map();
      const { rows } = await db.query<{ dealerId: number; skuId: number }>(
        `select distinct on (dealer_id) dealer_id as "dealerId", sku_id as "skuId"
         from monthly_actuals
         where dealer_id = any($1::int[]) and sku_id = any($2::int[]) and kind = any($3::text[])
           and month >= ($4 || '-01')::date and month < ($5 || '-01')::date
         group by dealer_id, sku_id having sum(quantity) > 0
         order by dealer_id, sum(quantity) desc, sku_id`,
        [dealerIds, skuIds, kinds, from, to],
      );
      return new Map(rows.map((r) => [r.dealerId, r.skuId]));
    },

    /**
     * Replaces the risks of these programs for these dealers (all dealers when null): a program
     * that stopped running, or a dealer no longer eligible, loses its row. `calibrationId`: the
     * network recalibration the rows were computed with (risk_calibrations), null: the default.
     * Rows are updated in place (`upsertRows`; `computed_at`: when the row's values were last
     * computed different), and only the rows not computed again are deleted: repeated batch
     * refreshes leave few dead row versions and index entries (tests/insights-program-risk-bloat.test.ts).
     */
    async save(
      programIds: number[],
      dealerIds: number[] | null,
      rows: RiskToWrite[],
      day?: string,
      calibrationId: number | null = null,
      /** the stored rows' hashes read before the computation (`storedHashes`): short lines */
      stored?: ReadonlyMap<string, string>,
    ): Promise<void> {
      if (rows.length > 0) await upsertRows(rows, calibrationId, stored);
      await db.query(
        `delete from program_tier_risks r where ($1::int[] is null or r.dealer_id = any($1::int[]))
           and ($2::int[] is null or r.program_id = any($2::int[]))
           ${rows.length > 0 ? 'and not exists (select 1 from program_risk_stage s where s.program_id = r.program_id and s.dealer_id = r.dealer_id)' : ''}`,
        [dealerIds, programIds.length === 0 ? null : programIds],
      );
      if (day === undefined || rows.length === 0) return;
      // Today's point of each risk's history (the latest computation of the day wins), from the
      // stage: after the write above, the rows of these dealers and programs are the staged ones
      // (their tiers' probabilities staged beside them: no read back of the written JSON). A
      // point that did not change is left as it is (no dead row version).
      await db.query(
        `insert into program_tier_risk_history as h (program_id, dealer_id, window_label, day, probabilities, expected)
         select s.program_id, s.dealer_id, s.window_label, $1::date, s.probabilities, s.expected
         from program_risk_stage s
         on conflict (program_id, dealer_id, day) do update
           set window_label = excluded.window_label, probabilities = excluded.probabilities, expected = excluded.expected
           where (h.window_label, h.probabilities, h.expected)
             is distinct from (excluded.window_label, excluded.probabilities, excluded.expected)`,
        [day],
      );
    },

    /**
     * Risks (of these dealers, or all) whose window ended before `today` and is not settled:
     * what the last risk said (the reached tier and the next tier's probability).
     */
    async endedRisks(today: string, dealerIds: number[] | null): Promise<EndedRiskRow[]> {
      const { rows } = await db.query<EndedRiskRow>(
        `select r.program_id as "programId", r.dealer_id as "dealerId", r.period, r.window_label as "windowLabel",
           to_char(r.window_end, 'YYYY-MM-DD') as "windowEnd", r.tier_reached as "tierReached",
           jsonb_array_length(r.tiers) as "tierCount",
           (select (t->>'probability')::float8 from jsonb_array_elements(r.tiers) with ordinality as x(t, n)
             where n = r.tier_reached + 2) as "nextProbability"
         from program_tier_risks r
         where r.window_end < $1::date and ($2::int[] is null or r.dealer_id = any($2::int[]))
           and not exists (select 1 from program_tier_outcomes o
             where o.program_id = r.program_id and o.dealer_id = r.dealer_id and o.period = r.period)`,
        [today, dealerIds],
      );
      return rows;
    },

    /**
     * Keeps the ended windows' outcomes and settles the incentive_tier interventions of those
     * windows: reached when the engine's final tier is at least the tier aimed at; the outcome
     * probability is the tier's last point in the window's history.
     */
    /**
     * The stored risks' content hashes of these programs (and dealers, or all), by `tierRiskKey`:
     * what `save` compares a computed risk with to send it as a short line (program-risk-copy.ts).
     */
    async storedHashes(
      programIds: number[],
      dealerIds: number[] | null,
    ): Promise<Map<string, string>> {
      const { rows } = await db.query<{ p: number; d: number; h: string }>(
        // a uuid column: its 32 hex digits, as contentHash writes them
        `select program_id as p, dealer_id as d, replace(content_hash::text, '-', '') as h
         from program_tier_risks
         where program_id = any($1::int[]) and ($2::int[] is null or dealer_id = any($2::int[]))
           and content_hash is not null`,
        [programIds, dealerIds],
      );
      return new Map(rows.map((r) => [tierRiskKey(r.p, r.d), r.h]));
    },

    async saveOutcomes(outcomes: TierOutcome[]): Promise<number> {
      if (outcomes.length === 0) return 0;
      await db.query(
        `insert into program_tier_outcomes (program_id, dealer_id, period, window_label, window_end, target_tier,
           target_probability, tier_reached, first_tier_reached, grace_until, is_final)
         select x."programId", x."dealerId", x.period, x."windowLabel", x."windowEnd"::date, x."targetTier",
           x."targetProbability", x."tierReached", x."tierReached", x."graceUntil"::date, x."isFinal"
         from jsonb_to_recordset($1::jsonb) as x("programId" int, "dealerId" int, period text, "windowLabel" text,
           "windowEnd" text, "targetTier" int, "targetProbability" float8, "tierReached" int, "graceUntil" text,
           "isFinal" boolean)
         on conflict (program_id, dealer_id, period) do nothing`,
        [JSON.stringify(outcomes)],
      );
      const { rows } = await db.query<{ n: number }>(
        `with done as (
           update insight_interventions i
           set outcome = case when o.tier_reached >= i.program_tier - 1 then 'reached' else 'missed' end,
             outcome_at = now(),
             outcome_probability = (select h.probabilities[i.program_tier] from program_tier_risk_history h
               where h.program_id = i.program_id and h.dealer_id = i.dealer_id and h.window_label = o.window_label
               order by h.day desc limit 1)
           from program_tier_outcomes o
           where i.kind = 'incentive_tier' and i.outcome is null and i.program_tier is not null
             and o.program_id = i.program_id and o.dealer_id = i.dealer_id
             and (i.program_period = o.period or (i.program_period is null and i.created_at::date <= o.window_end))
           returning 1)
         select count(*)::int as n from done`,
      );
      return rows[0]?.n ?? 0;
    },

    /** The provisional outcomes (of these dealers, or all): settled before their grace days passed. */
    async provisionalOutcomes(dealerIds: number[] | null): Promise<TierWindowKey[]> {
      const { rows } = await db.query<TierWindowKey>(
        `select program_id as "programId", dealer_id as "dealerId", period from program_tier_outcomes
         where not is_final and ($1::int[] is null or dealer_id = any($1::int[]))`,
        [dealerIds],
      );
      return rows;
    },

    /**
     * Settles provisional outcomes again: the tier reached from the rows stored now, final once
     * the grace days have passed; a changed tier is recorded (`corrected_at`, the first tier
     * stays in `first_tier_reached`) and settles the window's settled incentive_tier
     * interventions again. Returns the interventions settled again.
     */
    async resettleOutcomes(rows: TierResettle[]): Promise<number> {
      if (rows.length === 0) return 0;
      const { rows: out } = await db.query<{ n: number }>(
        `with x as (
           select o.program_id, o.dealer_id, o.period, o.window_end, n."tierReached" as tier, n."isFinal" as final,
             o.tier_reached <> n."tierReached" as changed
           from jsonb_to_recordset($1::jsonb) as n("programId" int, "dealerId" int, period text, "tierReached" int,
             "isFinal" boolean)
           join program_tier_outcomes o on o.program_id = n."programId" and o.dealer_id = n."dealerId"
             and o.period = n.period
           where not o.is_final),
         saved as (
           update program_tier_outcomes o set tier_reached = x.tier, is_final = x.final,
             corrected_at = case when x.changed then now() else o.corrected_at end
           from x where o.program_id = x.program_id and o.dealer_id = x.dealer_id and o.period = x.period),
         settled as (
           update insight_interventions i
           set outcome = case when x.tier >= i.program_tier - 1 then 'reached' else 'missed' end, outcome_at = now()
           from x
           where x.changed and i.kind = 'incentive_tier' and i.outcome is not null and i.program_tier is not null
             and i.program_id = x.program_id and i.dealer_id = x.dealer_id
             and (i.program_period = x.period or (i.program_period is null and i.created_at::date <= x.window_end))
           returning 1)
         select count(*)::int as n from settled`,
        [JSON.stringify(rows)],
      );
      return out[0]?.n ?? 0;
    },

    /**
     * An estimate of the rows a statement's row read (`findTransactionRows`) returns: the window's
     * feed rows of its SKUs and kinds counted in the monthly roll-up (reversals dated before the
     * window that arrived in it are not counted).
     */
    async estimateRows(spec: LoadSpec): Promise<number> {
      const { rows } = await db.query<{ n: number }>(
        `select coalesce(sum(row_count), 0)::float8 as n from monthly_actuals
         where ($1::int[] is null or dealer_id = any($1::int[])) and sku_id = any($2::int[]) and kind = any($3::text[])
           and month >= date_trunc('month', $4::date) and month <= $5::date`,
        [spec.dealerIds, spec.skuIds, spec.kinds, spec.from, spec.cutoff],
      );
      return rows[0]?.n ?? 0;
    },

    /** Model line names by code (the interventions name the line). */
    async modelLineNames(): Promise<Map<string, string>> {
      const { rows } = await db.query<{ code: string; name: string }>(
        `select code, name from model_lines`,
      );
      return new Map(rows.map((r) => [r.code, r.name]));
    },

    /**
     * Rows of these programs (all when none) for dealers (of `dealerIds`, or all) that are not
     * `kept` go: what `save` of the whole set would have deleted, after a save slice by slice.
     */
    async dropOthers(
      programIds: number[],
      dealerIds: number[] | null,
      kept: number[],
    ): Promise<void> {
      await db.query(
        `delete from program_tier_risks where ($1::int[] is null or dealer_id = any($1::int[]))
           and ($2::int[] is null or program_id = any($2::int[])) and not (dealer_id = any($3::int[]))`,
        [dealerIds, programIds.length === 0 ? null : programIds, kept],
      );
    },

    /** Rows of programs no longer running (for these dealers, or all) go. */
    async prune(runningIds: number[], dealerIds: number[] | null): Promise<void> {
      await db.query(
        `delete from program_tier_risks where not (program_id = any($1::int[]))
           and ($2::int[] is null or dealer_id = any($2::int[]))`,
        [runningIds, dealerIds],
      );
    },

    /** The risks in scope by expected shortfall in money (largest first), their tiers' drivers in full. */
    async list(
      scope: Scope,
      options: { limit: number; dealerCode?: string; programCode?: string },
    ): Promise<ProgramRiskRow[]> {
      const params: unknown[] = [];
      const where = [scopeSql(scope, 'd', params)];
      if (options.dealerCode) {
        params.push(options.dealerCode);
        where.push(`d.code = $${params.length}`);
      }
      if (options.programCode) {
        params.push(options.programCode);
        where.push(`p.code = $${params.length}`);
      }
      params.push(options.limit);
      const { rows } = await db.query<ProgramRiskRow>(
        `${SELECT} where ${where.join(' and ')}
         order by r.shortfall_money desc, p.code, d.code limit $${params.length}`,
        params,
      );
      // each tier's drivers as computed (stored once per risk: program-risk-store.ts)
      return rows.map((r) => ({ ...r, tiers: unpackTiers(r.tiers) }));
    },
  };
}
