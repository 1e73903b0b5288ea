/**
 * The value of insights (issue 14 §2): attainment of agreements with logged interventions
 * against comparable dealers without (same region and size band), once their terms have ended.
 */
import '@mantine/charts/styles.css';
import type { ReactNode } from 'react';
import { BarChart } from '@mantine/charts';
import { Badge, Group, Paper, SimpleGrid, Stack, Text } from '@mantine/core';
import type { InterventionValue } from '../../../shared/schemas/insights-performance';
import { formatChange, formatInt, formatPercent } from '../../format';
import { ChartLegend, useIsPhone } from '../charts';
import { KpiCard } from '../kpi-card';
import { Empty, QueryError, ChartSkeleton } from '../query-state';
import { useInterventionValue } from './performance-queries';

const pct = (x: number | null) => (x === null ? null : x * 100);

const Nowrap = ({ children }: { children: ReactNode }) => (
  <span style={{ whiteSpace: 'nowrap' }}>{children}</span>
);

const formatP = (p: number) => (p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`);

/** Whether the difference is more than chance: p-value, interval and pairs, or "not enough data". */
function Significance({ s }: { s: InterventionValue['significance'] }) {
  if (!s.enoughData || s.pValue === null || s.interval === null)
    return (
      <Paper withBorder p="sm" radius="md" data-testid="intervention-significance">
        <Group gap="xs" wrap="wrap">
          <Badge color="gray" variant="light">
            Not enough data
          </Badge>
          <Text size="sm">
            {formatInt(s.pairs)} matched {s.pairs === 1 ? 'pair' : 'pairs'} and{' '}
            {formatInt(s.comparableAgreements)} comparable agreements; at least{' '}
            {formatInt(s.minimumPairs)} of each are needed before the difference can be told from
            chance.
          </Text>
        </Group>
      </Paper>
    );
  const isSignificant = s.pValue < 0.05;
  return (
    <Paper withBorder p="sm" radius="md" data-testid="intervention-significance">
      <Group gap="xs" wrap="wrap" mb={4}>
        <Badge color={isSignificant ? 'teal' : 'yellow'} variant="light">
          {isSignificant ? 'Unlikely to be chance' : 'Could be chance'}
        </Badge>
        <Text size="sm" fw={600}>
          {formatP(s.pValue)} · 95 % interval <Nowrap>{formatChange(pct(s.interval.low))}</Nowrap>{' '}
          to <Nowrap>{formatChange(pct(s.interval.high))}</Nowrap> ·{' '}
          <Nowrap>{formatInt(s.pairs)} pairs</Nowrap>
        </Text>
      </Group>
      <Text size="xs" c="dimmed">
        Permutation test within each region and size band ({formatInt(s.permutations)} shuffles) and
        bootstrap interval; each treated agreement is paired with the comparable agreements of its
        stratum ({formatInt(s.comparableAgreements)} in all); fixed seed, reproducible.
      </Text>
    </Paper>
  );
}

type Figure = { value: number | null; hint: string };

/**
 * The four figures of a comparison: with interventions, comparable dealers, the difference (its
 * 95 % interval when there is one, else `differenceHint`) and the probability when logged.
 */
function ValueKpis({
  treated,
  comparable,
  v,
  differenceHint,
  probabilityHint,
}: {
  treated: Figure & { label: string };
  comparable: Figure;
  v: Pick<InterventionValue, 'difference' | 'significance' | 'meanProbabilityBefore'>;
  differenceHint: string;
  probabilityHint: string;
}) {
  const interval = v.significance.interval;
  return (
    <SimpleGrid cols={{ base: 2, sm: 4 }}>
      <KpiCard
        label={treated.label}
        value={formatPercent(pct(treated.value))}
        hint={treated.hint}
      />
      <KpiCard
        label="Comparable dealers"
        value={formatPercent(pct(comparable.value))}
        hint={comparable.hint}
      />
      <KpiCard
        label="Difference"
        value={formatChange(pct(v.difference))}
        hint={
          interval
            ? `95 % interval ${formatChange(pct(interval.low))} to ${formatChange(pct(interval.high))}`
            : differenceHint
        }
      />
      <KpiCard
        label="Probability when logged"
        value={formatPercent(pct(v.meanProbabilityBefore))}
        hint={probabilityHint}
      />
    </SimpleGrid>
  );
}

/**
 * Incentive tiers: ended program windows with an incentive_tier intervention against comparable
 * dealers' windows (same region and size band), the share that reached the tier aimed at.
 */
function TierValue({ v }: { v: InterventionValue['programTiers'] }) {
  if (v.treatedWindows === 0)
    return (
      <Text size="sm" c="dimmed" data-testid="tier-intervention-value">
        Incentive tiers: no logged tier intervention has reached the end of its program window yet.
      </Text>
    );
  return (
    <Stack gap={4} data-testid="tier-intervention-value">
      <Text size="sm" fw={600}>
        Incentive tiers: windows reaching the tier aimed at
      </Text>
      <ValueKpis
        treated={{
          label: 'With interventions',
          value: v.treatedReached,
          hint: `${formatInt(v.matchedWindows)} of ${formatInt(v.treatedWindows)} windows matched`,
        }}
        comparable={{
          value: v.comparableReached,
          hint: 'their next tier; same region and size band',
        }}
        v={v}
        differenceHint={v.significance.enoughData ? 'points' : 'not enough windows to tell'}
        probabilityHint="mean, treated windows"
      />
    </Stack>
  );
}

export function InterventionValuePanel() {
  const value = useInterventionValue();
  const isPhone = useIsPhone();
  if (value.isPending) return <ChartSkeleton />;
  if (value.isError) return <QueryError error={value.error} onRetry={() => void value.refetch()} />;
  const v = value.data;
  if (v.treatedAgreements === 0)
    return (
      <Stack gap="sm">
        <Empty title="No intervention has reached the end of its agreement's term yet" />
        <TierValue v={v.programTiers} />
      </Stack>
    );
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
      <ValueKpis
        treated={{
          label: 'Attainment with interventions',
          value: v.treatedAttainment,
          hint: `${formatInt(v.matchedAgreements)} agreements matched`,
        }}
        comparable={{ value: v.comparableAttainment, hint: 'same region and size band' }}
        v={v}
        differenceHint="points of attainment"
        probabilityHint="mean, treated agreements"
      />
      <Significance s={v.significance} />
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
      <TierValue v={v.programTiers} />
    </Stack>
  );
}
