/**
 * The defaults the app's risk model runs with, fitted by `insights:backtest` on the M3 monthly
 * series (1,428 series × 3 terms, history 48, growth 0.05, accurate combination; see
 * docs/insights.md; refitted 2026-12-06 after the production combination's total reconciliation).
 * Regenerate with `npm run cli -- insights:backtest --input ../shared/data/m3_monthly_wide.csv
 * --json` and copy `correlations[0]` and the summary's
 * `recalibration` per elapsed point.
 */
import type { PlattModel } from './calibration';

/** Copula correlation of the monthly errors per number of remaining months (1..12). */
export const DEFAULT_RISK_CORRELATION: number[] = [
  0, 0.512, 0.462, 0.401, 0.385, 0.384, 0.376, 0.388, 0.397, 0.403, 0.41, 0.42,
];

/** Platt recalibration per elapsed share of the term (0, 0.25, 0.5, 0.75). */
export const DEFAULT_RECALIBRATION: { share: number; model: PlattModel }[] = [
  { share: 0, model: { kind: 'platt', a: 0.9128, b: -0.3491 } },
  { share: 0.25, model: { kind: 'platt', a: 1.2273, b: -0.0713 } },
  { share: 0.5, model: { kind: 'platt', a: 1.2911, b: 0.125 } },
  { share: 0.75, model: { kind: 'platt', a: 1.1522, b: 0.3722 } },
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
