import { describe, expect, it } from 'vitest';
import { checkEligibility } from './eligibility';
import { findFilterWarnings, matchesFilter } from './filters';
import { DEALER, makeProgram, makeSale } from './test-fixtures';

describe('filters', () => {
  const filter = {
    modelLines: ['SUV', 'PICKUP'],
    skus: [],
    powertrains: ['BEV' as const, 'PHEV' as const],
    segments: [],
    kinds: ['retail_delivery' as const],
  };

  it('OR within a list, AND across lists, empty means all', () => {
    expect(matchesFilter({ filter, transaction: makeSale() })).toBe(true);
    expect(
      matchesFilter({
        filter,
        transaction: makeSale({ modelLineCode: 'PICKUP', powertrain: 'PHEV' }),
      }),
    ).toBe(true);
    expect(matchesFilter({ filter, transaction: makeSale({ powertrain: 'ICE' }) })).toBe(false);
    expect(matchesFilter({ filter, transaction: makeSale({ modelLineCode: 'SEDAN' }) })).toBe(
      false,
    );
    expect(matchesFilter({ filter: { ...filter, skus: ['X'] }, transaction: makeSale() })).toBe(
      false,
    );
    expect(
      matchesFilter({ filter: { ...filter, segments: ['suv'] }, transaction: makeSale() }),
    ).toBe(true);
  });

  it('kinds: only the listed ones; an unwind nets in a retail program, not in a wholesale one', () => {
    const unwind = makeSale({ kind: 'unwind', quantity: -1 });
    expect(matchesFilter({ filter, transaction: makeSale({ kind: 'registration' }) })).toBe(false);
    expect(matchesFilter({ filter, transaction: unwind })).toBe(true);
    expect(
      matchesFilter({ filter: { ...filter, kinds: ['registration'] }, transaction: unwind }),
    ).toBe(true);
    expect(matchesFilter({ filter: { ...filter, kinds: ['invoice'] }, transaction: unwind })).toBe(
      false,
    );
    expect(
      matchesFilter({
        filter: { ...filter, kinds: ['invoice'] },
        transaction: makeSale({ kind: 'invoice', quantity: -1 }),
      }),
    ).toBe(true);
  });

  it('warns about filters that match nothing in the catalog', () => {
    const catalog = [
      { code: 'SUV-EV-1', modelLineCode: 'SUV', powertrain: 'BEV', segment: 'suv' },
      { code: 'SED-ICE-1', modelLineCode: 'SEDAN', powertrain: 'ICE', segment: 'car' },
    ];
    const ok = makeProgram({ qualifying: { modelLines: ['SUV'] } });
    expect(findFilterWarnings({ program: ok, catalog })).toEqual([]);
    const bad = makeProgram({
      qualifying: { modelLines: ['SEDAN'], powertrains: ['BEV'] },
      paying: { modelLines: ['VAN'] },
    });
    expect(findFilterWarnings({ program: bad, catalog }).map((w) => [w.path, w.code])).toEqual([
      ['qualifying', 'filter_matches_nothing'],
      ['paying.modelLines.0', 'unknown_code'],
      ['paying', 'filter_matches_nothing'],
    ]);
  });
});

describe('eligibility', () => {
  it('everyone active when the lists are empty', () => {
    expect(checkEligibility({ program: makeProgram(), dealer: DEALER })).toEqual({
      eligible: true,
      reasons: [],
    });
  });

  it('regions match the dealer region or an ancestor; every non-empty list must match', () => {
    const byParent = makeProgram({ eligibility: { regions: ['US'] } });
    expect(checkEligibility({ program: byParent, dealer: DEALER }).eligible).toBe(true);
    const both = makeProgram({ eligibility: { regions: ['US'], dealerGroups: ['G2'] } });
    const result = checkEligibility({ program: both, dealer: DEALER });
    expect(result.eligible).toBe(false);
    expect(result.reasons).toHaveLength(1);
    expect(result.reasons[0]).toContain('dealer groups G2');
  });

  it('named dealers, active status and an active agreement', () => {
    const named = makeProgram({
      eligibility: { dealers: ['D002'], requiresActiveAgreement: true },
    });
    const result = checkEligibility({
      program: named,
      dealer: { ...DEALER, status: 'inactive', hasActiveAgreement: false },
    });
    expect(result.reasons).toEqual([
      'dealer D001 is not active',
      "dealer D001 is not one of the program's dealers",
      'dealer D001 has no active sales agreement in the window',
    ]);
  });
});
