/**
 * One dealer's forecast for one cycle: the grid (model lines × months), a cell's detail with its
 * edit history and the adjustment form, and one model line's history and forecast with its
 * interval band. Dealer users see their own dealer; OEM users pick any dealer in their scope.
 */
import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Drawer,
  Group,
  Paper,
  Select,
  Stack,
  Text,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { isApiError } from '../../api';
import { AgreementExpectations } from '../../components/forecasts/agreement-expectations';
import { BulkAdjustPanel } from '../../components/forecasts/bulk-adjust';
import { CellDetail } from '../../components/forecasts/cell-detail';
import { LineForecastChart } from '../../components/forecasts/forecast-charts';
import {
  ForecastGrid,
  GridLegend,
  cellKey,
  type CellKey,
} from '../../components/forecasts/forecast-grid';
import {
  STATUS_COLORS,
  STATUS_LABELS,
  cycleTitle,
} from '../../components/forecasts/forecast-labels';
import { useDealerGrid } from '../../components/forecasts/forecast-queries';
import { IconArrowLeft } from '../../components/icons';
import { PageHeader, Section } from '../../components/page-header';
import { Empty, PageSkeleton, QueryError } from '../../components/query-state';
import { formatDate } from '../../format';
import { DealerPicker } from '../../components/form-kit';
import { isDealerUser, useCan, useMe } from '../../session';

