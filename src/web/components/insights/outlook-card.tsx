/**
 * The dealer's outlook (dealer home): how likely each running commitment is to be reached, and
 * what the units that lift it would add in incentives ("78 % likely to reach your 2026
 * commitment; 12 more Aura units lift it to 95 % (+$3,600 in incentives)").
 */
import { Badge, Group, Paper, Progress, Skeleton, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import type { AgreementRisk } from '../../../shared/schemas/insights';
import { formatDate, formatInt, formatMoney } from '../../format';
import { QueryError } from '../query-state';
import { useDealerOutlook } from './insights-queries';
import { BorderedCard } from '../bordered-card';

export function probabilityColor(p: number): string {
  return p >= 0.8 ? 'teal' : p >= 0.5 ? 'yellow' : p >= 0.2 ? 'orange' : 'red';
}

export const pct = (p: number) => `${Math.round(p * 100)} %`;

/** A probability as a bar in its colour (the outlook card and the risk board). */
export function ProbabilityBar({ p, size, mt }: { p: number; size: 'xs' | 'sm'; mt: number }) {
  return (
    <Progress
      value={p * 100}
      color={probabilityColor(p)}
      size={size}
      mt={mt}
      aria-label="probability"
    />
  );
}

function termLabel(r: AgreementRisk): string {
  return `${r.agreementCode} (${r.termMonths} months, ${r.elapsedMonths} done)`;
}

export function OutlookCard({ dealerCode }: { dealerCode: string }) {
  const outlook = useDealerOutlook(dealerCode);
  if (outlook.isPending)
    return (
      <Paper withBorder radius="md" p="md">
        <Skeleton h={60} />
      </Paper>
    );
  if (outlook.isError)
    return (
      <QueryError
        error={outlook.error}
        title="Could not load your outlook"
        onRetry={() => void outlook.refetch()}
      />
    );
  const { items, incentive, currency } = outlook.data;
  if (items.length === 0) return null;
  return (
    <BorderedCard data-testid="outlook-card">
      <Title order={2} size="h4" mb="xs">
        Outlook
      </Title>
      <Stack gap="sm">
        {items.map((r) => {
          const step = r.interventions.find((i) => i.kind === 'more_units');
          const isFirstWithIncentive = incentive?.agreementCode === r.agreementCode;
          return (
            <div key={r.agreementCode} data-testid="outlook-item">
              <Group justify="space-between" wrap="nowrap" gap="xs">
                <Text size="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
                  <Text span fw={700} c={`${probabilityColor(r.probability)}.8`}>
                    {pct(r.probability)}
                  </Text>{' '}
                  likely to reach your commitment of {formatInt(r.commitment)} units
                </Text>
                <Badge
                  component={Link}
                  to={`/insights/risks?agreement=${encodeURIComponent(r.agreementCode)}`}
                  variant="light"
                  size="sm"
                  style={{ cursor: 'pointer', flexShrink: 0 }}
                >
                  Why
                </Badge>
              </Group>
              <ProbabilityBar p={r.probability} size="sm" mt={4} />
              <Text size="xs" c="dimmed" mt={4}>
                {termLabel(r)} · {formatInt(r.toDate)} so far, about{' '}
                {formatInt(Math.round(r.expected))} expected (80 %:{' '}
                {formatInt(Math.round(r.lower80))}–{formatInt(Math.round(r.upper80))}) · as of{' '}
                {formatDate(r.asOf)}
              </Text>
              {step?.units !== undefined && step.probability !== undefined && (
                <Text size="sm" mt={4}>
                  {formatInt(step.units)} more {step.line ? `${step.line} ` : ''}
                  {step.units === 1 ? 'unit this month lifts' : 'units this month lift'} it to{' '}
                  {pct(step.probability)}
                  {isFirstWithIncentive && incentive && Number(incentive.added) > 0 && (
                    <Text span fw={600} c="teal.8">
                      {' '}
                      (+{formatMoney(incentive.added, incentive.currency)} in incentives)
                    </Text>
                  )}
                  {step.amount && (
                    <Text span size="xs" c="dimmed">
                      {' '}
                      · {formatMoney(step.amount, currency, { isCompact: true })} revenue
                    </Text>
                  )}
                </Text>
              )}
            </div>
          );
        })}
      </Stack>
    </BorderedCard>
  );
}
