import { describe, expect, it } from 'vitest';
import { firstPayablePeriod, settledByLater, windowOrder } from './window-order';

const periods = ['2026-01', '2026-02', '2026-03', '2026-04'].map((period) => ({ period }));
/** Quarterly windows: the dealer's stored statements per window. */
const quarterOf = (period: string) => (period <= '2026-03' ? 'Q1' : 'Q2');

function payable(
  from: string,
  closed: string[],
  stored: { period: string; status: string }[],
  locked: string[] = [],
) {
  return firstPayablePeriod({
    lock: async (period) => {
      locked.push(period);
    },
    periods,
    from: periods.findIndex((x) => x.period === from),
    isClosed: async (period) => closed.includes(period),
    windowOf: async (period) => stored.filter((s) => quarterOf(s.period) === quarterOf(period)),
  });
}

describe('window order', () => {
  it('approves in period order: a closed earlier period blocks, an approved later one settled it', () => {
    const window = [
      { period: '2026-01', status: 'closed' },
      { period: '2026-03', status: 'approved' },
    ];
    expect(windowOrder('2026-02', window)).toEqual({
      blockedBy: ['2026-01'],
      settledBy: ['2026-03'],
    });
    expect(settledByLater('2026-02', window)).toBe(true);
    expect(settledByLater('2026-03', window)).toBe(false);
  });

  it('an adjustment goes to the disputed period while it can still pay the dealer', async () => {
    expect(await payable('2026-01', [], [])).toBe('2026-01');
    expect(await payable('2026-01', ['2026-01'], [])).toBe('2026-02');
  });

  it('skips an open period whose window a later approved statement already paid', async () => {
    // February approved before January was closed: January's close puts nothing up for the dealer
    const stored = [{ period: '2026-02', status: 'approved' }];
    expect(await payable('2026-01', ['2026-02'], stored)).toBe('2026-03');
    // a paid later statement of another window does not matter
    expect(await payable('2026-03', [], [{ period: '2026-04', status: 'paid' }])).toBe('2026-03');
  });

  it('locks each period it reads before reading whether it is closed (no close slips in between)', async () => {
    const locked: string[] = [];
    expect(await payable('2026-01', ['2026-01', '2026-02'], [], locked)).toBe('2026-03');
    expect(locked).toEqual(['2026-01', '2026-02', '2026-03']);
  });

  it('is undefined when no period is left that can pay', async () => {
    expect(await payable('2026-03', ['2026-03', '2026-04'], [])).toBeUndefined();
  });
});
