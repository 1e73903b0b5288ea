import { describe, expect, it } from 'vitest';
import { crostonSba, demandProfile, tsb } from './intermittent';

describe('demandProfile', () => {
  it('classifies by average demand interval and CV² (Syntetos–Boylan)', () => {
    expect(demandProfile([5, 6, 5, 6, 5, 6]).demandClass).toBe('smooth');
    const sparse = demandProfile([0, 0, 2, 0, 0, 2, 0, 0, 2]);
    expect(sparse.adi).toBe(3);
    expect(sparse.zeroShare).toBeCloseTo(2 / 3, 12);
    expect(sparse.demandClass).toBe('intermittent');
    expect(demandProfile([0, 0, 1, 0, 0, 9, 0, 0, 1]).demandClass).toBe('lumpy');
    expect(demandProfile([0, 0, 0]).demandClass).toBe('none');
  });
});

describe('TSB', () => {
  it('forecasts zero for an all-zero history and roughly the rate of a regular sparse series', () => {
    expect(tsb([0, 0, 0, 0], 3)).toEqual([0, 0, 0]);
    const values = Array.from({ length: 48 }, (_, t) => (t % 3 === 2 ? 3 : 0));
    tsb(values, 6).forEach((f) => expect(f).toBeGreaterThan(0.6));
    tsb(values, 6).forEach((f) => expect(f).toBeLessThan(1.4));
  });
  it('decays towards zero when a line stops selling (Croston would freeze)', () => {
    const values = [
      ...Array.from({ length: 36 }, (_, t) => (t % 2 === 0 ? 2 : 0)),
      ...new Array<number>(12).fill(0),
    ];
    const active = tsb(values.slice(0, 36), 1)[0]!;
    const stopped = tsb(values, 1)[0]!;
    expect(stopped).toBeLessThan(active * 0.8);
    expect(crostonSba(values, 1)[0]!).toBeGreaterThan(stopped);
  });
  it('shapes the flat rate by a seasonal profile aligned to the series start', () => {
    const values = Array.from({ length: 24 }, (_, t) => (t % 2 === 0 ? 2 : 0));
    const profile = [2, 0.5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.5];
    const flat = tsb(values, 2);
    const shaped = tsb(values, 2, profile);
    expect(shaped[0]).toBeCloseTo(flat[0]! * 2, 12); // month index 24 % 12 = 0
    expect(shaped[1]).toBeCloseTo(flat[1]! * 0.5, 12);
  });
});

describe('Croston SBA', () => {
  it('is size / interval × (1 − α/2) on a perfectly regular series', () => {
    const values = Array.from({ length: 30 }, (_, t) => (t % 3 === 2 ? 6 : 0));
    crostonSba(values, 2, 0.1).forEach((f) => expect(f).toBeCloseTo(2 * 0.95, 12));
  });
});
