/**
 * High performers and the value of interventions (issue 14 §2–3). Pure.
 *
 * Ranking: each dealer's percentile (0–1, ties averaged) on sales effectiveness, attainment of
 * its agreements over their complete periods, and the calibrated probability of reaching its
 * commitments (commitment_risks); the score is the mean of the percentiles it has. High
 * performers are the top decile of the scored dealers (at least one). What distinguishes them:
 * for each feature (mix: revenue per unit; pace: units vs the prior 12 months; EV share;
 * incentive uptake: incentives earned per unit) the median among high performers and among their
 * peers (the other dealers in scope).
 *
 * Value of interventions: agreements whose term has ended, with at least one logged
 * intervention, against agreements of dealers without any intervention in the same region and
 * size band (terciles of the network's annual units); the comparable attainment is weighted to
 * the treated agreements' strata (exact matching), so a region or band with more treated
 * agreements counts more. Whether the difference is real: intervention-significance.ts (a
 * stratified permutation test and bootstrap interval, "not enough data" below a minimum).
 */
import { Dec } from '../../../shared/money';
import { interventionSignificance } from './intervention-significance';
import type {
  DealerFeatureRow,
  EndedAgreementRow,
  EndedTierWindowRow,
} from './performance.repository';

export type DealerPerformance = {
  dealerCode: string;
  dealerName: string;
  regionCode: string;
  effectiveness: number | null;
  attainment: number | null;
  probability: number | null;
  score: number | null;
  rank: number | null;
  isHighPerformer: boolean;
  features: Features;
  shortfallMoney: string | null;
};

export type Features = {
  units: number;
  /** revenue per unit (mix of lines and trims), decimal string */
  revenuePerUnit: string | null;
  /** units ÷ the prior 12 months' units − 1 */
  pace: number | null;
  evShare: number | null;
  /** incentives earned per unit, decimal string */
  incentivePerUnit: string | null;
};

export const FEATURES = ['revenuePerUnit', 'pace', 'evShare', 'incentivePerUnit'] as const;

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Percentile ranks (0 worst … 1 best) of the defined values, ties sharing their mean rank. */
function percentiles(values: (number | null)[]): (number | null)[] {
  const defined = values
    .map((v, i) => ({ v, i }))
    .filter((x): x is { v: number; i: number } => x.v !== null)
    .sort((a, b) => a.v - b.v);
  const out: (number | null)[] = values.map(() => null);
  const n = defined.length;
  for (let k = 0; k < n;) {
    let j = k;
    while (j + 1 < n && defined[j + 1]!.v === defined[k]!.v) j += 1;
    const p = n === 1 ? 1 : (k + j) / 2 / (n - 1);
    for (let x = k; x <= j; x += 1) out[defined[x]!.i] = p;
    k = j + 1;
  }
  return out;
}

export function featuresOf(r: DealerFeatureRow): Features {
  const units = r.units;
  return {
    units,
    revenuePerUnit: units > 0 ? new Dec(r.revenue).div(units).toFixed(2) : null,
    pace: r.priorUnits > 0 ? round(units / r.priorUnits - 1) : null,
    evShare: units > 0 ? round(r.evUnits / units) : null,
    incentivePerUnit: units > 0 ? new Dec(r.incentives).div(units).toFixed(2) : null,
  };
}

export function rankDealers(
  rows: readonly DealerFeatureRow[],
  effectiveness: ReadonlyMap<string, number | null>,
): DealerPerformance[] {
  const eff = rows.map((r) => effectiveness.get(r.dealerCode) ?? null);
  const att = rows.map((r) => (r.planned > 0 ? round(r.actual / r.planned) : null));
  const prob = rows.map((r) => (r.probability === null ? null : round(r.probability)));
  const [pe, pa, pp] = [percentiles(eff), percentiles(att), percentiles(prob)];
  const scored = rows.map((r, i) => {
    const parts = [pe[i], pa[i], pp[i]].filter((x): x is number => x !== null);
    return {
      dealerCode: r.dealerCode,
      dealerName: r.dealerName,
      regionCode: r.regionCode,
      effectiveness: eff[i]!,
      attainment: att[i]!,
      probability: prob[i]!,
      score: parts.length >= 1 ? round(parts.reduce((s, x) => s + x, 0) / parts.length) : null,
      rank: null as number | null,
      isHighPerformer: false,
      features: featuresOf(r),
      shortfallMoney: r.shortfallMoney,
    };
  });
  const ordered = scored
    .filter((d) => d.score !== null)
    .sort((a, b) => b.score! - a.score! || a.dealerCode.localeCompare(b.dealerCode));
  const top = Math.max(1, Math.floor(ordered.length / 10));
  ordered.forEach((d, i) => {
    d.rank = i + 1;
    d.isHighPerformer = i < top;
  });
  return [...ordered, ...scored.filter((d) => d.score === null)];
}

/** Median of each feature among high performers and among their peers. */
export function distinguish(dealers: readonly DealerPerformance[]) {
  const num = (v: string | number | null) => (v === null ? null : Number(v));
  return FEATURES.map((feature) => {
    const values = (high: boolean) =>
      dealers
        .filter((d) => d.score !== null && d.isHighPerformer === high)
        .map((d) => num(d.features[feature]))
        .filter((v): v is number => v !== null && Number.isFinite(v));
    const h = median(values(true));
    const p = median(values(false));
    return {
      feature,
      highPerformers: h === null ? null : round(h, 3),
      peers: p === null ? null : round(p, 3),
      difference: h === null || p === null ? null : round(h - p, 3),
    };
  });
}

