/**
 * The defaults the app's risk model runs with. What they are fitted on — past terms only:
 *
 * - the recalibration: the app's shrunk isotonic map per elapsed share (calibration.ts
 *   `fitShrunkIsotonic`: each block's rate weighted n / (n + 200) against the raw probability),
 *   fitted by `insights:backtest` (2026-12-07) on every case of the M3 monthly series' four latest
 *   12-month terms (1,428 series; 3 evaluated terms and 1 calibration-only term, history 48,
 *   growth 0.05, accurate combination, error model fitted per origin): terms that had all ended,
 *   of other series than the app's. The app applies it only to terms running now, so it never sees
 *   an outcome after a case's origin (the walk-forward protocol's rule). Its raw probabilities came
 *   from the backtest's pipeline, not quite the app's (fast profile, the engine's default error
 *   tables and the correlation below: `insights:backtest --profile fast --error-model app`);
 * - out of sample on the demo network's three latest terms (84 months, the app's raw pipeline),
 *   this map gives Brier −15.2 % vs the base rate at elapsed 0 and ECE 0.048 / 0.055 / 0.038 /
 *   0.023 at elapsed 0 / 3 / 6 / 9 (target ≤ 0.03: missed); the plain isotonic map it replaced
 *   (fitted on M3's three latest terms) gave −14.8 %, ECE 0.052 / 0.048 / 0.041 / 0.040.
 *   Recalibrating walk-forward on the network's own ended terms does better at most points
 *   (docs/insights.md): the nightly `insights.risk-calibration` job does that
 *   (risk-calibration-job.ts); these defaults stay in use until its latest run has at least
 *   MIN_CALIBRATION_CASES cases per elapsed share.
 *
 * Regenerate with `npm run cli -- insights:backtest --input ../../shared/data/m3_monthly_wide.csv
 * --json-out m3.json` (the defaults: origins 3, calibration-origins 1; 990 s at load 12 on the
 * shared 2-core machine) and `npx tsx scripts/default-risk-calibration-maps.ts m3.json`, which
 * prints the maps below (the summary's `recalibration` per elapsed point, fitted on every case of
 * the evaluated and calibration-only terms, all of them ended) and `correlations[0]`.
 */
import {
  applyRecalibration,
  ISOTONIC_SHRINKAGE,
  type IsotonicModel,
  type Recalibration,
} from './calibration';

/** Copula correlation of the monthly errors per number of remaining months (1..12). */
export const DEFAULT_RISK_CORRELATION: number[] = [
  0, 0.512, 0.462, 0.401, 0.385, 0.384, 0.376, 0.388, 0.397, 0.403, 0.41, 0.42,
];

/**
 * The shrunk isotonic maps per elapsed share of the term, one line each: the share, then each
 * step as `threshold:value:cases` (the step's upper raw probability, its observed rate and its
 * number of cases, which sets how far the rate moves the raw probability), ascending.
 */
const DEFAULT_MAPS = `
0 | 0.0345:0.0166:603 0.0604:0.043:186 0.1334:0.0904:542 0.1663:0.1106:226 0.1903:0.1538:143 0.2622:0.1982:439 0.4111:0.2419:1269 0.4471:0.2972:387 0.488:0.3657:361 0.49:0.375:24 0.5649:0.4224:419 0.5949:0.5:146 0.6479:0.5892:185 0.6818:0.625:88 0.6888:0.6875:16 0.7507:0.7444:90 0.8377:0.7965:113 0.8417:0.9:10 0.9825:0.906:117 0.9995:0.9286:28
0.25 | 0.0005:0:333 0.0015:0:61 0.0025:0:9 0.0405:0.0125:802 0.1503:0.0569:879 0.1853:0.1151:252 0.2632:0.1455:591 0.3591:0.2213:583 0.3781:0.3109:119 0.4121:0.3451:142 0.4491:0.3735:166 0.469:0.4286:98 0.531:0.4975:199 0.54:0.5556:36 0.6469:0.5805:329 0.6988:0.5882:119 0.7807:0.7785:158 0.7867:0.8571:7 0.8257:0.8816:76 0.8506:0.8936:47 0.8696:0.9512:41 0.9575:0.9543:175 0.9995:0.9941:170
0.5 | 0.0145:0.0046:1529 0.1693:0.0486:1503 0.1953:0.0857:140 0.2512:0.134:209 0.2722:0.1493:67 0.2772:0.2:25 0.3302:0.2313:147 0.3911:0.3491:212 0.4301:0.4342:76 0.508:0.4514:175 0.546:0.5574:61 0.5759:0.617:47 0.5949:0.6458:48 0.6049:0.65:20 0.6598:0.6729:107 0.7018:0.7436:78 0.7158:0.7917:24 0.7488:0.8421:57 0.8247:0.9006:161 0.8976:0.9073:151 0.9266:0.9277:83 0.9675:0.976:125 0.9685:1:2 0.9695:1:2 0.9705:1:8 0.9715:1:3 0.9725:1:8 0.9735:1:1 0.9745:1:3 0.9755:1:5 0.9765:1:9 0.9775:1:3 0.9785:1:5 0.9795:1:5 0.9805:1:1 0.9815:1:2 0.9825:1:14 0.9835:1:9 0.9845:1:2 0.9855:1:5 0.9865:1:9 0.9875:1:3 0.9885:1:9 0.9895:1:4 0.9905:1:21 0.9915:1:3 0.9925:1:16 0.9935:1:11 0.9945:1:6 0.9955:1:8 0.9965:1:9 0.9975:1:22 0.9985:1:37 0.9995:1:102
0.75 | 0.0604:0.0049:3245 0.1204:0.1189:244 0.1603:0.1607:112 0.2852:0.2328:189 0.3302:0.2857:56 0.3342:0.3333:3 0.3432:0.3333:9 0.3841:0.381:42 0.462:0.3889:72 0.463:0.5:2 0.492:0.5385:26 0.6219:0.5943:106 0.6429:0.7333:15 0.6638:0.7391:23 0.7278:0.7547:53 0.7927:0.8788:66 0.8497:0.9385:65 0.9276:0.9453:128 0.9645:0.9727:110 0.9805:0.9823:113 0.9995:0.9986:713
`;

/** A shrunk isotonic map from its `threshold:value:cases` steps (calibration.ts). */
function isotonicSteps(steps: string): IsotonicModel {
  const triples = steps
    .trim()
    .split(/\s+/)
    .map((step) => step.split(':').map(Number));
  return {
    kind: 'isotonic',
    thresholds: triples.map(([threshold]) => threshold!),
    values: triples.map(([, value]) => value!),
    counts: triples.map(([, , cases]) => cases!),
    shrinkage: ISOTONIC_SHRINKAGE,
  };
}

/** The recalibration of the raw probability per elapsed share of the term (0, ¼, ½, ¾). */
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
