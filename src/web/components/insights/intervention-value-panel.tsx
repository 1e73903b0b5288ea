/**
 * The value of insights (issue 14 §2): attainment of agreements with logged interventions
 * against comparable dealers without (same region and size band), once their terms have ended.
 */
import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { Paper, SimpleGrid, Stack, Text } from '@mantine/core';
import { formatChange, formatInt, formatPercent } from '../../format';
import { ChartLegend, useIsPhone } from '../charts';
import { KpiCard } from '../kpi-card';
import { Empty, QueryError, ChartSkeleton } from '../query-state';
import { useInterventionValue } from './performance-queries';

const pct = (x: number | null) => (x === null ? null : x * 100);

export function InterventionValuePanel() {
  const value = useInterventionValue();
  const isPhone = useIsPhone();
  if (value.isPending) return <ChartSkeleton />;
  if (value.isError) return <QueryError error={value.error} onRetry={() => void value.refetch()} />;
  const v = value.data;
  if (v.treatedAgreements === 0)
    return <Empty title="No intervention has reached the end of its agreement's term yet" />;
  const series = [
    { name: 'treated', label: 'With interventions', color: 'blue.6' },
    { name: 'comparable', label: 'Comparable dealers without', color: 'gray.5' },
  ];
  const data = v.strata.map((s) => ({
    stratum: `${s.regionCode} · ${s.sizeBand}`,
    treated: Math.round(s.treatedAttainment * 1000) / 10,
    comparable:
      s.comparableAttainment === null ? 0 : Math.round(s.comparableAttainment * 1000) / 10,
  }));
  return (
    <Stack gap="sm" data-testid="intervention-value">
      <SimpleGrid cols={{ base: 2, sm: 4 }}>
        <KpiCard
          label="Attainment with interventions"
          value={formatPercent(pct(v.treatedAttainment))}
          hint={`${formatInt(v.matchedAgreements)} agreements matched`}
        />
        <KpiCard
          label="Comparable dealers"
          value={formatPercent(pct(v.comparableAttainment))}
          hint="same region and size band"
        />
        <KpiCard
          label="Difference"
          value={formatChange(pct(v.difference))}
          hint="points of attainment"
        />
        <KpiCard
          label="Probability when logged"
          value={formatPercent(pct(v.meanProbabilityBefore))}
          hint="mean, treated agreements"
        />
      </SimpleGrid>
      <Paper withBorder p="sm" radius="md">
        <Text size="sm" fw={600} mb={4}>
          Attainment by region and size band (%)
        </Text>
        <BarChart
          h={isPhone ? 220 : 260}
          data={data}
          dataKey="stratum"
          series={series}
          valueFormatter={(x) => `${x} %`}
          tickLine="y"
          gridAxis="y"
          yAxisProps={{ width: 44, fontSize: 11 }}
          xAxisProps={{ fontSize: 11 }}
          maxBarWidth={28}
          referenceLines={[{ y: 100, label: 'plan', color: 'red.5' }]}
          tooltipAnimationDuration={0}
        />
        <ChartLegend items={series} />
      </Paper>
    </Stack>
  );
}
