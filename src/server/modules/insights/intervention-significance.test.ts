/**
 * The significance of the intervention comparison on planted data: an effect that is clearly
 * there (treated agreements reach ~100 % of plan, comparable ones ~85 %), one that is clearly not
 * (both drawn alike), and too few pairs.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../demo/random';
import {
  interventionSignificance,
  matchedDifference,
  type MatchedStratum,
} from './intervention-significance';

/** Strata of agreements with plans 40–80 units and attainment `mean` ± 12 points (uniform). */
function planted(
  seed: number,
  strata: number,
  treatedPer: number,
  controlPer: number,
  treatedMean: number,
  controlMean: number,
  step = 0.05,
): MatchedStratum[] {
  const r = new Random(seed);
  const agreement = (mean: number) => {
    const planned = 40 + Math.floor(r.next() * 41);
    return { planned, actual: Math.round(planned * (mean + (r.next() - 0.5) * 0.24)) };
  };
  return Array.from({ length: strata }, (_, k) => ({
    // strata differ in level (a region doing better overall), which matching removes
    treated: Array.from({ length: treatedPer }, () => agreement(treatedMean + k * step)),
    control: Array.from({ length: controlPer }, () => agreement(controlMean + k * step)),
  }));
}

describe('intervention significance', () => {
  it('finds an effect that is there: small p-value, interval around it, away from zero', () => {
    const strata = planted(1, 4, 6, 12, 1.0, 0.85);
    const s = interventionSignificance(strata);
    const d = matchedDifference(strata)!;
    expect(d).toBeGreaterThan(0.1);
    expect(s.enoughData).toBe(true);
    expect(s.pairs).toBe(24);
    expect(s.comparableAgreements).toBe(48);
    expect(s.pValue).toBeLessThan(0.01);
    expect(s.interval!.low).toBeGreaterThan(0);
    expect(s.interval!.low).toBeLessThan(d);
    expect(s.interval!.high).toBeGreaterThan(d);
  });

  it('finds no effect where there is none: large p-value, interval across zero', () => {
    const strata = planted(2, 4, 6, 12, 0.9, 0.9);
    const s = interventionSignificance(strata);
    expect(s.enoughData).toBe(true);
    expect(s.pValue).toBeGreaterThan(0.05);
    expect(s.interval!.low).toBeLessThan(0);
    expect(s.interval!.high).toBeGreaterThan(0);
  });

  it('the stratum level is not mistaken for an effect (treated all in the better stratum)', () => {
    // Without stratification, treated agreements sitting in the better region would "win".
    const r = planted(3, 2, 12, 12, 0.8, 0.8, 0.3);
    const strata = [
      { treated: r[0]!.treated.slice(0, 2), control: r[0]!.control },
      { treated: [...r[1]!.treated], control: r[1]!.control },
    ];
    const pooled = {
      treated: strata.flatMap((x) => x.treated),
      control: strata.flatMap((x) => x.control),
    };
    expect(matchedDifference([pooled])).toBeGreaterThan(0.05);
    expect(interventionSignificance([pooled]).pValue).toBeLessThan(0.05);
    const s = interventionSignificance(strata);
    expect(s.pValue).toBeGreaterThan(0.05);
    expect(s.interval!.low).toBeLessThan(0);
  });

  it('says there is not enough data below the minimum of pairs', () => {
    const strata = planted(4, 1, 9, 30, 1.2, 0.8);
    const s = interventionSignificance(strata);
    expect(s).toMatchObject({ enoughData: false, pairs: 9, pValue: null, interval: null });
    // strata without comparable agreements do not count as pairs
    expect(interventionSignificance([{ treated: strata[0]!.treated, control: [] }]).pairs).toBe(0);
  });

  it('is reproducible: the same data and seed give the same figures', () => {
    const strata = planted(5, 3, 5, 8, 0.95, 0.9);
    expect(interventionSignificance(strata)).toEqual(interventionSignificance(strata));
    expect(interventionSignificance(strata).seed).toBe(1402);
  });
});
