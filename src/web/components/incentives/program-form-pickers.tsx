/**
 * Pickers of the program editor, fed by the catalog and network endpoints: regions, dealer
 * groups, dealers and SKUs (the last two searched on the server as you type), and the
 * qualifying / paying sales filter built from them.
 */
import { useState } from 'react';
import { MultiSelect, SimpleGrid, TagsInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { KIND_OPTIONS, POWERTRAIN_OPTIONS } from '../../labels';
import { BUYER_TYPES, SALE_CATEGORIES } from '../../../shared/schemas/rdr';
import {
  regionOptions,
  useDealerGroups,
  useDealers,
  useModelLines,
  useRegions,
  useSkus,
} from '../../queries';
import { QueryMultiSelect } from '../query-select';

type MultiProps = {
  label: string;
  value: string[];
  onChange: (value: string[]) => void;
  error?: string;
  description?: string;
};

type Option = { value: string; label: string };

/** Options with every chosen code in them (a chosen code the search did not return keeps its pill). */
function withChosen(options: Option[], chosen: string[]): Option[] {
  const known = new Set(options.map((o) => o.value));
  return [...options, ...chosen.filter((c) => !known.has(c)).map((c) => ({ value: c, label: c }))];
}

export function RegionMultiPicker(props: MultiProps) {
  const regions = useRegions();
  return (
    <QueryMultiSelect
      query={regions}
      {...props}
      data={withChosen(
        regionOptions(regions.data ?? []).map((o) => ({ ...o, label: o.label.trim() })),
        props.value,
      )}
      placeholder={props.value.length ? undefined : 'Every region'}
      searchable
      clearable
    />
  );
}

export function DealerGroupMultiPicker(props: MultiProps) {
  const groups = useDealerGroups();
  return (
    <QueryMultiSelect
      query={groups}
      {...props}
      data={withChosen(
        (groups.data ?? []).map((g) => ({ value: g.code, label: `${g.name} (${g.code})` })),
        props.value,
      )}
      placeholder={props.value.length ? undefined : 'Every dealer group'}
      searchable
      clearable
    />
  );
}

export function DealerMultiPicker(props: MultiProps) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const dealers = useDealers({ q: debounced || undefined, limit: 20, offset: 0, sort: 'code' });
  const data = withChosen(
    (dealers.data?.items ?? []).map((d) => ({ value: d.code, label: `${d.code} · ${d.name}` })),
    props.value,
  );
  return (
    <MultiSelect
      {...props}
      data={data}
      placeholder={props.value.length ? undefined : 'Every dealer (type a code or name to choose)'}
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options }) => options}
      nothingFoundMessage={dealers.isFetching ? 'Searching…' : 'No dealer found'}
      clearable
    />
  );
}

function SkuMultiPicker(props: MultiProps) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const skus = useSkus({ q: debounced || undefined, limit: 30, offset: 0 });
  const data = withChosen(
    (skus.data?.items ?? []).map((s) => ({ value: s.code, label: `${s.code} · ${s.name}` })),
    props.value,
  );
  return (
    <MultiSelect
      {...props}
      data={data}
      placeholder={props.value.length ? undefined : 'Every SKU'}
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options }) => options}
      nothingFoundMessage={skus.isFetching ? 'Searching…' : 'No SKU found'}
      clearable
    />
  );
}

/** The fields of a sales filter (qualifying or paying): `path` is its key in the definition. */
export function SalesFilterFields({
  path,
  values,
  errors,
  onChange,
}: {
  path: 'qualifying' | 'paying';
  values: Record<
    | 'modelLines'
    | 'skus'
    | 'powertrains'
    | 'segments'
    | 'kinds'
    | 'excludeSaleCategories'
    | 'excludeBuyerTypes',
    string[]
  >;
  errors: Record<string, string>;
  onChange: (key: string, value: string[]) => void;
}) {
  const modelLines = useModelLines();
  const segments = [...new Set((modelLines.data ?? []).map((m) => m.segment))].sort();
  const prefix = path === 'qualifying' ? 'Qualifying' : 'Paying';
  const field = (key: keyof typeof values) => ({
    value: values[key],
    onChange: (v: string[]) => onChange(key, v),
    error: errors[`${path}.${key}`],
  });
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" data-testid={`${path}-filter`}>
      <QueryMultiSelect
        query={modelLines}
        label={`${prefix} model lines`}
        data={withChosen(
          (modelLines.data ?? []).map((m) => ({ value: m.code, label: `${m.name} (${m.code})` })),
          values.modelLines,
        )}
        placeholder={values.modelLines.length ? undefined : 'Every model line'}
        searchable
        clearable
        {...field('modelLines')}
      />
      <SkuMultiPicker label={`${prefix} SKUs`} {...field('skus')} />
      <MultiSelect
        label={`${prefix} powertrains`}
        data={POWERTRAIN_OPTIONS}
        placeholder={values.powertrains.length ? undefined : 'Every powertrain'}
        clearable
        {...field('powertrains')}
      />
      <TagsInput
        label={`${prefix} segments`}
        data={segments}
        placeholder={values.segments.length ? undefined : 'Every segment'}
        clearable
        {...field('segments')}
      />
      <MultiSelect
        label={`${prefix} transaction kinds`}
        description="Unwinds of counted sales always net"
        data={KIND_OPTIONS}
        {...field('kinds')}
      />
      <MultiSelect
        label="Excluded sale categories"
        description="From the retail delivery report; a sale without one counts as retail"
        data={[...SALE_CATEGORIES]}
        placeholder={values.excludeSaleCategories.length ? undefined : 'None excluded'}
        clearable
        {...field('excludeSaleCategories')}
      />
      <MultiSelect
        label="Excluded buyer types"
        description="e.g. dealer: the dealer's own purchases"
        data={[...BUYER_TYPES]}
        placeholder={values.excludeBuyerTypes.length ? undefined : 'None excluded'}
        clearable
        {...field('excludeBuyerTypes')}
      />
    </SimpleGrid>
  );
}
