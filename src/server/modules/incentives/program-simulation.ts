/**
 * Program publishing with its cost (issue 13): the program's latest version — the draft about to
 * be published — simulated on a forecast cycle (the latest with a baseline unless one is named).
 *
 * Each eligible dealer's forecast cells (dealer × model line × month: the locked consensus, else
 * the override, the dealer's adjustment or the baseline) are split over SKUs by the cycle's SKU
 * mix of the dealer's region, filtered by the program's qualifying and paying filters, and summed
 * per measurement window into the measure (units, revenue at MSRP, EV share) and the paying
 * volume; the tiers, benefit and cap give each dealer's cost per window.
 *
 * The interval: one standard-normal draw per dealer and outcome moves every cell of that dealer
 * along its 80 % forecast interval (below the baseline towards lower80, above towards upper80),
 * dealers independent of each other; 10th and 90th percentiles of the total cost over the
 * outcomes (seeded, so one program and forecast always give the same answer); the expected cost
 * is their mean, `atForecast` the cost if every cell lands on its figure. Figures are
 * estimates in whole currency units, never booked; the arithmetic is binary floating point.
 */
import { AppError, notFound } from '../../../shared/errors';
import { mulberry32 } from '../../../shared/math';
import { moneyString } from '../../../shared/money';
import { monthIndex, monthRange } from '../../../shared/months';
import {
  programDefinitionSchema,
  type ProgramDefinition,
  type ProgramFilter,
} from '../../../shared/schemas/program';
import type { ProgramSimulation } from '../../../shared/schemas/program-simulation';
import type { Actor } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import { checkEligibility, listWindows } from './calc';
import { needsSaleDetails } from './incentives-context';
import type { IncentivesService } from './incentives.service';
import {
  createProgramSimulationRepository,
  type SimulationSku,
} from './program-simulation.repository';

const Z80 = 1.2815515655446004;
const OUTCOME_BUDGET = 2_000_000;

