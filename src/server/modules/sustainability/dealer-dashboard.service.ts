/** A dealer's sustainability dashboard, and the CO2 reduction per 1,000 of incentive per program. */
import { Dec, moneyString } from '../../../shared/money';
import type { Actor } from '../../auth/actor';
import { contribution, fleetAverage, shadowPrice, show3, targetFor } from './fleet-co2';
import { evIncentives, programCo2, programCo2FromStatements } from './programs-co2';
import { isoYear, marketFilterOf, type SustainabilityContext } from './sustainability-context';

export function createDealerDashboardService(ctx: SustainabilityContext) {
  const { deps, repo, system, euRegulation, requireOem } = ctx;
  return {
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
  };
}
