/**
 * The fleet CO2 arithmetic (issue 17), pure and exact: g/km are integers per car, sums are exact
 * integers, targets and prices are decimals (decimal.js), money is rounded once, half-up, to the
 * currency's minor unit (src/shared/money.ts). Formulas: docs/sustainability.md.
 *
 * S = Σ e × units (g/km), N = Σ units, T = the target (g/km), p = the premium per g/km per car.
 *   fleet average     = S / N (shown to 3 decimals)
 *   premium           = p × max(0, S − T × N)       (= p × (S/N − T) × N when over target)
 *   contribution      = p × (S − T × N), signed      (a dealer's or region's part of it)
 *   shadow price      = p × (e − T)                  (what one more car with e adds)
 *   BEVs to close gap = ceil(S / T − N) when S > T × N, else 0
 * A window of years (2025–2027) is assessed pooled: S and N summed, the target summed per car
 * (Σ T_y × N_y).
 */
import type Decimal from 'decimal.js';
import { Dec, moneyString } from '../../../shared/money';
import type { EuFleetRegulation } from '../../../shared/schemas/sustainability';

/** One year's (or one slice's) registrations: Σ e × units, Σ units, Σ mass × units. */
export type Co2Sums = { sumCo2: number; units: number; sumMassKg?: number };

/** The fleet average in g/km, exact (null without registrations). */
export function fleetAverage(sums: Co2Sums): Dec | null {
  return sums.units > 0 ? new Dec(sums.sumCo2).div(sums.units) : null;
}

/** An average shown to people: 3 decimals, half-up. */
export function show3(value: Dec | null): string | null {
  return value === null ? null : value.toFixed(3);
}

/** The regulation's target for a year (with the mass adjustment when it has one), or null. */
export function targetFor(
  reg: EuFleetRegulation,
  year: number,
  averageMassKg?: Dec | null,
): Dec | null {
  const band = reg.targets.find(
    (t) => t.fromYear <= year && (t.toYear === null || year <= t.toYear),
  );
  if (!band) return null;
  let target = new Dec(band.gPerKm);
  if (reg.massAdjustment && averageMassKg) {
    target = target.plus(
      new Dec(reg.massAdjustment.a).times(averageMassKg.minus(reg.massAdjustment.referenceMassKg)),
    );
  }
  return target;
}

/** The averaging window holding `year`, or the year alone. */
export function windowOf(
  reg: EuFleetRegulation,
  year: number,
): { fromYear: number; toYear: number } {
  const w = reg.averagingWindows.find((x) => x.fromYear <= year && year <= x.toYear);
  return w ?? { fromYear: year, toYear: year };
}

/** p × max(0, S − targetSum), in the currency's minor unit. `targetSum` = Σ T × units. */
export function premium(
  sumCo2: Decimal.Value,
  targetSum: Decimal.Value,
  perGPerKm: string,
  currency: string,
): string {
  const excess = new Dec(sumCo2).minus(targetSum);
  return moneyString(excess.gt(0) ? excess.times(perGPerKm) : 0, currency);
}

/** p × (S − T × N), signed: what a slice of the fleet adds to (or takes off) the premium. */
export function contribution(
  sums: Co2Sums,
  target: Dec,
  perGPerKm: string,
  currency: string,
): string {
  return moneyString(
    new Dec(sums.sumCo2).minus(target.times(sums.units)).times(perGPerKm),
    currency,
  );
}

/** p × (e − T): the premium one more car with `e` g/km adds (negative: saves). */
export function shadowPrice(
  e: Decimal.Value,
  target: Dec,
  perGPerKm: string,
  currency: string,
): string {
  return moneyString(new Dec(e).minus(target).times(perGPerKm), currency);
}

/** Zero-emission cars to add so that S / (N + n) ≤ T: ceil(S / T − N); null when T is 0 and S > 0. */
export function bevsNeeded(sums: Co2Sums, target: Dec): number | null {
  const gap = new Dec(sums.sumCo2).minus(target.times(sums.units));
  if (gap.lte(0)) return 0;
  if (target.lte(0)) return null;
  return new Dec(sums.sumCo2).div(target).minus(sums.units).ceil().toNumber();
}

export type YearSums = Co2Sums & { year: number };

/**
 * A window assessed pooled: the years' sums added, the target summed per car. Years without
 * a target band are left out.
 */
export function assessWindow(reg: EuFleetRegulation, years: YearSums[]) {
  let sumCo2 = new Dec(0);
  let units = 0;
  let targetSum = new Dec(0);
  for (const y of years) {
    const massAvg =
      y.sumMassKg !== undefined && y.units > 0 ? new Dec(y.sumMassKg).div(y.units) : null;
    const t = targetFor(reg, y.year, massAvg);
    if (!t) continue;
    sumCo2 = sumCo2.plus(y.sumCo2);
    units += y.units;
    targetSum = targetSum.plus(t.times(y.units));
  }
  return {
    sumCo2,
    units,
    targetSum,
    average: units > 0 ? sumCo2.div(units) : null,
    target: units > 0 ? targetSum.div(units) : null,
    premium: premium(sumCo2, targetSum, reg.premiumPerGPerKm, reg.currency),
  };
}

/**
 * A pool: the manufacturer's window with the members' registrations (each at its average), all
 * against the same target per car. Returns the pooled average and premium and the saving.
 */
export function assessPool(
  reg: EuFleetRegulation,
  own: { sumCo2: Dec; units: number; targetSum: Dec; premium: string },
  members: { registrations: number; averageGPerKm: string }[],
  target: Dec,
) {
  let sumCo2 = own.sumCo2;
  let units = own.units;
  let targetSum = own.targetSum;
  for (const m of members) {
    sumCo2 = sumCo2.plus(new Dec(m.averageGPerKm).times(m.registrations));
    units += m.registrations;
    targetSum = targetSum.plus(target.times(m.registrations));
  }
  const pooled = premium(sumCo2, targetSum, reg.premiumPerGPerKm, reg.currency);
  return {
    average: units > 0 ? sumCo2.div(units) : null,
    premium: pooled,
    saving: moneyString(new Dec(own.premium).minus(pooled), reg.currency),
  };
}
