/**
 * The defaults the app's risk model runs with, fitted by `insights:backtest` on the M3 monthly
 * series (1,428 series × 3 terms, history 48, growth 0.05, accurate combination; see
 * docs/insights.md). Regenerate with `npm run cli -- insights:backtest --input
 * ../shared/data/m3_monthly_wide.csv --json` and copy `correlations[0]` and the summary's
 * `recalibration` per elapsed point.
 */
import type { PlattModel } from './calibration';

/** Copula correlation of the monthly errors per number of remaining months (1..12). */
export const DEFAULT_RISK_CORRELATION: number[] = [
  0, 0.476, 0.432, 0.377, 0.366, 0.367, 0.36, 0.372, 0.382, 0.387, 0.394, 0.403,
];

/** Platt recalibration per elapsed share of the term (0, 0.25, 0.5, 0.75). */
export const DEFAULT_RECALIBRATION: { share: number; model: PlattModel }[] = [
  { share: 0, model: { kind: 'platt', a: 0.8939, b: -0.4257 } },
  { share: 0.25, model: { kind: 'platt', a: 1.1768, b: -0.2327 } },
  { share: 0.5, model: { kind: 'platt', a: 1.196, b: -0.1019 } },
  { share: 0.75, model: { kind: 'platt', a: 1.0918, b: 0.2039 } },
];

/** The recalibration at an elapsed share: linear between the fitted shares, flat beyond. */
export function recalibrationFor(share: number): PlattModel {
  const points = DEFAULT_RECALIBRATION;
  if (share <= points[0]!.share) return points[0]!.model;
  for (let i = 1; i < points.length; i += 1) {
    const right = points[i]!;
    if (share <= right.share) {
      const left = points[i - 1]!;
      const t = (share - left.share) / (right.share - left.share);
      return {
        kind: 'platt',
        a: left.model.a + t * (right.model.a - left.model.a),
        b: left.model.b + t * (right.model.b - left.model.b),
      };
    }
  }
  return points[points.length - 1]!.model;
}
