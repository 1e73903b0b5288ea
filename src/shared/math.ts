/**
 * Small numeric helpers shared by the server's modules (pure; no Node or database imports).
 * Floats only: never for money (see `money.ts` and `fixed.ts`).
 */

/** Median of a list (the mean of the two middle values for an even count); 0 for an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * mulberry32: a small, fast, seeded generator of uniforms in [0, 1) (32-bit state). The same
 * seed gives the same sequence on every platform; for the demo network's samplers see
 * `server/modules/demo/random.ts` (sfc32).
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Gamma(shape, 1) for shape ≥ 1 by Marsaglia and Tsang (2000), drawing standard normals and
 * uniforms in [0, 1) from `source`.
 */
export function gammaMarsagliaTsang(
  shape: number,
  source: { normal(): number; next(): number },
): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = source.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = source.next();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}
