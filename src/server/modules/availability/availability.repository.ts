/** All SQL of the availability module: the pipeline feed, vehicles, positions, demand inputs. */
import type { Queryable } from '../../db/db';
import { scopeDealerIdSql, type Scope } from '../../auth/actor';
import { shownStatusSql } from '../agreements/agreement-status';

/** Any constant: writers of `vehicles` take turns on it (refreshVehicles). */
const VEHICLES_WRITE_LOCK = 7_305_116;

/** The columns of a pipeline event as staged and stored. */
const EVENT_COLUMNS =
  'dealer_id, vin, event, occurred_on, sku_id, order_type, options, plan_week, plant, eta, delivery_external_id, source, external_id, batch_row';

/** Event stage order: events of one day apply in this order, whatever order they arrived in. */
export const STAGE_SQL = `case event when 'ordered' then 1 when 'planned' then 2 when 'in_build' then 3 when 'built' then 4 when 'in_transit' then 5 when 'at_dealer' then 6 when 'delivered' then 7 else 8 end`;

/** Statuses counted in each bucket of a dealer's position. */
export const BUCKETS = {
  stock: ['at_dealer'],
  inTransit: ['in_transit'],
  inBuild: ['in_build', 'built'],
  onOrder: ['ordered', 'planned'],
} as const;

const VEHICLE_SELECT = `select v.vin, d.code as "dealerCode", d.name as "dealerName", s.code as sku, s.name as "skuName",
  ml.code as "modelLineCode", ml.name as "modelLineName", s.powertrain, v.order_type as "orderType", v.options,
  v.status, v.status_on::text as "statusOn", v.ordered_on::text as "orderedOn", v.plan_week as "planWeek", v.plant,
  v.eta::text as eta, v.built_on::text as "builtOn", v.arrived_on::text as "arrivedOn", v.delivered_on::text as "deliveredOn",
  case when v.status = 'at_dealer' and v.arrived_on is not null then ($1::date - v.arrived_on) end as "ageDays",
  r.code as "allocationRun"
  from vehicles v join dealers d on d.id = v.dealer_id join skus s on s.id = v.sku_id
  join model_lines ml on ml.id = s.model_line_id left join allocation_runs r on r.id = v.allocation_run_id`;

export type VehicleRow = {
  vin: string;
  dealerCode: string;
  dealerName: string;
  sku: string;
  skuName: string;
  modelLineCode: string;
  modelLineName: string;
  powertrain: string;
  orderType: 'dealer' | 'stock';
  options: string[];
  status: (typeof import('../../../shared/schemas/availability').VEHICLE_EVENTS)[number];
  statusOn: string;
  orderedOn: string;
  planWeek: string | null;
  plant: string | null;
  eta: string | null;
  builtOn: string | null;
  arrivedOn: string | null;
  deliveredOn: string | null;
  ageDays: number | null;
  allocationRun: string | null;
};

export type PositionRow = {
  dealer_id: number;
  sku_id: number;
  stock: number;
  in_transit: number;
  in_build: number;
  on_order: number;
  age_sum: number;
  oldest: number | null;
  next_eta: string | null;
};

/** The vehicle list's filter: a dealer, a model line or a status, and the page. */
export type VehicleFilter = {
  dealer?: string;
  modelLine?: string;
  status?: string;
  limit: number;
  offset: number;
};

