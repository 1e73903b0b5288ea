/** The what-if: "+N BEVs of line X in region R this year" → fleet average, premium, incentive cost. */
import { AppError, notFound } from '../../../shared/errors';
import { Dec, moneyString } from '../../../shared/money';
import type { Actor } from '../../auth/actor';
import { assessWindow, show3, windowOf } from './fleet-co2';
import { evIncentives, perUnitValue } from './programs-co2';
import {
  byYear,
  isoYear,
  marketFilterOf,
  type SustainabilityContext,
} from './sustainability-context';

export function createWhatIfService(ctx: SustainabilityContext) {
  const { deps, repo, system, euRegulation, requireOem } = ctx;
  return {
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
