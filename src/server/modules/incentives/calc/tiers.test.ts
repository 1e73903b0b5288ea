import { describe, expect, it } from 'vitest';
import { Dec } from '../../../../shared/money';
import {
  calculateTierPayout,
  compileTiers,
  findNextTier,
  findTierReached,
  incrementalRanges,
  splitSpan,
} from './tiers';

const tiers = [
  { from: '0', value: '100' },
  { from: '50', value: '200' },
];

describe('tiers', () => {
  it('THE worked check: 60 net units pay 12,000 retroactive and 7,000 incremental', () => {
    const program = { tiers, benefit: 'per_unit' as const };
    expect(
      calculateTierPayout({
        program: { ...program, tierMode: 'retroactive' },
        measureValue: '60',
        volume: '60',
      }),
    ).toBe('12000');
    expect(
      calculateTierPayout({
        program: { ...program, tierMode: 'incremental' },
        measureValue: '60',
        volume: '60',
      }),
    ).toBe('7000');
  });

  it('a tier is reached when the measure is at least its from', () => {
    expect(findTierReached({ tiers, measureValue: '49.999999' })?.from).toBe('0');
    expect(findTierReached({ tiers, measureValue: '50' })?.from).toBe('50');
    expect(findTierReached({ tiers, measureValue: '-1' })).toBeNull();
    expect(findTierReached({ tiers, measureValue: null })).toBeNull();
    expect(findNextTier({ tiers, measureValue: '12' })).toEqual({ from: '50', value: '200' });
    expect(findNextTier({ tiers, measureValue: '50' })).toBeNull();
  });

  it('growth increment pays only above the threshold; lump sums ignore volume', () => {
    const program = {
      tiers: [{ from: '5', value: '200' }],
      benefit: 'per_unit' as const,
      tierMode: 'retroactive' as const,
    };
    expect(
      calculateTierPayout({ program, measureValue: '10', volume: '44', threshold: '40' }),
    ).toBe('800');
    expect(calculateTierPayout({ program, measureValue: '1', volume: '44', threshold: '40' })).toBe(
      '0',
    );
    expect(
      calculateTierPayout({
        program: { ...program, benefit: 'lump_sum' },
        measureValue: '5',
        volume: '0',
      }),
    ).toBe('200');
  });

  it('splits a span across ranges; an unwind walks back with negative parts', () => {
    const compiled = compileTiers({ tiers, benefit: 'per_unit' });
    const ranges = incrementalRanges(compiled, 1);
    const forward = splitSpan(ranges, new Dec(48), new Dec(4));
    expect(forward.map((p) => [p.start.toFixed(), p.end.toFixed(), p.length.toFixed()])).toEqual([
      ['48', '50', '2'],
      ['50', '52', '2'],
    ]);
    const back = splitSpan(ranges, new Dec(52), new Dec(-4));
    expect(back.map((p) => p.length.toFixed())).toEqual(['-2', '-2']);
    expect(splitSpan(ranges, new Dec(-3), new Dec(2))).toEqual([]);
  });

  it('percentages are divided by 100 into the rate', () => {
    expect(
      compileTiers({
        tiers: [{ from: '0', value: '2.5' }],
        benefit: 'percent_of_revenue',
      })[0]?.rate.toFixed(),
    ).toBe('0.025');
  });
});
