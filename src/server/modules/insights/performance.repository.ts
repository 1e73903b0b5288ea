/**
 * The SQL of high performers and of the value of interventions (issue 14 §2–3): per dealer, its
 * sales features over a window (units, revenue, EV units, the prior year), its agreements'
 * attainment over their complete periods, its risk (commitment_risks, totals, as it is), the
 * incentives it earned; and the agreements whose term has ended, with their interventions.
 */
import { scopeDealerIdSql, scopeSql, type Scope } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import { shownStatusSql } from '../agreements/agreement-status';

export type DealerFeatureRow = {
  dealerId: number;
  dealerCode: string;
  dealerName: string;
  regionCode: string;
  units: number;
  priorUnits: number;
  evUnits: number;
  revenue: string;
  incentives: string;
  planned: number;
  actual: number;
  probability: number | null;
  shortfallMoney: string | null;
};

export type EndedAgreementRow = {
  agreementId: number;
  dealerId: number;
  regionCode: string;
  planned: number;
  actual: number;
  interventions: number;
  probabilityBefore: number | null;
};

export type EndedTierWindowRow = {
  programId: number;
  dealerId: number;
  regionCode: string;
  period: string;
  targetTier: number;
  tierReached: number;
  interventions: number;
  probabilityBefore: number | null;
};

/** Complete periods of an agreement as of $today (a SQL expression on alias a). */
const COMPLETE = `least(coalesce(array_length(a.planned_by_period, 1), 0),
  ((extract(year from $today::date)::int * 12 + extract(month from $today::date)::int)
   - (extract(year from a.start_month)::int * 12 + extract(month from a.start_month)::int))
  / (case a.frequency when 'quarterly' then 3 else 1 end))`;