export function ForecastGridPage() {
  const params = useParams();
  const id = Number(params.id);
  const dealerCode = params.code ?? '';
  const me = useMe();
  const isDealer = isDealerUser(me);
  const canAdjust = useCan('forecasts:adjust') && isDealer;
  const canReview = useCan('forecasts:review');
  const isPhone = useMediaQuery('(max-width: 48em)') ?? false;
  const grid = useDealerGrid(id, dealerCode);
  const [selected, setSelected] = useState<CellKey | null>(null);
  const [errorKeys, setErrorKeys] = useState<Set<CellKey>>(new Set());
  const [chartLine, setChartLine] = useState<string | null>(null);
  /** Picking cells for a change of several at once (null: one cell at a time). */
  const [picked, setPicked] = useState<Set<CellKey> | null>(null);
  const [showEmpty, setShowEmpty] = useState(false);

  const data = grid.data;
  const defaultLine = useMemo(() => {
    if (!data) return null;
    const biggest = [...data.lines].sort(
      (a, b) => b.history.reduce((s, v) => s + v, 0) - a.history.reduce((s, v) => s + v, 0),
    )[0];
    return biggest?.modelLine.code ?? null;
  }, [data]);

  if (grid.isPending) return <PageSkeleton />;
  if (grid.isError) {
    if (isApiError(grid.error) && grid.error.status === 404)
      return (
        <Empty
          title="No forecast here"
          description={
            isDealer
              ? 'This cycle or dealer does not exist, or it is not one of yours.'
              : 'This cycle or dealer does not exist, or it is outside your region.'
          }
          action={
            <Anchor component={Link} to="/forecasts/cycles">
              Back to forecasts
            </Anchor>
          }
        />
      );
    return <QueryError error={grid.error} onRetry={() => void grid.refetch()} />;
  }
  const g = grid.data;
  const [selLine, selMonth] = selected ? selected.split('|') : [];
  const line = g.lines.find((l) => l.modelLine.code === selLine);
  const cell = line?.cells.find((c) => c.month === selMonth);
  const shownLine = chartLine ?? (selLine && line ? selLine : defaultLine);
  // A model line with nothing forecast and nothing changed folds away.
  const isEmptyLine = (l: (typeof g.lines)[number]) =>
    l.cells.every(
      (c) => Math.round(c.consensus) === 0 && c.adjusted === null && c.override === null,
    );
  const emptyLines = g.lines.filter(isEmptyLine);
  const shownGrid = showEmpty ? g : { ...g, lines: g.lines.filter((l) => !isEmptyLine(l)) };
  const toggle = (keys: CellKey[]) =>
    setPicked((prev) => {
      const next = new Set(prev ?? []);
      const allIn = keys.every((k) => next.has(k));
      for (const k of keys) {
        if (allIn) next.delete(k);
        else next.add(k);
      }
      return next;
    });
  const adjustedCount = g.lines.reduce(
    (s, l) => s + l.cells.filter((c) => c.adjusted !== null).length,
    0,
  );

  return (
    <Stack gap="lg" data-testid="forecast-grid-page" style={{ minWidth: 0 }}>
      <PageHeader
        above={
          <Anchor
            component={Link}
            to={isDealer ? '/forecasts/cycles' : `/forecasts/cycles/${id}`}
            size="sm"
          >
            <Group gap={4}>
              <IconArrowLeft size={14} />
              {isDealer ? 'Forecasts' : cycleTitle(g.cycle)}
            </Group>
          </Anchor>
        }
        title={`${g.dealer.name} · ${cycleTitle(g.cycle)}`}
        description={
          <Group gap="xs" wrap="wrap">
            <Badge color={STATUS_COLORS[g.cycle.status]} variant="light">
              {STATUS_LABELS[g.cycle.status]}
            </Badge>
            <span>
              region {g.dealer.regionCode}
              {g.cycle.status === 'adjusting' &&
                ` · adjust until ${formatDate(g.cycle.adjustUntil)}`}
              {` · ${adjustedCount} adjusted cell${adjustedCount === 1 ? '' : 's'}`}
            </span>
          </Group>
        }
        actions={!isDealer ? <DealerSwitch cycleId={id} current={g.dealer.code} /> : undefined}
      />

      {canAdjust && g.cycle.isAdjustable && (
        <Alert color="blue" variant="light" data-testid="adjust-hint">
          <Stack gap="xs">
            <Text size="sm">
              Tap a cell to change the number with your local knowledge: a fleet deal, a
              competitor’s campaign, short allocation. Each change needs a reason; the region
              reviews it.
            </Text>
            {picked === null && (
              <Group>
                <Button
                  size="xs"
                  variant="light"
                  onClick={() => setPicked(new Set())}
                  data-testid="bulk-adjust-start"
                >
                  Change several at once (+10 %…)
                </Button>
              </Group>
            )}
          </Stack>
        </Alert>
      )}
      {picked !== null && canAdjust && g.cycle.isAdjustable && (
        <BulkAdjustPanel
          grid={g}
          picked={picked}
          onDone={() => setPicked(null)}
          onCancel={() => setPicked(null)}
        />
      )}
      {canAdjust && !g.cycle.isAdjustable && (
        <Alert color="gray" variant="light">
          {g.cycle.status === 'open'
            ? 'The baseline of this cycle is still being built.'
            : 'The adjustment window of this cycle is closed: the numbers are read-only.'}
        </Alert>
      )}

      <Stack gap="xs" style={{ minWidth: 0 }}>
        <GridLegend />
        {g.lines.length === 0 ? (
          <Empty title="No cells yet" description="The baseline of this cycle is not ready." />
        ) : (
          <ForecastGrid
            grid={shownGrid}
            selected={selected}
            errorKeys={errorKeys}
            picked={picked ?? undefined}
            onPickRow={
              picked === null
                ? undefined
                : (modelLine) => toggle(g.cycle.months.map((m) => cellKey(modelLine, m)))
            }
            onSelect={(modelLine, month) => {
              if (picked !== null) return toggle([cellKey(modelLine, month)]);
              setSelected(cellKey(modelLine, month));
              setChartLine(null);
            }}
          />
        )}
        {emptyLines.length > 0 && (
          <Group>
            <Button
              size="xs"
              variant="subtle"
              onClick={() => setShowEmpty((v) => !v)}
              data-testid="toggle-empty-lines"
            >
              {showEmpty
                ? 'Hide model lines with nothing to forecast'
                : `Show ${emptyLines.length} more model line${emptyLines.length === 1 ? '' : 's'} with nothing to forecast`}
            </Button>
          </Group>
        )}
        <Text size="xs" c="dimmed">
          Each cell is the number of vehicles expected: the region’s figure if it changed it, else
          yours, else our statistical estimate. Hover or tap for the likely range and the history.
        </Text>
      </Stack>

      <AgreementExpectations dealerCode={dealerCode} canEdit={canAdjust} />

      {shownLine && (
        <Section
          title="History and forecast"
          description="Vehicles delivered in the last 12 months, our statistical estimate and the agreed forecast, with the likely range"
          actions={
            <Select
              aria-label="Model line"
              data={shownGrid.lines.map((l) => ({
                value: l.modelLine.code,
                label: l.modelLine.name,
              }))}
              value={shownLine}
              onChange={(v) => setChartLine(v)}
              allowDeselect={false}
              searchable
              w={isPhone ? '100%' : 240}
            />
          }
        >
          <Paper withBorder p="sm" radius="md">
            <LineForecastChart grid={g} modelLine={shownLine} />
          </Paper>
        </Section>
      )}

      <Drawer
        opened={Boolean(line && cell)}
        onClose={() => setSelected(null)}
        position={isPhone ? 'bottom' : 'right'}
        size={isPhone ? '92%' : 460}
        title="Forecast cell"
        keepMounted={false}
      >
        {line && cell && (
          <CellDetail
            grid={g}
            line={line}
            cell={cell}
            canAdjust={canAdjust}
            canReview={canReview && !isDealer}
            onSaved={() => {
              const key = cellKey(line.modelLine.code, cell.month);
              setErrorKeys((prev) => {
                const next = new Set(prev);
                next.delete(key);
                return next;
              });
            }}
            onFailed={() => {
              const key = cellKey(line.modelLine.code, cell.month);
              setErrorKeys((prev) => new Set(prev).add(key));
            }}
          />
        )}
      </Drawer>
    </Stack>
  );
}

/** OEM users switch dealers (the API answers only for dealers in their scope). */
function DealerSwitch({ cycleId, current }: { cycleId: number; current: string }) {
  const navigate = useNavigate();
  return (
    <DealerPicker
      label={null}
      aria-label="Dealer"
      placeholder="Find a dealer"
      value={current}
      onChange={(code) => {
        if (code && code !== current)
          void navigate(`/forecasts/cycles/${cycleId}/dealers/${encodeURIComponent(code)}`);
      }}
      w={260}
      maw="100%"
    />
  );
}
