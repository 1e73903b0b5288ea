/**
 * An agreement's totals once its lines are assessed (agreement-risk.ts): the lines expected short
 * of their own plan as `mix` notes (not additive), and the line the totals' "more units" names —
 * the one lagging most among the lines still on sale. A line whose planned end of sale is past
 * (sales-end.ts `endedBefore`) cannot be sold: its gap is still a mix note, with the end, but the
 * advice never names it; when no line still on sale lags, it stays "of any line", and when every
 * line has ended there is no "more units" at all. Pure.
 */
import type { Intervention } from './assess';
import type { RiskWrite } from './insights.repository';
import type { SalesEnd } from './sales-end';

/** A line's expected gap to its own plan, and its end of sale when that is already past. */
export type LineGap = {
  label: string;
  targetKind: string;
  targetCode: string;
  gap: number;
  ended?: SalesEnd | undefined;
};

/** Adds the mix (lines' gaps) and the lagging line's name to the totals. */
export function withMix(totals: RiskWrite, lineGaps: readonly LineGap[]): RiskWrite {
  const lagging = lineGaps.filter((g) => !g.ended).sort((x, y) => y.gap - x.gap)[0];
  const drivers = [
    ...(totals.drivers as object[]),
    ...lineGaps
      .filter((g) => g.gap > 0.5)
      .sort((x, y) => y.gap - x.gap)
      .slice(0, 3)
      .map((g) => ({
        kind: 'mix',
        units: Math.round(g.gap * 10) / 10,
        text: `${g.label} is expected ${Math.round(g.gap)} units short of its line plan${g.ended ? ` (its sale ended on ${g.ended.on})` : ''}`,
        additive: false,
      })),
  ];
  // Every line ended: nothing of the agreement can be sold, so no "more units" at all.
  const allEnded = lineGaps.length > 0 && lineGaps.every((g) => g.ended);
  const interventions = (totals.interventions as Intervention[]).flatMap((i) => {
    if (i.kind === 'more_units' && allEnded) return [];
    if (i.kind !== 'more_units' || !lagging || lagging.gap <= 0) return [i];
    return [
      {
        ...i,
        ...(lagging.targetKind === 'model_line' ? { modelLine: lagging.targetCode } : {}),
        line: lagging.label,
        text: i.text.replace('of any line', `of ${lagging.label}`),
      },
    ];
  });
  return { ...totals, drivers, interventions };
}