export function createPerformanceRepository(db: Queryable) {
  return {
    /** Per dealer in scope (or one dealer), the features over [from, to] (months, inclusive). */
    async features(
      scope: Scope,
      options: { from: string; to: string; today: string; dealerId?: number },
    ): Promise<DealerFeatureRow[]> {
      const params: unknown[] = [`${options.from}-01`, `${options.to}-01`, options.today];
      const complete = COMPLETE.replaceAll('$today', '$3');
      const dealerParam =
        options.dealerId === undefined ? undefined : `$${params.push(options.dealerId)}`;
      /** `column` is one of the dealers asked for: the one dealer, if any, of the scope. */
      const asked = (column: string) => (dealerParam ? `and ${column} = ${dealerParam}` : '');
      const one = asked('d.id');
      // Each aggregate reads the scope's dealers only (not the network's, kept on the join).
      const of = (column: string) => `${scopeDealerIdSql(scope, column, params)} ${asked(column)}`;
      const { rows } = await db.query<DealerFeatureRow>(
        `with sales as (
           select m.dealer_id,
             sum(m.quantity) filter (where m.month between $1::date and $2::date)::int as units,
             sum(m.quantity) filter (where m.month < $1::date)::int as prior,
             sum(m.quantity) filter (where m.month between $1::date and $2::date and s.powertrain in ('BEV', 'PHEV'))::int as ev,
             coalesce(sum(m.amount) filter (where m.month between $1::date and $2::date), 0) as revenue
           from monthly_actuals m join skus s on s.id = m.sku_id
           where m.kind in ('retail_delivery', 'unwind') and m.month between ($1::date - interval '12 months') and $2::date
             and ${of('m.dealer_id')}
           group by m.dealer_id),
         plans as (
           select a.dealer_id,
             sum((select coalesce(sum(v), 0) from unnest(a.planned_by_period[1:${complete}]) v))::int as planned,
             sum((select coalesce(sum(v), 0) from unnest(a.actual_by_period[1:${complete}]) v))::int as actual
           from agreements a where ${shownStatusSql('a', "date_trunc('month', $3::date)::date")} in ('approved', 'active', 'expired')
             and ${of('a.dealer_id')}
           group by a.dealer_id),
         risks as (
           select dealer_id, avg(probability) as probability, sum(shortfall_money) as shortfall
           from commitment_risks where line_no = 0 and ${of('dealer_id')} group by dealer_id),
         earned as (
           select dealer_id, sum(earned) as earned from incentive_statements
           where status in ('approved', 'paid') and approved_at >= $1::date and approved_at < ($2::date + interval '1 month')
             and ${of('dealer_id')}
           group by dealer_id)
         select d.id as "dealerId", d.code as "dealerCode", d.name as "dealerName", g.code as "regionCode",
           coalesce(s.units, 0) as units, coalesce(s.prior, 0) as "priorUnits", coalesce(s.ev, 0) as "evUnits",
           coalesce(s.revenue, 0)::numeric(18, 2)::text as revenue, coalesce(e.earned, 0)::numeric(18, 2)::text as incentives,
           coalesce(p.planned, 0) as planned, coalesce(p.actual, 0) as actual,
           r.probability, r.shortfall::numeric(18, 2)::text as "shortfallMoney"
         from dealers d join regions g on g.id = d.region_id
         left join sales s on s.dealer_id = d.id left join plans p on p.dealer_id = d.id
         left join risks r on r.dealer_id = d.id left join earned e on e.dealer_id = d.id
         where d.status = 'active' ${one} and ${scopeSql(scope, 'd', params)}
         order by d.code`,
        params,
      );
      return rows;
    },

    /** Agreements in scope whose term has ended, with their interventions (logged before the end). */
    async endedAgreements(scope: Scope, today: string): Promise<EndedAgreementRow[]> {
      const params: unknown[] = [today];
      const { rows } = await db.query<EndedAgreementRow>(
        `select a.id as "agreementId", a.dealer_id as "dealerId", g.code as "regionCode",
           (select coalesce(sum(v), 0) from unnest(a.planned_by_period) v)::int as planned,
           (select coalesce(sum(v), 0) from unnest(a.actual_by_period) v)::int as actual,
           (select count(*)::int from insight_interventions i where i.agreement_id = a.id) as interventions,
           (select avg(i.probability_before) from insight_interventions i where i.agreement_id = a.id) as "probabilityBefore"
         from agreements a join dealers d on d.id = a.dealer_id join regions g on g.id = d.region_id
         where ${shownStatusSql('a', "date_trunc('month', $1::date)::date")} in ('approved', 'active', 'expired')
           and (a.start_month + make_interval(months => a.months)) <= $1::date
           and ${scopeSql(scope, 'd', params)}`,
        params,
      );
      return rows;
    },

    /**
     * What the cached value of interventions depends on besides the day: the interventions (their
     * count and latest id: a logged or deleted one changes it), the settled program tier windows
     * (and their latest late correction) and the network's last risk refresh.
     */
    async interventionValueVersion(): Promise<string> {
      const { rows } = await db.query<{ v: string }>(
        `select concat_ws('|', (select count(*) from insight_interventions), (select max(id) from insight_interventions),
           (select count(*) from program_tier_outcomes), (select max(corrected_at) from program_tier_outcomes),
           (select network_refreshed_at::text from insight_refreshes where id = 1)) as v`,
      );
      return rows[0]!.v;
    },

    /**
     * Ended dealer × program windows in scope (program_tier_outcomes) with their incentive_tier
     * interventions: the tier aimed at (the first intervention's; without one, the next tier of
     * the window's last risk, index ascending, -1 when the top was reached) and the tier reached.
     */
    async endedTierWindows(scope: Scope): Promise<EndedTierWindowRow[]> {
      const params: unknown[] = [];
      const { rows } = await db.query<EndedTierWindowRow>(
        `select o.program_id as "programId", o.dealer_id as "dealerId", g.code as "regionCode", o.period,
           coalesce(min(i.program_tier) - 1, o.target_tier)::int as "targetTier", o.tier_reached as "tierReached",
           count(i.id)::int as interventions, avg(i.probability_before) as "probabilityBefore"
         from program_tier_outcomes o join dealers d on d.id = o.dealer_id join regions g on g.id = d.region_id
         left join insight_interventions i on i.kind = 'incentive_tier' and i.program_id = o.program_id
           and i.dealer_id = o.dealer_id and i.program_tier is not null
           and (i.program_period = o.period or (i.program_period is null and i.created_at::date <= o.window_end))
         where ${scopeSql(scope, 'd', params)}
         group by o.program_id, o.dealer_id, g.code, o.period, o.target_tier, o.tier_reached
         order by o.program_id, o.dealer_id, o.period`,
        params,
      );
      return rows;
    },

    /** Each dealer's units over the 12 months before `to` (for the size bands). */
    async annualUnits(to: string): Promise<Map<number, number>> {
      const { rows } = await db.query<{ dealerId: number; units: number }>(
        `select d.id as "dealerId", coalesce((select sum(m.quantity) from monthly_actuals m
            where m.dealer_id = d.id and m.kind in ('retail_delivery', 'unwind')
              and m.month > ($1::date - interval '12 months') and m.month <= $1::date), 0)::int as units
         from dealers d where d.status = 'active'`,
        [`${to}-01`],
      );
      return new Map(rows.map((r) => [r.dealerId, r.units]));
    },
  };
}
