/**
 * Logistic regression on a few features (Newton–Raphson with backtracking and a light ridge),
 * used to recalibrate probabilities with covariates (calibration.ts) and for the run-rate method.
 */

export type LogisticModel = { weights: number[]; intercept: number };

function sigmoidOf(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function loss(
  rows: readonly (readonly number[])[],
  y: readonly boolean[],
  beta: readonly number[],
  ridge: number,
): number {
  let total = 0;
  for (let j = 0; j < beta.length - 1; j += 1) total += 0.5 * ridge * beta[j]! * beta[j]!;
  rows.forEach((x, i) => {
    let z = beta[beta.length - 1]!;
    for (let j = 0; j < x.length; j += 1) z += beta[j]! * x[j]!;
    total += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - (y[i] ? z : 0);
  });
  return total;
}

/** Solves A x = b by Gaussian elimination with partial pivoting (small systems). */
function solve(a: number[][], b: number[]): number[] | undefined {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c += 1) {
    let pivot = c;
    for (let r = c + 1; r < n; r += 1) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    if (!(Math.abs(m[pivot]![c]!) > 1e-14)) return undefined;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    for (let r = 0; r < n; r += 1) {
      if (r === c) continue;
      const factor = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k += 1) m[r]![k]! -= factor * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

export function fitLogistic(
  rows: readonly (readonly number[])[],
  y: readonly boolean[],
): LogisticModel {
  const p = (rows[0]?.length ?? 0) + 1;
  const beta = new Array<number>(p).fill(0);
  const ridge = 1e-6 * Math.max(1, rows.length);
  if (rows.length === 0) return { weights: beta.slice(0, -1), intercept: 0 };
  for (let iteration = 0; iteration < 50; iteration += 1) {
    const gradient = new Array<number>(p).fill(0);
    const hessian = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    for (let j = 0; j < p - 1; j += 1) {
      gradient[j] = ridge * beta[j]!;
      hessian[j]![j] = ridge;
    }
    rows.forEach((x, i) => {
      const features = [...x, 1];
      let z = 0;
      for (let j = 0; j < p; j += 1) z += beta[j]! * features[j]!;
      const q = sigmoidOf(z);
      const w = Math.max(q * (1 - q), 1e-12);
      const residual = q - (y[i] ? 1 : 0);
      for (let j = 0; j < p; j += 1) {
        gradient[j]! += residual * features[j]!;
        for (let k = 0; k < p; k += 1) hessian[j]![k]! += w * features[j]! * features[k]!;
      }
    });
    const step = solve(hessian, gradient);
    if (!step) break;
    const current = loss(rows, y, beta, ridge);
    let t = 1;
    const trial = (s: number) => beta.map((b, j) => b - s * step[j]!);
    while (t > 1e-6 && loss(rows, y, trial(t), ridge) > current) t /= 2;
    const next = trial(t);
    const change = next.reduce((s, b, j) => s + Math.abs(b - beta[j]!), 0);
    next.forEach((b, j) => (beta[j] = b));
    if (change < 1e-10) break;
  }
  return { weights: beta.slice(0, -1), intercept: beta[p - 1]! };
}

export function predictLogistic(model: LogisticModel, x: readonly number[]): number {
  let z = model.intercept;
  model.weights.forEach((w, j) => (z += w * x[j]!));
  return sigmoidOf(z);
}
