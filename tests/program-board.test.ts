/**
 * The risk board's program tier section (issue 14): one calibration note when every row used the
 * same calibration (else one per row), only the pairs whose next tier is at risk, and money in
 * whole units.
 */
import { describe, expect, it } from 'vitest';
import {
  calibrationKey,
  sharedCalibration,
} from '../src/web/components/insights/calibration-groups';
import { programBoardRows, wholeAmount } from '../src/web/components/insights/program-board';

const network = (fittedAt: string) => ({
  source: 'network' as const,
  fittedAt,
  throughMonth: '2026-09',
  terms: 3,
  cases: 5400,
  text: '',
});
const shipped = {
  source: 'default' as const,
  fittedAt: null,
  throughMonth: null,
  terms: null,
  cases: null,
  text: '',
};

describe('calibration of a board of risks', () => {
  it('is shared when every row used the same fit, and null when they differ', () => {
    const a = network('2026-12-05T02:00:00Z');
    expect(sharedCalibration([{ calibration: a }, { calibration: { ...a } }])).toEqual(a);
    expect(sharedCalibration([{ calibration: shipped }, { calibration: shipped }])).toEqual(
      shipped,
    );
    expect(sharedCalibration([{ calibration: a }, { calibration: shipped }])).toBeNull();
    expect(
      sharedCalibration([{ calibration: a }, { calibration: network('2026-12-06T02:00:00Z') }]),
    ).toBeNull();
    expect(sharedCalibration([])).toBeNull();
    expect(calibrationKey(a)).not.toBe(calibrationKey(shipped));
  });
});

describe('program tier rows of the risk board', () => {
  const row = (probabilities: number[], reached: boolean[], shortfallMoney: string) => ({
    tiers: probabilities.map((probability, k) => ({ probability, reached: reached[k]! })),
    shortfallMoney,
  });

  it('lists only the pairs whose next tier is below 95 %, in their order, at most `limit`', () => {
    const risky = row([0.4, 0.1], [false, false], '6700.00');
    const second = row([1, 0.6], [true, false], '300.00');
    const sure = row([0.999, 0.2], [false, false], '0.40');
    const top = row([1, 1], [true, true], '0.00');
    expect(programBoardRows([risky, second, sure, top])).toEqual({
      shown: [risky, second],
      hasOnTrack: true,
    });
    expect(programBoardRows([risky, second], 1)).toEqual({ shown: [risky], hasOnTrack: false });
    expect(programBoardRows([sure, top])).toEqual({ shown: [], hasOnTrack: true });
  });

  it('rounds money to whole units and flags amounts under one', () => {
    expect(wholeAmount('305.40')).toEqual({ value: '305.00', isBelowOne: false });
    expect(wholeAmount('6712.55')).toEqual({ value: '6713.00', isBelowOne: false });
    expect(wholeAmount('0.40')).toEqual({ value: '1.00', isBelowOne: true });
    expect(wholeAmount('0.00')).toEqual({ value: '0.00', isBelowOne: false });
  });
});
