/**
 * One forecast cycle for the OEM: the baseline job's progress, the transitions (close the window,
 * lock, publish) with confirmations, totals, the EV adoption signal per region, roll-ups by region,
 * model line, powertrain and month (chart + table), the demand plan download and a way into any
 * dealer's grid.
 */
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import type { CycleTransition, ForecastCycle, Rollup } from '../../../shared/schemas/forecasts';
import { apiUrl, isApiError } from '../../api';
import { FormError } from '../../components/form-error';
import { BaselineProgress } from '../../components/forecasts/baseline-progress';
import { RollupGroupChart, RollupMonthChart } from '../../components/forecasts/forecast-charts';
import {
  STATUS_COLORS,
  STATUS_LABELS,
  TRANSITION_DESCRIPTIONS,
  TRANSITION_LABELS,
  allowedTransitions,
  cycleTitle,
} from '../../components/forecasts/forecast-labels';
import {
  useCycle,
  useCycleTransition,
  useRollup,
} from '../../components/forecasts/forecast-queries';
import { IconArrowLeft } from '../../components/icons';
import { DownloadButton } from '../../components/download-button';
import { KpiCard } from '../../components/kpi-card';
import { DataTable } from '../../components/data-table';
import { PageHeader, Section } from '../../components/page-header';
import { ChartSkeleton, Empty, PageSkeleton, QueryError } from '../../components/query-state';
import { formatChange, formatDate, formatInt, formatMonth, percentChange } from '../../format';
import { useDealers } from '../../queries';
import { useCan } from '../../session';

type View = 'region' | 'model_line' | 'powertrain' | 'month';

export function ForecastCyclePage() {
  const id = Number(useParams().id);
  const cycle = useCycle(id);
  if (cycle.isPending) return <PageSkeleton />;
  if (cycle.isError) {
    if (isApiError(cycle.error) && cycle.error.status === 404)
      return (
        <Empty
          title="Cycle not found"
          action={
            <Anchor component={Link} to="/forecasts/cycles">
              Back to forecasts
            </Anchor>
          }
        />
      );
    return <QueryError error={cycle.error} onRetry={() => void cycle.refetch()} />;
  }
  return <CycleView cycle={cycle.data} />;
}

