/**
 * Agreements. The OEM sees the network: roll-ups by region, filters, a sortable table with
 * attainment, gap and projection, paging and a CSV export. A dealer sees its own agreements as
 * cards, with what waits for it.
 */
import { Link } from 'react-router-dom';
import { Button, Select, Stack, Text } from '@mantine/core';
import { AGREEMENT_STATUSES, type AgreementStatus } from '../../../shared/schemas/agreements';
import { apiUrl } from '../../api';
import { IconPlus } from '../../components/icons';
import { DownloadButton } from '../../components/download-button';
import { useListQuery } from '../../components/list-query';
import { PageHeader, Section } from '../../components/page-header';
import { FilterBar, NoMatches } from '../../components/filter-bar';
import { Pager } from '../../components/pager';
import { Empty, QueryError, TableSkeleton } from '../../components/query-state';
import { STATUS_OPTIONS } from '../../components/agreements/agreement-labels';
import {
  useAgreementRollup,
  useAgreements,
  useNotifications,
  type AgreementSort,
} from '../../components/agreements/agreement-queries';
import { AgreementsTable, type SortState } from '../../components/agreements/agreements-table';
import { DealerAgreementCards } from '../../components/agreements/dealer-agreement-cards';
import { ModelLineRollups, RegionRollups } from '../../components/agreements/region-rollups';
import { addMonths } from '../../../shared/months';
import { formatInt, formatMonthLong } from '../../format';
import { regionOptions, useRegions } from '../../queries';
import { isDealerUser, useCan, useMe } from '../../session';
import { QuerySelect } from '../../components/query-select';

const PAGE_SIZE = 25;
const SORTS: AgreementSort[] = ['code', 'dealer', 'attainment', 'gap', 'projection'];

/** Months from two years back to one year ahead, newest first, for the period filter. */
const PERIOD_OPTIONS = (() => {
  const now = new Date().toISOString().slice(0, 7);
  return Array.from({ length: 37 }, (_, i) => addMonths(now, 12 - i)).map((m) => ({
    value: m,
    label: `Term includes ${formatMonthLong(m)}`,
  }));
})();

function asStatus(value: string | null): AgreementStatus | undefined {
  return (AGREEMENT_STATUSES as readonly string[]).includes(value ?? '')
    ? (value as AgreementStatus)
    : undefined;
}

function useListParams() {
  const query = useListQuery();
  const { params } = query;
  const sortParam = params.get('sort') as AgreementSort | null;
  const sort: SortState = {
    sort: sortParam && SORTS.includes(sortParam) ? sortParam : 'code',
    order: params.get('order') === 'desc' ? 'desc' : 'asc',
  };
  const base = {
    region: params.get('region') ?? undefined,
    status: asStatus(params.get('status')),
    period: /^\d{4}-\d{2}$/.test(params.get('period') ?? '')
      ? (params.get('period') ?? undefined)
      : undefined,
    q: params.get('q') ?? undefined,
  };
  return { ...query, sort, base };
}

export function AgreementsPage() {
  const me = useMe();
  return isDealerUser(me) ? <DealerAgreements /> : <NetworkAgreements />;
}

