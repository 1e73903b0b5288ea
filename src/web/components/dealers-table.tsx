/**
 * The dealers list: filters (search, region, group, state, status), sort and paging, all kept in
 * the address so a filtered list can be shared and the back button works. Each row links to the
 * dealer's page.
 */
import { Badge, Select, Stack, Text, TextInput } from '@mantine/core';
import { regionOptions, useDealerGroups, useDealers, useRegions } from '../queries';
import { useListQuery } from './list-query';
import { filterSelect, queryValues } from './list-filters';
import { FilterBar, NoMatches } from './filter-bar';
import { Pager } from './pager';
import { DataTable, LinkNameCode, QueryView } from './data-table';

const PAGE_SIZE = 25;

const SORTS = [
  { value: 'code', label: 'Code' },
  { value: 'name', label: 'Name' },
  { value: 'region', label: 'Region' },
  { value: 'state', label: 'State' },
];

/** 'active' in teal, anything else ('inactive', 'discontinued') in gray: dealers, model lines, SKUs. */
export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge variant="light" color={status === 'active' ? 'teal' : 'gray'} size="sm">
      {status}
    </Badge>
  );
}

const STATUSES = [
  { value: 'active', label: 'Active' },
  { value: 'inactive', label: 'Inactive' },
];

export function DealersTable({ isCompact = false }: { isCompact?: boolean }) {
  const list = useListQuery();
  const { params, update, offset, searchInput: search, clearAll } = list;

  const filter = {
    ...queryValues(params, ['q', 'region', 'state', 'status']),
    dealerGroup: params.get('group') ?? undefined,
    sort: params.get('sort') ?? 'code',
    limit: PAGE_SIZE,
    offset,
  };
  const dealers = useDealers(filter);
  const regions = useRegions();
  const groups = useDealerGroups(!isCompact);

  const activeFilterCount = ['region', 'group', 'state', 'status'].filter((k) =>
    params.get(k),
  ).length;

  const regionData = regionOptions((regions.data ?? []).filter((r) => r.dealerCount > 0));
  const groupData = (groups.data ?? []).map((g) => ({ value: g.code, label: g.name }));
  const searchInput = search('Search dealers', 'Search code, name or city');

  const otherFilters = (
    <>
      {filterSelect(list, 'region', 'Region', 'All regions', regionData, true)}
      {!isCompact && filterSelect(list, 'group', 'Dealer group', 'All groups', groupData, true)}
      <TextInput
        aria-label="State or province"
        placeholder="State (e.g. CA)"
        key={params.get('state') ?? ''}
        defaultValue={params.get('state') ?? ''}
        onBlur={(e) => update({ state: e.currentTarget.value.trim().toUpperCase() })}
        onKeyDown={(e) => {
          if (e.key === 'Enter') update({ state: e.currentTarget.value.trim().toUpperCase() });
        }}
      />
      {filterSelect(list, 'status', 'Status', 'Any status', STATUSES)}
      <Select
        aria-label="Sort by"
        data={SORTS.map((s) => ({ value: s.value, label: `Sort: ${s.label}` }))}
        value={filter.sort}
        onChange={(value) => update({ sort: value === 'code' ? null : value })}
        allowDeselect={false}
      />
    </>
  );

  return (
    <Stack gap="sm">
      <FilterBar
        search={searchInput}
        filters={otherFilters}
        activeCount={activeFilterCount}
        cols={{ sm: 3, lg: isCompact ? 5 : 6 }}
      />

      <QueryView
        query={dealers}
        isEmpty={(data) => data.items.length === 0}
        empty={<NoMatches title="No dealers match" onClear={clearAll} />}
      >
        {(data) => (
          <DataTable
            testId="dealers-table"
            rows={data.items}
            rowKey={(d) => d.code}
            isDimmed={dealers.isPlaceholderData}
            columns={[
              {
                header: 'Dealer',
                cell: (d) => (
                  <LinkNameCode
                    name={d.name}
                    code={d.code}
                    to={`/dealers/${encodeURIComponent(d.code)}`}
                    after={
                      d.status !== 'active' && (
                        <Text span size="xs" c="red.7" ff="body" hiddenFrom="sm">
                          {' '}
                          · {d.status}
                        </Text>
                      )
                    }
                  />
                ),
              },
              { header: 'Region', cell: (d) => <Text size="sm">{d.regionName}</Text> },
              {
                header: 'Group',
                from: 'md',
                cell: (d) => (
                  <Text size="sm" c={d.dealerGroupCode ? undefined : 'dimmed'}>
                    {d.dealerGroupCode
                      ? ((groups.data ?? []).find((g) => g.code === d.dealerGroupCode)?.name ??
                        d.dealerGroupCode)
                      : '–'}
                  </Text>
                ),
              },
              {
                header: 'City, state',
                from: 'sm',
                cell: (d) => (
                  <Text size="sm">{[d.city, d.stateProvince].filter(Boolean).join(', ')}</Text>
                ),
              },
              { header: 'Status', from: 'sm', cell: (d) => <StatusBadge status={d.status} /> },
            ]}
          />
        )}
      </QueryView>
      {dealers.data && dealers.data.total > 0 && (
        <Pager
          total={dealers.data.total}
          limit={PAGE_SIZE}
          offset={filter.offset}
          onOffsetChange={(offset) => update({ offset: offset ? String(offset) : null })}
          noun="dealers"
        />
      )}
    </Stack>
  );
}
