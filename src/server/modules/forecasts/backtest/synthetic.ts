/**
 * A seeded synthetic panel of dealer × model-line monthly unit sales: small counts, many zeros,
 * a shared seasonal pattern, line trends and over-dispersed (gamma–Poisson) noise. Used to check
 * the intermittent path and to give intermittent series a default interval table; it is not a
 * benchmark of accuracy (the real-data benchmarks are M3, US and Quebec car sales).
 */
import { gammaMarsagliaTsang, mulberry32 } from '../../../../shared/math';

/** mulberry32: a small, fast, seeded generator of uniforms in [0, 1). */
export const seededRandom = mulberry32;

function normal(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Poisson sample (Knuth for small means, normal approximation above 50). */
export function poisson(random: () => number, lambda: number): number {
  if (!(lambda > 0)) return 0;
  if (lambda > 50) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(random)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k += 1;
    p *= random();
  } while (p > limit);
  return k - 1;
}

/** Gamma(shape, 1) sample (Marsaglia–Tsang). */
function gamma(random: () => number, shape: number): number {
  if (shape < 1) return gamma(random, shape + 1) * random() ** (1 / shape);
  return gammaMarsagliaTsang(shape, { normal: () => normal(random), next: random });
}

export const SYNTHETIC_SEASON = [
  0.78, 0.86, 1.12, 1.1, 1.14, 1.1, 1.04, 1.06, 0.96, 0.96, 0.88, 1.0,
];

export type SyntheticPanelOptions = {
  dealers: number;
  lines: number;
  months: number;
  seed: number;
  /** Median monthly units per dealer, all lines together (default 40). */
  dealerMedianUnits?: number;
  /** Gamma shape of the month-level noise (smaller = more over-dispersed; default 4). */
  dispersion?: number;
};

export type SyntheticPanel = {
  /** series[dealer][line] = monthly units. */
  series: number[][][];
  months: number;
};

export function syntheticPanel(options: SyntheticPanelOptions): SyntheticPanel {
  const random = seededRandom(options.seed);
  const median = options.dealerMedianUnits ?? 40;
  const shape = options.dispersion ?? 4;
  const lineShares = Array.from({ length: options.lines }, () => Math.exp(1.2 * normal(random)));
  const shareSum = lineShares.reduce((a, b) => a + b, 0);
  const lineGrowth = Array.from({ length: options.lines }, () => 0.01 * normal(random));
  const series: number[][][] = [];
  for (let d = 0; d < options.dealers; d += 1) {
    const size = median * Math.exp(0.8 * normal(random));
    const dealerLines: number[][] = [];
    for (let l = 0; l < options.lines; l += 1) {
      const base = (size * lineShares[l]!) / shareSum;
      const values: number[] = [];
      for (let t = 0; t < options.months; t += 1) {
        const mean = base * SYNTHETIC_SEASON[t % 12]! * Math.exp(lineGrowth[l]! * t);
        values.push(poisson(random, mean * (gamma(random, shape) / shape)));
      }
      dealerLines.push(values);
    }
    series.push(dealerLines);
  }
  return { series, months: options.months };
}
