/**
 * Sustainability (issue 17): regulations as versioned data, the SKUs' environmental data, the CO2
 * ledger per VIN, the OEM fleet dashboard, the US ZEV view, the dealer dashboard and the what-if.
 * The fleet totals are the whole network's (the premium is one number): they are read as the
 * system, and only the breakdowns (regions, dealers, the ledger) are cut to the reader's scope.
 * Arithmetic: fleet-co2.ts; formulas: docs/sustainability.md.
 */
import { AppError, notFound } from '../../../shared/errors';
import { Dec, moneyString } from '../../../shared/money';
import {
  regulationDocumentSchema,
  type EuFleetRegulation,
  type Regulation,
  type RegulationDocument,
  type UsZevRegulation,
} from '../../../shared/schemas/sustainability';
import type { Actor } from '../../auth/actor';
import type { Db } from '../../db/db';
import { systemDb } from '../../db/scope';
import type { NetworkService } from '../network/network.service';
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
  type YearSums,
} from './fleet-co2';
import { evIncentives, perUnitValue, programCo2, programCo2FromStatements } from './programs-co2';
import {
  createSustainabilityRepository,
  type LineYearSums,
  type MarketFilter,
} from './sustainability.repository';

export function marketFilterOf(doc: RegulationDocument): MarketFilter {
  return doc.kind === 'eu_fleet_co2'
    ? { countries: doc.countries }
    : { countries: ['US'], states: doc.states.map((s) => s.state) };
}

function isoYear(date: string): number {
  return Number(date.slice(0, 4));
}

