/**
 * Prints the `DEFAULT_MAPS` block of src/server/modules/insights/default-risk-calibration.ts from
 * an `insights:backtest` JSON report: per elapsed point, its share of the term and the summary's
 * `recalibration` (the app's shrunk isotonic map fitted on every case of the report's terms) as
 * `threshold:value:cases` steps, thresholds and values rounded to 4 decimals.
 *
 *   npm run cli -- insights:backtest --input ../../shared/data/m3_monthly_wide.csv --json-out m3.json
 *   npx tsx scripts/default-risk-calibration-maps.ts m3.json
 */
import { readFileSync } from 'node:fs';
import type { RiskBacktestReport } from '../src/server/modules/insights/risk-backtest';

const file = process.argv[2];
if (!file) throw new Error('usage: default-risk-calibration-maps.ts <report.json>');
const report = JSON.parse(readFileSync(file, 'utf8')) as RiskBacktestReport;
const round = (v: number) => Number(v.toFixed(4));
for (const s of report.summary) {
  const model = s.recalibration;
  if (model.kind !== 'isotonic' || !model.counts)
    throw new Error('expected the shrunk isotonic map (run without --recalibration platt)');
  const steps = model.thresholds.map(
    (t, i) => `${round(t)}:${round(model.values[i]!)}:${model.counts![i]}`,
  );
  console.log(`${s.elapsed / report.horizon} | ${steps.join(' ')}`);
}
console.log(`correlations[0]: ${JSON.stringify(report.correlations[0])}`);
