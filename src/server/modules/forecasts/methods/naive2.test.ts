import { describe, expect, it } from 'vitest';
import { naive2 } from './naive2';

describe('naive2', () => {
  it('is the last value, flat, for a non-seasonal series', () => {
    expect(naive2([3, 5, 4, 6, 8], 3)).toEqual([8, 8, 8]);
  });
  it('reseasonalises the last adjusted value for a seasonal series', () => {
    const pattern = [0.7, 0.8, 1.2, 1.3, 1.1, 1.0, 0.9, 1.0, 1.1, 0.9, 0.95, 1.05];
    const values = Array.from({ length: 48 }, (_, t) => 200 * pattern[t % 12]!);
    const forecast = naive2(values, 12);
    forecast.forEach((f, h) => expect(f).toBeCloseTo(values[36 + h]!, 6));
  });
});