function CycleView({ cycle }: { cycle: ForecastCycle }) {
  const canManage = useCan('forecasts:manage');
  const canReview = useCan('forecasts:review');
  const [confirm, setConfirm] = useState<CycleTransition | null>(null);
  const isLocked = cycle.status === 'locked' || cycle.status === 'published';
  const hasBaseline = cycle.status !== 'open';
  const change = percentChange(cycle.totals.consensus, cycle.totals.baseline);
  return (
    <Stack gap="lg" data-testid="forecast-cycle-page">
      <PageHeader
        above={
          <Anchor component={Link} to="/forecasts/cycles" size="sm">
            <Group gap={4}>
              <IconArrowLeft size={14} />
              Forecast cycles
            </Group>
          </Anchor>
        }
        title={cycleTitle(cycle)}
        description={
          <Group gap="xs" wrap="wrap">
            <Badge color={STATUS_COLORS[cycle.status]} variant="light" data-testid="cycle-status">
              {STATUS_LABELS[cycle.status]}
            </Badge>
            <span>
              {formatMonth(cycle.months[0]!)}–{formatMonth(cycle.months.at(-1)!)} · dealers adjust
              until {formatDate(cycle.adjustUntil)}
            </span>
          </Group>
        }
        actions={
          <>
            {canReview && hasBaseline && !isLocked && (
              <Button
                component={Link}
                to={`/forecasts/review?cycle=${cycle.id}`}
                variant="default"
                size="sm"
              >
                Review adjustments
              </Button>
            )}
            {isLocked && (
              <>
                <DownloadButton
                  href={apiUrl(`/forecasts/cycles/${cycle.id}/demand-plan`, { format: 'csv' })}
                  download={`demand-plan-${cycle.cycleMonth}.csv`}
                >
                  Demand plan CSV
                </DownloadButton>
                <DownloadButton
                  href={apiUrl(`/forecasts/cycles/${cycle.id}/demand-plan`, { format: 'json' })}
                  download={`demand-plan-${cycle.cycleMonth}.json`}
                >
                  JSON
                </DownloadButton>
              </>
            )}
            {canManage &&
              allowedTransitions(cycle.status).map((t) => (
                <Button
                  key={t}
                  size="sm"
                  variant={t === 'close-window' ? 'light' : 'filled'}
                  color={t === 'lock' ? 'teal' : t === 'publish' ? 'green' : 'orange'}
                  onClick={() => setConfirm(t)}
                  data-transition={t}
                >
                  {TRANSITION_LABELS[t]}
                </Button>
              ))}
          </>
        }
      />

      {cycle.status === 'open' && (
        <Paper withBorder radius="md" p="md">
          <Text fw={600} mb="xs">
            Building the statistical baseline
          </Text>
          <BaselineProgress cycle={cycle} />
        </Paper>
      )}
      {cycle.baselineError && cycle.status !== 'open' && (
        <Alert color="red" variant="light">
          {cycle.baselineError}
        </Alert>
      )}

      <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }} spacing="sm">
        <KpiCard label="Dealers" value={formatInt(cycle.totals.dealers)} />
        <KpiCard
          label="Baseline"
          value={formatInt(Math.round(cycle.totals.baseline))}
          hint="vehicles"
        />
        <KpiCard
          label="Consensus"
          value={formatInt(Math.round(cycle.totals.consensus))}
          hint={change === null ? 'vehicles' : `${formatChange(change)} vs baseline`}
        />
        <KpiCard label="Adjusted cells" value={formatInt(cycle.totals.adjustedCells)} />
        <KpiCard label="Overridden cells" value={formatInt(cycle.totals.overriddenCells)} />
      </SimpleGrid>

      {hasBaseline && (
        <Section
          title="A dealer’s grid"
          description="Open any dealer’s forecast, adjustments and edit history"
        >
          <DealerJump cycleId={cycle.id} />
        </Section>
      )}

      {hasBaseline && <Rollups cycle={cycle} />}

      {cycle.signals.length > 0 && (
        <Section
          title="EV adoption signal"
          description="BEV share of each region’s retail deliveries over the last 6 months against a year earlier; the baseline moves volume of BEV-heavy lines towards regions whose adoption grows faster than the nation’s"
        >
          <DataTable
            fz="sm"
            minWidth={420}
            testId="ev-signals"
            rows={cycle.signals}
            rowKey={(s) => s.regionCode}
            columns={[
              { header: 'Region', cell: (s) => s.regionCode },
              {
                header: 'BEV share now',
                align: 'right',
                isNowrap: true,
                cell: (s) => (s.bevShareRecent === null ? '–' : `${s.bevShareRecent.toFixed(1)} %`),
              },
              {
                header: 'A year earlier',
                align: 'right',
                isNowrap: true,
                cell: (s) => (s.bevSharePrior === null ? '–' : `${s.bevSharePrior.toFixed(1)} %`),
              },
              {
                header: 'Growth vs nation',
                align: 'right',
                cell: (s) => `×${s.relativeGrowth.toFixed(2)}`,
              },
            ]}
          />
        </Section>
      )}

      {confirm && (
        <TransitionDialog cycle={cycle} transition={confirm} onClose={() => setConfirm(null)} />
      )}
    </Stack>
  );
}

