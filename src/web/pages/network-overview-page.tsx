/**
 * The OEM home: headline figures, monthly deliveries by region with drill-down into a region's
 * children, the region table, and the dealers list.
 */
import type { ComponentProps } from 'react';
import { useSearchParams } from 'react-router-dom';
import {
  Anchor,
  Breadcrumbs,
  Button,
  Group,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  UnstyledButton,
} from '@mantine/core';
import type { Region } from '../../shared/schemas/network';
import type { Me } from '../../shared/schemas/accounts';
import { RegionLines } from '../components/charts';
import { DealersTable } from '../components/dealers-table';
import { DataTable } from '../components/data-table';
import { IconChevronRight } from '../components/icons';
import { Change, KpiCard } from '../components/kpi-card';
import { PageHeader, Section } from '../components/page-header';
import { ChartSkeleton, Empty, QueryError, TableSkeleton } from '../components/query-state';
import {
  formatChange,
  formatInt,
  formatMoney,
  formatMonthLong,
  formatPercent,
  percentChange,
  sumDecimals,
} from '../format';
import { useCurrency, useRegions, useRegionTotals, type RegionTotals } from '../queries';
import { useMe } from '../session';
import { InboxCard } from '../components/inbox/inbox-card';
import { CompactMoney } from '../components/compact-money';

const TOP = 'top';

function sumRange(values: number[], from: number, to?: number): number {
  return values.slice(from, to).reduce((s, v) => s + v, 0);
}

function hasChildren(regions: Region[], code: string): boolean {
  return regions.some((r) => r.parentCode === code && r.dealerCount > 0);
}

/** Where the drill-down starts: the actor's region, or below a single root. */
function defaultLevel(me: Me, regions: Region[]): string {
  if (me.scope.kind === 'region' && me.scope.regionCode) {
    const own = regions.find((r) => r.code === me.scope.regionCode);
    if (own && hasChildren(regions, own.code)) return own.code;
    return own?.parentCode ?? TOP;
  }
  const roots = regions.filter((r) => r.parentCode === null && r.dealerCount > 0);
  if (roots.length === 1 && hasChildren(regions, roots[0]!.code)) return roots[0]!.code;
  return TOP;
}

/** Weighted BEV share (in percent) over regions. */
function bevShareOf(totals: RegionTotals | undefined): number | null {
  if (!totals) return null;
  let units = 0;
  let bev = 0;
  for (const r of totals.regions) {
    if (r.bevShare === null || r.total <= 0) continue;
    units += r.total;
    bev += (r.bevShare / 100) * r.total;
  }
  return units > 0 ? (bev / units) * 100 : null;
}

/** Headline figures over the actor's whole scope (the top of the region tree). */
function Kpis({
  top,
  last12,
  scopeName,
}: {
  top: ReturnType<typeof useRegionTotals>;
  last12: ReturnType<typeof useRegionTotals>;
  scopeName: string;
}) {
  const currency = useCurrency();
  const data = top.data;
  const months = data?.months ?? [];
  const n = months.length;
  const dealers = data?.regions.reduce((s, r) => s + r.dealerCount, 0) ?? 0;
  const recent =
    data?.regions.reduce((s, r) => s + sumRange(r.quantities, Math.max(0, n - 12)), 0) ?? 0;
  const prior =
    n >= 24
      ? (data?.regions.reduce((s, r) => s + sumRange(r.quantities, n - 24, n - 12), 0) ?? 0)
      : null;
  const change = prior === null ? null : percentChange(recent, prior);
  const bev = bevShareOf(last12.data);
  const bevBefore = n >= 24 ? bevShareOf(top.data) : null;
  const revenue = last12.data ? sumDecimals(last12.data.regions.map((r) => r.amount)) : null;
  // every card waits for the totals; the BEV share and the revenue also for the last 12 months' read
  const isLoading = top.isPending;
  const isLast12Loading = isLoading || last12.isPending;
  const cards: ComponentProps<typeof KpiCard>[] = [
    { testId: 'kpi-dealers', label: 'Active dealers', value: formatInt(dealers), hint: scopeName },
    {
      testId: 'kpi-deliveries',
      label: 'Deliveries, last 12 months',
      value: formatInt(recent),
      hint:
        prior === null ? (
          'no prior year to compare'
        ) : (
          <>
            <Change value={change} text={formatChange(change)} /> vs prior 12 months (
            {formatInt(prior)})
          </>
        ),
    },
    {
      testId: 'kpi-bev',
      label: 'BEV share, last 12 months',
      value: formatPercent(bev),
      hint:
        bevBefore === null
          ? 'battery-electric share of deliveries'
          : `${formatPercent(bevBefore)} over 24 months`,
      isLoading: isLast12Loading,
    },
    {
      testId: 'kpi-revenue',
      label: 'Revenue, last 12 months',
      value: revenue === null ? '–' : <CompactMoney amount={revenue} currency={currency} />,
      hint: revenue === null ? undefined : formatMoney(revenue, currency),
      isLoading: isLast12Loading,
    },
  ];
  return (
    <SimpleGrid cols={{ base: 2, md: 4 }} spacing={{ base: 'xs', sm: 'md' }}>
      {cards.map((card) => (
        <KpiCard key={card.testId} isLoading={isLoading} {...card} />
      ))}
    </SimpleGrid>
  );
}

