/**
 * Forecasts: the OEM sees every cycle (status, window, totals, the baseline job's progress) and
 * opens new ones; a dealer sees the cycles with a link to its own grid, the open one first.
 */
import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import type { ForecastCycle } from '../../../shared/schemas/forecasts';
import { addMonths } from '../../../shared/months';
import { apiFieldErrors } from '../../forms';
import { FormDialog } from '../../components/form-kit';
import {
  STATUS_COLORS,
  STATUS_LABELS,
  cycleTitle,
} from '../../components/forecasts/forecast-labels';
import { BaselineProgress } from '../../components/forecasts/baseline-progress';
import { useCreateCycle, useCycles } from '../../components/forecasts/forecast-queries';
import { IconPlus } from '../../components/icons';
import { DataTable } from '../../components/data-table';
import { PageHeader } from '../../components/page-header';
import { Empty, QueryError, TableSkeleton } from '../../components/query-state';
import { formatDate, formatInt, formatMonth, formatMonthLong } from '../../format';
import { isDealerUser, useCan, useMe } from '../../session';

export function ForecastsPage() {
  const me = useMe();
  return isDealerUser(me) ? <DealerForecasts /> : <NetworkForecasts />;
}

function CycleStatus({ cycle }: { cycle: ForecastCycle }) {
  return (
    <Badge color={STATUS_COLORS[cycle.status]} variant="light">
      {STATUS_LABELS[cycle.status]}
    </Badge>
  );
}

function NetworkForecasts() {
  const canManage = useCan('forecasts:manage');
  const cycles = useCycles();
  const [isCreating, setCreating] = useState(false);
  return (
    <Stack gap="lg" data-testid="forecasts-page">
      <PageHeader
        title="Forecast cycles"
        description="Each month: a statistical baseline per dealer, model line and month; dealers adjust, regions review, the consensus is locked for production"
        actions={
          <>
            <Button component={Link} to="/forecasts/accuracy" variant="default" size="sm">
              Accuracy
            </Button>
            {canManage && (
              <Button
                size="sm"
                leftSection={<IconPlus size={16} />}
                onClick={() => setCreating(true)}
              >
                Open a cycle
              </Button>
            )}
          </>
        }
      />
      {cycles.isError ? (
        <QueryError error={cycles.error} onRetry={() => void cycles.refetch()} />
      ) : cycles.isPending ? (
        <TableSkeleton />
      ) : cycles.data.length === 0 ? (
        <Empty
          title="No forecast cycle yet"
          description={
            canManage
              ? 'Open the first cycle: the baseline is built in the background and dealers can adjust it once it is ready.'
              : 'When the OEM opens a cycle it shows up here.'
          }
        />
      ) : (
        <DataTable
          verticalSpacing="sm"
          highlightOnHover
          minWidth={720}
          testId="cycles-table"
          scrollLabel="Forecast cycles"
          rows={cycles.data}
          rowKey={(c) => c.id}
          rowProps={(c) => ({ 'data-cycle': c.cycleMonth })}
          columns={[
            {
              header: 'Cycle',
              isSticky: true,
              cell: (c) => (
                <Anchor component={Link} to={`/forecasts/cycles/${c.id}`} fw={600}>
                  {cycleTitle(c)}
                </Anchor>
              ),
            },
            {
              header: 'Status',
              cell: (c) => (
                <Stack gap={4}>
                  <CycleStatus cycle={c} />
                  <BaselineProgress cycle={c} />
                </Stack>
              ),
            },
            {
              header: 'Months',
              isNowrap: true,
              cell: (c) => `${formatMonth(c.months[0]!)}–${formatMonth(c.months.at(-1)!)}`,
            },
            { header: 'Adjust until', isNowrap: true, cell: (c) => formatDate(c.adjustUntil) },
            { header: 'Baseline', count: (c) => Math.round(c.totals.baseline) },
            { header: 'Consensus', count: (c) => Math.round(c.totals.consensus) },
            { header: 'Adjusted cells', count: (c) => c.totals.adjustedCells },
            { header: 'Overridden', count: (c) => c.totals.overriddenCells },
          ]}
        />
      )}
      {isCreating && <NewCycleDialog onClose={() => setCreating(false)} />}
    </Stack>
  );
}

