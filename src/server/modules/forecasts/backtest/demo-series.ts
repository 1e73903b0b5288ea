/**
 * The demo network's history as backtest series (the `--demo` input of forecast:backtest and
 * insights:backtest): straight from the demo generator, no database. The series are those the
 * demo's agreements commit to: each dealer's total (`D0001`) and each dealer × model line among the
 * dealer's `lines` best sellers (`D0001/ML01`), net retail deliveries (deliveries less unwinds) per
 * month. The best sellers are chosen on the first 24 months only, so the choice never looks at the
 * months the backtests forecast.
 */
import { generateNetwork, generateTransactions } from '../../demo/generator';
import { addMonths, monthIndex as monthIndexOf } from '../../../../shared/months';
import type { BacktestSeries } from './input';

export type DemoSeriesOptions = {
  /** Demo generator seed (default 42, the seed command's). */
  seed?: number;
  dealers?: number;
  /** Months of history (default 72: 48 months of history before three 12-month terms). */
  months?: number;
  /** Last month generated (default 2026-10: fixed, so a run is reproducible). */
  endMonth?: string;
  /** Model-line series per dealer (default 8, the demo agreements' lines). */
  lines?: number;
  /** Which series: dealer totals, dealer × line, or both (default). */
  level?: 'dealer' | 'line' | 'both';
};

export const DEMO_SERIES_DEFAULTS = {
  seed: 42,
  dealers: 150,
  months: 72,
  endMonth: '2026-10',
  lines: 8,
  level: 'both',
} as const satisfies Required<DemoSeriesOptions>;

const SELECTION_MONTHS = 24;

export function demoBacktestSeries(options: DemoSeriesOptions = {}): BacktestSeries[] {
  const o = { ...DEMO_SERIES_DEFAULTS, ...options };
  const demo = { seed: o.seed, dealers: o.dealers, months: o.months, endMonth: o.endMonth };
  const network = generateNetwork(demo);
  const startMonth = addMonths(o.endMonth, -(o.months - 1));
  const startIndex = monthIndexOf(startMonth);
  const T = o.months;
  const lineOf = new Map(network.modelLines.map((l, i) => [l.code, i]));
  const skuLine = new Map(network.skus.map((s) => [s.code, lineOf.get(s.modelLineCode)!]));
  const dealerOf = new Map(network.dealers.map((d, i) => [d.code, i]));
  const L = network.modelLines.length;
  const sales = new Float64Array(network.dealers.length * L * T);
  for (const tx of generateTransactions(network, demo)) {
    if (tx.kind !== 'retail_delivery' && tx.kind !== 'unwind') continue;
    const t = monthIndexOf(tx.occurredOn.slice(0, 7)) - startIndex;
    const d = dealerOf.get(tx.dealerCode);
    const l = skuLine.get(tx.sku);
    if (d === undefined || l === undefined || t < 0 || t >= T) continue;
    sales[(d * L + l) * T + t]! += tx.quantity;
  }
  const start = { year: Number(startMonth.slice(0, 4)), month: Number(startMonth.slice(5, 7)) };
  // The lines' planned ends of sale, as indices of their last month of sale (catalog sales_end_on).
  const lastOf = network.modelLines.map((l) =>
    l.salesEndOn === null ? null : monthIndexOf(l.salesEndOn.slice(0, 7)) - startIndex,
  );
  const series: BacktestSeries[] = [];
  network.dealers.forEach((dealer, d) => {
    const lineValues = network.modelLines.map((_, l) =>
      Array.from(sales.subarray((d * L + l) * T, (d * L + l + 1) * T), (v) => Math.max(0, v)),
    );
    const total = Array.from({ length: T }, (_, t) =>
      lineValues.reduce((sum, values) => sum + values[t]!, 0),
    );
    if (total.every((v) => v === 0)) return;
    const ends = lineValues.flatMap((values, l) => {
      const last = lastOf[l];
      return last === null || last === undefined || values.every((v) => v === 0)
        ? []
        : [{ last, values }];
    });
    if (o.level !== 'line')
      series.push({
        id: dealer.code,
        values: total,
        start,
        ...(ends.length > 0 ? { salesEnds: ends } : {}),
      });
    if (o.level === 'dealer') return;
    const early = lineValues.map((values, l) => ({
      l,
      units: values.slice(0, SELECTION_MONTHS).reduce((a, b) => a + b, 0),
    }));
    early
      .filter((x) => x.units > 0)
      .sort((a, b) => b.units - a.units || a.l - b.l)
      .slice(0, o.lines)
      .forEach(({ l }) =>
        series.push({
          id: `${dealer.code}/${network.modelLines[l]!.code}`,
          values: lineValues[l]!,
          start,
          ...(lastOf[l] !== null && lastOf[l] !== undefined
            ? { salesEnds: [{ last: lastOf[l] }] }
            : {}),
        }),
      );
  });
  return series;
}
