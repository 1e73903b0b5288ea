/**
 * The defaults the app's risk model runs with. What they are fitted on — past terms only:
 *
 * - the recalibration: isotonic per elapsed share, fitted by `insights:backtest` (2026-12-06,
 *   before the walk-forward protocol) on every case of the M3 monthly series' three latest
 *   12-month terms (1,428 series × 3 terms, history 48, growth 0.05, accurate combination,
 *   error model fitted per origin): terms that had all ended, of other series than the app's. The
 *   app applies it only to terms running now, so it never sees an outcome after a case's origin
 *   (the walk-forward protocol's rule). Its raw probabilities came from the backtest's pipeline,
 *   not quite the app's (fast profile, the engine's default error tables and the correlation
 *   below: `insights:backtest --profile fast --error-model app`);
 * - out of sample on the demo network's terms (84 months, the app's raw pipeline), this map gives
 *   Brier −14.8 % vs the base rate at elapsed 0 and ECE 0.052 / 0.048 / 0.041 / 0.040 at elapsed
 *   0 / 3 / 6 / 9 (target ≤ 0.03: missed), while an isotonic map refitted the same way on the M3
 *   terms with the app's raw pipeline transfers worse (−12.1 %, ECE 0.076 / 0.078 / 0.063 / 0.048),
 *   so it was not swapped in. Recalibrating walk-forward on the network's own ended terms does
 *   better (−14.7 %, ECE 0.053 / 0.022 / 0.020 / 0.011): the nightly `insights.risk-calibration`
 *   job does that (risk-calibration-job.ts); these defaults stay in use until its latest run has
 *   at least MIN_CALIBRATION_CASES cases per elapsed share.
 *
 * Regenerate with `npm run cli -- insights:backtest --input ../shared/data/m3_monthly_wide.csv
 * --json` and copy `correlations[0]` and the summary's `recalibration` per elapsed point
 * (thresholds and values rounded to 4 decimals, written as `threshold:value` steps); that map is fitted on every case of the
 * evaluated and calibration-only terms, all of them ended.
 */
import { applyRecalibration, type IsotonicModel, type Recalibration } from './calibration';

/** Copula correlation of the monthly errors per number of remaining months (1..12). */
export const DEFAULT_RISK_CORRELATION: number[] = [
  0, 0.512, 0.462, 0.401, 0.385, 0.384, 0.376, 0.388, 0.397, 0.403, 0.41, 0.42,
];

/**
 * The isotonic maps per elapsed share of the term, one line each: the share, then each step as
 * `threshold:value` (the step's upper raw probability and the calibrated one), ascending.
 */
const DEFAULT_MAPS = `
0 | 0.0005:0 0.0095:0.0042 0.0315:0.0248 0.0605:0.0361 0.1274:0.096 0.1664:0.133 0.1764:0.1471 0.1904:0.1714 0.3632:0.2201 0.3662:0.25 0.3762:0.254 0.4151:0.2795 0.4221:0.2836 0.4341:0.3301 0.4361:0.3333 0.4601:0.3724 0.4731:0.3784 0.557:0.4009 0.57:0.4468 0.591:0.4659 0.592:0.5 0.6119:0.5625 0.6479:0.6 0.6799:0.6338 0.7508:0.7614 0.8377:0.809 0.8417:0.8889 0.9826:0.9158 0.9996:0.9286
0.25 | 0.0035:0 0.0155:0.0057 0.0405:0.0185 0.0795:0.0433 0.0865:0.0588 0.1494:0.0744 0.2063:0.1131 0.2183:0.1273 0.2633:0.1634 0.2683:0.1935 0.3242:0.2248 0.3512:0.2328 0.3552:0.2857 0.3612:0.2927 0.3692:0.3125 0.4001:0.3262 0.4491:0.3892 0.4551:0.44 0.4691:0.4545 0.4981:0.4937 0.531:0.5185 0.535:0.5714 0.54:0.5833 0.552:0.6 0.6449:0.6058 0.6989:0.6346 0.7768:0.7769 0.7808:0.8333 0.8157:0.8868 0.8257:0.9091 0.9576:0.9665 0.9996:1
0.5 | 0.0005:0 0.0055:0.0011 0.0245:0.0089 0.0535:0.0219 0.0595:0.0225 0.0955:0.0541 0.1264:0.0688 0.1654:0.1033 0.1934:0.113 0.2093:0.1136 0.2203:0.1395 0.2723:0.1583 0.2773:0.1905 0.3302:0.2366 0.3352:0.3 0.3582:0.3548 0.3632:0.3636 0.3912:0.4 0.4881:0.4545 0.508:0.4583 0.543:0.5833 0.563:0.64 0.6599:0.6626 0.7018:0.7742 0.7158:0.7778 0.7228:0.8462 0.7468:0.9118 0.8137:0.9123 0.8247:0.92 0.9226:0.9226 0.9636:0.989 0.9996:1
0.75 | 0.0015:0 0.0225:0.0015 0.0325:0.0202 0.0565:0.0355 0.0605:0.1 0.0835:0.12 0.1154:0.1226 0.1594:0.1313 0.2853:0.2452 0.2953:0.3333 0.3242:0.3429 0.3842:0.413 0.4611:0.4545 0.4741:0.5 0.4921:0.5625 0.6219:0.6344 0.6429:0.7143 0.7198:0.7778 0.7268:0.8333 0.7368:0.8889 0.7878:0.9286 0.9276:0.9518 0.9646:0.9647 0.9806:0.9798 0.9996:1
`;

/** An isotonic map from its `threshold:value` steps. */
function isotonicSteps(steps: string): IsotonicModel {
  const pairs = steps
    .trim()
    .split(/\s+/)
    .map((step) => step.split(':').map(Number));
  return {
    kind: 'isotonic',
    thresholds: pairs.map(([threshold]) => threshold!),
    values: pairs.map(([, value]) => value!),
  };
}

/** Isotonic recalibration of the raw probability per elapsed share of the term (0, ¼, ½, ¾). */
export const DEFAULT_RECALIBRATION: { share: number; model: Recalibration }[] = DEFAULT_MAPS.trim()
  .split('\n')
  .map((line) => {
    const [share, steps] = line.split('|');
    return { share: Number(share), model: isotonicSteps(steps!) };
  });

/**
 * The calibrated probability of `raw` at an elapsed share of the term: the two neighbouring
 * fitted models applied to `raw`, their results linear in the share between them, the end model
 * beyond the ends. A weighted mean of non-decreasing functions: monotone in `raw`.
 */
export function recalibrateAt(
  share: number,
  raw: number,
  points: readonly { share: number; model: Recalibration }[] = DEFAULT_RECALIBRATION,
): number {
  const first = points[0];
  if (!first) return raw;
  if (share <= first.share) return applyRecalibration(first.model, raw);
  for (let i = 1; i < points.length; i += 1) {
    const right = points[i]!;
    if (share <= right.share) {
      const left = points[i - 1]!;
      const t = (share - left.share) / (right.share - left.share);
      // (1 − t)·low + t·high, not low + t·(high − low): monotone in floating point too, and
      // exactly the fitted model at t = 0 and t = 1.
      return (
        (1 - t) * applyRecalibration(left.model, raw) + t * applyRecalibration(right.model, raw)
      );
    }
  }
  return applyRecalibration(points[points.length - 1]!.model, raw);
}
