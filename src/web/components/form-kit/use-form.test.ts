import { describe, expect, it } from 'vitest';
import { blankValues, valuesOf } from './use-form';

describe('a form’s first values', () => {
  it('takes the record’s own values and the blank ones where it has none or null', () => {
    const blank = { ...blankValues(['code', 'city', 'country'] as const), country: 'US' };
    expect(valuesOf(undefined, blank)).toEqual({ code: '', city: '', country: 'US' });
    expect(valuesOf({ code: 'D1', city: null, country: 'CA', other: 1 }, blank)).toEqual({
      code: 'D1',
      city: '',
      country: 'CA',
    });
  });
});
