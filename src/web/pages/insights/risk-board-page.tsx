/**
 * The risk board (regional managers; dealers see their own): approved and active agreements in
 * scope by expected shortfall in money, each with its calibrated probability, the drivers that
 * add up to its gap, the suggested interventions (logged with who and when) and the history of
 * its probability. High performers: the agreements ahead of their pace and most likely to make it.
 */
import { Link, useSearchParams } from 'react-router-dom';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Badge, Button, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import type { AgreementRisk } from '../../../shared/schemas/insights';
import { api } from '../../api';
import { SeriesLines } from '../../components/charts';
import { CalibrationNote } from '../../components/insights/calibration-note';
import { DriverList, driverLabel, mainDriver } from '../../components/insights/driver-list';
import {
  insightsKey,
  useAgreementRisk,
  useInterventions,
  useRiskBoard,
} from '../../components/insights/insights-queries';
import { pct, ProbabilityBar, probabilityColor } from '../../components/insights/outlook-card';
import { ProgramRiskSection } from '../../components/insights/program-risks';
import { KpiCard } from '../../components/kpi-card';
import { PageHeader, Section } from '../../components/page-header';
import { ChartSkeleton, Empty, QueryError, TableSkeleton } from '../../components/query-state';
import { formatDate, formatDateTime, formatInt, formatMoney } from '../../format';
import { useCan } from '../../session';
import { BorderedCard } from '../../components/bordered-card';

const signedUnits = (u: number) =>
  `${u > 0 ? '+' : u < 0 ? '−' : ''}${formatInt(Math.abs(Math.round(u)))}`;

function RiskDetail({ item, currency }: { item: AgreementRisk; currency: string }) {
  const detail = useAgreementRisk(item.agreementCode);
  const interventions = useInterventions(item.dealerCode);
  const canAct = useCan('agreements:write');
  const client = useQueryClient();
  const log = useMutation({
    mutationFn: (body: { kind: string; note: string }) =>
      api.post('/insights/interventions', {
        dealerCode: item.dealerCode,
        agreementCode: item.agreementCode,
        ...body,
      }),
    onSuccess: () =>
      client.invalidateQueries({ queryKey: [...insightsKey, 'interventions', item.dealerCode] }),
  });
  const history = (detail.data?.history ?? [])
    .filter((h) => h.lineNo === 0)
    .map((h) => ({ day: formatDate(h.day), probability: Math.round(h.probability * 100) }));
  const lines = (detail.data?.risks ?? []).filter((r) => r.lineNo > 0);
  return (
    <Stack gap="sm" pt="sm" data-testid="risk-detail">
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <div>
          <Text size="sm" fw={600} mb={4}>
            Why: {signedUnits(item.commitment - item.expected)} units between the plan and the
            expected outcome
          </Text>
          <DriverList drivers={item.drivers} format={signedUnits} testId="risk-driver" />
        </div>
        <div>
          <Text size="sm" fw={600} mb={4}>
            Probability over the term
          </Text>
          {detail.isPending ? (
            <ChartSkeleton h={160} />
          ) : history.length > 1 ? (
            <SeriesLines
              testId="risk-history"
              data={history}
              dataKey="day"
              heights={[160, 180]}
              valueFormatter={(v) => `${v} %`}
              yAxisProps={{ domain: [0, 100] }}
              series={[
                {
                  name: 'probability',
                  label: 'Probability of reaching the commitment (%)',
                  color: 'blue.6',
                },
              ]}
            />
          ) : (
            <Text size="xs" c="dimmed" data-testid="risk-history">
              One point so far ({pct(item.probability)} on {formatDate(item.asOf)}); the chart fills
              in as the term goes on.
            </Text>
          )}
        </div>
      </SimpleGrid>
      <CalibrationNote calibration={item.calibration} testId="risk-calibration" />
      {lines.length > 0 && (
        <Text size="xs" c="dimmed">
          Lines:{' '}
          {lines
            .map(
              (l) =>
                `${l.label} ${pct(l.probability)} (${formatInt(l.toDate)} of ${formatInt(l.commitment)})`,
            )
            .join(' · ')}
        </Text>
      )}
      <div>
        <Text size="sm" fw={600} mb={4}>
          What to do
        </Text>
        <Stack gap={6}>
          {item.interventions.length === 0 && (
            <Text size="sm" c="dimmed">
              On track: nothing to do.
            </Text>
          )}
          {item.interventions.map((i, index) => (
            <Group
              key={`${i.kind}-${index}`}
              justify="space-between"
              wrap="nowrap"
              gap="xs"
              data-testid="risk-intervention"
            >
              <Text size="sm" style={{ overflowWrap: 'anywhere', minWidth: 0, flex: 1 }}>
                {i.text}
                {i.amount && (
                  <Text span c="dimmed" size="xs">
                    {' '}
                    ({formatMoney(i.amount, currency, { isCompact: true })}{' '}
                    {i.kind === 'more_units' ? 'revenue' : 'at stake'})
                  </Text>
                )}
              </Text>
              {canAct && (
                <Button
                  size="compact-xs"
                  style={{ flexShrink: 0 }}
                  variant="light"
                  loading={log.isPending && log.variables?.kind === i.kind}
                  onClick={() =>
                    log.mutate({
                      kind: i.kind === 'incentive_tier' ? 'more_units' : i.kind,
                      note: i.text,
                    })
                  }
                >
                  Log
                </Button>
              )}
            </Group>
          ))}
        </Stack>
      </div>
      {(interventions.data ?? []).length > 0 && (
        <Text size="xs" c="dimmed" data-testid="intervention-log">
          Logged:{' '}
          {interventions
            .data!.slice(0, 5)
            .map(
              (x) =>
                `${x.kind.replace('_', ' ')} by ${x.createdByName}, ${formatDateTime(x.createdAt)}${outcomeText(x)}`,
            )
            .join(' · ')}
        </Text>
      )}
    </Stack>
  );
}

