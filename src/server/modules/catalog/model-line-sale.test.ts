import { describe, expect, it } from 'vitest';
import { hasSaleEnded } from './model-line-sale';

describe('hasSaleEnded', () => {
  it('has ended from the day after the last day of sale', () => {
    expect(hasSaleEnded('2026-03-31', '2026-03-30')).toBe(false);
    expect(hasSaleEnded('2026-03-31', '2026-03-31')).toBe(false);
    expect(hasSaleEnded('2026-03-31', '2026-04-01')).toBe(true);
    expect(hasSaleEnded('2025-12-31', '2026-01-01')).toBe(true);
  });

  it('never has without a planned end', () => {
    expect(hasSaleEnded(null, '2026-04-01')).toBe(false);
    expect(hasSaleEnded(undefined, '2026-04-01')).toBe(false);
  });
});
