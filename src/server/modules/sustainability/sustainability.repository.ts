/** All SQL of the sustainability module (issue 17). */
import type { Scope } from '../../auth/actor';
import { scopeDealerIdSql } from '../../auth/actor';
import type { Queryable } from '../../db/db';

export type RegulationRow = {
  market: string;
  versionNo: number;
  effectiveFrom: string;
  createdBy: string;
  createdAt: string;
  document: unknown;
};

/** A market's slice of the CO2 ledger: dealers of these countries (or, if given, these states). */
export type MarketFilter = { countries: string[]; states?: string[] };

/**
 * The country is char(2): compared as char(2) (`bpchar[]`), the planner reads its statistics. As
 * `text[]` it casts the column and guesses 0.5 % of the dealers match: for a one-country market
 * that turned the monthly roll-up's read into one index scan per dealer (600 loops, 100× the
 * buffers of one sequential scan: 2 s instead of 0.2 s at 200k registrations).
 */
function marketWhere(m: MarketFilter, params: unknown[], alias = 'l'): string {
  params.push(m.countries);
  let sql = `${alias}.country = any($${params.length}::bpchar[])`;
  if (m.states) {
    params.push(m.states);
    sql += ` and ${alias}.state_province = any($${params.length}::text[])`;
  }
  return sql;
}

/** The sums of a group of the monthly CO2 ledger `l` joined to its SKUs `s`. */
const SUMS = `sum(l.quantity)::int as units, sum(l.quantity * s.co2_g_per_km)::bigint::float8 as "sumCo2",
  coalesce(sum(l.quantity * s.mass_kg), 0)::bigint::float8 as "sumMassKg",
  coalesce(sum(l.quantity) filter (where s.powertrain in ('BEV', 'FCEV')), 0)::int as "zevUnits"`;

export type LineYearSums = {
  year: number;
  modelLineId: number;
  units: number;
  sumCo2: number;
  sumMassKg: number;
  zevUnits: number;
  /** the month of the group's latest registration (its first day, YYYY-MM-DD) */
  latest: string;
};
export type DealerSums = {
  dealerId: number;
  units: number;
  sumCo2: number;
  sumMassKg: number;
  zevUnits: number;
};

