/**
 * A program row's suggested steps ("N more units of line X reach tier k of program P"): the step
 * to the row's next tier (the lowest not reached) always first, then a higher tier's only when it
 * is worth more (its probability lift to 80 % × the money it adds), worded "(one above tier 1, the
 * next)", so a row that reads "35 % · tier 1" never shows a bare "reach tier 2" a manager takes for
 * the next one. At most three. Pure.
 */
import type { ProgramRisk, ProgramTierRisk } from '../../../shared/schemas/program-risk';

type RiskIntervention = ProgramRisk['interventions'][number];

export type TierStepTier = Pick<
  ProgramTierRisk,
  'tier' | 'reached' | 'probability' | 'unitsFor80' | 'adds'
>;

const pct = (p: number) => `${Math.round(p * 100)} %`;
const COUNT_WORDS = ['', 'one', 'two', 'three', 'four', 'five'];

export function tierSteps(
  tiers: readonly TierStepTier[],
  options: {
    /** the most units a step may ask (twice a month's run rate, at least 5) */
    reachable: number;
    lineName: string;
    programName: string;
    currency: string;
    /** the template's model line, when the program has one */
    modelLine?: string;
  },
): RiskIntervention[] {
  const next = tiers.find((t) => !t.reached)?.tier ?? null;
  const steps: (RiskIntervention & { tier: number; value: number })[] = [];
  for (const t of tiers) {
    if (t.reached || t.adds === null || t.unitsFor80 === null || t.unitsFor80 === 0) continue;
    if (t.unitsFor80 > options.reachable) continue;
    const above = next === null ? 0 : t.tier - next;
    const where =
      above > 0 ? ` (${COUNT_WORDS[above] ?? String(above)} above tier ${next}, the next)` : '';
    steps.push({
      kind: 'incentive_tier',
      units: t.unitsFor80,
      probability: 0.8,
      amount: t.adds,
      ...(options.modelLine ? { modelLine: options.modelLine } : {}),
      text: `${t.unitsFor80} more ${t.unitsFor80 === 1 ? 'unit' : 'units'} of ${options.lineName} reach tier ${t.tier} of ${options.programName}${where} (+${t.adds} ${options.currency}): ${pct(t.probability)} → 80 %`,
      tier: t.tier,
      value: Math.max(0, 0.8 - t.probability) * Number(t.adds),
    });
  }
  const first = steps.find((s) => s.tier === next);
  const higher = steps
    .filter((s) => s !== first && (!first || s.value > first.value))
    .sort((a, b) => b.value - a.value || a.tier - b.tier);
  return [...(first ? [first] : []), ...higher]
    .slice(0, 3)
    .map(({ tier: _tier, value: _value, ...step }) => step);
}
