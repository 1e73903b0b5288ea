/**
 * Inputs bound to a form of the kit by field name: the value, the change (which clears the
 * field's error) and the error the schema or the server gave that field.
 */
import {
  PasswordInput,
  Select,
  TextInput,
  type PasswordInputProps,
  type SelectProps,
  type TextInputProps,
} from '@mantine/core';
import type { FormState } from './use-form';

type StringKeys<V> = { [K in keyof V]: V[K] extends string ? K : never }[keyof V];

type Bound<V extends Record<string, unknown>> = {
  form: FormState<V>;
  name: StringKeys<V> & string;
};
type FieldProps<V extends Record<string, unknown>> = Omit<
  TextInputProps,
  'value' | 'onChange' | 'error' | 'form'
> &
  Bound<V>;

/** What binds an input to its field: its name, the value, the change and the field's error. */
function bind<V extends Record<string, unknown>>({ form, name }: Bound<V>) {
  return {
    name,
    value: form.values[name] as string,
    onChange: (e: { currentTarget: { value: string } }) =>
      form.set(name, e.currentTarget.value as V[typeof name]),
    error: form.errors[name],
  };
}

export function TextField<V extends Record<string, unknown>>({
  form,
  name,
  ...props
}: FieldProps<V>) {
  return <TextInput {...props} {...bind({ form, name })} />;
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

/** A password (hidden, with the eye to show it). */
export function PasswordField<V extends Record<string, unknown>>({
  form,
  name,
  ...props
}: Omit<PasswordInputProps, 'value' | 'onChange' | 'error' | 'form'> & Bound<V>) {
  return <PasswordInput {...props} {...bind({ form, name })} />;
}

/** A choice of one option; no choice is the empty string in the form's values. */
export function SelectField<V extends Record<string, unknown>>({
  form,
  name,
  ...props
}: Omit<SelectProps, 'value' | 'onChange' | 'error' | 'form'> & Bound<V>) {
  return (
    <Select
      {...props}
      name={name}
      value={(form.values[name] as string) || null}
      onChange={(value) => form.set(name, (value ?? '') as V[typeof name])}
      error={form.errors[name]}
    />
  );
}
