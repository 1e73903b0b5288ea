/**
 * The state every form of the web app keeps (issue 19's form kit): its values, the errors at
 * each field (from the shared zod schema before sending, from the server's problems after), and
 * the problems that name no field of the form.
 */
import { useState } from 'react';
import type { ZodType } from 'zod';
import type { Problem } from '../../../shared/errors';
import { apiFieldErrors, validate, type FieldErrors } from '../../forms';

export type FormState<V extends Record<string, unknown>> = {
  values: V;
  errors: FieldErrors;
  /** Problems of the last rejected request that name no field of this form. */
  rest: Problem[];
  /** Sets one value and clears that field's error. */
  set: <K extends keyof V>(field: K, value: V[K]) => void;
  /**
   * Checks a body against a shared schema, with the form's own checks (`extra`, which win): its
   * data, or null with the errors shown.
   */
  check: <T>(schema: ZodType<T>, body: unknown, extra?: FieldErrors) => T | null;
  /** Puts a rejected request's problems on their fields (the rest under the form). */
  fail: (error: unknown) => void;
  /** Back to the initial values, without errors (a form that stays open for the next record). */
  reset: () => void;
};

export function useForm<V extends Record<string, unknown>>(
  initial: V | (() => V),
  fields: readonly string[],
): FormState<V> {
  const [values, setValues] = useState<V>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [rest, setRest] = useState<Problem[]>([]);
  return {
    values,
    errors,
    rest,
    set(field, value) {
      setValues((v) => ({ ...v, [field]: value }));
      setErrors((e) => {
        const { [field as string]: _, ...others } = e;
        return others;
      });
    },
    check(schema, body, extra = {}) {
      const checked = validate(schema, body);
      if (!checked.isValid || Object.keys(extra).length > 0) {
        setErrors({ ...(checked.isValid ? {} : checked.errors), ...extra });
        return null;
      }
      setRest([]);
      return checked.data;
    },
    fail(error) {
      const mapped = apiFieldErrors(error, fields);
      setErrors(mapped.errors);
      setRest(mapped.rest);
    },
    reset() {
      setValues(initial);
      setErrors({});
      setRest([]);
    },
  };
}

/**
 * A form's first values: the record's own where it has one (an edit), else empty, or `blank`'s
 * value for that field (a new record, or a field the record leaves null).
 */
export function valuesOf<F extends string, B extends Partial<Record<F, unknown>> = object>(
  record: object | undefined,
  fields: readonly F[],
  blank?: B,
): Omit<Record<F, string>, keyof B> & B {
  const own = (record ?? {}) as Record<string, unknown>;
  const empty = (blank ?? {}) as Record<string, unknown>;
  return Object.fromEntries(fields.map((f) => [f, own[f] ?? empty[f] ?? ''])) as Omit<
    Record<F, string>,
    keyof B
  > &
    B;
}
