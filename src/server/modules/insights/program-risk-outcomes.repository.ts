/**
 * The SQL of program tier risks' ended windows (program-risk-settle.ts): the risks whose window
 * ended and is not settled, what the last risk said; the windows' outcomes kept in
 * program_tier_outcomes, which settle the windows' incentive_tier interventions; the provisional
 * outcomes, settled again until their grace days pass.
 */
import type { Queryable } from '../../db/db';

/** One dealer's window of a program (program_tier_outcomes' key). */
export type TierWindowKey = { programId: number; dealerId: number; period: string };

/** A risk whose window has ended (`endedRisks`). */
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

export function createProgramRiskOutcomesRepository(db: Queryable) {
  return {
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
  };
}
