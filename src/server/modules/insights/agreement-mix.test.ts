/**
 * A line whose planned end of sale is already past is never the line an intervention tells the
 * dealer to sell more of (agreement-mix.ts, agreement-risk.ts; docs/insights.md,
 * "Interventions"): the totals' "more units" names the line lagging most among the lines still on
 * sale, "any line" when none lags, nothing when every line has ended; the ended line's own risk
 * has no "more units"; its gap stays a mix note, with its end. "Past" is against the refresh's
 * today, not the risk's as-of date: the same risk computed on a day before the end names it.
 */
import { describe, expect, it } from 'vitest';
import { withMix, type LineGap } from './agreement-mix';
import { assessAgreement } from './agreement-risk';
import type { Intervention } from './assess';
import type { RiskWrite } from './insights.repository';
import type { SalesEnds } from './sales-end';
import { auraAgreement, lineHistory } from './test-fixtures';

// 2023-01 … 2026-03, about 10 a month: the term's first three months are complete in April 2026.
const line = lineHistory('3100000.00');
const planned = (total: number) => Array.from({ length: 12 }, () => total / 12);
const AURA_PLAN = 120;
const FLINT_PLAN = 36;
const agreement = auraAgreement({ aura: planned(AURA_PLAN), flint: planned(FLINT_PLAN) });
const histories = new Map([
  [1, line],
  [2, line],
]);
// Flint's last day of sale is after the risk's as-of date (2026-03-31) and before today.
const salesEnds: SalesEnds = {
  lines: new Map([['ML-FLINT', { name: 'Flint', on: '2026-04-10' }]]),
  skus: new Map([['FLINT-X', 'ML-FLINT']]),
};
const options = { currency: 'USD', basis: '2026-04', asOf: '2026-03-31', salesEnds };
const moreUnits = (r: RiskWrite) =>
  (r.interventions as Intervention[]).filter((i) => i.kind === 'more_units');
const mix = (r: RiskWrite) =>
  (r.drivers as { kind: string; text: string }[]).filter((d) => d.kind === 'mix');

describe('an agreement line whose sale has ended', () => {
  // The same risk computed on 2026-04-05 (Flint still sold) and on 2026-04-20 (its sale ended).
  const [totalOn, auraOn, flintOn] = assessAgreement(agreement, histories, {
    ...options,
    today: '2026-04-05',
  });
  const [totalEnded, auraEnded, flintEnded] = assessAgreement(agreement, histories, {
    ...options,
    today: '2026-04-20',
  });

  it('is lagging most, and named while it is still sold', () => {
    expect(flintOn!.commitment - flintOn!.expected).toBeGreaterThan(
      auraOn!.commitment - auraOn!.expected,
    );
    expect(auraOn!.commitment - auraOn!.expected).toBeGreaterThan(0);
    expect(moreUnits(totalOn!).length).toBeGreaterThan(0);
    for (const i of moreUnits(totalOn!)) expect(i).toMatchObject({ line: 'Flint X' });
    expect(moreUnits(flintOn!).length).toBeGreaterThan(0);
  });

  it('is never the line the advice names once its sale has ended', () => {
    // Same numbers: only the advice changes.
    for (const [on, ended] of [
      [totalOn, totalEnded],
      [auraOn, auraEnded],
      [flintOn, flintEnded],
    ] as const)
      expect({ ...ended!, interventions: [], drivers: [] }).toEqual({
        ...on!,
        interventions: [],
        drivers: [],
      });
    expect(auraEnded).toEqual(auraOn);
    const steps = moreUnits(totalEnded!);
    expect(steps.map((i) => i.units)).toEqual(moreUnits(totalOn!).map((i) => i.units));
    for (const i of steps) {
      expect(i).toMatchObject({ line: 'Aura', modelLine: 'ML-AURA' });
      expect(i.text).toMatch(/ more units? of Aura this month/);
    }
    expect(moreUnits(flintEnded!)).toEqual([]);
  });

  it("keeps the ended line's gap as a mix note, with its end", () => {
    const note = mix(totalEnded!).find((d) => d.text.startsWith('Flint X'));
    expect(note?.text).toMatch(
      /^Flint X is expected \d+ units short of its line plan \(its sale ended on 2026-04-10\)$/,
    );
    expect(mix(totalOn!).find((d) => d.text.startsWith('Flint X'))?.text).not.toContain('ended');
  });
});

describe('withMix', () => {
  const [base] = assessAgreement(agreement, histories, { ...options, today: '2026-04-20' });
  const step: Intervention = {
    kind: 'more_units',
    units: 6,
    probability: 0.8,
    amount: '186000.00',
    text: '6 more units of any line this month lift the probability to 80 %',
  };
  const totals = { ...base!, drivers: [], interventions: [step] };
  const ended = { label: 'Flint', on: '2026-04-10' };
  const gap = (label: string, value: number, end?: typeof ended): LineGap => ({
    label,
    targetKind: 'model_line',
    targetCode: `ML-${label.toUpperCase()}`,
    gap: value,
    ...(end ? { ended: end } : {}),
  });

  it('keeps "any line" when no line still on sale lags', () => {
    const out = withMix(totals, [gap('Aura', -3), gap('Flint', 20, ended)]);
    expect(out.interventions).toEqual([step]);
  });

  it('offers no "more units" when every line has ended', () => {
    const out = withMix(totals, [gap('Aura', 4, ended), gap('Flint', 20, ended)]);
    expect(out.interventions).toEqual([]);
  });

  it('names the line lagging most among those still on sale', () => {
    const out = withMix(totals, [gap('Aura', 2), gap('Volt', 5), gap('Flint', 20, ended)]);
    expect(out.interventions).toEqual([
      {
        ...step,
        line: 'Volt',
        modelLine: 'ML-VOLT',
        text: '6 more units of Volt this month lift the probability to 80 %',
      },
    ]);
  });
});
