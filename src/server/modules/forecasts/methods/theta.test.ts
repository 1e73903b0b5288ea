import { describe, expect, it } from 'vitest';
import { theta, thetaDeseasonalised } from './theta';

describe('classic Theta', () => {
  it('extrapolates a linear trend: from the last value, with half the slope (SES with drift b/2)', () => {
    const values = Array.from({ length: 36 }, (_, t) => 50 + 2 * t);
    const forecast = theta(values, 12);
    // theta=0 line continues the trend; SES on the theta=2 line (= the series) ends near the last
    // value; their average rises by b/2 = 1 per month from the last value.
    forecast.forEach((f, h) => expect(f).toBeCloseTo(values[35]! + 1 * (h + 1) + 0.5 * 0, 0));
    for (let h = 1; h < 12; h += 1) expect(forecast[h]! - forecast[h - 1]!).toBeCloseTo(1, 9);
  });
  it('forecasts a constant series as that constant', () => {
    thetaDeseasonalised([7, 7, 7, 7, 7, 7], 4).forEach((f) => expect(f).toBeCloseTo(7, 9));
  });
  it('keeps the seasonal pattern of a seasonal series', () => {
    const pattern = [0.7, 0.8, 1.2, 1.3, 1.1, 1.0, 0.9, 1.0, 1.1, 0.9, 0.95, 1.05];
    const values = Array.from({ length: 48 }, (_, t) => 100 * pattern[t % 12]!);
    theta(values, 12).forEach((f, h) => expect(f).toBeCloseTo(100 * pattern[h]!, 4));
  });
});