export function NetworkOverviewPage() {
  const me = useMe();
  const currency = useCurrency();
  const [params, setParams] = useSearchParams();
  const regions = useRegions();
  const regionList = regions.data ?? [];
  const level = params.get('level') ?? (regions.data ? defaultLevel(me, regionList) : null);

  const top = useRegionTotals({});
  const months = top.data?.months ?? [];
  const last12 = useRegionTotals(
    { from: months[Math.max(0, months.length - 12)], to: months[months.length - 1] },
    months.length > 0,
  );
  // A region without sub-regions is shown as itself, among its parent's children.
  const levelRegion = level && level !== TOP ? regionList.find((r) => r.code === level) : undefined;
  const isLeaf = levelRegion !== undefined && !hasChildren(regionList, levelRegion.code);
  const queryLevel = isLeaf ? (levelRegion.parentCode ?? TOP) : level;
  const drilled = useRegionTotals(
    { region: queryLevel && queryLevel !== TOP ? queryLevel : undefined },
    queryLevel !== null,
  );

  function drillTo(code: string) {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        next.set('level', code);
        if (code === TOP) next.delete('region');
        else next.set('region', code);
        next.delete('offset');
        return next;
      },
      { replace: false },
    );
  }

  const current = levelRegion;
  const trail = current
    ? current.path
        .split('/')
        .filter(Boolean)
        .map((code) => regionList.find((r) => r.code === code))
        .filter((r): r is Region => r !== undefined)
    : [];

  const scopeRegion =
    me.scope.kind === 'region' ? regionList.find((r) => r.code === me.scope.regionCode) : undefined;
  const scopeName =
    me.scope.kind === 'network'
      ? 'The whole network'
      : scopeRegion
        ? `Region ${scopeRegion.name}`
        : me.scope.label;
  const filterRegionCode = params.get('region');
  const filterRegion = filterRegionCode
    ? regionList.find((r) => r.code === filterRegionCode)
    : undefined;

  function showAllDealers() {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        next.delete('region');
        next.delete('offset');
        return next;
      },
      { replace: true },
    );
  }

  const levelData = drilled.data
    ? {
        ...drilled.data,
        regions: isLeaf
          ? drilled.data.regions.filter((r) => r.code === levelRegion.code)
          : drilled.data.regions,
      }
    : undefined;
  const levelMonths = levelData?.months ?? [];

  return (
    <Stack gap="lg">
      <PageHeader
        title="Network overview"
        description={
          <>
            {scopeName}
            {months.length > 0 &&
              ` · retail deliveries net of unwinds, ${formatMonthLong(months[0]!)} – ${formatMonthLong(months[months.length - 1]!)}`}
          </>
        }
      />

      <InboxCard />

      {top.isError ? (
        <QueryError error={top.error} onRetry={() => void top.refetch()} />
      ) : (
        <Kpis top={top} last12={last12} scopeName={scopeName} />
      )}

      <Section
        title="Monthly deliveries by region"
        description={
          <Breadcrumbs separator="›" separatorMargin={4} mt={2} style={{ flexWrap: 'wrap' }}>
            <Anchor component="button" type="button" size="sm" onClick={() => drillTo(TOP)}>
              All regions
            </Anchor>
            {trail.map((r) =>
              r.code === current?.code ? (
                <Text key={r.code} size="sm" fw={600}>
                  {r.name}
                </Text>
              ) : (
                <Anchor
                  key={r.code}
                  component="button"
                  type="button"
                  size="sm"
                  onClick={() => drillTo(r.code)}
                >
                  {r.name}
                </Anchor>
              ),
            )}
          </Breadcrumbs>
        }
      >
        <Paper withBorder p={{ base: 'xs', sm: 'md' }}>
          {drilled.isError ? (
            <QueryError error={drilled.error} />
          ) : !levelData ? (
            <ChartSkeleton />
          ) : levelData.regions.length === 0 ? (
            <Empty
              title="No deliveries yet"
              description="No transactions have arrived for these regions."
            />
          ) : (
            <div style={{ opacity: drilled.isPlaceholderData ? 0.6 : 1 }}>
              <RegionLines months={levelMonths} regions={levelData.regions} />
            </div>
          )}
        </Paper>

        {drilled.isPending ? (
          <TableSkeleton rows={4} />
        ) : levelData && levelData.regions.length > 0 ? (
          <Paper withBorder style={{ overflow: 'hidden' }}>
            <DataTable
              testId="regions-table"
              isBare
              rows={levelData.regions}
              rowKey={(r) => r.code}
              columns={[
                {
                  header: 'Region',
                  cell: (r) => (
                    <>
                      {r.code === current?.code ? (
                        <Text size="sm" fw={600}>
                          {r.name}
                        </Text>
                      ) : (
                        <UnstyledButton
                          onClick={() => drillTo(r.code)}
                          aria-label={
                            hasChildren(regionList, r.code)
                              ? `Open ${r.name}`
                              : `Show only ${r.name}`
                          }
                        >
                          <Group gap={4} wrap="nowrap">
                            <Text size="sm" fw={600} c="blue.7">
                              {r.name}
                            </Text>
                            {hasChildren(regionList, r.code) && <IconChevronRight size={14} />}
                          </Group>
                        </UnstyledButton>
                      )}
                      <Text size="xs" c="dimmed" ff="monospace">
                        {r.code}
                      </Text>
                    </>
                  ),
                  footer: 'Total',
                },
                {
                  header: 'Dealers',
                  align: 'right',
                  cell: (r) => formatInt(r.dealerCount),
                  footer: formatInt(levelData.regions.reduce((s, r) => s + r.dealerCount, 0)),
                },
                {
                  header: 'Deliveries',
                  align: 'right',
                  cell: (r) => formatInt(r.total),
                  footer: formatInt(levelData.regions.reduce((s, r) => s + r.total, 0)),
                },
                {
                  header: 'BEV share',
                  align: 'right',
                  cell: (r) => formatPercent(r.bevShare),
                  footer: formatPercent(bevShareOf(levelData)),
                },
                {
                  header: 'Revenue',
                  align: 'right',
                  from: 'sm',
                  isNowrap: true,
                  cell: (r) => <CompactMoney amount={r.amount} currency={currency} />,
                  footer: (
                    <CompactMoney
                      amount={sumDecimals(levelData.regions.map((r) => r.amount))}
                      currency={currency}
                    />
                  ),
                },
              ]}
            />
            <Text size="xs" c="dimmed" px="sm" py={6}>
              Deliveries and revenue over the {formatInt(levelMonths.length)} months shown.
              {' Tap a region to focus on it and its dealers; › opens its sub-regions.'}
            </Text>
          </Paper>
        ) : null}
      </Section>

      <Section
        title="Dealers"
        description={
          filterRegion
            ? `In ${filterRegion.name}`
            : 'Every dealer you can see; open one for its sales'
        }
        actions={
          filterRegion ? (
            <Button variant="subtle" size="xs" onClick={showAllDealers}>
              Show all dealers
            </Button>
          ) : undefined
        }
      >
        <DealersTable />
      </Section>
    </Stack>
  );
}
