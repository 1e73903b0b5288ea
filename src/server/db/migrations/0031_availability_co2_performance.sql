-- Issues 16 and 17 at the reference network (BENCHMARKS.md, availability and sustainability).

-- 1. Foreign keys on the bulk write paths. An allocation run writes dealers × SKUs result rows
-- (640,000 at 4,000 × 160) and the per-row foreign-key triggers on dealer and SKU were most of
-- that write (14 of 17 s for 160,000 rows). The run takes both ids from the dealers and SKUs it
-- has just read in the same transaction, and dealers and SKUs are deactivated, never deleted, as
-- for the feed (0001, 0008) and the forecast cells (0006). The run's own foreign key was most of
-- the rest (1.3 of 1.9 s for 80,000 rows): the run row is inserted by the same transaction just
-- before its results, and runs are never deleted, so it goes too. The
-- vehicles' current state is written only from the pipeline's events, whose ids the feed resolved
-- from the catalog in the same transaction.
alter table allocation_results drop constraint if exists allocation_results_dealer_id_fkey;
alter table allocation_results drop constraint if exists allocation_results_sku_id_fkey;
alter table allocation_results drop constraint if exists allocation_results_run_id_fkey;
alter table vehicles drop constraint if exists vehicles_dealer_id_fkey;
alter table vehicles drop constraint if exists vehicles_sku_id_fkey;

-- 2. The CO2 ledger's place of registration (issue 17 §1): the buyer's country and state from the
-- retail delivery report (rdr_sales, the same dealer, source and deal number as the feed row) when
-- the report gives them, else the dealer's. A report naming only a country other than the
-- dealer's leaves the state unknown (null); naming only a state keeps the dealer's country.
-- `place_source` says which: 'rdr' or 'dealer'. Still a view (the feed's write path is not
-- slowed); security_invoker: the reader's row-level security applies to all three tables.
drop view co2_ledger;
create view co2_ledger with (security_invoker = true) as
  select t.id, t.vin, t.dealer_id,
         coalesce(r.buyer_country, d.country)::char(2) as country,
         case when r.buyer_state is not null then r.buyer_state
              when r.buyer_country is not null and r.buyer_country <> d.country then null
              else d.state_province end as state_province,
         d.region_id, t.occurred_on, t.quantity, s.id as sku_id, s.model_line_id, s.powertrain,
         s.co2_g_per_km, s.mass_kg,
         case when r.buyer_country is not null or r.buyer_state is not null then 'rdr' else 'dealer' end
           as place_source
  from transactions t
  join skus s on s.id = t.sku_id
  join dealers d on d.id = t.dealer_id
  left join rdr_sales r
    on r.dealer_id = t.dealer_id and r.source = t.source and r.external_id = t.external_id
  where t.kind in ('retail_delivery', 'unwind');

-- 3. The CO2 ledger by month, for the fleet figures of a market (a year of 1,000,000
-- registrations): the feed's own monthly roll-up (monthly_actuals, maintained on ingest) at the
-- dealer's place, moved to the buyer's place for the deliveries whose report names another one.
-- Sums over it equal sums over co2_ledger by month (tests/sustainability-rollup.test.ts), once
-- the feed's roll-up has run (a batch of ROLL_UP_AFTER_COMMIT_ROWS rows or more is rolled up just
-- after its commit). The correction reads only the reports whose place differs from the
-- dealer's.
create view co2_ledger_monthly with (security_invoker = true) as
  select a.dealer_id, a.month, a.sku_id, d.country, d.state_province, a.quantity
  from monthly_actuals a join dealers d on d.id = a.dealer_id
  where a.kind in ('retail_delivery', 'unwind')
  union all
  select t.dealer_id, date_trunc('month', t.occurred_on)::date, t.sku_id, p.country, p.state_province,
         p.sign * t.quantity
  from rdr_sales r
  join dealers d on d.id = r.dealer_id
  join transactions t
    on t.dealer_id = r.dealer_id and t.source = r.source and t.external_id = r.external_id
   and t.kind in ('retail_delivery', 'unwind')
  cross join lateral (values
    (-1, d.country, d.state_province),
    (1, coalesce(r.buyer_country, d.country)::char(2),
        case when r.buyer_state is not null then r.buyer_state
             when r.buyer_country is not null and r.buyer_country <> d.country then null
             else d.state_province end)) as p(sign, country, state_province)
  where (r.buyer_country is not null and r.buyer_country <> d.country)
     or (r.buyer_state is not null and r.buyer_state <> d.state_province);
