/**
 * The OEM fleet dashboard of a fleet CO2 market (average vs target on the averaging window, the
 * projection from the forecast, shadow prices, regions, dealers, pools) and the US ZEV view.
 */
import { AppError } from '../../../shared/errors';
import { Dec, moneyString } from '../../../shared/money';
import type { UsZevRegulation } from '../../../shared/schemas/sustainability';
import type { Actor } from '../../auth/actor';
import {
  assessPool,
  assessWindow,
  bevsNeeded,
  contribution,
  fleetAverage,
  shadowPrice,
  show3,
  targetFor,
  windowOf,
} from './fleet-co2';
import type { LineYearSums } from './sustainability.repository';
import {
  byYear,
  isoYear,
  marketFilterOf,
  type SustainabilityContext,
} from './sustainability-context';

export function createFleetService(ctx: SustainabilityContext) {
  const { deps, repo, system, regulationOf, euRegulation, requireOem } = ctx;

  async function lineAverages(rows: LineYearSums[]) {
    const skus = await repo.findVehicleData();
    const out = new Map<number, Dec>();
    const sums = new Map<number, { s: number; n: number }>();
    for (const r of rows) {
      const x = sums.get(r.modelLineId) ?? { s: 0, n: 0 };
      x.s += r.sumCo2;
      x.n += r.units;
      sums.set(r.modelLineId, x);
    }
    for (const [id, x] of sums) if (x.n > 0) out.set(id, new Dec(x.s).div(x.n));
    const bySku = new Map<number, number[]>();
    for (const s of skus)
      bySku.set(s.modelLineId, [...(bySku.get(s.modelLineId) ?? []), s.co2GramsPerKm]);
    for (const [id, list] of bySku)
      if (!out.has(id)) out.set(id, new Dec(list.reduce((a, b) => a + b, 0)).div(list.length));
    return out;
  }

  return {
    /** The OEM fleet dashboard of a fleet CO2 market for a year (default: this year). */
    async getFleet({ actor, market, year }: { actor: Actor; market: string; year?: number }) {
      requireOem(actor);
      const reg = await euRegulation(market);
      const y = year ?? isoYear(deps.today());
      const w = windowOf(reg, y);
      const years = Array.from({ length: w.toYear - w.fromYear + 1 }, (_, i) => w.fromYear + i);
      const m = marketFilterOf(reg);
      // one pass over the roll-up for the window's lines and the year's dealers (when the year
      // is in the window)
      const inWindow = y >= w.fromYear && y <= w.toYear;
      const [sums, dealers, regions, lines] = await Promise.all([
        system.fleetSums(m, inWindow ? w.fromYear : Math.min(w.fromYear, y), Math.max(w.toYear, y)),
        system.findDealers(m),
        repo.findRegions(),
        repo.findModelLines(),
      ]);
      const lineRows = sums.lines.filter((r) => r.year >= w.fromYear && r.year <= w.toYear);
      const actual = byYear(lineRows, years);
      // the latest registration in the window: the forecast takes over the month after
      const latest = lineRows.reduce<string | null>(
        (a, r) => (a === null || r.latest > a ? r.latest : a),
        null,
      );
      const averages = await lineAverages(lineRows);
      const p = reg.premiumPerGPerKm;
      const cur = reg.currency;

      // the projection: the forecast for the months after the latest registration
      let projection = null;
      const projected = new Map<
        number,
        { low: Dec; mid: Dec; high: Dec; lowU: Dec; midU: Dec; highU: Dec }
      >();
      const nextMonth = latest
        ? new Date(Date.UTC(isoYear(latest), Number(latest.slice(5, 7)), 1))
            .toISOString()
            .slice(0, 7)
        : `${w.fromYear}-01`;
      const forecast = await system.forecastByLine(
        m,
        nextMonth < `${w.fromYear}-01` ? `${w.fromYear}-01` : nextMonth,
        w.toYear,
      );
      for (const f of forecast) {
        const e = averages.get(f.modelLineId) ?? new Dec(0);
        const x = projected.get(f.year) ?? {
          low: new Dec(0),
          mid: new Dec(0),
          high: new Dec(0),
          lowU: new Dec(0),
          midU: new Dec(0),
          highU: new Dec(0),
        };
        x.low = x.low.plus(e.times(f.low));
        x.mid = x.mid.plus(e.times(f.mid));
        x.high = x.high.plus(e.times(f.high));
        x.lowU = x.lowU.plus(f.low);
        x.midU = x.midU.plus(f.mid);
        x.highU = x.highU.plus(f.high);
        projected.set(f.year, x);
      }
      const assessed = assessWindow(reg, actual);
      const scenario = (which: 'low' | 'mid' | 'high') => {
        let s = assessed.sumCo2;
        let targetSum = assessed.targetSum;
        let n = new Dec(assessed.units);
        for (const [yr, x] of projected) {
          const t = targetFor(reg, yr);
          if (!t) continue;
          const u = which === 'low' ? x.lowU : which === 'mid' ? x.midU : x.highU;
          s = s.plus(x[which]);
          n = n.plus(u);
          targetSum = targetSum.plus(t.times(u));
        }
        const excess = s.minus(targetSum);
        return {
          units: n.toDecimalPlaces(0).toNumber(),
          premium: moneyString(excess.gt(0) ? excess.times(p) : 0, cur),
          average: n.gt(0) ? s.div(n).toFixed(3) : '0.000',
        };
      };
      if (forecast.length > 0) {
        const [lo, mid, hi] = [scenario('low'), scenario('mid'), scenario('high')];
        const ps = [lo, mid, hi].map((x) => new Dec(x.premium));
        projection = {
          cycleMonth: forecast[0]!.cycleMonth,
          units: { low: lo.units, mid: mid.units, high: hi.units },
          premium: {
            low: moneyString(Dec.min(...ps), cur),
            mid: mid.premium,
            high: moneyString(Dec.max(...ps), cur),
          },
          averageGPerKm: { low: lo.average, mid: mid.average, high: hi.average },
        };
      }

      const target = targetFor(reg, y) ?? new Dec(0);
      const lineName = new Map(lines.map((l) => [l.id, l]));
      const shadowPrices = [...new Set(lineRows.map((r) => r.modelLineId))]
        .map((id) => {
          const e = averages.get(id)!;
          return {
            modelLineCode: lineName.get(id)?.code ?? String(id),
            modelLineName: lineName.get(id)?.name ?? '',
            averageGPerKm: e.toFixed(3),
            perUnit: shadowPrice(e, target, p, cur),
          };
        })
        .sort((a, b) => a.modelLineCode.localeCompare(b.modelLineCode));

      // breakdowns: the selected year, cut to the reader's scope
      const dealerSums = sums.dealersByYear.get(y) ?? [];
      const inScope = (path: string) =>
        actor.scope.kind !== 'region' || path.startsWith(actor.scope.path);
      const visible = dealers.filter((d) => inScope(d.regionPath));
      const sumsOf = new Map(dealerSums.map((d) => [d.dealerId, d]));
      const dealerOut = visible
        .map((d) => {
          const s = sumsOf.get(d.id) ?? { units: 0, sumCo2: 0, sumMassKg: 0, zevUnits: 0 };
          return {
            code: d.code,
            name: d.name,
            regionCode: d.regionCode,
            registrations: s.units,
            averageGPerKm: show3(fleetAverage(s)),
            contribution: contribution(s, target, p, cur),
            bevsNeeded: bevsNeeded(s, target) ?? 0,
          };
        })
        .sort(
          (a, b) => new Dec(b.contribution).cmp(a.contribution) || a.code.localeCompare(b.code),
        );
      const regionAgg = new Map<number, { units: number; sumCo2: number; zev: number }>();
      for (const d of visible) {
        const s = sumsOf.get(d.id);
        const x = regionAgg.get(d.regionId) ?? { units: 0, sumCo2: 0, zev: 0 };
        if (s) {
          x.units += s.units;
          x.sumCo2 += s.sumCo2;
          x.zev += s.zevUnits;
        }
        regionAgg.set(d.regionId, x);
      }
      const regionOut = regions
        .filter((r) => regionAgg.has(r.id))
        .map((r) => {
          const x = regionAgg.get(r.id)!;
          return {
            code: r.code,
            name: r.name,
            registrations: x.units,
            averageGPerKm: show3(fleetAverage(x)),
            bevShare: x.units > 0 ? new Dec(x.zev).div(x.units).times(100).toFixed(1) : null,
            bevsNeeded: bevsNeeded(x, target) ?? 0,
          };
        });

      const pools = reg.pools
        .filter((pool) => pool.fromYear <= w.toYear && pool.toYear >= w.fromYear)
        .map((pool) => {
          const r = assessPool(reg, assessed, pool.members, assessed.target ?? target);
          return {
            name: pool.name,
            averageGPerKm: show3(r.average),
            premium: r.premium,
            saving: r.saving,
          };
        });

      return {
        market,
        name: reg.name,
        currency: cur,
        year: y,
        window: w,
        premiumPerGPerKm: p,
        zeroEmissionSaves: moneyString(target.times(p), cur),
        years: actual.map((a) => {
          const x = projected.get(a.year);
          const t = targetFor(reg, a.year) ?? new Dec(0);
          const s = x ? x.mid.plus(a.sumCo2) : new Dec(a.sumCo2);
          const n = x ? x.midU.plus(a.units) : new Dec(a.units);
          const excess = s.minus(t.times(n));
          return {
            year: a.year,
            registrations: n.toDecimalPlaces(0).toNumber(),
            averageGPerKm: n.gt(0) ? s.div(n).toFixed(3) : null,
            targetGPerKm: t.toFixed(1),
            premium: moneyString(excess.gt(0) ? excess.times(p) : 0, cur),
            isProjected: x !== undefined,
          };
        }),
        windowAverageGPerKm: show3(assessed.average),
        windowTargetGPerKm: show3(assessed.target),
        windowPremium: assessed.premium,
        projection,
        shadowPrices,
        regions: regionOut,
        dealers: dealerOut,
        pools,
      };
    },

    /** US ZEV: zero-emission share of deliveries per state vs the model year's requirement. */
    async getZev({
      actor,
      market,
      modelYear,
    }: {
      actor: Actor;
      market: string;
      modelYear?: number;
    }) {
      requireOem(actor);
      const reg = await regulationOf(market);
      if (reg.document.kind !== 'us_zev')
        throw new AppError('BAD_REQUEST', `Market ${market} is not a ZEV market`);
      const doc: UsZevRegulation = reg.document;
      const my = modelYear ?? isoYear(deps.today());
      const req = doc.requirements.find((r) => r.modelYear === my) ?? null;
      const rows = await system.zevByState(
        doc.states.map((s) => s.state),
        doc.zevPowertrains,
        my,
      );
      const by = new Map(rows.map((r) => [r.state, r]));
      return {
        market,
        name: doc.name,
        modelYear: my,
        requiredPercent: req?.percent ?? null,
        statusNote: doc.statusNote,
        states: doc.states.map((s) => {
          const r = by.get(s.state) ?? { units: 0, zevUnits: 0 };
          const inForce = s.fromModelYear <= my;
          // zero-emission cars to add: smallest n with (z + n) / (u + n) ≥ pct
          let needed = 0;
          if (req && inForce && r.units > 0) {
            const pct = new Dec(req.percent).div(100);
            if (pct.gte(1)) needed = r.units - r.zevUnits;
            else {
              const n = pct.times(r.units).minus(r.zevUnits).div(new Dec(1).minus(pct)).ceil();
              needed = Math.max(0, n.toNumber());
            }
          }
          return {
            state: s.state,
            status: s.status,
            inForce,
            deliveries: r.units,
            zevDeliveries: r.zevUnits,
            zevSharePercent:
              r.units > 0 ? new Dec(r.zevUnits).div(r.units).times(100).toFixed(1) : null,
            zevNeeded: needed,
          };
        }),
      };
    },
  };
}