function TransitionDialog({
  cycle,
  transition,
  onClose,
}: {
  cycle: ForecastCycle;
  transition: CycleTransition;
  onClose: () => void;
}) {
  const move = useCycleTransition(cycle.id);
  return (
    <Modal
      opened
      onClose={onClose}
      title={`${TRANSITION_LABELS[transition]}: ${cycleTitle(cycle)}`}
    >
      <Stack gap="sm">
        <Text size="sm">{TRANSITION_DESCRIPTIONS[transition]}</Text>
        {transition !== 'publish' && cycle.totals.adjustedCells > 0 && (
          <Text size="sm" c="dimmed">
            {formatInt(cycle.totals.adjustedCells)} adjusted and{' '}
            {formatInt(cycle.totals.overriddenCells)} overridden cells so far.
          </Text>
        )}
        <FormError error={move.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            loading={move.isPending}
            color={transition === 'lock' ? 'teal' : transition === 'publish' ? 'green' : 'orange'}
            onClick={() => move.mutate(transition, { onSuccess: onClose })}
            data-testid="confirm-transition"
          >
            {TRANSITION_LABELS[transition]}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function DealerJump({ cycleId }: { cycleId: number }) {
  const navigate = useNavigate();
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 250);
  const dealers = useDealers({ q: q || undefined, status: 'active', limit: 50, offset: 0 });
  return (
    <Select
      aria-label="Dealer"
      placeholder="Type a dealer’s name or code"
      data={(dealers.data?.items ?? []).map((d) => ({
        value: d.code,
        label: `${d.name} (${d.code})`,
      }))}
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options }) => options}
      onChange={(code) => {
        if (code) void navigate(`/forecasts/cycles/${cycleId}/dealers/${encodeURIComponent(code)}`);
      }}
      nothingFoundMessage={dealers.isFetching ? 'Searching…' : 'No dealer found'}
      maw={420}
    />
  );
}

const VIEW_LABELS: Record<View, string> = {
  region: 'Region',
  model_line: 'Model line',
  powertrain: 'Powertrain',
  month: 'Month',
};

function Rollups({ cycle }: { cycle: ForecastCycle }) {
  const [view, setView] = useState<View>('region');
  const rollup = useRollup(cycle.id, view === 'month' ? 'region' : view);
  return (
    <Section
      title="Roll-ups"
      description="Baseline, dealer-adjusted and consensus, in vehicles (powertrain through the SKU mix frozen with the baseline)"
      actions={
        <SegmentedControl
          size="xs"
          value={view}
          onChange={(v) => setView(v as View)}
          data={(Object.keys(VIEW_LABELS) as View[]).map((v) => ({
            value: v,
            label: VIEW_LABELS[v],
          }))}
          aria-label="Roll up by"
        />
      }
    >
      {rollup.isError ? (
        <QueryError error={rollup.error} onRetry={() => void rollup.refetch()} />
      ) : rollup.isPending ? (
        <ChartSkeleton />
      ) : (
        <Stack gap="sm" data-testid="rollups">
          <Paper withBorder radius="md" p="sm">
            {view === 'month' ? (
              <RollupMonthChart rollup={rollup.data} />
            ) : (
              <RollupGroupChart rollup={rollup.data} />
            )}
          </Paper>
          <RollupTable rollup={rollup.data} view={view} />
        </Stack>
      )}
    </Section>
  );
}

function RollupTable({ rollup, view }: { rollup: Rollup; view: View }) {
  const rows =
    view === 'month'
      ? rollup.months.map((m, i) => ({
          key: m,
          label: formatMonth(m),
          baseline: rollup.total.baseline[i] ?? 0,
          adjusted: rollup.total.adjusted[i] ?? 0,
          consensus: rollup.total.consensus[i] ?? 0,
        }))
      : [...rollup.rows]
          .sort((a, b) => b.total.consensus - a.total.consensus)
          .map((r) => ({ key: r.key, label: r.label, ...r.total }));
  const sum = (k: 'baseline' | 'adjusted' | 'consensus') => rows.reduce((s, r) => s + r[k], 0);
  return (
    <DataTable
      fz="sm"
      striped
      minWidth={480}
      testId="rollup-table"
      scrollLabel={`Roll-up by ${VIEW_LABELS[view].toLowerCase()}`}
      rows={rows}
      footerRows={[
        {
          key: 'total',
          label: 'Total',
          baseline: sum('baseline'),
          adjusted: sum('adjusted'),
          consensus: sum('consensus'),
        },
      ]}
      rowKey={(r) => r.key}
      columns={[
        { header: VIEW_LABELS[view], key: 'label', isSticky: true, cell: (r) => r.label },
        { header: 'Baseline', count: (r) => Math.round(r.baseline) },
        { header: 'Dealer-adjusted', count: (r) => Math.round(r.adjusted) },
        { header: 'Consensus', count: (r) => Math.round(r.consensus) },
        {
          header: 'vs baseline',
          align: 'right',
          isNowrap: true,
          cell: (r) => formatChange(percentChange(r.consensus, r.baseline)),
        },
      ]}
    />
  );
}
