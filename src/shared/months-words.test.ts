import { describe, expect, it } from 'vitest';
import { inWords } from './months';

describe('months and periods in words (messages people read)', () => {
  it('names months, dates, quarters and the whole program', () => {
    expect(inWords('2026-03')).toBe('March 2026');
    expect(inWords('2026-12-05')).toBe('5 December 2026');
    expect(inWords('2026-Q1')).toBe('Q1 2026');
    expect(inWords('program')).toBe('the whole program');
  });
  it('leaves anything else as it is', () => {
    expect(inWords('DLR-ALPHA')).toBe('DLR-ALPHA');
    expect(inWords('2026-13')).toBe('2026-13');
  });
});
