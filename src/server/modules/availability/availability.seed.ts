/**
 * The demo network's pipeline (issue 16), consistent with the deliveries the generator already
 * made: every retail delivery with a VIN in the last 45 days gets its life before it (ordered,
 * planned at a plant, in build, built, in transit with an ETA, at the dealer, delivered with the
 * delivery's externalId), so stock turns into those deliveries; and each active dealer gets a
 * current pipeline per SKU sized from its recent sales (stock of varied age, vehicles in transit
 * arriving over the next two weeks, in build, on order). Dealer profiles: most dealers are
 * EV-certified, tiers follow volume. Set-based SQL only (the demo seed runs in tests).
 */
import type { Db, Queryable } from '../../db/db';
import { createAvailabilityRepository } from './availability.repository';

const STAGES = `(values ('ordered', 1), ('planned', 2), ('in_build', 3), ('built', 4), ('in_transit', 5), ('at_dealer', 6), ('delivered', 7)) as st(event, rank)`;

/** Seeds the pipeline in one transaction; returns the number of events. */
export function seedAvailability(database: Db, options: { today: string }): Promise<number> {
  return database.transaction((tx) => seedIn(tx, options));
}

async function seedIn(db: Queryable, { today }: { today: string }): Promise<number> {
  // statements over the whole network that run once: no JIT compilation
  await db.query('set local jit = off');
  await db.query(
    `insert into dealer_allocation_profiles (dealer_id, is_ev_certified, tier)
     select d.id, abs(hashtext(d.code)) % 5 <> 0,
       case when v.rank_share <= 0.2 then 'premier' when v.rank_share <= 0.6 then 'plus' else 'standard' end
     from dealers d join (
       select d2.id, percent_rank() over (order by coalesce(sum(m.quantity), 0) desc) as rank_share
       from dealers d2 left join monthly_actuals m on m.dealer_id = d2.id and m.kind = 'retail_delivery'
       group by d2.id) v on v.id = d.id
     on conflict (dealer_id) do nothing`,
  );
  await db.query(`create temp table seed_pipeline (dealer_id int, sku_id int, vin text, final_rank int, final_on date,
    jitter int, eta_days int, delivery_external_id text) on commit drop`);
  // the life before each recent delivery
  await db.query(
    `insert into seed_pipeline
     select distinct on (t.dealer_id, t.vin) t.dealer_id, t.sku_id, t.vin, 7, t.occurred_on, abs(hashtext(t.vin)) % 40, 8, t.external_id
     from transactions t
     where t.kind = 'retail_delivery' and t.vin is not null and t.occurred_on > $1::date - 45 and t.occurred_on <= $1::date
     order by t.dealer_id, t.vin, t.occurred_on desc`,
    [today],
  );
  // the current pipeline, from each active dealer's retail sales of the last 90 days per SKU
  await db.query(
    `with rate as (
       select t.dealer_id, t.sku_id, sum(t.quantity)::float8 / 90 as daily
       from transactions t join dealers d on d.id = t.dealer_id and d.status = 'active'
       join skus s on s.id = t.sku_id and s.status = 'active'
       where t.kind in ('retail_delivery', 'unwind') and t.occurred_on > $1::date - 90 and t.occurred_on <= $1::date
       group by t.dealer_id, t.sku_id having sum(t.quantity) > 0),
     buckets as (
       select r.*, b.bucket, round(r.daily * b.days * (0.6 + (abs(hashtext(r.dealer_id || '-' || r.sku_id || b.bucket)) % 80) / 100.0))::int as n
       from rate r cross join (values ('stock', 40), ('in_transit', 9), ('in_build', 12), ('on_order', 14)) as b(bucket, days))
     insert into seed_pipeline
     select b.dealer_id, b.sku_id,
       'S' || upper(substr(md5(b.dealer_id || '-' || b.sku_id || '-' || b.bucket || '-' || g), 1, 16)),
       case b.bucket when 'stock' then 6 when 'in_transit' then 5 when 'in_build' then 3 + g % 2 else 1 + g % 2 end,
       $1::date - case b.bucket when 'stock' then (g * 11) % 75 when 'in_transit' then g % 4 when 'in_build' then g % 6 else g % 10 end,
       0, 3 + (g * 3) % 12, null
     from buckets b cross join generate_series(1, b.n) g`,
    [today],
  );
  // events: every stage up to the vehicle's, a week apart (the stock stage lasts longer by the jitter)
  const { rows } = await db.query<{ n: number }>(
    `with ins as (
       insert into vehicle_events (dealer_id, vin, event, occurred_on, sku_id, order_type, options, plan_week, plant, eta, delivery_external_id, source, external_id, batch_row)
       select p.dealer_id, p.vin, st.event, e.on_date,
         case when st.rank = 1 then p.sku_id end,
         case when st.rank = 1 then case when abs(hashtext(p.vin)) % 3 = 0 then 'dealer' else 'stock' end end,
         case when st.rank = 1 then case when abs(hashtext(p.vin)) % 4 = 0 then '{TOW,ROOF}'::text[] when abs(hashtext(p.vin)) % 4 = 1 then '{TECH}'::text[] else '{}'::text[] end end,
         case when st.rank = 2 then to_char(e.on_date + 14, 'IYYY-"W"IW') end,
         case when st.rank = 2 then (array['Spartanburg', 'Chattanooga', 'Fremont'])[1 + p.sku_id % 3] end,
         case when st.rank = 5 then e.on_date + p.eta_days end,
         case when st.rank = 7 then p.delivery_external_id end,
         'demo-pipeline', p.vin || '/' || st.event, 0
       from seed_pipeline p cross join ${STAGES}
       cross join lateral (select p.final_on - (p.final_rank - st.rank) * 7
         - case when p.final_rank = 7 and st.rank < 7 then p.jitter else 0 end as on_date) e
       where st.rank <= p.final_rank
       on conflict (dealer_id, source, external_id) do nothing returning 1)
     select count(*)::int as n from ins`,
  );
  await createAvailabilityRepository().refreshVehicles(
    db,
    '(dealer_id, vin) in (select dealer_id, vin from seed_pipeline)',
  );
  return rows[0]!.n;
}
