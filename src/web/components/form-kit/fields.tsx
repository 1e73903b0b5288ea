/**
 * Inputs bound to a form of the kit by field name: the value, the change (which clears the
 * field's error) and the error the schema or the server gave that field.
 */
import { TextInput, type TextInputProps } from '@mantine/core';
import type { FormState } from './use-form';

type StringKeys<V> = { [K in keyof V]: V[K] extends string ? K : never }[keyof V];

type FieldProps<V extends Record<string, unknown>> = Omit<
  TextInputProps,
  'value' | 'onChange' | 'error' | 'form'
> & { form: FormState<V>; name: StringKeys<V> & string };

export function TextField<V extends Record<string, unknown>>({
  form,
  name,
  ...props
}: FieldProps<V>) {
  return (
    <TextInput
      {...props}
      value={form.values[name] as string}
      onChange={(e) => form.set(name, e.currentTarget.value as V[typeof name])}
      error={form.errors[name]}
    />
  );
}

/**
 * An amount as a decimal string (never a binary float: the server takes money as text); the
 * currency shown beside it.
 */
export function MoneyField<V extends Record<string, unknown>>({
  currency,
  ...props
}: FieldProps<V> & { currency?: string }) {
  return (
    <TextField
      inputMode="decimal"
      placeholder="0.00"
      rightSection={currency}
      rightSectionWidth={currency ? 48 : undefined}
      {...props}
    />
  );
}

/** A date (YYYY-MM-DD, the API's form) with the browser's own date picker in the locale. */
export function DateField<V extends Record<string, unknown>>(props: FieldProps<V>) {
  return <TextField type="date" {...props} />;
}
