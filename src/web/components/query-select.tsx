/**
 * Selects whose options come from a query. Until the options arrive the select is disabled and
 * says "Loading…": opened before, its dropdown would be empty and a quick pick (a person's or a
 * browser test's) would find no option. If the query fails it stays disabled and says so.
 */
import { MultiSelect, Select, type MultiSelectProps, type SelectProps } from '@mantine/core';

/**
 * The part of a query result the selects look at: `isLoading` is its first fetch in flight (a
 * query that is not enabled is not loading: its page says why the select is not usable).
 */
export type OptionsQuery = { data: unknown; isLoading: boolean; isError: boolean };

/** The props of a select fed by `query`: as given once its data is in (or not asked for). */
export function optionsQueryProps<P extends { disabled?: boolean; placeholder?: string }>(
  query: OptionsQuery,
  props: P,
): P {
  if (query.isLoading) return { ...props, disabled: true, placeholder: 'Loading…' };
  if (query.isError && query.data === undefined)
    return { ...props, disabled: true, placeholder: 'Could not load the choices' };
  return props;
}

/** A Select fed by a query (see the module). */
export function QuerySelect({ query, ...props }: SelectProps & { query: OptionsQuery }) {
  return <Select {...optionsQueryProps(query, props)} />;
}

/** A MultiSelect fed by a query (see the module). */
export function QueryMultiSelect({ query, ...props }: MultiSelectProps & { query: OptionsQuery }) {
  return <MultiSelect {...optionsQueryProps(query, props)} />;
}
