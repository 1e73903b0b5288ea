/**
 * Forecast accuracy of the locked cycles as actuals arrive: WAPE, bias and MASE of the spreadsheet
 * method, the statistical baseline, the dealer-adjusted numbers and the consensus; by horizon
 * (chart) and by region or model line (tables); and the value each step added.
 */
import { useState } from 'react';
import { Alert, Paper, SegmentedControl, Select, SimpleGrid, Stack, Text } from '@mantine/core';
import {
  FORECAST_STEPS,
  type Accuracy,
  type ForecastStep,
} from '../../../shared/schemas/forecasts';
import { AccuracyHorizonChart } from '../../components/forecasts/forecast-charts';
import { STEP_LABELS, cycleTitle } from '../../components/forecasts/forecast-labels';
import { useAccuracy, useCycles } from '../../components/forecasts/forecast-queries';
import { DataTable, type Column } from '../../components/data-table';
import { KpiCard } from '../../components/kpi-card';
import { PageHeader, Section } from '../../components/page-header';
import { ChartSkeleton, Empty, QueryError, TableSkeleton } from '../../components/query-state';
import { formatInt, formatMonthLong, formatPercent } from '../../format';

function signed(value: number | null): string {
  if (value === null) return '–';
  return `${value > 0 ? '+' : value < 0 ? '−' : '±'}${Math.abs(value).toFixed(1)} %`;
}

/** "Dealer adjustments improved WAPE by 2.3 points" (or worsened). */
function valueAddedSentence(subject: string, points: number | null): string {
  if (points === null) return `${subject}: not measurable yet`;
  if (Math.abs(points) < 0.05) return `${subject} did not change WAPE`;
  return `${subject} ${points > 0 ? 'improved' : 'worsened'} WAPE by ${Math.abs(points).toFixed(1)} points`;
}

export function ForecastAccuracyPage() {
  const cycles = useCycles();
  const [cycleId, setCycleId] = useState<number | null>(null);
  const [by, setBy] = useState<'region' | 'model_line'>('region');
  const summary = useAccuracy(cycleId, 'horizon');
  const table = useAccuracy(cycleId, by);
  const locked = (cycles.data ?? []).filter(
    (c) => c.status === 'locked' || c.status === 'published',
  );
  const a = summary.data;
  return (
    <Stack gap="lg" data-testid="forecast-accuracy-page">
      <PageHeader
        title="Forecast accuracy"
        description="Locked forecasts against net retail deliveries, month by month as the actuals arrive"
        actions={
          <Select
            aria-label="Cycle"
            data={[
              { value: '', label: 'All locked cycles' },
              ...locked.map((c) => ({ value: String(c.id), label: cycleTitle(c) })),
            ]}
            value={cycleId === null ? '' : String(cycleId)}
            onChange={(v) => setCycleId(v ? Number(v) : null)}
            allowDeselect={false}
            w={240}
            maw="100%"
          />
        }
      />
      {summary.isError ? (
        <QueryError error={summary.error} onRetry={() => void summary.refetch()} />
      ) : !a ? (
        <ChartSkeleton />
      ) : a.cells === 0 ? (
        <Empty
          title="Nothing to measure yet"
          description={
            a.cycles.length === 0
              ? 'Accuracy is measured on locked cycles; none is locked yet.'
              : 'No month of the locked cycles has actuals yet.'
          }
        />
      ) : (
        <>
          <Text size="sm" c="dimmed" data-testid="accuracy-scope">
            {a.cycles.length} cycle{a.cycles.length === 1 ? '' : 's'} · through{' '}
            {a.throughMonth ? formatMonthLong(a.throughMonth) : '–'} · {formatInt(a.cells)} dealer ×
            model line × month cells · {formatInt(a.actual)} vehicles delivered
          </Text>
          <SimpleGrid cols={{ base: 2, md: 4 }} spacing="sm">
            {FORECAST_STEPS.map((step) => (
              <KpiCard
                key={step}
                testId={`wape-${step}`}
                label={`${STEP_LABELS[step]} WAPE`}
                value={formatPercent(a.summary[step].wape)}
                hint={`bias ${signed(a.summary[step].bias)} · MASE ${a.summary[step].mase?.toFixed(2) ?? '–'}`}
              />
            ))}
          </SimpleGrid>
          <ValueAdded accuracy={a} />
          <Section
            title="By horizon"
            description="WAPE of each step by months ahead (1 = the cycle’s first month); lower is better"
          >
            <Paper withBorder radius="md" p="sm">
              <AccuracyHorizonChart accuracy={a} />
            </Paper>
          </Section>
          <Section
            title="By region and model line"
            description="WAPE per step, the consensus’s bias and MASE"
            actions={
              <SegmentedControl
                size="xs"
                value={by}
                onChange={(v) => setBy(v as 'region' | 'model_line')}
                data={[
                  { value: 'region', label: 'Region' },
                  { value: 'model_line', label: 'Model line' },
                ]}
              />
            }
          >
            {table.isError ? (
              <QueryError error={table.error} onRetry={() => void table.refetch()} />
            ) : !table.data ? (
              <TableSkeleton />
            ) : (
              <AccuracyTable accuracy={table.data} />
            )}
          </Section>
          <Text size="xs" c="dimmed">
            WAPE = Σ|actual − forecast| ÷ Σ actual. Bias = Σ(forecast − actual) ÷ Σ actual
            (positive: over-forecast). MASE = Σ|error| ÷ Σ in-sample seasonal naive error (below 1
            beats repeating last year). Region level (region × model line × month sums): consensus
            WAPE {formatPercent(a.regionLevel.consensus.wape)}, spreadsheet{' '}
            {formatPercent(a.regionLevel.spreadsheet.wape)}.
          </Text>
        </>
      )}
    </Stack>
  );
}