function NetworkAgreements() {
  const canWrite = useCan('agreements:write');
  const { params, update, sort, base, offset, searchInput: search, clearAll } = useListParams();

  const list = useAgreements({ ...base, ...sort, limit: PAGE_SIZE, offset });
  const byRegion = useAgreementRollup('region', base);
  const byModelLine = useAgreementRollup('model_line', base);
  const regions = useRegions();
  const rollups = byRegion.data?.items ?? [];
  const rolledUp = rollups.reduce((sum, r) => sum + r.agreements, 0);

  const activeFilterCount = ['region', 'status', 'period'].filter((k) => params.get(k)).length;
  const exportQuery = { ...base, sort: sort.sort, order: sort.order };

  const searchInput = search('Search agreements', 'Search code or dealer');
  const otherFilters = (
    <>
      <Select
        aria-label="Status"
        placeholder="Any status"
        data={STATUS_OPTIONS}
        value={base.status ?? null}
        onChange={(value) => update({ status: value })}
        clearable
      />
      <QuerySelect
        query={regions}
        aria-label="Region"
        placeholder="All regions"
        data={regionOptions((regions.data ?? []).filter((r) => r.dealerCount > 0))}
        value={base.region ?? null}
        onChange={(value) => update({ region: value })}
        clearable
        searchable
      />
      <Select
        aria-label="Period (the term includes this month)"
        placeholder="Any period"
        data={PERIOD_OPTIONS}
        value={base.period ?? null}
        onChange={(value) => update({ period: value })}
        clearable
        searchable
      />
    </>
  );

  return (
    <Stack gap="lg" data-testid="agreements-page">
      <PageHeader
        title="Agreements"
        description="Dealer commitments across the network: attainment to date, gap and run-rate projection, live with the sales feed"
        actions={
          <>
            <DownloadButton
              href={apiUrl('/agreements/export', exportQuery)}
              download="agreements.csv"
            >
              Export CSV
            </DownloadButton>
            {canWrite && (
              <Button
                component={Link}
                to="/agreements/new"
                size="sm"
                leftSection={<IconPlus size={16} />}
              >
                New agreement
              </Button>
            )}
          </>
        }
      />

      <Section
        title="By region"
        description={
          byRegion.data
            ? `${formatInt(rolledUp)} ${base.status ? '' : 'approved, active and expired '}agreements; pick a region to narrow the list`
            : 'Attainment to date and projection per region'
        }
      >
        {byRegion.isError ? (
          <QueryError error={byRegion.error} onRetry={() => void byRegion.refetch()} />
        ) : rollups.length === 0 && !byRegion.isPending ? (
          <Text size="sm" c="dimmed">
            No agreements with progress match the filters.
          </Text>
        ) : (
          <RegionRollups
            rollups={rollups}
            isLoading={byRegion.isPending}
            onPick={(code) => update({ region: code })}
          />
        )}
      </Section>

      <Section
        title="By model line"
        description="Lines on a model line or one of its SKUs, biggest shortfall to date first"
      >
        {byModelLine.isError ? (
          <QueryError error={byModelLine.error} onRetry={() => void byModelLine.refetch()} />
        ) : (byModelLine.data?.items.length ?? 0) === 0 && !byModelLine.isPending ? (
          <Text size="sm" c="dimmed">
            No agreement lines match the filters.
          </Text>
        ) : (
          <ModelLineRollups
            rollups={byModelLine.data?.items ?? []}
            isLoading={byModelLine.isPending}
          />
        )}
      </Section>

      <Stack gap="sm">
        <FilterBar
          search={searchInput}
          filters={otherFilters}
          activeCount={activeFilterCount}
          cols={{ sm: 2, md: 4 }}
        />

        {list.isError ? (
          <QueryError error={list.error} onRetry={() => void list.refetch()} />
        ) : list.isPending ? (
          <TableSkeleton />
        ) : list.data.items.length === 0 ? (
          <NoMatches title="No agreements match" onClear={clearAll} />
        ) : (
          <AgreementsTable
            items={list.data.items}
            sort={sort}
            onSort={(next) =>
              update({
                sort: next.sort === 'code' ? null : next.sort,
                order: next.order === 'asc' ? null : 'desc',
              })
            }
            isStale={list.isPlaceholderData}
          />
        )}
        {list.data && list.data.total > 0 && (
          <AgreementsPager total={list.data.total} offset={offset} update={update} />
        )}
      </Stack>
    </Stack>
  );
}

function DealerAgreements() {
  const { update, base, offset } = useListParams();
  const list = useAgreements({ ...base, sort: 'code', order: 'desc', limit: PAGE_SIZE, offset });
  const notifications = useNotifications();
  return (
    <Stack gap="lg" data-testid="agreements-page">
      <PageHeader
        title="My agreements"
        description="Your commitments with the OEM: targets, what you have delivered so far, and what waits for you"
      />
      {list.isError ? (
        <QueryError error={list.error} onRetry={() => void list.refetch()} />
      ) : list.isPending ? (
        <TableSkeleton rows={4} />
      ) : list.data.items.length === 0 ? (
        <Empty
          title="No agreements yet"
          description="When the OEM proposes an agreement to your dealership, it appears here for you to review."
        />
      ) : (
        <DealerAgreementCards items={list.data.items} notifications={notifications.data ?? []} />
      )}
      {list.data && list.data.total > PAGE_SIZE && (
        <AgreementsPager total={list.data.total} offset={offset} update={update} />
      )}
    </Stack>
  );
}

function AgreementsPager({
  total,
  offset,
  update,
}: {
  total: number;
  offset: number;
  update: ReturnType<typeof useListParams>['update'];
}) {
  return (
    <Pager
      total={total}
      limit={PAGE_SIZE}
      offset={offset}
      onOffsetChange={(next) => update({ offset: next ? String(next) : null })}
      noun="agreements"
    />
  );
}
