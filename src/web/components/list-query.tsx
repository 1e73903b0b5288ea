/**
 * The URL query of a filtered, paged list (dealers, agreements, SKUs, transactions): its filters,
 * its page offset and its debounced search box, so a list page only says which filters it has.
 */
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { TextInput } from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { IconSearch } from './icons';
import { useModelLines } from '../queries';
import { QuerySelect } from './query-select';

export function useListQuery() {
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState(params.get('q') ?? '');

  /** Sets (or, when null or empty, removes) keys; back to the first page unless `offset` is set. */
  function update(changes: Record<string, string | null>) {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        for (const [key, value] of Object.entries(changes)) {
          if (value === null || value === '') next.delete(key);
          else next.set(key, value);
        }
        if (!('offset' in changes)) next.delete('offset');
        return next;
      },
      { replace: true },
    );
  }
  const updateSearch = useDebouncedCallback((value: string) => update({ q: value.trim() }), 300);

  return {
    params,
    setParams,
    update,
    offset: Number(params.get('offset') ?? 0) || 0,
    /** The search box: `q` of the URL, set 300 ms after typing stops. */
    searchInput: (label: string, placeholder: string) => (
      <SearchInput
        label={label}
        placeholder={placeholder}
        value={search}
        onChange={(value) => {
          setSearch(value);
          updateSearch(value);
        }}
      />
    ),
    /** Empties the search box and removes every filter (the "nothing matches" button). */
    clearAll: () => {
      setSearch('');
      setParams(new URLSearchParams(), { replace: true });
    },
  };
}

/** A search box (the list's own, or one filtering a list already loaded). */
export function SearchInput({
  label,
  placeholder,
  value,
  onChange,
}: {
  label: string;
  placeholder: string;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <TextInput
      aria-label={label}
      placeholder={placeholder}
      leftSection={<IconSearch size={16} />}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
    />
  );
}

/** The "Model line" filter of a list: the `modelLine` key of its URL query. */
export function ModelLineFilter({
  value,
  onChange,
}: {
  value: string | null;
  onChange: (value: string | null) => void;
}) {
  const modelLines = useModelLines();
  return (
    <QuerySelect
      query={modelLines}
      aria-label="Model line"
      placeholder="All model lines"
      data={(modelLines.data ?? []).map((m) => ({ value: m.code, label: m.name }))}
      value={value}
      onChange={onChange}
      clearable
      searchable
    />
  );
}
