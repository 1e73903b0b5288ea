/**
 * Pickers that search the server as one types (form kit) instead of offering the first page of
 * a long list: a dealer network has thousands of dealers.
 */
import { useState } from 'react';
import { Select, type SelectProps } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useDealers } from '../../queries';

type Option = { value: string; label: string };

/**
 * A dealer by code, offered as "Name (CODE)". Other props (an aria-label instead of the label, a
 * width, a data-testid) go to the Select.
 */
export function DealerPicker({
  value,
  onChange,
  error,
  label = 'Dealer',
  placeholder = 'Type a code or name',
  isRequired = true,
  isActiveOnly = true,
  ...props
}: Omit<SelectProps, 'value' | 'onChange' | 'error' | 'data' | 'required'> & {
  value: string | null;
  onChange: (code: string | null) => void;
  error?: string;
  isRequired?: boolean;
  /** Only active dealers (a new agreement, a scope); false also finds closed ones. */
  isActiveOnly?: boolean;
}) {
  const [search, setSearch] = useState('');
  const [chosen, setChosen] = useState<Option | null>(null);
  const [debounced] = useDebouncedValue(search, 250);
  // After a pick the input shows the option's label: that is not a search.
  const q = chosen && debounced === chosen.label ? '' : debounced;
  const dealers = useDealers({
    q: q || undefined,
    limit: 20,
    offset: 0,
    ...(isActiveOnly ? { status: 'active' } : {}),
  });
  const data: Option[] = (dealers.data?.items ?? []).map((d) => ({
    value: d.code,
    label: `${d.name} (${d.code})`,
  }));
  if (value && !data.some((d) => d.value === value))
    data.unshift({ value, label: chosen?.value === value ? chosen.label : value });
  return (
    <Select
      label={label}
      placeholder={placeholder}
      searchable
      clearable={!isRequired}
      {...props}
      data={data}
      value={value}
      onChange={(code, option) => {
        setChosen(option ? { value: option.value, label: option.label } : null);
        onChange(code);
      }}
      searchValue={search}
      onSearchChange={setSearch}
      nothingFoundMessage={dealers.isFetching ? 'Searching…' : 'No dealer found'}
      filter={({ options }) => options}
      error={error}
      required={isRequired}
    />
  );
}