export function createAvailabilityRepository() {
  return {
    async loadCodeMaps(q: Queryable) {
      const [dealers, skus] = await Promise.all([
        q.query<{ id: number; code: string }>('select id, code from dealers'),
        q.query<{ id: number; code: string }>('select id, code from skus'),
      ]);
      return {
        dealers: new Map(dealers.rows.map((r) => [r.code, r.id])),
        skus: new Map(skus.rows.map((r) => [r.code, r.id])),
      };
    },

    async createStaging(q: Queryable) {
      await q.exec(`create temp table pipeline_staging (
        dealer_id integer, vin text collate "C", event text, occurred_on date, sku_id integer,
        order_type text, options text[], plan_week text, plant text, eta date,
        delivery_external_id text, source text collate "C", external_id text collate "C", batch_row integer
      ) on commit drop`);
    },

    /** COPY lines of events (EVENT_COLUMNS, CSV) into staging or straight into the feed. */
    async copyEvents(
      q: Queryable,
      into: 'pipeline_staging' | 'vehicle_events',
      lines: Iterable<string> | AsyncIterable<string>,
    ) {
      await q.copyFrom(`copy ${into} (${EVENT_COLUMNS}) from stdin with (format csv)`, lines);
    },

    /**
     * Staged rows whose key (dealer, source, externalId) an earlier row of the batch has with
     * different content: staged before them, or copied into the feed (ids above `idFloor`).
     */
    async repeatedKeys(q: Queryable, idFloor: number) {
      const content = (t: string) =>
        `row(${t}.vin, ${t}.event, ${t}.occurred_on, ${t}.sku_id, ${t}.order_type, ${t}.options, ${t}.plan_week, ${t}.plant, ${t}.eta, ${t}.delivery_external_id)::text`;
      const { rows } = await q.query<{
        later: number;
        earlier: number;
        source: string;
        external_id: string;
      }>(
        `with k as (
           select s.batch_row, s.source, s.external_id, ${content('s')} as content,
             first_value(s.batch_row) over w as first_row,
             first_value(${content('s')}) over w as first_content
           from pipeline_staging s
           where (s.dealer_id, s.source, s.external_id) in (
             select dealer_id, source, external_id from pipeline_staging group by 1, 2, 3 having count(*) > 1)
           window w as (partition by s.dealer_id, s.source, s.external_id order by s.batch_row))
         select batch_row as later, first_row as earlier, source, external_id from k
         where batch_row <> first_row and content is distinct from first_content
         union all
         select s.batch_row, e.batch_row, s.source, s.external_id from pipeline_staging s
         join vehicle_events e on e.dealer_id = s.dealer_id and e.source = s.source and e.external_id = s.external_id
         where e.id > $1 and ${content('s')} is distinct from ${content('e')}
         order by 1 limit 1000`,
        [idFloor],
      );
      return rows;
    },

    /**
     * The dealers whose vehicle each of `vins` is: stored in `vehicles`, or ordered in a committed
     * batch whose refresh is still pending (its events are checked; its vehicles not yet written).
     */
    async storedVinDealers(q: Queryable, vins: string[]): Promise<Map<string, number[]>> {
      const { rows } = await q.query<{ vin: string; dealer_id: number }>(
        `with b as (select unnest($1::text[]) collate "C" as vin)
         select v.vin, v.dealer_id from vehicles v join b on b.vin = v.vin
         union
         select e.vin, e.dealer_id from pipeline_refreshes p
         join vehicle_events e on e.id > p.id_floor and e.id <= p.id_ceiling
         join b on b.vin = e.vin
         where p.refreshed_at is null`,
        [vins],
      );
      const stored = new Map<string, number[]>();
      for (const r of rows) {
        const dealers = stored.get(r.vin);
        if (dealers) dealers.push(r.dealer_id);
        else stored.set(r.vin, [r.dealer_id]);
      }
      return stored;
    },

    /** Inserts the batch's new events (a stored key is a duplicate); returns how many. */
    async insertEvents(q: Queryable): Promise<number> {
      const { rowCount } = await q.query(
        `insert into vehicle_events (${EVENT_COLUMNS})
         select distinct on (dealer_id, source, external_id) ${EVENT_COLUMNS}
         from pipeline_staging order by dealer_id, source, external_id, batch_row
         on conflict (dealer_id, source, external_id) do nothing`,
      );
      return rowCount;
    },

    /** The highest event id stored (ids only grow: the batch's events get higher ones). */
    async lastEventId(q: Queryable): Promise<number> {
      const { rows } = await q.query<{ id: string }>(
        'select coalesce(max(id), 0)::text as id from vehicle_events',
      );
      return Number(rows[0]!.id);
    },

    /** The id of the last event this session inserted (after an insert of at least one). */
    async lastInsertedEventId(q: Queryable): Promise<number> {
      const { rows } = await q.query<{ id: string }>(
        `select currval(pg_get_serial_sequence('vehicle_events', 'id'))::text as id`,
      );
      return Number(rows[0]!.id);
    },

    /** Records a batch whose VINs are refreshed after its commit (see `refreshPending`). */
    async addPendingRefresh(
      q: Queryable,
      batch: { idFloor: number; idCeiling: number; events: number; dealerIds: number[] },
    ): Promise<void> {
      await q.query(
        `insert into pipeline_refreshes (id_floor, id_ceiling, events, dealer_ids) values ($1, $2, $3, $4::int[])`,
        [batch.idFloor, batch.idCeiling, batch.events, batch.dealerIds],
      );
    },

    /**
     * The oldest batch still waiting for its refresh, locked for this transaction; batches that
     * another process is refreshing are skipped.
     */
    async lockNextPendingRefresh(
      q: Queryable,
    ): Promise<{ id: number; idFloor: number; idCeiling: number } | null> {
      const { rows } = await q.query<{ id: string; idFloor: string; idCeiling: string }>(
        `select id::text, id_floor::text as "idFloor", id_ceiling::text as "idCeiling" from pipeline_refreshes
         where refreshed_at is null order by id limit 1 for update skip locked`,
      );
      const r = rows[0];
      return r
        ? { id: Number(r.id), idFloor: Number(r.idFloor), idCeiling: Number(r.idCeiling) }
        : null;
    },

    async markRefreshed(q: Queryable, id: number): Promise<void> {
      await q.query('update pipeline_refreshes set refreshed_at = now() where id = $1', [id]);
    },

    /** The VINs with an event in ids (floor, ceiling]: a deferred batch's, for `refreshVehicles`. */
    eventRangeVins(idFloor: number, idCeiling: number): string {
      return `(dealer_id, vin) in (select dealer_id, vin from vehicle_events where id > ${Math.trunc(idFloor)} and id <= ${Math.trunc(idCeiling)})`;
    },

    /**
     * Recomputes the current state of the batch's VINs from all their events. Writers of
     * `vehicles` take turns (a transaction-long lock): each recomputes after the one before has
     * committed, so it sees that one's events and never stores an older picture over a newer one.
     */
    async refreshVehicles(
      q: Queryable,
      where = '(dealer_id, vin) in (select dealer_id, vin from pipeline_staging)',
      params: unknown[] = [],
    ): Promise<number> {
      await q.query('select pg_advisory_xact_lock($1)', [VEHICLES_WRITE_LOCK]);
      const { rows } = await q.query<{ n: number }>(
        `with e as (select *, ${STAGE_SQL} as stage from vehicle_events where ${where}),
         agg as (
           select dealer_id, vin,
             (array_agg(sku_id order by occurred_on desc, stage desc, id desc) filter (where sku_id is not null))[1] as sku_id,
             (array_agg(order_type order by occurred_on desc, stage desc, id desc) filter (where order_type is not null))[1] as order_type,
             (array_agg(id order by occurred_on desc, stage desc, id desc) filter (where options is not null))[1] as options_id,
             (array_agg(event order by occurred_on desc, stage desc, id desc))[1] as status,
             max(occurred_on) as status_on,
             min(occurred_on) filter (where event = 'ordered') as ordered_on,
             (array_agg(plan_week order by occurred_on desc, stage desc, id desc) filter (where plan_week is not null))[1] as plan_week,
             (array_agg(plant order by occurred_on desc, stage desc, id desc) filter (where plant is not null))[1] as plant,
             (array_agg(eta order by occurred_on desc, stage desc, id desc) filter (where eta is not null))[1] as eta,
             max(occurred_on) filter (where event = 'built') as built_on,
             max(occurred_on) filter (where event = 'at_dealer') as arrived_on,
             max(occurred_on) filter (where event = 'delivered') as delivered_on,
             (array_agg(delivery_external_id order by occurred_on desc, stage desc, id desc) filter (where delivery_external_id is not null))[1] as delivery_external_id
           from e group by dealer_id, vin),
         up as (
           insert into vehicles (dealer_id, vin, sku_id, order_type, options, status, ordered_on, plan_week, plant, eta, built_on, arrived_on, delivered_on, delivery_external_id, status_on, updated_at)
           select dealer_id, vin, sku_id, coalesce(order_type, 'stock'),
             coalesce((select x.options from vehicle_events x where x.id = agg.options_id), '{}'), status, coalesce(ordered_on, status_on), plan_week, plant, eta, built_on, arrived_on, delivered_on, delivery_external_id, status_on, now()
           from agg where sku_id is not null
           on conflict (dealer_id, vin) do update set sku_id = excluded.sku_id, order_type = excluded.order_type, options = excluded.options,
             status = excluded.status, ordered_on = excluded.ordered_on, plan_week = excluded.plan_week, plant = excluded.plant, eta = excluded.eta,
             built_on = excluded.built_on, arrived_on = excluded.arrived_on, delivered_on = excluded.delivered_on,
             delivery_external_id = excluded.delivery_external_id, status_on = excluded.status_on, updated_at = now()
           returning 1)
         select count(*)::int as n from up`,
        params,
      );
      return rows[0]!.n;
    },

    async findVehicles(q: Queryable, scope: Scope, today: string, filter: VehicleFilter) {
      const params: unknown[] = [today];
      const where = [scopeDealerIdSql(scope, 'v.dealer_id', params)];
      if (filter.dealer) where.push(`d.code = $${params.push(filter.dealer)}`);
      if (filter.modelLine) where.push(`ml.code = $${params.push(filter.modelLine)}`);
      if (filter.status) where.push(`v.status = $${params.push(filter.status)}`);
      const total = await q.query<{ n: number }>(
        `select count(*)::int as n from vehicles v join dealers d on d.id = v.dealer_id join skus s on s.id = v.sku_id
         join model_lines ml on ml.id = s.model_line_id where ${where.join(' and ')} and $1::date is not null`,
        params,
      );
      const items = await q.query<VehicleRow>(
        `${VEHICLE_SELECT} where ${where.join(' and ')} order by v.status_on desc, v.vin limit ${filter.limit} offset ${filter.offset}`,
        params,
      );
      return { items: items.rows, total: total.rows[0]!.n };
    },

    async getVehicle(q: Queryable, scope: Scope, today: string, vin: string) {
      const params: unknown[] = [today, vin];
      const where = scopeDealerIdSql(scope, 'v.dealer_id', params);
      const { rows } = await q.query<VehicleRow & { dealerId: number }>(
        `${VEHICLE_SELECT.replace('select v.vin,', 'select v.dealer_id as "dealerId", v.vin,')} where v.vin = $2 and ${where}`,
        params,
      );
      return rows[0] ?? null;
    },

    async vehicleHistory(q: Queryable, dealerId: number, vin: string) {
      const { rows } = await q.query<{
        event: VehicleRow['status'];
        occurredOn: string;
        eta: string | null;
        planWeek: string | null;
        plant: string | null;
        source: string;
        externalId: string;
        receivedAt: string;
      }>(
        `select event, occurred_on::text as "occurredOn", eta::text as eta, plan_week as "planWeek", plant, source, external_id as "externalId",
           to_char(received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as "receivedAt"
         from vehicle_events where dealer_id = $1 and vin = $2 order by occurred_on, ${STAGE_SQL}, id`,
        [dealerId, vin],
      );
      return rows;
    },

    async deliveryOf(q: Queryable, dealerId: number, vin: string) {
      const { rows } = await q.query<{ externalId: string; occurredOn: string; source: string }>(
        `select external_id as "externalId", occurred_on::text as "occurredOn", source from transactions
         where dealer_id = $1 and vin = $2 and kind = 'retail_delivery' order by occurred_on desc limit 1`,
        [dealerId, vin],
      );
      return rows[0] ?? null;
    },

    /** Pipeline vehicles (not delivered or cancelled) of a dealer, soonest first. */
    async pipelineOf(q: Queryable, dealerId: number, today: string) {
      const { rows } = await q.query<VehicleRow>(
        `${VEHICLE_SELECT} where v.dealer_id = $2 and v.status not in ('delivered', 'cancelled')
         order by v.status = 'at_dealer', v.eta nulls last, v.ordered_on, v.vin limit 500`,
        [today, dealerId],
      );
      return rows;
    },

    /** Units per dealer × SKU in each bucket, stock age and the next ETA (dealers null: all). */
    async positions(
      q: Queryable,
      today: string,
      dealerIds: number[] | null,
      modelLineId: number | null,
    ) {
      const { rows } = await q.query<PositionRow>(
        `select v.dealer_id, v.sku_id,
           count(*) filter (where v.status = 'at_dealer')::int as stock,
           count(*) filter (where v.status = 'in_transit')::int as in_transit,
           count(*) filter (where v.status in ('in_build', 'built'))::int as in_build,
           count(*) filter (where v.status in ('ordered', 'planned'))::int as on_order,
           coalesce(sum($1::date - v.arrived_on) filter (where v.status = 'at_dealer'), 0)::int as age_sum,
           max($1::date - v.arrived_on) filter (where v.status = 'at_dealer') as oldest,
           min(v.eta) filter (where v.status = 'in_transit')::text as next_eta
         from vehicles v join skus s on s.id = v.sku_id
         where v.status not in ('delivered', 'cancelled')
           and ($2::int[] is null or v.dealer_id = any($2::int[]))
           and ($3::int is null or s.model_line_id = $3)
         group by v.dealer_id, v.sku_id`,
        [today, dealerIds, modelLineId],
      );
      return rows;
    },

    /** Published allocation units still awaiting the dealer's decision, per dealer × SKU. */
    async pendingAllocation(q: Queryable, dealerIds: number[] | null, modelLineId: number | null) {
      const { rows } = await q.query<{ dealer_id: number; sku_id: number; units: number }>(
        `select x.dealer_id, x.sku_id, sum(x.units)::int as units from allocation_results x
         join allocation_runs r on r.id = x.run_id
         where r.status = 'published' and x.decision = 'pending' and x.units > 0
           and ($1::int[] is null or x.dealer_id = any($1::int[]))
           and ($2::int is null or r.model_line_id = $2)
         group by x.dealer_id, x.sku_id`,
        [dealerIds, modelLineId],
      );
      return rows;
    },

    /**
     * Expected daily retail sales per dealer × model line: the consensus of the latest locked or
     * published forecast cycle for the month of `today` ÷ its days; else the retail deliveries of
     * the three complete months before ÷ their days.
     */
    async expectedDaily(
      q: Queryable,
      today: string,
      dealerIds: number[] | null,
      modelLineId: number | null,
    ) {
      const { rows } = await q.query<{
        dealer_id: number;
        model_line_id: number;
        daily: number;
        basis: 'consensus' | 'recent_sales';
      }>(
        `with m as (select date_trunc('month', $1::date)::date as month),
         -- one probe per cycle, newest first (a lateral LIMIT 1: as EXISTS the planner semi-joined
         -- over every cycle's cells, a scan that grows with the network)
         cyc as (select c.id from forecast_cycles c cross join m
                 cross join lateral (select 1 from forecast_cells f where f.cycle_id = c.id and f.target_month = m.month limit 1) has
                 where c.status in ('locked', 'published')
                 order by c.cycle_month desc limit 1),
         cons as (
           select f.dealer_id, f.model_line_id,
             (f.consensus / extract(day from (m.month + interval '1 month' - interval '1 day')))::float8 as daily
           from forecast_cells f, m where f.cycle_id = (select id from cyc) and f.target_month = m.month
             and f.consensus is not null
             and ($2::int[] is null or f.dealer_id = any($2::int[])) and ($3::int is null or f.model_line_id = $3)),
         recent as (
           select a.dealer_id, s.model_line_id,
             (sum(a.quantity)::float8 / (m.month - (m.month - interval '3 months')::date)) as daily
           from monthly_actuals a join skus s on s.id = a.sku_id, m
           where a.kind in ('retail_delivery', 'unwind') and a.month >= (m.month - interval '3 months')::date and a.month < m.month
             and ($2::int[] is null or a.dealer_id = any($2::int[])) and ($3::int is null or s.model_line_id = $3)
           group by a.dealer_id, s.model_line_id, m.month)
         select coalesce(c.dealer_id, r.dealer_id) as dealer_id, coalesce(c.model_line_id, r.model_line_id) as model_line_id,
           greatest(coalesce(c.daily, r.daily), 0) as daily, case when c.dealer_id is not null then 'consensus' else 'recent_sales' end as basis
         from cons c full join recent r on r.dealer_id = c.dealer_id and r.model_line_id = c.model_line_id`,
        [today, dealerIds, modelLineId],
      );
      return rows;
    },

    /** Retail sales of a model line per dealer in the `days` up to today (turn-and-earn). */
    async recentSales(q: Queryable, today: string, days: number, modelLineId: number) {
      const { rows } = await q.query<{ dealer_id: number; units: number }>(
        `select t.dealer_id, sum(t.quantity)::int as units from transactions t join skus s on s.id = t.sku_id
         where s.model_line_id = $3 and t.kind in ('retail_delivery', 'unwind')
           and t.occurred_on > $1::date - $2::int and t.occurred_on <= $1::date
         group by t.dealer_id`,
        [today, days, modelLineId],
      );
      return rows;
    },

    /**
     * Units still to go on the active agreements' lines that count the model line. Active as
     * shown on `today` (agreement-status.ts): an agreement whose term has started counts before
     * the daily job stores its move, and one whose term has ended no longer does. Of these dealers
     * only (null: all), summed for them alone rather than for the network and filtered after.
     * A line counts once for each model line it holds SKUs of: the distinct (line, model line)
     * pairs are read in one pass and joined (a per-pair `exists` probed every line against
     * every model line: 15 s for the reference network, BENCHMARKS.md, twentieth session).
     */
    async openCommitments(
      q: Queryable,
      today: string,
      modelLineId: number | null,
      dealerIds: number[] | null = null,
    ) {
      const { rows } = await q.query<{ dealer_id: number; model_line_id: number; units: number }>(
        `select a.dealer_id, ml.model_line_id,
           greatest(0, sum((select coalesce(sum(x), 0) from unnest(l.planned_quantities) x)
                         - (select coalesce(sum(x), 0) from unnest(l.actual_quantities) x)))::int as units
         from agreements a join agreement_lines l on l.agreement_id = a.id
         join (select distinct ls.agreement_id, ls.line_no, s.model_line_id
               from agreement_line_skus ls join skus s on s.id = ls.sku_id
               where ($1::int is null or s.model_line_id = $1) and ($3::int[] is null or ls.dealer_id = any($3::int[]))
         ) ml on ml.agreement_id = l.agreement_id and ml.line_no = l.line_no
         where a.status in ('approved', 'active') and ${shownStatusSql('a', '$2::date')} = 'active'
           and ($3::int[] is null or a.dealer_id = any($3::int[]))
         group by a.dealer_id, ml.model_line_id`,
        [modelLineId, `${today.slice(0, 7)}-01`, dealerIds],
      );
      return rows;
    },
  };
}

export type AvailabilityRepository = ReturnType<typeof createAvailabilityRepository>;
