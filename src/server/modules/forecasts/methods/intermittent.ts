/**
 * Methods for sparse, intermittent demand (a small dealer sells a model line in a few months a year):
 * Croston with the Syntetos–Boylan bias correction (SBA) and TSB (Teunter, Syntetos and Babai,
 * 2011), which updates the demand probability every month so a line that stops selling decays
 * towards zero instead of freezing at its last rate.
 */

export type DemandClass = 'smooth' | 'erratic' | 'intermittent' | 'lumpy' | 'none';

export type DemandProfile = {
  /** Share of months with zero demand. */
  zeroShare: number;
  /** Average demand interval (months between non-zero demands). */
  adi: number;
  /** Squared coefficient of variation of the non-zero demand sizes. */
  cv2: number;
  demandClass: DemandClass;
};

/** Syntetos–Boylan classification (ADI cut-off 1.32, CV² cut-off 0.49). */
export function demandProfile(values: readonly number[]): DemandProfile {
  const n = values.length;
  const sizes = values.filter((v) => v > 0);
  const zeroShare = n === 0 ? 1 : values.filter((v) => v === 0).length / n;
  if (sizes.length === 0)
    return { zeroShare, adi: Number.POSITIVE_INFINITY, cv2: 0, demandClass: 'none' };
  const adi = n / sizes.length;
  const sizeMean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
  const sizeVar = sizes.reduce((a, b) => a + (b - sizeMean) ** 2, 0) / sizes.length;
  const cv2 = sizeMean > 0 ? sizeVar / (sizeMean * sizeMean) : 0;
  const isIntermittent = adi >= 1.32;
  const isVariable = cv2 >= 0.49;
  const demandClass: DemandClass = isIntermittent
    ? isVariable
      ? 'lumpy'
      : 'intermittent'
    : isVariable
      ? 'erratic'
      : 'smooth';
  return { zeroShare, adi, cv2, demandClass };
}

export type TsbFit = {
  alpha: number;
  beta: number;
  probability: number;
  size: number;
  sse: number;
};

function runTsb(values: readonly number[], alpha: number, beta: number): TsbFit {
  const n = values.length;
  const nonZero = values.filter((v) => v > 0);
  // Initial state: the first-year (or whole-series) demand probability and mean size.
  const warm = values.slice(0, Math.min(n, 12));
  const warmNonZero = warm.filter((v) => v > 0);
  let probability = warm.length > 0 ? warmNonZero.length / warm.length : 0;
  let size =
    warmNonZero.length > 0
      ? warmNonZero.reduce((a, b) => a + b, 0) / warmNonZero.length
      : nonZero.length > 0
        ? nonZero.reduce((a, b) => a + b, 0) / nonZero.length
        : 0;
  let sse = 0;
  for (const y of values) {
    const forecast = probability * size;
    sse += (y - forecast) * (y - forecast);
    if (y > 0) {
      probability += beta * (1 - probability);
      size += alpha * (y - size);
    } else {
      probability += beta * (0 - probability);
    }
  }
  return { alpha, beta, probability, size, sse };
}

const ALPHAS = [0.05, 0.1, 0.2, 0.3];
const BETAS = [0.02, 0.05, 0.1, 0.2, 0.3];

/** Fits TSB by grid search over the smoothing constants, minimising in-sample squared error. */
export function fitTsb(values: readonly number[]): TsbFit {
  let best = runTsb(values, ALPHAS[0]!, BETAS[0]!);
  for (const alpha of ALPHAS) {
    for (const beta of BETAS) {
      const fit = runTsb(values, alpha, beta);
      if (fit.sse < best.sse) best = fit;
    }
  }
  return best;
}

/**
 * TSB forecast: probability × size, flat over the horizon. With `seasonalProfile` (12 factors
 * averaging 1, e.g. taken from the parent aggregate by the pooling helpers), the flat rate is
 * shaped by month: `profile[(n + h) % 12]` applies to the h-th future month.
 */
export function tsb(
  values: readonly number[],
  horizon: number,
  seasonalProfile?: readonly number[],
): number[] {
  if (values.length === 0) return new Array<number>(horizon).fill(0);
  const fit = fitTsb(values);
  const rate = fit.probability * fit.size;
  const n = values.length;
  return Array.from({ length: horizon }, (_, h) => {
    const factor = seasonalProfile ? (seasonalProfile[(n + h) % seasonalProfile.length] ?? 1) : 1;
    return rate * factor;
  });
}

/**
 * Croston's method with the SBA bias correction (1 − alpha/2), alpha fixed at 0.1 as is usual for
 * short sparse series. Flat forecast.
 */
export function crostonSba(values: readonly number[], horizon: number, alpha = 0.1): number[] {
  let size = 0;
  let interval = 0;
  let isStarted = false;
  let sinceLast = 1;
  for (const y of values) {
    if (y > 0) {
      if (!isStarted) {
        size = y;
        interval = sinceLast;
        isStarted = true;
      } else {
        size += alpha * (y - size);
        interval += alpha * (sinceLast - interval);
      }
      sinceLast = 1;
    } else {
      sinceLast += 1;
    }
  }
  const rate = isStarted && interval > 0 ? (1 - alpha / 2) * (size / interval) : 0;
  return new Array<number>(horizon).fill(rate);
}
