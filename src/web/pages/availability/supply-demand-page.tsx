/**
 * OEM: supply vs demand per model line for a month — the forecast (consensus, else recent sales)
 * against orders, vehicles on the way, stock across the network, open commitments and the
 * month's published allocation.
 */
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { BarChart } from '@mantine/charts';
import { Button, Paper, Select, Stack, Text } from '@mantine/core';
import { ChartLegend, SERIES_COLORS, useIsPhone } from '../../components/charts';
import { PageHeader, Section } from '../../components/page-header';
import { ChartSkeleton, Empty, QueryError } from '../../components/query-state';
import { formatInt, formatMonthLong } from '../../format';
import { useCan } from '../../session';
import { useSupplyDemand } from './availability-queries';
import { DataTable } from '../../components/data-table';

export function monthOptions(count = 4): { value: string; label: string }[] {
  const now = new Date();
  return Array.from({ length: count }, (_, i) => {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1 + i, 1));
    const value = d.toISOString().slice(0, 7);
    return { value, label: formatMonthLong(value) };
  });
}

const SERIES = [
  { name: 'forecast', label: 'Forecast', color: SERIES_COLORS[0]! },
  { name: 'stock', label: 'Stock', color: SERIES_COLORS[1]! },
  { name: 'inTransit', label: 'In transit', color: SERIES_COLORS[2]! },
  { name: 'orders', label: 'Orders & build', color: SERIES_COLORS[3]! },
];
/** The chart shows the model lines with the most demand (the table lists them all). */
const CHART_LINES = 10;

export function SupplyDemandPage() {
  const months = monthOptions();
  const [month, setMonth] = useState(months[1]!.value);
  const query = useSupplyDemand(month);
  const isPhone = useIsPhone();
  const canManage = useCan('allocation:manage');
  const d = query.data;
  const byDemand = d ? [...d.modelLines].sort((a, b) => b.forecast - a.forecast) : [];
  return (
    <Stack gap="lg" data-testid="supply-demand-page">
      <PageHeader
        title="Supply and demand"
        description="Per model line across the network: what is expected to sell against what is in stock, on the way and on order"
        actions={
          <>
            <Select
              aria-label="Month"
              data={months}
              value={month}
              onChange={(v) => v && setMonth(v)}
              allowDeselect={false}
              w={180}
            />
            {canManage && (
              <Button component={Link} to="/allocation">
                Allocation runs
              </Button>
            )}
          </>
        }
      />
      {query.isError ? (
        <QueryError error={query.error} onRetry={() => void query.refetch()} />
      ) : !d ? (
        <ChartSkeleton />
      ) : (
        <>
          <Section
            title="By model line"
            description={`The ${CHART_LINES} model lines with the most demand; forecast for ${formatMonthLong(d.month)} from the ${d.basis}`}
          >
            <Paper withBorder radius="md" p="sm" data-testid="supply-demand-chart">
              <BarChart
                h={isPhone ? 260 : 320}
                data={byDemand.slice(0, CHART_LINES).map((l) => ({ ...l, name: l.modelLineName }))}
                dataKey="name"
                series={SERIES.map(({ name, color, label }) => ({ name, color, label }))}
                valueFormatter={formatInt}
                tickLine="y"
                gridAxis="y"
                xAxisProps={{
                  interval: 0,
                  fontSize: 10,
                  angle: isPhone ? -35 : 0,
                  textAnchor: isPhone ? 'end' : 'middle',
                  height: isPhone ? 60 : 30,
                }}
                yAxisProps={{ width: isPhone ? 36 : 48, fontSize: 11 }}
                maxBarWidth={18}
                tooltipAnimationDuration={0}
              />
              <ChartLegend items={SERIES} />
            </Paper>
          </Section>
          <DataTable
            striped
            minWidth={560}
            testId="supply-demand-table"
            scrollLabel="Supply and demand by model line"
            rows={byDemand}
            rowKey={(l) => l.modelLineCode}
            empty={<Empty title="No model lines in the catalog" />}
            columns={[
              { header: 'Model line', isSticky: true, cell: (l) => l.modelLineName },
              { header: 'Forecast', count: (l) => Math.round(l.forecast) },
              { header: 'Stock', count: (l) => l.stock },
              { header: 'In transit', count: (l) => l.inTransit },
              { header: 'Orders', count: (l) => l.orders },
              { header: 'Commitments', count: (l) => l.openCommitments },
              { header: 'Allocated', count: (l) => l.allocated },
            ]}
          />
          <Text size="xs" c="dimmed">
            Forecast: the month's consensus of the latest locked forecast cycle, else the last three
            months' retail sales scaled to the month. Orders: ordered, planned and in build.
            Commitments: units still to go on active agreements.
          </Text>
        </>
      )}
    </Stack>
  );
}