export function createSustainabilityService(deps: {
  db: Db;
  network: NetworkService;
  today: () => string;
}) {
  const repo = createSustainabilityRepository(deps.db);
  /** Network-wide aggregates (the premium is the whole fleet's). */
  const system = createSustainabilityRepository(systemDb(deps.db));

  function current(rows: Awaited<ReturnType<typeof repo.findRegulations>>, today: string) {
    return rows.find((r) => r.effectiveFrom <= today) ?? rows[rows.length - 1];
  }

  function toRegulation(
    r: Awaited<ReturnType<typeof repo.findRegulations>>[number],
    isCurrent: boolean,
  ): Regulation {
    return { ...r, isCurrent, document: regulationDocumentSchema.parse(r.document) };
  }

  async function regulationOf(market: string) {
    const rows = await repo.findRegulations(market);
    const r = current(rows, deps.today());
    if (!r) throw notFound('Regulation', market);
    return toRegulation(r, true);
  }

  async function euRegulation(market: string): Promise<EuFleetRegulation> {
    const reg = await regulationOf(market);
    if (reg.document.kind !== 'eu_fleet_co2')
      throw new AppError('BAD_REQUEST', `Market ${market} is not a fleet CO2 market`, {
        problems: [
          { path: 'querystring.market', code: 'not_fleet_market', message: 'a US ZEV market' },
        ],
      });
    return reg.document;
  }

  function requireOem(actor: Actor) {
    if (actor.scope.kind === 'dealers')
      throw new AppError(
        'FORBIDDEN',
        'The fleet view is the OEM’s; a dealer sees its own dashboard',
      );
  }

  /** Sums of the window's years (actuals), by year. */
  function byYear(rows: LineYearSums[], years: number[]): YearSums[] {
    return years.map((year) => {
      const r = rows.filter((x) => x.year === year);
      return {
        year,
        units: r.reduce((a, x) => a + x.units, 0),
        sumCo2: r.reduce((a, x) => a + x.sumCo2, 0),
        sumMassKg: r.reduce((a, x) => a + x.sumMassKg, 0),
      };
    });
  }

  /** Average g/km per model line: the line's registrations, else its active SKUs' mean. */
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
    async findRegulations({ market }: { actor: Actor; market?: string }) {
      const rows = await repo.findRegulations(market);
      const today = deps.today();
      const currents = new Set<string>();
      const out: Regulation[] = [];
      for (const r of rows) {
        const isCurrent =
          !currents.has(r.market) &&
          current(
            rows.filter((x) => x.market === r.market),
            today,
          ) === r;
        if (isCurrent) currents.add(r.market);
        out.push(toRegulation(r, isCurrent));
      }
      return { items: out };
    },

    async createRegulation({
      actor,
      data,
    }: {
      actor: Actor;
      data: { market: string; effectiveFrom: string; document: RegulationDocument };
    }) {
      const versionNo = await repo.insertRegulation({ ...data, createdBy: actor.name });
      const rows = await repo.findRegulations(data.market);
      return toRegulation(
        rows.find((r) => r.versionNo === versionNo)!,
        current(rows, deps.today()) === rows.find((r) => r.versionNo === versionNo),
      );
    },

    async findVehicleData(_: { actor: Actor }) {
      const rows = await repo.findVehicleData();
      return { items: rows.map(({ modelLineId: _id, skuId: _sku, ...r }) => r) };
    },

    async updateVehicleData({
      sku,
      data,
    }: {
      actor: Actor;
      sku: string;
      data: {
        co2GramsPerKm?: number;
        massKg?: number | null;
        electricRangeKm?: number | null;
        batteryKwh?: string | null;
      };
    }) {
      const rows = await repo.findVehicleData();
      const row = rows.find((r) => r.sku === sku);
      if (!row) throw notFound('SKU', sku);
      const co2 = data.co2GramsPerKm ?? row.co2GramsPerKm;
      if ((row.powertrain === 'BEV' || row.powertrain === 'FCEV') && co2 !== 0)
        throw new AppError('VALIDATION_FAILED', 'A zero-emission SKU emits 0 g/km', {
          problems: [
            {
              path: 'body.co2GramsPerKm',
              code: 'zev_co2',
              message: `a ${row.powertrain} emits 0 g/km`,
            },
          ],
        });
      await repo.updateVehicleData(sku, data);
      const after = (await repo.findVehicleData()).find((r) => r.sku === sku)!;
      const { modelLineId: _id, skuId: _sku, ...rest } = after;
      return rest;
    },

    async findLedger({
      actor,
      market,
      year,
      dealer,
      limit,
      offset,
    }: {
      actor: Actor;
      market: string;
      year?: number;
      dealer?: string;
      limit: number;
      offset: number;
    }) {
      const reg = await regulationOf(market);
      const dealerId = dealer
        ? (await deps.network.getDealerRef({ actor, code: dealer })).id
        : undefined;
      const page = await repo.findLedger(actor.scope, marketFilterOf(reg.document), {
        year,
        dealerId,
        limit,
        offset,
      });
      return { market, ...page };
    },

    /** The OEM fleet dashboard of a fleet CO2 market for a year (default: this year). */
    async getFleet({ actor, market, year }: { actor: Actor; market: string; year?: number }) {
      requireOem(actor);
      const reg = await euRegulation(market);
      const y = year ?? isoYear(deps.today());
      const w = windowOf(reg, y);
      const years = Array.from({ length: w.toYear - w.fromYear + 1 }, (_, i) => w.fromYear + i);
      const m = marketFilterOf(reg);
      const [lineRows, dealers, regions, lines] = await Promise.all([
        system.sumsByYearAndLine(m, w.fromYear, w.toYear),
        system.findDealers(m),
        repo.findRegions(),
        repo.findModelLines(),
      ]);
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
      const dealerSums = await system.sumsByDealer(m, `${y}-01-01`, `${y + 1}-01-01`);
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

    /** A dealer's dashboard: EV share vs the ask, its contribution, the next sale's value. */
    async getDealer({
      actor,
      dealerCode,
      market,
      year,
    }: {
      actor: Actor;
      dealerCode: string;
      market: string;
      year?: number;
    }) {
      const ref = await deps.network.getDealerRef({ actor, code: dealerCode });
      const reg = await euRegulation(market);
      const y = year ?? isoYear(deps.today());
      const target = targetFor(reg, y) ?? new Dec(0);
      const m = marketFilterOf(reg);
      const [sums, skus, programs, dealers] = await Promise.all([
        repo.sumsByDealer(m, `${y}-01-01`, `${y + 1}-01-01`, ref.id),
        repo.findVehicleData(),
        repo.findPublishedPrograms(),
        repo.findDealers({ countries: m.countries }, ref.id),
      ]);
      const s = sums[0] ?? { units: 0, sumCo2: 0, sumMassKg: 0, zevUnits: 0 };
      const dealer = dealers.find((d) => d.id === ref.id);
      // the next sale: per model line and powertrain, the mean g/km of its active SKUs
      const groups = new Map<
        string,
        { code: string; name: string; powertrain: string; list: number[] }
      >();
      for (const k of skus) {
        const key = `${k.modelLineCode}|${k.powertrain}`;
        const g = groups.get(key) ?? {
          code: k.modelLineCode,
          name: k.modelLineName,
          powertrain: k.powertrain,
          list: [],
        };
        g.list.push(k.co2GramsPerKm);
        groups.set(key, g);
      }
      const nextSale = [...groups.values()].map((g) => {
        const e = new Dec(g.list.reduce((a, b) => a + b, 0)).div(g.list.length).toDecimalPlaces(0);
        return {
          modelLineCode: g.code,
          modelLineName: g.name,
          powertrain: g.powertrain,
          co2GramsPerKm: e.toNumber(),
          value: moneyString(
            new Dec(shadowPrice(e, target, reg.premiumPerGPerKm, reg.currency)).neg(),
            reg.currency,
          ),
        };
      });
      nextSale.sort(
        (a, b) => new Dec(b.value).cmp(a.value) || a.modelLineCode.localeCompare(b.modelLineCode),
      );
      return {
        dealerCode: ref.code ?? dealerCode,
        dealerName: dealer?.name ?? dealerCode,
        market,
        currency: reg.currency,
        year: y,
        targetGPerKm: target.toFixed(1),
        registrations: s.units,
        evUnits: s.zevUnits,
        evSharePercent: s.units > 0 ? new Dec(s.zevUnits).div(s.units).times(100).toFixed(1) : null,
        evShareAskPercent: reg.evShareAskPercent,
        averageGPerKm: show3(fleetAverage(s)),
        contribution: contribution(s, target, reg.premiumPerGPerKm, reg.currency),
        nextSale,
        evIncentives: dealer ? evIncentives(programs, dealer) : [],
      };
    },

    /**
     * Per published program: the CO2 reduction of the cars it pays on in the market this year
     * (Σ (target − e) × units) per 1,000 of incentive: exact from its approved statements of the
     * year where there are any (`basis: 'statements'`), else an estimate (units × its entry
     * per-unit value, `basis: 'estimate'`).
     */
    async findProgramCo2({ actor, market }: { actor: Actor; market: string }) {
      requireOem(actor);
      const reg = await euRegulation(market);
      const y = isoYear(deps.today());
      const target = targetFor(reg, y) ?? new Dec(0);
      const [skus, programs] = await Promise.all([
        repo.findVehicleData(),
        repo.findPublishedPrograms(),
      ]);
      const items = [];
      for (const p of programs) {
        const d = p.definition as { startDate?: string; endDate?: string };
        const from = d.startDate && d.startDate > `${y}-01-01` ? d.startDate : `${y}-01-01`;
        const to = d.endDate && d.endDate < `${y}-12-31` ? d.endDate : `${y}-12-31`;
        // Exact where approved statements exist: their earned amounts and the units their
        // lines paid on; else the estimate (cars covered × the entry tier's per-unit value).
        const exact =
          from <= to
            ? await system.statementCo2(p.code, marketFilterOf(reg), from, to)
            : { statements: 0, earned: null, units: 0, sumCo2: '0' };
        if (exact.statements > 0 && exact.earned !== null) {
          items.push(programCo2FromStatements(p, exact, target));
          continue;
        }
        const sums = from <= to ? await system.sumsBySku(marketFilterOf(reg), from, to) : [];
        items.push(programCo2(p, skus, sums, target));
      }
      return { items };
    },

    /** "+N BEVs of line X in region R this year": the window's average and premium, and the incentive cost. */
    async whatIf({
      actor,
      market,
      modelLine,
      region,
      units,
    }: {
      actor: Actor;
      market: string;
      modelLine: string;
      region: string;
      units: number;
    }) {
      requireOem(actor);
      const reg = await euRegulation(market);
      const regions = await deps.network.findRegions({ actor });
      const r = regions.find((x) => x.code === region);
      if (!r) throw notFound('Region', region);
      const skus = (await repo.findVehicleData()).filter((k) => k.modelLineCode === modelLine);
      if (skus.length === 0) throw notFound('Model line', modelLine);
      const bev = skus
        .filter((k) => k.powertrain === 'BEV')
        .sort((a, b) => a.sku.localeCompare(b.sku))[0];
      if (!bev)
        throw new AppError('UNPROCESSABLE', `Model line ${modelLine} has no battery-electric SKU`, {
          problems: [
            { path: 'body.modelLine', code: 'no_bev', message: 'the line has no BEV SKU' },
          ],
        });
      const y = isoYear(deps.today());
      const w = windowOf(reg, y);
      const years = Array.from({ length: w.toYear - w.fromYear + 1 }, (_, i) => w.fromYear + i);
      const rows = await system.sumsByYearAndLine(marketFilterOf(reg), w.fromYear, w.toYear);
      const before = assessWindow(reg, byYear(rows, years));
      const after = assessWindow(
        reg,
        byYear(rows, years).map((x) =>
          x.year === y
            ? { ...x, units: x.units + units, sumCo2: x.sumCo2 + bev.co2GramsPerKm * units }
            : x,
        ),
      );
      const dealers = await system.findDealers(marketFilterOf(reg));
      const sample = dealers.find((d) => d.regionPath.startsWith(r.path));
      const programs = await repo.findPublishedPrograms();
      const paying = sample
        ? evIncentives(programs, sample, { modelLine, sku: bev.sku, powertrain: 'BEV' })
        : [];
      const perUnit = paying.map((x) => perUnitValue(x)).filter((v): v is string => v !== null);
      return {
        market,
        year: y,
        sku: bev.sku,
        units,
        before: { averageGPerKm: show3(before.average), premium: before.premium },
        after: { averageGPerKm: show3(after.average), premium: after.premium },
        premiumChange: moneyString(new Dec(after.premium).minus(before.premium), reg.currency),
        incentiveCost:
          perUnit.length > 0
            ? new Dec(perUnit.reduce((a, b) => new Dec(a).plus(b).toString(), '0'))
                .times(units)
                .toFixed(2)
            : null,
        incentivePrograms: paying.map((x) => x.code),
      };
    },
  };
}

export type SustainabilityService = ReturnType<typeof createSustainabilityService>;
