/**
 * The frame the two what-if forms share (one program, every program): the request with its
 * errors at their fields, the panel with the fields in a grid, the button, the request's other
 * problems and the answer under them.
 */
import type { ReactNode } from 'react';
import {
  Button,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  type SelectProps,
  type SimpleGridProps,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { apiFieldErrors, type FieldErrors } from '../../forms';
import { FormError } from '../form-error';
import { BorderedCard } from '../bordered-card';
import { QuerySelect, type OptionsQuery } from '../query-select';

/** The what-if's request; a rejected one's problems by field (`errors`) and the others (`rest`). */
export function useWhatIf<R>(fields: readonly string[], send: () => Promise<R>) {
  const mutation = useMutation({ mutationFn: send });
  return { mutation, ...apiFieldErrors(mutation.error, fields) };
}

export type WhatIf<R> = ReturnType<typeof useWhatIf<R>>;

export function WhatIfPanel<R>({
  whatIf,
  testId,
  cols,
  submitLabel,
  isDisabled = false,
  fields,
  answer,
}: {
  whatIf: WhatIf<R>;
  testId: string;
  cols: SimpleGridProps['cols'];
  submitLabel: string;
  isDisabled?: boolean;
  fields: ReactNode;
  /** What to show once the server answered. */
  answer: (result: R) => ReactNode;
}) {
  const { mutation, errors, rest } = whatIf;
  return (
    <BorderedCard data-testid={testId}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          mutation.mutate();
        }}
      >
        <Stack gap="sm">
          <SimpleGrid cols={cols} spacing="xs">
            {fields}
          </SimpleGrid>
          <Group>
            <Button type="submit" loading={mutation.isPending} disabled={isDisabled}>
              {submitLabel}
            </Button>
          </Group>
          <FormError
            error={rest.length > 0 || Object.keys(errors).length === 0 ? mutation.error : null}
            problems={rest}
          />
          {mutation.data !== undefined && answer(mutation.data)}
        </Stack>
      </form>
    </BorderedCard>
  );
}

/** "More units": a whole number of hypothetical deliveries. */
export function MoreUnitsInput({
  value,
  onChange,
  min,
  max,
  error,
}: {
  value: number | string;
  onChange: (value: number | string) => void;
  min: number;
  max: number;
  error?: string;
}) {
  return (
    <NumberInput
      label="More units"
      value={value}
      onChange={onChange}
      min={min}
      max={max}
      allowDecimal={false}
      error={error}
      required
    />
  );
}

/** A what-if's powertrain ("Any" when cleared). */
export function PowertrainSelect(
  props: Pick<SelectProps, 'data' | 'value' | 'onChange' | 'error'>,
) {
  return <Select label="Powertrain" placeholder="Any" clearable {...props} />;
}

/** A what-if's model line (its error: the model line's, else the SKU's the server tried). */
export function ModelLineSelect({
  errors,
  ...props
}: Pick<SelectProps, 'data' | 'value' | 'onChange' | 'placeholder' | 'required' | 'clearable'> & {
  errors: FieldErrors;
  /** The model lines' query the options come from. */
  query: OptionsQuery;
}) {
  return (
    <QuerySelect label="Model line" searchable error={errors.modelLine ?? errors.sku} {...props} />
  );
}

/** A number input's value as the number to send. */
export function quantityOf(value: number | string): number {
  return typeof value === 'number' ? value : Number(value);
}
