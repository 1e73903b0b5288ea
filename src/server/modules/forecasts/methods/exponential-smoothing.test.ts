import { describe, expect, it } from 'vitest';
import {
  dampedHoltForecast,
  fitSes,
  goldenSection,
  nelderMead,
  sesForecast,
} from './exponential-smoothing';

describe('SES', () => {
  it('forecasts a constant series as the constant', () => {
    sesForecast([4, 4, 4, 4, 4], 3).forEach((f) => expect(f).toBeCloseTo(4, 9));
  });
  it('the closed-form initial level is SSE-optimal (no better l0 on a grid)', () => {
    const values = [10, 12, 9, 14, 11, 13, 12, 15, 10, 13];
    const fit = fitSes(values);
    const sseFor = (l0: number) => {
      let level = l0;
      let sse = 0;
      for (const y of values) {
        sse += (y - level) ** 2;
        level += fit.alpha * (y - level);
      }
      return sse;
    };
    expect(fit.sse).toBeCloseTo(sseFor(fit.initialLevel), 8);
    for (let d = -2; d <= 2; d += 0.25)
      expect(sseFor(fit.initialLevel + d)).toBeGreaterThanOrEqual(fit.sse - 1e-9);
  });
});

describe('optimisers', () => {
  it('golden section finds the minimum of a parabola', () => {
    expect(goldenSection((x) => (x - 0.3) ** 2, 0, 1)).toBeCloseTo(0.3, 6);
  });
  it('Nelder–Mead finds the minimum of a 2-d bowl', () => {
    const [x, y] = nelderMead((p) => (p[0]! - 1) ** 2 + 2 * (p[1]! + 2) ** 2, [0, 0], [1, 1], 300);
    expect(x).toBeCloseTo(1, 3);
    expect(y).toBeCloseTo(-2, 3);
  });
});

describe('damped Holt', () => {
  it('continues a trend, damped: increasing, by less than the undamped slope', () => {
    const values = Array.from({ length: 36 }, (_, t) => 100 + 3 * t);
    const forecast = dampedHoltForecast(values, 12);
    expect(forecast[0]).toBeGreaterThan(values[35]!);
    for (let h = 1; h < 12; h += 1) {
      expect(forecast[h]!).toBeGreaterThan(forecast[h - 1]!);
      expect(forecast[h]! - forecast[h - 1]!).toBeLessThanOrEqual(3 + 1e-9);
    }
  });
});