/** Tiny seeded generator (mulberry32) and a Box–Muller normal on it. */
function normalSource(seedText: string): () => number {
  let seed = 2166136261;
  for (const ch of seedText) seed = Math.imul(seed ^ ch.charCodeAt(0), 16777619);
  const uniform = mulberry32(seed);
  return () => {
    const u = Math.max(uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

function matches(filter: ProgramFilter, sku: SimulationSku): boolean {
  return (
    (filter.modelLines.length === 0 || filter.modelLines.includes(sku.modelLine)) &&
    (filter.skus.length === 0 || filter.skus.includes(sku.sku)) &&
    (filter.powertrains.length === 0 ||
      (filter.powertrains as readonly string[]).includes(sku.powertrain)) &&
    (filter.segments.length === 0 || filter.segments.includes(sku.segment))
  );
}

/** Sums per window of one dealer: the expected value and how far it moves per unit of z. */
type Sums = { e: number; up: number; down: number };
const zero = (): Sums => ({ e: 0, up: 0, down: 0 });
const at = (s: Sums, z: number) => Math.max(0, s.e + z * (z >= 0 ? s.up : s.down));

type DealerWindow = {
  qualifying: Sums;
  bev: Sums;
  revenue: Sums;
  payingUnits: Sums;
  payingMsrp: Sums;
  /** units at or below the CO2 threshold; units × g/km below it (CO2 programs) */
  lowCo2: Sums;
  payingCo2: Sums;
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = (sorted.length - 1) * p;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
}

export function createProgramSimulation(deps: {
  db: Queryable;
  incentives: Pick<IncentivesService, 'getProgram'>;
}) {
  return {
    async simulate({
      actor,
      code,
      cycleId,
    }: {
      actor: Actor;
      code: string;
      cycleId?: number;
    }): Promise<ProgramSimulation> {
      // permission, visibility and 404: the program as its page shows it
      const program = await deps.incentives.getProgram({ actor, code });
      const parsed = programDefinitionSchema.safeParse(program.definition);
      if (!parsed.success)
        throw new AppError(
          'CONFLICT',
          `The program ${code} has problems in its definition; fix them before simulating it`,
          { reason: 'invalid_definition' },
        );
      const def = parsed.data as ProgramDefinition;
      const paying = def.paying ?? def.qualifying;
      const repo = createProgramSimulationRepository(deps.db);
      const cycle = await repo.findCycle(cycleId);
      if (!cycle) {
        if (cycleId !== undefined) throw notFound('forecast cycle', String(cycleId));
        throw new AppError(
          'CONFLICT',
          'There is no forecast yet to simulate the program on: open a forecast cycle and build its baseline first',
          { reason: 'no_forecast' },
        );
      }
      const notes: string[] = [];
      const estimable = def.measure !== 'growth' && def.measure !== 'agreement_attainment';
      if (!estimable)
        notes.push(
          def.measure === 'growth'
            ? 'Growth against last year is not estimated from the forecast: no cost is shown.'
            : 'Attainment of sales agreements is not estimated from the forecast: no cost is shown.',
        );
      if (!def.qualifying.kinds.some((k) => k === 'retail_delivery' || k === 'registration'))
        notes.push(
          'The forecast is of retail deliveries; this program counts other sales, so the estimate is rough.',
        );
      if (def.benefit === 'percent_of_revenue' || def.measure === 'revenue')
        notes.push('Revenue is estimated at list price (MSRP).');
      if (def.requiresClaim) notes.push('Assumes every sale is claimed.');
      if (needsSaleDetails(def))
        notes.push(
          'The forecast has no sale categories or buyer types: the excluded ones are not taken out of the estimate.',
        );

      const firstMonth = def.startDate.slice(0, 7);
      const lastMonth = def.endDate.slice(0, 7);
      const fiscalYearStartMonth = await repo.findFiscalStart();
      const windows = listWindows({ program: def, fiscalYearStartMonth });
      const dealers = await repo.findDealers(actor.scope, `${firstMonth}-01`, `${lastMonth}-01`);
      const eligible = dealers.filter(
        (d) =>
          checkEligibility({
            program: def,
            dealer: {
              code: d.code,
              status: d.status,
              regionCodes: d.regionPath.split('/').filter(Boolean),
              dealerGroupCode: d.dealerGroupCode,
              hasActiveAgreement: d.hasAgreement,
            },
          }).eligible,
      );
      const [cells, mix] = await Promise.all([
        repo.findCells(
          cycle.id,
          eligible.map((d) => d.id),
          `${firstMonth}-01`,
          `${lastMonth}-01`,
        ),
        repo.findSkuMix(cycle.id),
      ]);

      // the SKU split per region × model line, with the filters applied
      type Split = {
        qualifying: number;
        bev: number;
        revenue: number;
        paying: number;
        msrp: number;
        lowCo2: number;
        co2Below: number;
      };
      const threshold =
        def.co2ThresholdGPerKm === undefined ? null : Number(def.co2ThresholdGPerKm);
      const splits = new Map<string, Split>();
      for (const s of mix) {
        const key = `${s.regionId}|${s.modelLine}`;
        const sp = splits.get(key) ?? {
          qualifying: 0,
          bev: 0,
          revenue: 0,
          paying: 0,
          msrp: 0,
          lowCo2: 0,
          co2Below: 0,
        };
        if (matches(def.qualifying, s)) {
          sp.qualifying += s.share;
          sp.revenue += s.share * s.msrp;
          if (s.powertrain === 'BEV') sp.bev += s.share;
          if (threshold !== null && s.co2 <= threshold) sp.lowCo2 += s.share;
        }
        if (matches(paying, s)) {
          sp.paying += s.share;
          sp.msrp += s.share * s.msrp;
          if (threshold !== null) sp.co2Below += s.share * Math.max(0, threshold - s.co2);
        }
        splits.set(key, sp);
      }
      const windowOf = new Map<string, number>();
      windows.forEach((w, i) => {
        for (const m of monthRange(w.start.slice(0, 7), w.end.slice(0, 7))) windowOf.set(m, i);
      });
      const perDealer = new Map<number, DealerWindow[]>();
      const forecastMonths = new Set<string>();
      for (const c of cells) {
        const wi = windowOf.get(c.month);
        const sp = splits.get(`${c.regionId}|${c.modelLine}`);
        if (wi === undefined || !sp) continue;
        forecastMonths.add(c.month);
        let list = perDealer.get(c.dealerId);
        if (!list) {
          list = windows.map(() => ({
            qualifying: zero(),
            bev: zero(),
            revenue: zero(),
            payingUnits: zero(),
            payingMsrp: zero(),
            lowCo2: zero(),
            payingCo2: zero(),
          }));
          perDealer.set(c.dealerId, list);
        }
        const dw = list[wi]!;
        const up = Math.max(0, c.upper80 - c.baseline) / Z80;
        const down = Math.max(0, c.baseline - c.lower80) / Z80;
        const add = (s: Sums, f: number) => {
          s.e += c.expected * f;
          s.up += up * f;
          s.down += down * f;
        };
        add(dw.qualifying, sp.qualifying);
        add(dw.bev, sp.bev);
        add(dw.revenue, sp.revenue);
        add(dw.payingUnits, sp.paying);
        add(dw.payingMsrp, sp.msrp);
        add(dw.lowCo2, sp.lowCo2);
        add(dw.payingCo2, sp.co2Below);
      }

      // tiers ascending, with their index in the program's order
      const percent = def.benefit === 'percent_of_revenue' || def.benefit === 'percent_of_msrp';
      const tiers = def.tiers
        .map((t, index) => ({
          index,
          from: Number(t.from),
          rate: percent ? Number(t.value) / 100 : Number(t.value),
        }))
        .sort((a, b) => a.from - b.from);
      const cap = def.capPerDealer === null ? null : Number(def.capPerDealer);

      /** One dealer's cost in one window at draw z, and the tier reached (-1 for none). */
      const costOf = (dw: DealerWindow, z: number): [number, number] => {
        const units = at(dw.qualifying, z);
        let measure: number | null;
        if (def.measure === 'units') measure = units;
        else if (def.measure === 'revenue') measure = at(dw.revenue, z);
        else if (def.measure === 'ev_share')
          measure = units > 0 ? (Math.min(at(dw.bev, z), units) * 100) / units : null;
        else if (def.measure === 'low_co2_units') measure = Math.min(at(dw.lowCo2, z), units);
        else return [0, -1];
        let reached = -1;
        if (measure !== null)
          for (let i = 0; i < tiers.length && tiers[i]!.from <= measure + 1e-9; i++) reached = i;
        if (reached < 0) return [0, -1];
        const volume =
          def.benefit === 'per_unit'
            ? at(dw.payingUnits, z)
            : def.benefit === 'lump_sum'
              ? 0
              : def.benefit === 'per_g_co2_below'
                ? at(dw.payingCo2, z)
                : at(dw.payingMsrp, z);
        let cost: number;
        if (def.benefit === 'lump_sum') cost = tiers[reached]!.rate;
        else if (def.tierMode === 'incremental') {
          cost = 0;
          for (let i = 0; i <= reached; i++) {
            const end = i < reached ? tiers[i + 1]!.from : Infinity;
            cost += Math.max(0, Math.min(volume, end) - tiers[i]!.from) * tiers[i]!.rate;
          }
        } else cost = volume * tiers[reached]!.rate;
        return [cap === null ? cost : Math.min(cost, cap), tiers[reached]!.index];
      };

      const rows = [...perDealer.values()];
      const windowCost = windows.map(() => 0);
      const perTier = windows.map(() => def.tiers.map(() => 0));
      let expected = 0;
      for (const list of rows)
        list.forEach((dw, wi) => {
          const [cost, tier] = costOf(dw, 0);
          expected += cost;
          windowCost[wi]! += cost;
          if (tier >= 0) perTier[wi]![tier]! += 1;
        });
      const windowsWithForecast = windows.map((w) =>
        monthRange(w.start.slice(0, 7), w.end.slice(0, 7)).some((m) => forecastMonths.has(m)),
      );
      const simulated = windowsWithForecast.filter(Boolean).length;
      const draws = Math.max(
        100,
        Math.min(400, Math.floor(OUTCOME_BUDGET / Math.max(1, rows.length * windows.length))),
      );
      const normal = normalSource(`${code}|${program.versionNo}|${cycle.id}`);
      const totals: number[] = [];
      for (let k = 0; k < draws; k++) {
        let total = 0;
        for (const list of rows) {
          const z = normal();
          for (const dw of list) total += costOf(dw, z)[0];
        }
        totals.push(total);
      }
      totals.sort((a, b) => a - b);
      const mean = totals.reduce((s, t) => s + t, 0) / Math.max(1, totals.length);
      const budget = def.budget === null ? null : Number(def.budget);
      const whole = (v: number) => moneyString(String(Math.round(v)), def.currency);
      const meanDealers = (tier: number) =>
        simulated === 0
          ? 0
          : Math.round(
              (10 * perTier.reduce((s, w, wi) => s + (windowsWithForecast[wi] ? w[tier]! : 0), 0)) /
                simulated,
            ) / 10;
      const reachedAny = perTier.map((w) => w.reduce((s, n) => s + n, 0));
      const belowFirstTier =
        simulated === 0
          ? 0
          : Math.round(
              (10 *
                windows.reduce(
                  (s, _, wi) =>
                    s + (windowsWithForecast[wi] ? eligible.length - reachedAny[wi]! : 0),
                  0,
                )) /
                simulated,
            ) / 10;
      const months = monthRange(firstMonth, lastMonth);
      if (forecastMonths.size < months.length)
        notes.push(
          forecastMonths.size === 0
            ? 'The forecast does not reach any month of the program: nothing to estimate yet.'
            : `The forecast covers ${forecastMonths.size} of the program's ${months.length} months; the estimate counts those only.`,
        );
      const sortedForecast = [...forecastMonths].sort((a, b) => monthIndex(a) - monthIndex(b));
      return {
        programCode: program.code,
        name: def.name,
        versionNo: program.versionNo,
        currency: def.currency,
        measure: def.measure,
        cycle,
        estimable,
        notes,
        coverage: {
          programMonths: months.length,
          forecastMonths: forecastMonths.size,
          firstMonth: sortedForecast[0] ?? null,
          lastMonth: sortedForecast.at(-1) ?? null,
        },
        dealers: { eligible: eligible.length, withForecast: rows.length },
        expectedCost: whole(mean),
        atForecast: whole(expected),
        interval: {
          level: 80,
          low: whole(percentile(totals, 0.1)),
          high: whole(percentile(totals, 0.9)),
        },
        budget: def.budget,
        budgetUsePercent:
          budget === null || budget <= 0 ? null : Math.round((1000 * mean) / budget) / 10,
        overBudgetChance:
          budget === null
            ? null
            : Math.round((1000 * totals.filter((t) => t > budget).length) / Math.max(1, draws)) /
              10,
        belowFirstTier,
        tiers: def.tiers.map((t, i) => ({ from: t.from, value: t.value, dealers: meanDealers(i) })),
        windows: windows.map((w, wi) => ({
          label: w.label,
          start: w.start,
          end: w.end,
          forecast: windowsWithForecast[wi]!,
          expectedCost: whole(windowCost[wi]!),
          dealersPerTier: perTier[wi]!,
        })),
      };
    },
  };
}
