/**
 * Which published incentive programs pay for electric sales (issue 17): read from the program
 * definitions (never written). An EV incentive pays on BEV (its paying filter names BEV) or
 * measures the EV share. Pure.
 */
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
