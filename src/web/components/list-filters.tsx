/**
 * A filtered list's filters bound to keys of its URL query (`useListQuery`): the values a page
 * sends to its query, and the selects and date boxes that set them, one line each.
 */
import { Select, Text, TextInput, type ComboboxData } from '@mantine/core';
import type { useListQuery } from './list-query';

type ListQuery = Pick<ReturnType<typeof useListQuery>, 'params' | 'update'>;

/** Each key's value in the URL query, undefined when it is not set. */
export function queryValues<K extends string>(
  params: URLSearchParams,
  keys: readonly K[],
): Record<K, string | undefined> {
  return Object.fromEntries(keys.map((k) => [k, params.get(k) ?? undefined])) as Record<
    K,
    string | undefined
  >;
}

/** A clearable select of one filter ("All kinds"), searchable when `isSearchable`. */
export function filterSelect(
  list: ListQuery,
  key: string,
  label: string,
  placeholder: string,
  data: ComboboxData,
  isSearchable = false,
) {
  return (
    <Select
      aria-label={label}
      placeholder={placeholder}
      data={data}
      value={list.params.get(key)}
      onChange={(value) => list.update({ [key]: value })}
      clearable
      searchable={isSearchable}
    />
  );
}

/** A date filter with its word ("From", "To") inside the box. */
export function dateFilter(list: ListQuery, key: string, label: string, word: string) {
  return (
    <TextInput
      aria-label={label}
      leftSection={
        <Text size="xs" c="dimmed">
          {word}
        </Text>
      }
      leftSectionWidth={44}
      type="date"
      value={list.params.get(key) ?? ''}
      onChange={(e) => list.update({ [key]: e.currentTarget.value })}
    />
  );
}
