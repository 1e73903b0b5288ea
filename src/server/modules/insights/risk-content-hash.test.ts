import { describe, expect, it } from 'vitest';
import { riskContentHash } from './risk-content-hash';

describe('risk content hash', () => {
  it('gives equal content the same hash and different columns different ones', () => {
    const drivers = JSON.stringify([{ kind: 'pace', units: -2.5, text: 'behind, "by far"' }]);
    const same = riskContentHash([1, 'a label', 0.25, null], [drivers, '[]']);
    expect(riskContentHash([1, 'a label', 0.25, null], [drivers, '[]'])).toBe(same);
    expect(same).toMatch(/^[0-9a-f]{32}$/);
    // text moved from one JSON column to the next, or across scalar columns, is a change
    expect(riskContentHash([], ['[1,', '2]'])).not.toBe(riskContentHash([], ['[1,2', ']']));
    expect(riskContentHash(['a,b'], [])).not.toBe(riskContentHash(['a', 'b'], []));
    expect(riskContentHash([null, ''], [])).not.toBe(riskContentHash(['', null], []));
    expect(riskContentHash(['x'], ['1:2'])).not.toBe(riskContentHash(['x,1:2'], []));
  });
});
