/**
 * The demo network's history in memory for the forecast benchmarks (bench/forecast-network.ts and
 * bench/forecast-job.ts): dealer × model line × month net sales and the EV inputs, straight from the
 * generator (no database), with accuracy helpers.
 */
import { addMonths, monthIndex } from '../src/shared/months';
import {
  generateNetwork,
  generateTransactions,
  type DemoOptions,
} from '../src/server/modules/demo/generator';
import type { BaselineInput } from '../src/server/modules/forecasts/baseline';

export type Panel = {
  input: Omit<BaselineInput, 'horizon'>;
  /** holdout actuals per series, 12 months */
  holdout: number[][];
  regions: string[];
  lineBev: number[];
};

/** The demo network's history in memory: dealer × model line × month net sales, EV inputs. */
export function panelOf(options: DemoOptions, holdoutMonths: number): Panel {
  const network = generateNetwork(options);
  const start = addMonths(options.endMonth, -(options.months - 1));
  const startIndex = monthIndex(start);
  const T = options.months;
  const historyLength = T - holdoutMonths;
  const lines = network.modelLines.map((l) => l.code);
  const lineOf = new Map(lines.map((c, i) => [c, i]));
  const skuLine = new Map(network.skus.map((s) => [s.code, lineOf.get(s.modelLineCode)!]));
  const skuBev = new Map(network.skus.map((s) => [s.code, s.powertrain === 'BEV']));
  const regions = [...new Set(network.dealers.map((d) => d.regionCode))].sort();
  const regionOf = new Map(regions.map((r, i) => [r, i]));
  const dealerOf = new Map(network.dealers.map((d, i) => [d.code, i]));
  const L = lines.length;
  const sales = new Float64Array(network.dealers.length * L * T);
  const evTotal = regions.map(() => new Array<number>(T).fill(0));
  const evBev = regions.map(() => new Array<number>(T).fill(0));
  const lineAll = new Array<number>(L).fill(0);
  const lineBevQ = new Array<number>(L).fill(0);
  for (const tx of generateTransactions(network, options)) {
    if (tx.kind !== 'retail_delivery' && tx.kind !== 'unwind') continue;
    const t = monthIndex(tx.occurredOn.slice(0, 7)) - startIndex;
    const d = dealerOf.get(tx.dealerCode)!;
    const l = skuLine.get(tx.sku)!;
    sales[(d * L + l) * T + t]! += tx.quantity;
    if (tx.kind === 'retail_delivery') {
      const r = regionOf.get(network.dealers[d]!.regionCode)!;
      evTotal[r]![t]! += tx.quantity;
      if (skuBev.get(tx.sku)) evBev[r]![t]! += tx.quantity;
      if (t >= historyLength - 12 && t < historyLength) {
        lineAll[l]! += tx.quantity;
        if (skuBev.get(tx.sku)) lineBevQ[l]! += tx.quantity;
      }
    }
  }
  const series: BaselineInput['series'][number][] = [];
  const holdout: number[][] = [];
  network.dealers.forEach((dealer, d) => {
    for (let l = 0; l < L; l += 1) {
      const all = Array.from(sales.subarray((d * L + l) * T, (d * L + l + 1) * T), (v) =>
        Math.max(0, v),
      );
      series.push({
        regionIndex: regionOf.get(dealer.regionCode)!,
        lineIndex: l,
        dealerIndex: d,
        values: all.slice(0, historyLength),
      });
      holdout.push(all.slice(historyLength));
    }
  });
  const lineBev = lineAll.map((a, l) => (a > 0 ? lineBevQ[l]! / a : 0));
  return {
    input: {
      lastMonthOfYear: Number(addMonths(options.endMonth, -holdoutMonths).slice(5, 7)),
      regionCount: regions.length,
      lineCount: L,
      series,
      ev: evTotal.map((total, r) => ({
        total: total.slice(0, historyLength),
        bev: evBev[r]!.slice(0, historyLength),
      })),
      lineBevFraction: lineBev,
    },
    holdout,
    regions,
    lineBev,
  };
}

export type Totals = { abs: number; actual: number };
export const wapeOf = (t: Totals) => (100 * t.abs) / t.actual;

export function dealerWape(
  actual: number[][],
  forecast: number[][],
  filter?: (i: number) => boolean,
) {
  const t: Totals = { abs: 0, actual: 0 };
  actual.forEach((a, i) => {
    if (filter && !filter(i)) return;
    a.forEach((v, h) => {
      t.abs += Math.abs(v - forecast[i]![h]!);
      t.actual += v;
    });
  });
  return wapeOf(t);
}

export function regionWape(
  panel: Panel,
  forecast: number[][],
  filter?: (line: number) => boolean,
): number {
  const sums = new Map<number, { a: number[]; f: number[] }>();
  panel.input.series.forEach((s, i) => {
    if (filter && !filter(s.lineIndex)) return;
    const key = s.regionIndex * panel.input.lineCount + s.lineIndex;
    let g = sums.get(key);
    if (!g) {
      g = { a: new Array<number>(12).fill(0), f: new Array<number>(12).fill(0) };
      sums.set(key, g);
    }
    for (let h = 0; h < 12; h += 1) {
      g.a[h]! += panel.holdout[i]![h]!;
      g.f[h]! += forecast[i]![h]!;
    }
  });
  const t: Totals = { abs: 0, actual: 0 };
  for (const g of sums.values())
    g.a.forEach((v, h) => {
      t.abs += Math.abs(v - g.f[h]!);
      t.actual += v;
    });
  return wapeOf(t);
}

export function coverage(actual: number[][], lower: number[][], upper: number[][]): number {
  let inside = 0;
  let n = 0;
  actual.forEach((a, i) =>
    a.forEach((v, h) => {
      n += 1;
      if (v >= lower[i]![h]! && v <= upper[i]![h]!) inside += 1;
    }),
  );
  return (100 * inside) / n;
}
