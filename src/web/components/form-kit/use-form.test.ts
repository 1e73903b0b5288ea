import { describe, expect, it } from 'vitest';
import { valuesOf } from './use-form';

describe('a form’s first values', () => {
  it('takes the record’s own values and the blank ones where it has none or null', () => {
    const fields = ['code', 'city', 'country'] as const;
    expect(valuesOf(undefined, fields, { country: 'US' })).toEqual({
      code: '',
      city: '',
      country: 'US',
    });
    expect(
      valuesOf({ code: 'D1', city: null, country: 'CA', other: 1 }, fields, { country: 'US' }),
    ).toEqual({
      code: 'D1',
      city: '',
      country: 'CA',
    });
  });
});
