/**
 * Deterministic pseudo-random numbers for the demo network generator.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's "small fast chaotic" generator, 128-bit state,
 * passes PractRand to many terabytes), seeded through splitmix32 so that nearby seeds give
 * unrelated streams. Everything here is plain 32-bit integer arithmetic, so the same seed gives the
 * same sequence on every platform and Node version. `Math.random` is never used.
 *
 * Samplers: uniform, integer, Bernoulli, normal (Box-Muller, one spare cached), lognormal,
 * exponential, gamma (Marsaglia-Tsang), Poisson (inversion below 10, Hörmann's PTRS transformed
 * rejection above) and negative binomial (gamma-Poisson mixture).
 */
import { gammaMarsagliaTsang } from '../../../shared/math';

const TWO_POW_32 = 4294967296;

/** splitmix32 step: a good 32-bit mixer used for seeding and hashing. */
function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Hashes numbers and strings into one 32-bit seed. Order matters:
 * `hashSeed(1, 'a') !== hashSeed('a', 1)`. Numbers use all of their integer bits (up to 2^53).
 */
export function hashSeed(...parts: ReadonlyArray<number | string>): number {
  let h = 0x2545f491;
  const mix = (value: number) => {
    h = splitmix32((h ^ value) >>> 0);
  };
  for (const part of parts) {
    if (typeof part === 'number') {
      if (!Number.isFinite(part)) throw new RangeError(`Cannot hash non-finite number ${part}`);
      const integer = Math.trunc(part);
      mix(integer >>> 0);
      mix(Math.floor(integer / TWO_POW_32) >>> 0);
      mix(Math.round((part - integer) * TWO_POW_32) >>> 0);
    } else {
      mix(0x5f3759df ^ part.length);
      for (let i = 0; i < part.length; i++) mix(part.charCodeAt(i));
    }
  }
  return h;
}

/** log(k!) for k < 256 from a table, Stirling's series above. */
const LOG_FACTORIAL_TABLE: Float64Array = (() => {
  const table = new Float64Array(256);
  for (let k = 2; k < 256; k++) table[k] = table[k - 1]! + Math.log(k);
  return table;
})();

export function logFactorial(k: number): number {
  if (k < 256) return LOG_FACTORIAL_TABLE[k]!;
  const x = k + 1;
  return (
    (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x * x * x)
  );
}

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal = 0;
  private hasSpareNormal = false;

  /** `seed` may be any finite number; extra parts (numbers or strings) select a sub-stream. */
  constructor(seed: number, ...stream: ReadonlyArray<number | string>) {
    let s = hashSeed(seed, ...stream);
    s = splitmix32(s);
    this.a = s | 0;
    s = splitmix32(s);
    this.b = s | 0;
    s = splitmix32(s);
    this.c = s | 0;
    s = splitmix32(s);
    this.d = s | 0;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A new, independent stream derived from this one's current state and a label. */
  fork(...label: ReadonlyArray<number | string>): Random {
    return new Random(this.nextUint32(), ...label);
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform on [0, 1), 32-bit resolution. */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Uniform on [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Integer in [min, max], both inclusive. */
  intBetween(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** Normal(mean, sd) by Box-Muller; the second variate of each pair is cached. */
  normal(mean = 0, sd = 1): number {
    if (this.hasSpareNormal) {
      this.hasSpareNormal = false;
      return mean + sd * this.spareNormal;
    }
    const u = 1 - this.next(); // (0, 1]
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * v;
    this.spareNormal = r * Math.sin(theta);
    this.hasSpareNormal = true;
    return mean + sd * r * Math.cos(theta);
  }

  /** exp(Normal(mu, sigma)). */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(this.normal(mu, sigma));
  }

  /** Lognormal with the given mean (not median) and log-scale sigma. */
  lognormalWithMean(mean: number, sigma: number): number {
    return mean * Math.exp(this.normal(-0.5 * sigma * sigma, sigma));
  }

  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Gamma(shape, scale): mean shape·scale, variance shape·scale². Marsaglia-Tsang (2000). */
  gamma(shape: number, scale = 1): number {
    if (!(shape > 0)) throw new RangeError(`gamma shape must be > 0, got ${shape}`);
    if (shape < 1) {
      const u = 1 - this.next();
      return this.gamma(shape + 1, scale) * Math.pow(u, 1 / shape);
    }
    return gammaMarsagliaTsang(shape, this) * scale;
  }

  /** Poisson(lambda): exact. Inversion for lambda < 10, PTRS (Hörmann 1993) otherwise. */
  poisson(lambda: number): number {
    if (!(lambda > 0)) {
      if (lambda === 0) return 0;
      throw new RangeError(`poisson lambda must be >= 0, got ${lambda}`);
    }
    if (lambda < 10) {
      let p = Math.exp(-lambda);
      let s = p;
      const u = this.next();
      let k = 0;
      while (u > s && k < 200) {
        k++;
        p *= lambda / k;
        s += p;
      }
      return k;
    }
    const slam = Math.sqrt(lambda);
    const loglam = Math.log(lambda);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.next() - 0.5;
      const v = this.next();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (
        Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <=
        -lambda + k * loglam - logFactorial(k)
      ) {
        return k;
      }
    }
  }

  /**
   * Negative binomial as a gamma-Poisson mixture: mean `mean`, variance mean + mean²/shape.
   * Smaller `shape` means more over-dispersion; shape → ∞ is Poisson.
   */
  negativeBinomial(mean: number, shape: number): number {
    if (mean <= 0) return 0;
    return this.poisson(this.gamma(shape, mean / shape));
  }

  pick<T>(items: ReadonlyArray<T>): T {
    if (items.length === 0) throw new RangeError('pick from an empty array');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Index drawn with probability proportional to its (non-negative) weight. */
  weightedIndex(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i]!;
    if (!(total > 0)) throw new RangeError('weightedIndex needs a positive total weight');
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    // Rounding: return the last index with positive weight.
    for (let i = weights.length - 1; i >= 0; i--) if (weights[i]! > 0) return i;
    return weights.length - 1;
  }

  /** Fisher-Yates shuffle, in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }
}