type RiskRowProps = {
  item: AgreementRisk;
  currency: string;
  isOpen: boolean;
  onToggle: () => void;
};

function RiskRow({ item, currency, isOpen, onToggle }: RiskRowProps) {
  const top = mainDriver(item.drivers);
  return (
    <BorderedCard data-testid="risk-row" data-agreement={item.agreementCode}>
      <Group justify="space-between" wrap="nowrap" align="flex-start" gap="xs">
        <div style={{ minWidth: 0 }}>
          <Text fw={600} size="sm" style={{ overflowWrap: 'anywhere' }}>
            <Link to={`/dealers/${encodeURIComponent(item.dealerCode)}`}>{item.dealerName}</Link>
          </Text>
          <Text size="xs" c="dimmed">
            <Link to={`/agreements?dealer=${encodeURIComponent(item.dealerCode)}`}>
              {item.agreementCode}
            </Link>{' '}
            · {formatInt(item.toDate)} of {formatInt(item.commitment)} units, month{' '}
            {item.elapsedMonths} of {item.termMonths}
          </Text>
        </div>
        <Stack gap={2} align="flex-end" style={{ flexShrink: 0 }}>
          <Badge color={probabilityColor(item.probability)} variant="filled" size="lg">
            {pct(item.probability)}
          </Badge>
          <Text size="xs" fw={600} c={Number(item.shortfallMoney) > 0 ? 'red.8' : 'dimmed'}>
            {formatMoney(item.shortfallMoney, currency, { isCompact: true })} short
          </Text>
        </Stack>
      </Group>
      <ProbabilityBar p={item.probability} size="xs" mt={6} />
      <Group justify="space-between" mt={6} gap="xs" wrap="nowrap">
        <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
          Expected {formatInt(Math.round(item.expected))} (80 %:{' '}
          {formatInt(Math.round(item.lower80))}–{formatInt(Math.round(item.upper80))}),{' '}
          {formatInt(Math.round(item.shortfallUnits))} units short on average
          {top ? ` · main driver: ${driverLabel(top.kind).toLowerCase()}` : ''}
        </Text>
        <Button
          size="compact-xs"
          variant="subtle"
          onClick={onToggle}
          style={{ flexShrink: 0 }}
          aria-expanded={isOpen}
        >
          {isOpen ? 'Hide' : 'Details'}
        </Button>
      </Group>
      {isOpen && <RiskDetail item={item} currency={currency} />}
    </BorderedCard>
  );
}

