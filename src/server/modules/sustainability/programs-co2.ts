/**
 * Which published incentive programs pay for electric sales (issue 17): read from the program
 * definitions (never written). An EV incentive pays on BEV (its paying filter names BEV) or
 * measures the EV share. Pure.
 */
import { Dec, moneyString } from '../../../shared/money';
import { isTargeted } from '../incentives/program-visibility';

type Definition = {
  name?: string;
  currency?: string;
  measure?: string;
  benefit?: string;
  tiers?: { from: string; value: string }[];
  eligibility?: { regions?: string[]; dealerGroups?: string[]; dealers?: string[] };
  qualifying?: { powertrains?: string[]; modelLines?: string[]; skus?: string[] };
  paying?: { powertrains?: string[]; modelLines?: string[]; skus?: string[] };
};

export type EvIncentive = {
  code: string;
  name: string;
  benefit: string;
  perUnit: string | null;
  currency: string;
};

/** The entry tier's value of a per-unit program (what one more unit earns at least), else null. */
export function perUnitValue(x: EvIncentive): string | null {
  return x.perUnit;
}

export function evIncentives(
  programs: { code: string; definition: unknown }[],
  dealer: { code: string; groupCode: string | null; regionPath: string },
  sale?: { modelLine: string; sku: string; powertrain: string },
): EvIncentive[] {
  const viewer = {
    code: dealer.code,
    groupCode: dealer.groupCode,
    regionCodes: dealer.regionPath.split('/').filter(Boolean),
  };
  const out: EvIncentive[] = [];
  for (const p of programs) {
    const d = p.definition as Definition;
    const paying = d.paying ?? d.qualifying ?? {};
    const pts = paying.powertrains ?? [];
    const isEv = pts.includes('BEV') || d.measure === 'ev_share';
    if (!isEv) continue;
    const e = d.eligibility ?? {};
    if (
      !isTargeted(
        { regions: e.regions ?? [], dealerGroups: e.dealerGroups ?? [], dealers: e.dealers ?? [] },
        viewer,
      )
    )
      continue;
    if (sale) {
      if (pts.length > 0 && !pts.includes(sale.powertrain)) continue;
      if ((paying.modelLines ?? []).length > 0 && !paying.modelLines!.includes(sale.modelLine))
        continue;
      if ((paying.skus ?? []).length > 0 && !paying.skus!.includes(sale.sku)) continue;
    }
    out.push({
      code: p.code,
      name: d.name ?? p.code,
      benefit: d.benefit ?? '',
      perUnit: d.benefit === 'per_unit' ? (d.tiers?.[0]?.value ?? null) : null,
      currency: d.currency ?? '',
    });
  }
  return out;
}

/**
 * A program's CO2 effect: the registrations its paying filter covers (powertrains, model lines,
 * SKUs), the reduction Σ (target − e) × units in g/km, and per 1,000 of incentive when it pays a
 * per-unit amount (cost = units × the entry tier's value; other benefits: null).
 */
export function programCo2(
  program: { code: string; definition: unknown },
  skus: {
    skuId: number;
    sku: string;
    modelLineCode: string;
    powertrain: string;
    co2GramsPerKm: number;
  }[],
  sums: { skuId: number; units: number; sumCo2: number }[],
  target: Dec,
) {
  const d = program.definition as Definition;
  const f = d.paying ?? d.qualifying ?? {};
  const covered = new Set(
    skus
      .filter(
        (k) =>
          ((f.powertrains ?? []).length === 0 || f.powertrains!.includes(k.powertrain)) &&
          ((f.modelLines ?? []).length === 0 || f.modelLines!.includes(k.modelLineCode)) &&
          ((f.skus ?? []).length === 0 || f.skus!.includes(k.sku)),
      )
      .map((k) => k.skuId),
  );
  let units = 0;
  let reduction = new Dec(0);
  for (const s of sums) {
    if (!covered.has(s.skuId)) continue;
    units += s.units;
    reduction = reduction.plus(target.times(s.units).minus(s.sumCo2));
  }
  const perUnit = d.benefit === 'per_unit' ? (d.tiers?.[0]?.value ?? null) : null;
  const cost = perUnit === null ? null : new Dec(perUnit).times(units);
  return {
    code: program.code,
    name: d.name ?? program.code,
    currency: d.currency ?? '',
    units,
    co2ReductionGPerKm: reduction.toFixed(1),
    perUnitIncentive: perUnit,
    gPerKmPerThousand: cost && cost.gt(0) ? reduction.div(cost).times(1000).toFixed(3) : null,
    basis: 'estimate' as const,
    statements: 0,
    incentive: cost ? cost.toFixed(2) : null,
  };
}

/**
 * The same figures, exact, from a program's approved statements: the units their lines paid on
 * (net of clawbacks) with Σ units × g/km, and the incentive they earned (caps and adjustments
 * included).
 */
export function programCo2FromStatements(
  program: { code: string; definition: unknown },
  found: { statements: number; earned: string | null; units: number; sumCo2: string },
  target: Dec,
) {
  const d = program.definition as Definition;
  const reduction = target.times(found.units).minus(found.sumCo2);
  const cost = new Dec(found.earned ?? '0');
  return {
    code: program.code,
    name: d.name ?? program.code,
    currency: d.currency ?? '',
    units: found.units,
    co2ReductionGPerKm: reduction.toFixed(1),
    perUnitIncentive: d.benefit === 'per_unit' ? (d.tiers?.[0]?.value ?? null) : null,
    gPerKmPerThousand: cost.gt(0) ? reduction.div(cost).times(1000).toFixed(3) : null,
    basis: 'statements' as const,
    statements: found.statements,
    incentive: moneyString(cost, d.currency ?? 'EUR'),
  };
}
