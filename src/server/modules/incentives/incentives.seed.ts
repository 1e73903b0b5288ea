/**
 * Demo incentive programs: five realistic programs for the fiscal year around `today`, created and
 * published through the service (validation, canonical version, ledger entry) like an OEM user
 * would. Tier thresholds follow the demo network's own volumes (one SQL roll-up of the last
 * twelve months), so some dealers are above a tier, some just below it: the dealer view then has
 * something to say ("7 more BEVs earn you …").
 *
 * The demo history is a backfill, so the feed stamped every row with the seeding time as its
 * arrival; the grace rule would call the whole fiscal year late. The seed therefore sets the
 * arrival of the retail rows (what the programs count) of the year's ended quarters to the day
 * after the sale, as a live feed would have.
 */
import { SYSTEM_ACTOR } from '../../auth/actor';
import type { Services } from '../../services';
import { addMonths, monthIndex } from '../../../shared/months';
import { fiscalYearStart } from '../agreements/agreements.seed';

type Stats = {
  dealers: number;
  retailMedian: number;
  bevMedian: number;
  bevSharePct: number;
  launchLine: string | null;
  launchName: string | null;
};

function lastDayOf(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

/** A round threshold: 1, 2, 5, 10, 15, 20, 25, 30, 40, 50, 60, … */
function nice(value: number): number {
  if (value <= 5) return Math.max(1, Math.round(value));
  if (value <= 30) return Math.round(value / 5) * 5;
  if (value <= 200) return Math.round(value / 10) * 10;
  return Math.round(value / 50) * 50;
}

function money(value: number): string {
  return `${Math.round(value)}.00`;
}

async function networkStats(services: Services, before: string): Promise<Stats> {
  // One pass over the roll-up of the twelve months before the fiscal year: units per dealer and
  // model line, BEV or not.
  const { rows } = await services.db.query<{
    dealer: number;
    line: string;
    name: string;
    isBev: boolean;
    q: number;
  }>(
    `select a.dealer_id as dealer, m.code as line, m.name, s.powertrain = 'BEV' as "isBev",
            sum(a.quantity)::int as q
     from monthly_actuals a join skus s on s.id = a.sku_id join dealers d on d.id = a.dealer_id
       join model_lines m on m.id = s.model_line_id
     where d.status = 'active' and a.kind in ('retail_delivery', 'unwind')
       and a.month >= ($1::date - interval '12 months') and a.month < $1::date
     group by 1, 2, 3, 4`,
    [before],
  );
  const retail = new Map<number, number>();
  const bev = new Map<number, number>();
  const bevByLine = new Map<string, { name: string; q: number }>();
  for (const r of rows) {
    retail.set(r.dealer, (retail.get(r.dealer) ?? 0) + r.q);
    if (!r.isBev) continue;
    bev.set(r.dealer, (bev.get(r.dealer) ?? 0) + r.q);
    const line = bevByLine.get(r.line) ?? { name: r.name, q: 0 };
    line.q += r.q;
    bevByLine.set(r.line, line);
  }
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    if (sorted.length === 0) return 0;
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  const dealers = [...retail.keys()];
  const retailMedian = median(dealers.map((d) => retail.get(d)!)) / 4;
  const bevMedian = median(dealers.map((d) => bev.get(d) ?? 0)) / 4;
  const [launch] = [...bevByLine.entries()].sort(
    (a, b) => b[1].q - a[1].q || a[0].localeCompare(b[0]),
  );
  return {
    dealers: dealers.length,
    retailMedian,
    bevMedian,
    bevSharePct: retailMedian > 0 ? (bevMedian * 100) / retailMedian : 0,
    launchLine: launch?.[0] ?? null,
    launchName: launch?.[1].name ?? null,
  };
}

/** Creates and publishes the demo programs; returns how many. Nothing when there are no sales. */
export async function seedIncentivePrograms(services: Services): Promise<number> {
  const { db } = services;
  const fy = (await db.query<{ m: number }>('select fiscal_year_start_month as m from settings'))
    .rows[0]!.m;
  const startMonth = fiscalYearStart(services.today(), fy);
  const startDate = `${startMonth}-01`;
  const endDate = lastDayOf(addMonths(startMonth, 11));
  const stats = await networkStats(services, startDate);
  if (stats.dealers === 0 || stats.retailMedian <= 0) return 0;

  // Only the rows the demo programs count (retail deliveries, and unwinds that net them) of the
  // fiscal year's ended quarters: a sale of the current quarter arrives before its cut-off anyway,
  // and every row updated costs `npm start` time (about 0.1 ms each on PGlite).
  const elapsedMonths = monthIndex(services.today().slice(0, 7)) - monthIndex(startMonth);
  const quarterStart = addMonths(startMonth, Math.floor(elapsedMonths / 3) * 3);
  await db.query(
    `update transactions set received_at = occurred_on + 1
     where occurred_on >= $1::date and occurred_on < $2::date
       and kind in ('retail_delivery', 'unwind') and received_at > occurred_on + 1`,
    [startDate, `${quarterStart}-01`],
  );

  const fyName = `FY${endDate.slice(2, 4)}`;
  const common = {
    currency: 'USD',
    startDate,
    endDate,
    graceDays: 10,
  };
  const retailTier = nice(stats.retailMedian);
  const bevTier = nice(Math.max(2, stats.bevMedian));
  const shareTier = Math.max(5, Math.round(stats.bevSharePct / 5) * 5);
  const quarters = 4;

  const programs: Record<string, unknown>[] = [
    {
      ...common,
      code: `${fyName}-BEV-STAIR`,
      name: 'Quarterly BEV bonus',
      description:
        'A bonus on every battery-electric retail delivery, higher the more BEVs you deliver in the quarter.',
      measurementPeriod: 'quarter',
      payoutFrequency: 'quarter',
      qualifying: { powertrains: ['BEV'] },
      measure: 'units',
      tiers: [
        { from: '1', value: '300' },
        { from: String(bevTier), value: '600' },
        { from: String(nice(bevTier * 1.5)), value: '900' },
      ],
      tierMode: 'retroactive',
      benefit: 'per_unit',
      budget: money(stats.dealers * quarters * Math.max(1, stats.bevMedian) * 1000),
    },
    {
      ...common,
      code: `${fyName}-RETAIL-VOLUME`,
      name: 'Retail volume bonus',
      description:
        'Retroactive per-unit bonus on all retail deliveries once the quarter reaches a volume tier.',
      measurementPeriod: 'quarter',
      payoutFrequency: 'quarter',
      measure: 'units',
      tiers: [
        { from: String(nice(retailTier * 0.8)), value: '100' },
        { from: String(retailTier), value: '175' },
        { from: String(nice(retailTier * 1.25)), value: '250' },
      ],
      tierMode: 'retroactive',
      benefit: 'per_unit',
      capPerDealer: money(nice(retailTier * 2) * 250),
      budget: money(stats.dealers * quarters * stats.retailMedian * 150),
    },
    {
      ...common,
      code: `${fyName}-EV-MIX`,
      name: 'EV mix award',
      description:
        'A quarterly award for the share of battery-electric vehicles in your deliveries.',
      measurementPeriod: 'quarter',
      payoutFrequency: 'quarter',
      measure: 'ev_share',
      tiers: [
        { from: String(shareTier), value: '5000' },
        { from: String(shareTier + 5), value: '12000' },
        { from: String(shareTier + 10), value: '25000' },
      ],
      benefit: 'lump_sum',
    },
    {
      ...common,
      code: `${fyName}-STAIR-STEP`,
      name: 'Agreement stair-step',
      description:
        'Per-unit bonus by attainment of your sales agreement in the quarter: 90 %, 100 % and 110 % of plan.',
      measurementPeriod: 'quarter',
      payoutFrequency: 'quarter',
      eligibility: { requiresActiveAgreement: true },
      measure: 'agreement_attainment',
      tiers: [
        { from: '90', value: '100' },
        { from: '100', value: '200' },
        { from: '110', value: '300' },
      ],
      benefit: 'per_unit',
    },
  ];
  if (stats.launchLine) {
    programs.push({
      ...common,
      code: `${fyName}-${stats.launchLine}-LAUNCH`.slice(0, 40),
      name: `${stats.launchName ?? stats.launchLine} launch support`,
      description:
        'A share of MSRP on each claimed retail delivery of the line, settled monthly; submit a claim with the VIN.',
      measurementPeriod: 'program',
      payoutFrequency: 'month',
      qualifying: { modelLines: [stats.launchLine], powertrains: ['BEV'] },
      measure: 'units',
      tiers: [{ from: '1', value: '2' }],
      benefit: 'percent_of_msrp',
      requiresClaim: true,
    });
  }
  for (const data of programs) {
    const created = await services.incentives.createProgram({ actor: SYSTEM_ACTOR, data });
    await services.incentives.publishProgram({ actor: SYSTEM_ACTOR, code: created.code });
  }
  return programs.length;
}