export function RiskBoardPage() {
  const board = useRiskBoard();
  const [params, setParams] = useSearchParams();
  const open = params.get('agreement');
  const canRefresh = useCan('agreements:write');
  const client = useQueryClient();
  const refresh = useMutation({
    mutationFn: () => api.post<{ id: number }>('/insights/risks/refresh'),
    onSuccess: () =>
      setTimeout(() => void client.invalidateQueries({ queryKey: insightsKey }), 3000),
  });
  const toggle = (code: string) =>
    setParams(open === code ? {} : { agreement: code }, { replace: true });
  const items = board.data?.items ?? [];
  const atRisk = items.filter((i) => i.probability < 0.5).length;
  return (
    <>
      <PageHeader
        title="Commitment risk"
        description={
          board.data
            ? `Calibrated probability of reaching each commitment, as of ${formatDate(board.data.asOf)}; sorted by expected shortfall in money.`
            : undefined
        }
        actions={
          canRefresh ? (
            <Button
              variant="default"
              size="sm"
              loading={refresh.isPending}
              onClick={() => refresh.mutate()}
            >
              Recompute now
            </Button>
          ) : undefined
        }
      />
      {refresh.isSuccess && (
        <Alert color="blue" mb="sm" variant="light">
          Recomputing every risk of the network (job {refresh.data.id}); the board refreshes when it
          is done.
        </Alert>
      )}
      {board.isError ? (
        <QueryError error={board.error} onRetry={() => void board.refetch()} />
      ) : board.isPending ? (
        <TableSkeleton />
      ) : items.length === 0 ? (
        <Empty
          title="No risks computed yet"
          description="Risks are computed every night for approved and active agreements, and for a dealer as soon as its sales arrive."
        />
      ) : (
        <Stack gap="lg">
          <SimpleGrid cols={{ base: 2, sm: 3 }} spacing="sm">
            <KpiCard
              label="Expected shortfall"
              value={formatMoney(board.data.shortfallMoney, board.data.currency, {
                isCompact: true,
              })}
            />
            <KpiCard
              label="Agreements below 50 %"
              value={`${formatInt(atRisk)} of ${formatInt(items.length)}`}
            />
            <KpiCard
              label="Likely to make it (≥ 80 %)"
              value={formatInt(items.filter((i) => i.probability >= 0.8).length)}
            />
          </SimpleGrid>
          <Section
            title="At risk"
            description="Largest expected shortfall in money first. Probabilities are calibrated: of the agreements shown at 70 %, about 70 % make it."
          >
            <Stack gap="xs" data-testid="risk-board">
              {items.map((item) => (
                <RiskRow
                  key={item.agreementCode}
                  item={item}
                  currency={board.data.currency}
                  isOpen={open === item.agreementCode}
                  onToggle={() => toggle(item.agreementCode)}
                />
              ))}
            </Stack>
          </Section>
          <ProgramRiskSection />
          <HighPerformers items={items} />
        </Stack>
      )}
    </>
  );
}

/** Ahead of their plan's pace and at least 80 % likely to make it, by pace. */
function HighPerformers({ items }: { items: AgreementRisk[] }) {
  const performers = [...items]
    .filter((i) => i.probability >= 0.8 && i.elapsedMonths > 0)
    .map((i) => ({
      ...i,
      pace: i.toDate / Math.max(1, (i.commitment * i.elapsedMonths) / i.termMonths),
    }))
    .sort((a, b) => b.pace - a.pace || b.probability - a.probability)
    .slice(0, 10);
  return (
    <Section
      title="High performers"
      description="Ahead of their plan's pace and at least 80 % likely to make it, by pace."
    >
      {performers.length === 0 ? (
        <Text size="sm" c="dimmed">
          None yet.
        </Text>
      ) : (
        <Stack gap={4} data-testid="high-performers">
          {performers.map((p) => (
            <Group key={p.agreementCode} justify="space-between" wrap="nowrap" gap="xs">
              <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                <Link to={`/dealers/${encodeURIComponent(p.dealerCode)}`}>{p.dealerName}</Link>
              </Text>
              <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                {Math.round(p.pace * 100)} % of plan so far · {pct(p.probability)} likely
              </Text>
            </Group>
          ))}
        </Stack>
      )}
    </Section>
  );
}

/** " → reached", with "(provisional)" while a late report can still change it and "(corrected)". */
function outcomeText(x: {
  outcome: string | null;
  outcomeIsFinal: boolean | null;
  outcomeCorrectedAt: string | null;
}): string {
  if (!x.outcome) return '';
  const notes = [
    x.outcomeIsFinal === false ? 'provisional' : null,
    x.outcomeCorrectedAt ? `corrected ${formatDateTime(x.outcomeCorrectedAt)}` : null,
  ].filter(Boolean);
  return ` → ${x.outcome}${notes.length ? ` (${notes.join(', ')})` : ''}`;
}
