/**
 * Pickers that search the server as one types (form kit) instead of offering the first page of
 * a long list: a dealer network has thousands of dealers.
 */
import { useState } from 'react';
import { Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useDealers } from '../../queries';

export function DealerPicker({
  value,
  onChange,
  error,
  label = 'Dealer',
  isRequired = true,
}: {
  value: string | null;
  onChange: (code: string | null) => void;
  error?: string;
  label?: string;
  isRequired?: boolean;
}) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const dealers = useDealers({ q: debounced || undefined, limit: 20, offset: 0, status: 'active' });
  const data = (dealers.data?.items ?? []).map((d) => ({
    value: d.code,
    label: `${d.code} · ${d.name}`,
  }));
  if (value && !data.some((d) => d.value === value)) data.unshift({ value, label: value });
  return (
    <Select
      label={label}
      placeholder="Type a code or name"
      searchable
      clearable={!isRequired}
      data={data}
      value={value}
      onChange={onChange}
      searchValue={search}
      onSearchChange={setSearch}
      nothingFoundMessage={dealers.isFetching ? 'Searching…' : 'No dealer found'}
      filter={({ options }) => options}
      error={error}
      required={isRequired}
    />
  );
}
