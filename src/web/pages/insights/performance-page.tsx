/**
 * High performers (regional managers and the OEM, issue 14 §3): the dealers in scope ranked by
 * sales effectiveness, attainment and the probability of reaching their commitments; what
 * distinguishes the high performers from their peers (mix, pace, EV share, incentive uptake),
 * each dealer's decomposition as CSV; and the value of insights (interventions vs comparable
 * dealers without).
 */
import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { Link } from 'react-router-dom';
import { Badge, Button, Paper, SimpleGrid, Text } from '@mantine/core';
import type { PerformanceRecord } from '../../../shared/schemas/insights-performance';
import { apiUrl } from '../../api';
import { ChartLegend, useIsPhone } from '../../components/charts';
import { InterventionValuePanel } from '../../components/insights/intervention-value-panel';
import { useHighPerformers } from '../../components/insights/performance-queries';
import { DataTable } from '../../components/data-table';
import { KpiCard } from '../../components/kpi-card';
import { PageHeader, Section } from '../../components/page-header';
import { ChartSkeleton, Empty, QueryError, TableSkeleton } from '../../components/query-state';
import { formatChange, formatInt, formatMoney, formatPercent } from '../../format';
import { useCurrency } from '../../queries';

const FEATURE_LABELS: Record<PerformanceRecord['distinctions'][number]['feature'], string> = {
  revenuePerUnit: 'Mix: revenue per unit',
  pace: 'Pace: units vs prior year',
  evShare: 'EV share',
  incentivePerUnit: 'Incentive uptake per unit',
};
const isMoney = (f: string) => f === 'revenuePerUnit' || f === 'incentivePerUnit';
const pct = (x: number | null) => (x === null ? null : x * 100);

function Distinctions({ data, currency }: { data: PerformanceRecord; currency: string }) {
  const series = [
    { name: 'high', label: 'High performers (median)', color: 'teal.6' },
    { name: 'peers', label: 'Peers (median)', color: 'gray.5' },
  ];
  return (
    <>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} data-testid="distinctions">
        {data.distinctions.map((d) => {
          const money = isMoney(d.feature);
          const scale = (x: number | null) =>
            x === null ? 0 : money ? x : Math.round(x * 1000) / 10;
          const format = (x: number) =>
            money ? formatMoney(String(x), currency, { isCompact: true }) : `${x} %`;
          return (
            <Paper key={d.feature} withBorder p="sm" radius="md">
              <Text size="sm" fw={600}>
                {FEATURE_LABELS[d.feature]}
              </Text>
              <Text size="xs" c="dimmed">
                {d.difference === null
                  ? 'not enough data'
                  : money
                    ? `${d.difference >= 0 ? '+' : '−'}${formatMoney(String(Math.abs(d.difference)), currency)} vs peers`
                    : `${formatChange(pct(d.difference))} points vs peers`}
              </Text>
              <BarChart
                h={140}
                data={[{ what: '', high: scale(d.highPerformers), peers: scale(d.peers) }]}
                dataKey="what"
                series={series}
                valueFormatter={format}
                withXAxis={false}
                yAxisProps={{ width: 48, fontSize: 10 }}
                gridAxis="y"
                tooltipAnimationDuration={0}
              />
            </Paper>
          );
        })}
      </SimpleGrid>
      <ChartLegend items={series} />
    </>
  );
}

function EffectivenessChart({ data }: { data: PerformanceRecord }) {
  const isPhone = useIsPhone();
  const ranked = data.dealers.filter((d) => d.rank !== null).slice(0, isPhone ? 10 : 20);
  const series = [{ name: 'effectiveness', label: 'Sales effectiveness (%)', color: 'blue.6' }];
  return (
    <Paper withBorder p="sm" radius="md" data-testid="effectiveness-chart">
      <Text size="sm" fw={600} mb={4}>
        Sales effectiveness of the top-ranked dealers (100 % = the region&apos;s share in their
        areas)
      </Text>
      <BarChart
        h={isPhone ? 220 : 280}
        data={ranked.map((d) => ({
          dealer: d.dealerCode,
          effectiveness: d.effectiveness === null ? 0 : Math.round(d.effectiveness * 1000) / 10,
        }))}
        dataKey="dealer"
        series={series}
        valueFormatter={(x) => `${x} %`}
        referenceLines={[{ y: 100, label: 'expected', color: 'red.5' }]}
        xAxisProps={
          isPhone
            ? { fontSize: 10, interval: 'preserveStartEnd', minTickGap: 10 }
            : { fontSize: 10, interval: 0 }
        }
        yAxisProps={{ width: 44, fontSize: 11 }}
        gridAxis="y"
        maxBarWidth={24}
        tooltipAnimationDuration={0}
      />
    </Paper>
  );
}