function ValueAdded({ accuracy }: { accuracy: Accuracy }) {
  const v = accuracy.valueAdded;
  const items = [
    valueAddedSentence(
      'The statistical baseline (vs the spreadsheet method)',
      v.baselineOverSpreadsheet,
    ),
    valueAddedSentence('Dealer adjustments', v.adjustmentsOverBaseline),
    valueAddedSentence('The regional review', v.reviewOverAdjusted),
  ];
  const total =
    accuracy.summary.spreadsheet.wape !== null && accuracy.summary.consensus.wape !== null
      ? accuracy.summary.spreadsheet.wape - accuracy.summary.consensus.wape
      : null;
  return (
    <Alert
      variant="light"
      color={total !== null && total < 0 ? 'orange' : 'teal'}
      title="Forecast value added"
      data-testid="value-added"
    >
      <Stack gap={2}>
        {items.map((t) => (
          <Text size="sm" key={t}>
            {t}.
          </Text>
        ))}
      </Stack>
    </Alert>
  );
}

function AccuracyTable({ accuracy }: { accuracy: Accuracy }) {
  const best = (g: Accuracy['groups'][number]): ForecastStep | null => {
    let pick: ForecastStep | null = null;
    for (const s of FORECAST_STEPS) {
      const w = g.steps[s].wape;
      if (w !== null && (pick === null || w < (g.steps[pick].wape ?? Infinity))) pick = s;
    }
    return pick;
  };
  const groups = [...accuracy.groups].sort((a, b) => b.actual - a.actual);
  return (
    <DataTable
      fz="sm"
      striped
      minWidth={720}
      testId="accuracy-table"
      scrollLabel="Forecast accuracy"
      rows={groups}
      rowKey={(g) => g.key}
      empty={<Empty title="No actual sales in these months yet" />}
      columns={[
        {
          header: accuracy.by === 'region' ? 'Region' : 'Model line',
          key: 'group',
          isSticky: true,
          cell: (g) => g.label,
        },
        { header: 'Actual', align: 'right', cell: (g) => formatInt(g.actual) },
        ...FORECAST_STEPS.map((s): Column<Accuracy['groups'][number]> => ({
          header: STEP_LABELS[s],
          key: s,
          align: 'right',
          td: (g) => ({ fw: s === best(g) ? 700 : undefined }),
          cell: (g) => formatPercent(g.steps[s].wape),
        })),
        { header: 'Bias', align: 'right', cell: (g) => signed(g.steps.consensus.bias) },
        {
          header: 'MASE',
          align: 'right',
          cell: (g) => g.steps.consensus.mase?.toFixed(2) ?? '–',
        },
      ]}
    />
  );
}