/** Size bands: terciles of the network's annual units. */
export function sizeBands(units: ReadonlyMap<number, number>): (dealerId: number) => string {
  const sorted = [...units.values()].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  const [t1, t2] = [q(1 / 3), q(2 / 3)];
  return (id) => {
    const u = units.get(id) ?? 0;
    return u < t1 ? 'small' : u < t2 ? 'medium' : 'large';
  };
}

export function interventionValue(
  ended: readonly EndedAgreementRow[],
  bandOf: (dealerId: number) => string,
) {
  const treatedDealers = new Set(ended.filter((a) => a.interventions > 0).map((a) => a.dealerId));
  const strata = new Map<
    string,
    { region: string; band: string; treated: EndedAgreementRow[]; control: EndedAgreementRow[] }
  >();
  for (const a of ended) {
    if (a.planned <= 0) continue;
    const isTreated = a.interventions > 0;
    // Comparable: dealers with no intervention at all (not their other agreements).
    if (!isTreated && treatedDealers.has(a.dealerId)) continue;
    const band = bandOf(a.dealerId);
    const key = `${a.regionCode}|${band}`;
    const s = strata.get(key) ?? { region: a.regionCode, band, treated: [], control: [] };
    (isTreated ? s.treated : s.control).push(a);
    strata.set(key, s);
  }
  const attainment = (list: EndedAgreementRow[]) => {
    const planned = list.reduce((s, a) => s + a.planned, 0);
    return planned > 0 ? list.reduce((s, a) => s + a.actual, 0) / planned : null;
  };
  const reached = (list: EndedAgreementRow[]) =>
    list.length ? list.filter((a) => a.actual >= a.planned).length / list.length : null;
  const rows = [...strata.values()]
    .filter((s) => s.treated.length > 0)
    .sort((a, b) => a.region.localeCompare(b.region) || a.band.localeCompare(b.band))
    .map((s) => ({
      regionCode: s.region,
      sizeBand: s.band,
      treatedAgreements: s.treated.length,
      comparableAgreements: s.control.length,
      treatedAttainment: round(attainment(s.treated)!, 4),
      comparableAttainment: s.control.length ? round(attainment(s.control)!, 4) : null,
      treatedReached: round(reached(s.treated)!, 4),
      comparableReached: s.control.length ? round(reached(s.control)!, 4) : null,
    }));
  const matched = rows.filter((r) => r.comparableAttainment !== null);
  const weight = matched.reduce((s, r) => s + r.treatedAgreements, 0);
  const weighted = (pick: (r: (typeof rows)[number]) => number) =>
    weight > 0
      ? round(matched.reduce((s, r) => s + pick(r) * r.treatedAgreements, 0) / weight, 4)
      : null;
  const treated = weighted((r) => r.treatedAttainment);
  const comparable = weighted((r) => r.comparableAttainment!);
  const probabilities = ended
    .filter((a) => a.interventions > 0 && a.probabilityBefore !== null)
    .map((a) => a.probabilityBefore!);
  return {
    treatedAgreements: rows.reduce((s, r) => s + r.treatedAgreements, 0),
    matchedAgreements: weight,
    treatedAttainment: treated,
    comparableAttainment: comparable,
    difference: treated === null || comparable === null ? null : round(treated - comparable, 4),
    treatedReached: weighted((r) => r.treatedReached),
    comparableReached: weighted((r) => r.comparableReached!),
    meanProbabilityBefore: probabilities.length
      ? round(probabilities.reduce((s, p) => s + p, 0) / probabilities.length, 4)
      : null,
    significance: interventionSignificance([...strata.values()]),
    strata: rows,
  };
}

/**
 * The value of incentive_tier interventions: ended dealer × program windows, reached or not
 * (the engine's final tier against the tier aimed at), with the agreements' strata and test:
 * each window is a "term" of plan 1 and outcome 1 when the tier was reached, so attainment is
 * the share reached. Comparable: windows of dealers with no incentive_tier intervention, their
 * target the next tier of the window's last risk; windows whose top tier was already reached
 * have no target and are left out.
 */
export function tierInterventionValue(
  ended: readonly EndedTierWindowRow[],
  bandOf: (dealerId: number) => string,
) {
  const rows: EndedAgreementRow[] = ended
    .filter((w) => w.targetTier >= 0)
    .map((w, i) => ({
      agreementId: i,
      dealerId: w.dealerId,
      regionCode: w.regionCode,
      planned: 1,
      actual: w.tierReached >= w.targetTier ? 1 : 0,
      interventions: w.interventions,
      probabilityBefore: w.probabilityBefore,
    }));
  const v = interventionValue(rows, bandOf);
  return {
    treatedWindows: v.treatedAgreements,
    matchedWindows: v.matchedAgreements,
    treatedReached: v.treatedAttainment,
    comparableReached: v.comparableAttainment,
    difference: v.difference,
    meanProbabilityBefore: v.meanProbabilityBefore,
    significance: v.significance,
    strata: v.strata.map((s) => ({
      regionCode: s.regionCode,
      sizeBand: s.sizeBand,
      treatedWindows: s.treatedAgreements,
      comparableWindows: s.comparableAgreements,
      treatedReached: s.treatedAttainment,
      comparableReached: s.comparableAttainment,
    })),
  };
}