function NewCycleDialog({ onClose }: { onClose: () => void }) {
  const navigate = useNavigate();
  const create = useCreateCycle();
  const [thisMonth] = useState(() => new Date().toISOString().slice(0, 7));
  const [cycleMonth, setCycleMonth] = useState<string | null>(thisMonth);
  const [horizon, setHorizon] = useState<number | string>(12);
  const [adjustUntil, setAdjustUntil] = useState(() => {
    const d = new Date();
    d.setUTCDate(d.getUTCDate() + 10);
    return d.toISOString().slice(0, 10);
  });
  const { errors, rest } = apiFieldErrors(create.error, ['cycleMonth', 'horizon', 'adjustUntil']);
  const months = Array.from({ length: 4 }, (_, i) => addMonths(thisMonth, i - 1)).map((m) => ({
    value: m,
    label: formatMonthLong(m),
  }));
  return (
    <FormDialog
      title="Open a forecast cycle"
      size="md"
      onClose={onClose}
      onSubmit={() =>
        create.mutate(
          { cycleMonth: cycleMonth ?? undefined, horizon: Number(horizon), adjustUntil },
          { onSuccess: (cycle) => void navigate(`/forecasts/cycles/${cycle.id}`) },
        )
      }
      save={create}
      problems={rest}
      submitLabel="Open cycle"
    >
      <Text size="sm" c="dimmed">
        The statistical baseline (every dealer × model line × month, with calibrated intervals) is
        built in the background; you can follow its progress. Dealers can adjust once it is ready,
        until the date below.
      </Text>
      <Select
        label="First forecast month"
        data={months}
        value={cycleMonth}
        onChange={setCycleMonth}
        error={errors.cycleMonth}
        allowDeselect={false}
      />
      <NumberInput
        label="Months ahead"
        min={1}
        max={18}
        value={horizon}
        onChange={setHorizon}
        error={errors.horizon}
        allowDecimal={false}
      />
      <TextInput
        type="date"
        label="Dealers may adjust until"
        value={adjustUntil}
        onChange={(e) => setAdjustUntil(e.currentTarget.value)}
        error={errors.adjustUntil}
      />
    </FormDialog>
  );
}

function DealerForecasts() {
  const me = useMe();
  const cycles = useCycles();
  const codes = me.scope.dealerCodes ?? [];
  const open = cycles.data?.find((c) => c.status === 'adjusting');
  const gridLink = (c: ForecastCycle, code: string) =>
    `/forecasts/cycles/${c.id}/dealers/${encodeURIComponent(code)}`;
  return (
    <Stack gap="lg" data-testid="forecasts-page">
      <PageHeader
        title="My forecast"
        description="The OEM’s statistical forecast of your sales per model line and month; adjust it with what you know about your market"
        actions={
          <Button component={Link} to="/forecasts/accuracy" variant="default" size="sm">
            Accuracy
          </Button>
        }
      />
      {open && open.isAdjustable && codes.length > 0 && (
        <Alert
          color="blue"
          variant="light"
          title={`${cycleTitle(open)} is open for your adjustments`}
        >
          <Stack gap="xs">
            <Text size="sm">
              Until {formatDate(open.adjustUntil)}. {formatInt(open.totals.adjustedCells)} of your
              cells adjusted so far.
            </Text>
            <Group gap="xs">
              {codes.map((code) => (
                <Button key={code} component={Link} to={gridLink(open, code)} size="sm">
                  {codes.length === 1 ? 'Open my forecast' : `Open ${code}`}
                </Button>
              ))}
            </Group>
          </Stack>
        </Alert>
      )}
      {cycles.isError ? (
        <QueryError error={cycles.error} onRetry={() => void cycles.refetch()} />
      ) : cycles.isPending ? (
        <TableSkeleton rows={3} />
      ) : cycles.data.length === 0 ? (
        <Empty
          title="No forecast yet"
          description="When the OEM opens a forecast cycle it shows up here."
        />
      ) : (
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          {cycles.data.map((c) => (
            <Paper key={c.id} withBorder radius="md" p="md" data-cycle={c.cycleMonth}>
              <Group justify="space-between" align="flex-start" wrap="nowrap">
                <div>
                  <Text fw={700}>{cycleTitle(c)}</Text>
                  <Text size="sm" c="dimmed">
                    {formatMonth(c.months[0]!)}–{formatMonth(c.months.at(-1)!)} ·{' '}
                    {formatInt(Math.round(c.totals.consensus))} vehicles
                  </Text>
                </div>
                <CycleStatus cycle={c} />
              </Group>
              {c.status !== 'open' && (
                <Group gap="xs" mt="sm">
                  {codes.map((code) => (
                    <Button
                      key={code}
                      component={Link}
                      to={gridLink(c, code)}
                      size="xs"
                      variant={c.isAdjustable ? 'filled' : 'light'}
                    >
                      {codes.length === 1 ? 'Open' : code}
                    </Button>
                  ))}
                </Group>
              )}
            </Paper>
          ))}
        </SimpleGrid>
      )}
    </Stack>
  );
}