export function createSustainabilityRepository(db: Queryable) {
  return {
    async findRegulations(market?: string): Promise<RegulationRow[]> {
      const { rows } = await db.query<RegulationRow>(
        `select market, version_no as "versionNo", to_char(effective_from, 'YYYY-MM-DD') as "effectiveFrom",
                created_by as "createdBy",
                to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as "createdAt", document
         from co2_regulations where ($1::text is null or market = $1)
         order by market, version_no desc`,
        [market ?? null],
      );
      return rows;
    },

    async insertRegulation(input: {
      market: string;
      effectiveFrom: string;
      document: unknown;
      createdBy: string;
    }): Promise<number> {
      const { rows } = await db.query<{ versionNo: number }>(
        `insert into co2_regulations (market, version_no, effective_from, document, created_by)
         select $1, coalesce(max(version_no), 0) + 1, $2, $3::jsonb, $4 from co2_regulations where market = $1
         returning version_no as "versionNo"`,
        [input.market, input.effectiveFrom, JSON.stringify(input.document), input.createdBy],
      );
      return rows[0]!.versionNo;
    },

    async findVehicleData() {
      const { rows } = await db.query<{
        sku: string;
        name: string;
        modelLineCode: string;
        modelLineName: string;
        powertrain: 'ICE' | 'HEV' | 'PHEV' | 'BEV' | 'FCEV';
        co2GramsPerKm: number;
        massKg: number | null;
        electricRangeKm: number | null;
        batteryKwh: string | null;
        modelLineId: number;
        skuId: number;
      }>(
        `select s.code as sku, s.name, m.code as "modelLineCode", m.name as "modelLineName", s.powertrain,
                s.co2_g_per_km as "co2GramsPerKm", s.mass_kg as "massKg",
                s.electric_range_km as "electricRangeKm", s.battery_kwh::text as "batteryKwh",
                m.id as "modelLineId", s.id as "skuId"
         from skus s join model_lines m on m.id = s.model_line_id
         where s.status = 'active' order by m.code, s.code`,
      );
      return rows;
    },

    async updateVehicleData(
      sku: string,
      data: {
        co2GramsPerKm?: number;
        massKg?: number | null;
        electricRangeKm?: number | null;
        batteryKwh?: string | null;
      },
    ): Promise<boolean> {
      const { rows } = await db.query(
        `update skus set
           co2_g_per_km = coalesce($2, co2_g_per_km),
           mass_kg = case when $3::boolean then $4::integer else mass_kg end,
           electric_range_km = case when $5::boolean then $6::integer else electric_range_km end,
           battery_kwh = case when $7::boolean then $8::numeric else battery_kwh end,
           updated_at = now()
         where code = $1 returning id`,
        [
          sku,
          data.co2GramsPerKm ?? null,
          'massKg' in data,
          data.massKg ?? null,
          'electricRangeKm' in data,
          data.electricRangeKm ?? null,
          'batteryKwh' in data,
          data.batteryKwh ?? null,
        ],
      );
      return rows.length > 0;
    },

    /**
     * The market's registrations by year and model line (the whole network: run as the system),
     * from the monthly CO2 ledger (co2_ledger_monthly, migration 0031): a year of 1,000,000
     * registrations is a few hundred thousand monthly rows at most.
     */
    async sumsByYearAndLine(
      m: MarketFilter,
      fromYear: number,
      toYear: number,
    ): Promise<LineYearSums[]> {
      const params: unknown[] = [`${fromYear}-01-01`, `${toYear + 1}-01-01`];
      const { rows } = await db.query<LineYearSums>(
        `select extract(year from l.month)::int as year, s.model_line_id as "modelLineId",
                ${SUMS},
                to_char(max(l.month), 'YYYY-MM-DD') as latest
         from co2_ledger_monthly l join skus s on s.id = l.sku_id
         where l.month >= $1::date and l.month < $2::date and ${marketWhere(m, params)}
         group by 1, 2`,
        params,
      );
      return rows.map((r) => ({ ...r, sumCo2: Number(r.sumCo2), sumMassKg: Number(r.sumMassKg) }));
    },

    /**
     * The fleet dashboard's two reads of the roll-up in one pass (grouping sets): the market's
     * sums by year and model line (as sumsByYearAndLine) and by year and dealer (as sumsByDealer
     * per year), for the years fromYear..toYear.
     */
    async fleetSums(
      m: MarketFilter,
      fromYear: number,
      toYear: number,
    ): Promise<{ lines: LineYearSums[]; dealersByYear: Map<number, DealerSums[]> }> {
      const params: unknown[] = [`${fromYear}-01-01`, `${toYear + 1}-01-01`];
      const { rows } = await db.query<
        LineYearSums & { dealerId: number | null; byDealer: boolean }
      >(
        `select extract(year from l.month)::int as year, s.model_line_id as "modelLineId", l.dealer_id as "dealerId",
                grouping(l.dealer_id) = 0 as "byDealer",
                ${SUMS},
                to_char(max(l.month), 'YYYY-MM-DD') as latest
         from co2_ledger_monthly l join skus s on s.id = l.sku_id
         where l.month >= $1::date and l.month < $2::date and ${marketWhere(m, params)}
         group by grouping sets ((1, 2), (1, 3))`,
        params,
      );
      const lines: LineYearSums[] = [];
      const dealersByYear = new Map<number, DealerSums[]>();
      for (const r of rows) {
        const sums = { units: r.units, sumCo2: Number(r.sumCo2), sumMassKg: Number(r.sumMassKg) };
        if (!r.byDealer) {
          lines.push({
            year: r.year,
            modelLineId: r.modelLineId,
            ...sums,
            zevUnits: r.zevUnits,
            latest: r.latest,
          });
          continue;
        }
        const list = dealersByYear.get(r.year) ?? [];
        list.push({ dealerId: r.dealerId!, ...sums, zevUnits: r.zevUnits });
        dealersByYear.set(r.year, list);
      }
      return { lines, dealersByYear };
    },

    /**
     * The market's registrations per dealer in [from, to) (optionally one dealer); whole months
     * (first days of months), from the monthly CO2 ledger.
     */
    async sumsByDealer(
      m: MarketFilter,
      from: string,
      to: string,
      dealerId?: number,
    ): Promise<DealerSums[]> {
      const params: unknown[] = [from, to];
      // one dealer: a plain equality (leakproof, indexed: monthly_actuals' primary key)
      const oneDealer = dealerId === undefined ? '' : `and l.dealer_id = $${params.push(dealerId)}`;
      const { rows } = await db.query<DealerSums>(
        `select l.dealer_id as "dealerId", ${SUMS}
         from co2_ledger_monthly l join skus s on s.id = l.sku_id
         where l.month >= $1::date and l.month < $2::date
           ${oneDealer} and ${marketWhere(m, params)}
         group by 1`,
        params,
      );
      return rows;
    },

    /** The market's registrations per SKU in [from, to]. */
    async sumsBySku(m: MarketFilter, from: string, to: string) {
      const params: unknown[] = [from, to];
      const { rows } = await db.query<{ skuId: number; units: number; sumCo2: number }>(
        `select l.sku_id as "skuId", sum(l.quantity)::int as units,
                sum(l.quantity * l.co2_g_per_km)::bigint::float8 as "sumCo2"
         from co2_ledger l
         where l.occurred_on >= $1::date and l.occurred_on <= $2::date and ${marketWhere(m, params)}
         group by 1`,
        params,
      );
      return rows;
    },

    /** Deliveries and zero-emission deliveries per state of a year (US ZEV), by month. */
    async zevByState(states: string[], zev: string[], year: number) {
      const { rows } = await db.query<{ state: string; units: number; zevUnits: number }>(
        `select l.state_province as state, sum(l.quantity)::int as units,
                coalesce(sum(l.quantity) filter (where s.powertrain = any($4::text[])), 0)::int as "zevUnits"
         from co2_ledger_monthly l join skus s on s.id = l.sku_id
         where l.country = 'US' and l.state_province = any($1::text[])
           and l.month >= $2::date and l.month < $3::date
         group by 1`,
        [states, `${year}-01-01`, `${year + 1}-01-01`, zev],
      );
      return rows;
    },

    /** The CO2 ledger per VIN, in the reader's scope. */
    async findLedger(
      scope: Scope,
      m: MarketFilter,
      filter: { year?: number; dealerId?: number; limit: number; offset: number },
    ) {
      const params: unknown[] = [];
      const where = [marketWhere(m, params), scopeDealerIdSql(scope, 'l.dealer_id', params)];
      if (filter.year) {
        params.push(`${filter.year}-01-01`, `${filter.year + 1}-01-01`);
        where.push(
          `l.occurred_on >= $${params.length - 1}::date and l.occurred_on < $${params.length}::date`,
        );
      }
      if (filter.dealerId) {
        params.push(filter.dealerId);
        where.push(`l.dealer_id = $${params.length}`);
      }
      const w = where.join(' and ');
      const [count, page] = await Promise.all([
        db.query<{ n: number }>(`select count(*)::int as n from co2_ledger l where ${w}`, params),
        db.query<{
          vin: string | null;
          dealerCode: string;
          registeredOn: string;
          sku: string;
          powertrain: string;
          co2GramsPerKm: number;
          quantity: number;
          country: string;
          state: string | null;
          placeSource: 'rdr' | 'dealer';
        }>(
          `select l.vin, d.code as "dealerCode", to_char(l.occurred_on, 'YYYY-MM-DD') as "registeredOn",
                  s.code as sku, l.powertrain, l.co2_g_per_km as "co2GramsPerKm", l.quantity,
                  l.country, l.state_province as state, l.place_source as "placeSource"
           from co2_ledger l join dealers d on d.id = l.dealer_id join skus s on s.id = l.sku_id
           where ${w} order by l.occurred_on desc, l.id desc
           limit ${filter.limit} offset ${filter.offset}`,
          params,
        ),
      ]);
      return { total: count.rows[0]?.n ?? 0, items: page.rows };
    },

    /** The market's dealers (or one of them) with their region and group. */
    async findDealers(m: MarketFilter, dealerId?: number) {
      const params: unknown[] = [];
      const oneDealer = dealerId === undefined ? '' : `and d.id = $${params.push(dealerId)}`;
      const { rows } = await db.query<{
        id: number;
        code: string;
        name: string;
        regionId: number;
        regionCode: string;
        regionName: string;
        regionPath: string;
        groupCode: string | null;
      }>(
        `select d.id, d.code, d.name, r.id as "regionId", r.code as "regionCode", r.name as "regionName",
                r.path as "regionPath", g.code as "groupCode"
         from dealers d join regions r on r.id = d.region_id left join dealer_groups g on g.id = d.dealer_group_id
         where ${marketWhere(m, params, 'd')} ${oneDealer}`,
        params,
      );
      return rows;
    },

    async findRegions() {
      const { rows } = await db.query<{ id: number; code: string; name: string; path: string }>(
        'select id, code, name, path from regions order by path',
      );
      return rows;
    },

    async findModelLines() {
      const { rows } = await db.query<{ id: number; code: string; name: string }>(
        'select id, code, name from model_lines order by code',
      );
      return rows;
    },

    /**
     * The forecast of the latest locked or published cycle, per model line, for the months from
     * `fromMonth` to the end of `toYear`, for the market's dealers: consensus (else baseline) and
     * the 80 % interval, summed.
     */
    async forecastByLine(m: MarketFilter, fromMonth: string, toYear: number) {
      const params: unknown[] = [`${fromMonth}-01`, `${toYear + 1}-01-01`];
      const where = marketWhere(m, params, 'd');
      const { rows } = await db.query<{
        cycleMonth: string;
        modelLineId: number;
        year: number;
        mid: string;
        low: string;
        high: string;
      }>(
        `with cycle as (
           select id, cycle_month from forecast_cycles where status in ('locked', 'published')
           order by cycle_month desc limit 1)
         select to_char(c.cycle_month, 'YYYY-MM') as "cycleMonth", f.model_line_id as "modelLineId",
                extract(year from f.target_month)::int as year,
                sum(coalesce(f.consensus, f.baseline))::text as mid,
                sum(f.lower80)::text as low, sum(f.upper80)::text as high
         from cycle c join forecast_cells f on f.cycle_id = c.id join dealers d on d.id = f.dealer_id
         where f.target_month >= $1::date and f.target_month < $2::date and ${where}
         group by 1, 2, 3`,
        params,
      );
      return rows;
    },

    /** Published programs with their latest published definition. */
    /**
     * A program's approved (or paid) statements whose window starts in [from, to], of dealers
     * in the market: how many, the incentive they earned (exact), and from their frozen lines
     * the units paid on (benefit lines with an amount, net of clawbacks) with Σ units × g/km.
     */
    async statementCo2(programCode: string, m: MarketFilter, from: string, to: string) {
      const params: unknown[] = [programCode, from, to];
      const market = marketWhere(m, params, 'd');
      const { rows } = await db.query<{
        statements: number;
        earned: string | null;
        units: number;
        sumCo2: string;
      }>(
        `with chosen as (
           select s.id, s.earned from incentive_statements s
           join programs p on p.id = s.program_id
           join dealers d on d.id = s.dealer_id
           where p.code = $1 and s.status in ('approved', 'paid')
             and (s.snapshot->'window'->>'start')::date between $2::date and $3::date and ${market})
         select (select count(*)::int from chosen) as statements,
                (select sum(earned)::text from chosen) as earned,
                coalesce(sum(l.quantity), 0)::int as units,
                coalesce(sum(l.quantity * k.co2_g_per_km), 0)::text as "sumCo2"
         from chosen c
         join incentive_statement_lines l on l.statement_id = c.id
         join transactions t on t.id = l.transaction_id
         join skus k on k.id = t.sku_id
         where (l.kind = 'benefit' and l.amount <> 0) or l.kind = 'clawback'`,
        params,
      );
      return rows[0] ?? { statements: 0, earned: null, units: 0, sumCo2: '0' };
    },

    async findPublishedPrograms() {
      const { rows } = await db.query<{ code: string; definition: unknown }>(
        `select p.code, v.definition from programs p
         join lateral (select definition from program_versions v
                       where v.program_id = p.id and v.status = 'published'
                       order by v.version_no desc limit 1) v on true
         where p.status = 'published' order by p.code`,
      );
      return rows;
    },
  };
}

export type SustainabilityRepository = ReturnType<typeof createSustainabilityRepository>;