export function PerformancePage() {
  const query = useHighPerformers();
  const currency = useCurrency();
  const data = query.data;
  const high = data?.dealers.filter((d) => d.isHighPerformer) ?? [];
  const ranked = data?.dealers.filter((d) => d.rank !== null) ?? [];
  return (
    <>
      <PageHeader
        title="High performers"
        description="Dealers ranked by sales effectiveness (sales ÷ what their region's share would sell in their areas), attainment of their agreements and the probability of reaching their commitments. Each dealer's decomposition downloads as CSV."
      />
      {query.isError ? (
        <QueryError error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <>
          <SimpleGrid cols={{ base: 2, sm: 4 }} mb="md">
            <KpiCard label="Dealers ranked" value={formatInt(ranked.length)} isLoading={!data} />
            <KpiCard
              label="High performers"
              value={formatInt(high.length)}
              hint="top decile"
              isLoading={!data}
            />
            <KpiCard
              label="Window"
              value={data ? `${data.from} – ${data.to}` : '–'}
              isLoading={!data}
            />
            <KpiCard
              label="Median effectiveness, high performers"
              value={formatPercent(
                pct(
                  high.map((d) => d.effectiveness ?? 0).sort((a, b) => a - b)[
                    Math.floor(high.length / 2)
                  ] ?? null,
                ),
              )}
              isLoading={!data}
            />
          </SimpleGrid>
          <Section
            title="What distinguishes them"
            description="Medians of the high performers against their peers in your scope."
          >
            {data ? <Distinctions data={data} currency={currency} /> : <ChartSkeleton h={160} />}
          </Section>
          <Section title="Effectiveness">
            {data ? <EffectivenessChart data={data} /> : <ChartSkeleton />}
          </Section>
          <Section title="Ranking">
            {!data ? (
              <TableSkeleton />
            ) : ranked.length === 0 ? (
              <Empty title="No dealer has a market, agreements or risks to rank yet" />
            ) : (
              <DataTable
                striped
                highlightOnHover
                minWidth={760}
                testId="performance-table"
                scrollLabel="Dealer ranking"
                rows={ranked.slice(0, 200)}
                rowKey={(d) => d.dealerCode}
                columns={[
                  { header: '#', cell: (d) => d.rank },
                  {
                    header: 'Dealer',
                    isSticky: true,
                    cell: (d) => (
                      <>
                        <Link to={`/dealers/${encodeURIComponent(d.dealerCode)}`}>
                          {d.dealerName}
                        </Link>{' '}
                        <Text span size="xs" c="dimmed">
                          {d.regionCode}
                        </Text>{' '}
                        {d.isHighPerformer && (
                          <Badge size="xs" color="teal" variant="light">
                            high performer
                          </Badge>
                        )}
                      </>
                    ),
                  },
                  {
                    header: 'Effectiveness',
                    align: 'right',
                    cell: (d) => formatPercent(pct(d.effectiveness)),
                  },
                  {
                    header: 'Attainment',
                    align: 'right',
                    cell: (d) => formatPercent(pct(d.attainment)),
                  },
                  {
                    header: 'Probability',
                    align: 'right',
                    cell: (d) => formatPercent(pct(d.probability)),
                  },
                  {
                    header: 'EV share',
                    align: 'right',
                    cell: (d) => formatPercent(pct(d.features.evShare)),
                  },
                  {
                    header: 'Pace',
                    align: 'right',
                    isNowrap: true,
                    cell: (d) => formatChange(pct(d.features.pace)),
                  },
                  {
                    key: 'csv',
                    cell: (d) => (
                      <Button
                        component="a"
                        size="compact-xs"
                        variant="default"
                        href={apiUrl(
                          `/insights/performance/dealers/${encodeURIComponent(d.dealerCode)}/export`,
                        )}
                        download={`performance-${d.dealerCode}.csv`}
                      >
                        CSV
                      </Button>
                    ),
                  },
                ]}
              />
            )}
          </Section>
        </>
      )}
      <Section
        title="Value of insights"
        description="Attainment of agreements whose dealers had an intervention logged, against comparable dealers without any (same region and size band), once the terms have ended."
      >
        <InterventionValuePanel />
      </Section>
    </>
  );
}
