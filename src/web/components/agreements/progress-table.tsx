/**
 * Lines × periods: each cell the actual over the plan, tinted by attainment (periods not yet
 * started stay plain). The first column sticks while the periods scroll sideways on a phone.
 */
import { useEffect, useRef } from 'react';
import { Paper, Table, Text, Tooltip } from '@mantine/core';
import type { AgreementProgress } from '../../../shared/schemas/agreements';
import { formatInt } from '../../format';
import {
  formatAttainment,
  formatPeriod,
  formatSigned,
  periodTone,
  TARGET_KIND_LABELS,
  toDateColor,
} from './agreement-labels';

type PeriodCell = AgreementProgress['totals']['periods'][number];
type ToDate = AgreementProgress['totals']['termToDate'];

const sticky = {
  position: 'sticky' as const,
  left: 0,
  background: 'var(--mantine-color-body)',
  zIndex: 1,
  minWidth: 104,
  maxWidth: 150,
  boxShadow: '1px 0 0 var(--mantine-color-gray-3)',
};

function Cell({ cell }: { cell: PeriodCell }) {
  const { color, state } = periodTone(cell);
  return (
    <Table.Td
      ta="right"
      style={{
        background: color && color !== 'gray' ? `var(--mantine-color-${color}-light)` : undefined,
      }}
      data-attainment={cell.isElapsed ? (cell.attainmentPct ?? '') : 'future'}
      data-state={state}
    >
      <Tooltip
        label={
          cell.isElapsed
            ? `${formatPeriod(cell.period)}${state === 'in-progress' ? ' (in progress)' : ''}: ${formatInt(cell.actualQuantity)} of ${formatInt(cell.plannedQuantity)} planned · ${formatAttainment(cell.attainmentPct)} · gap ${formatSigned(cell.gap)}`
            : `${formatPeriod(cell.period)}: ${formatInt(cell.plannedQuantity)} planned (not started)`
        }
        openDelay={300}
      >
        <div>
          <Text size="sm" fw={600} c={cell.isElapsed ? undefined : 'dimmed'} lh={1.2}>
            {cell.isElapsed ? formatInt(cell.actualQuantity) : '·'}
          </Text>
          <Text size="xs" c="dimmed" lh={1.2}>
            of {formatInt(cell.plannedQuantity)}
          </Text>
          {state === 'in-progress' && (
            <Text size="xs" c="dimmed" fs="italic" lh={1.2}>
              in progress
            </Text>
          )}
          {cell.expectedQuantity !== null && (
            <Text size="xs" c="blue.8" lh={1.2} data-expected={cell.expectedQuantity}>
              dealer expects {formatInt(cell.expectedQuantity)}
            </Text>
          )}
        </div>
      </Tooltip>
    </Table.Td>
  );
}

function ToDateCells({ toDate, isBold }: { toDate: ToDate; isBold?: boolean }) {
  const color = toDateColor(toDate);
  return (
    <>
      <Table.Td ta="right" fw={isBold ? 700 : 600}>
        {formatInt(toDate.actualQuantity)}
        <Text size="xs" c="dimmed">
          of {formatInt(toDate.plannedQuantity)}
        </Text>
      </Table.Td>
      <Table.Td ta="right" c={color === 'gray' ? 'dimmed' : `${color}.8`} fw={600}>
        {formatAttainment(toDate.attainmentPct)}
      </Table.Td>
      <Table.Td ta="right" c={toDate.gap < 0 ? 'red.8' : undefined}>
        {formatSigned(toDate.gap)}
      </Table.Td>
      <Table.Td ta="right">
        {formatInt(toDate.projectedTotal)}
        <Text size="xs" c="dimmed">
          of {formatInt(toDate.plannedTotal)}
        </Text>
      </Table.Td>
    </>
  );
}

export function ProgressTable({ progress }: { progress: AgreementProgress }) {
  const scroller = useRef<HTMLDivElement>(null);
  const lastElapsed = progress.totals.periods.reduce((last, p, i) => (p.isElapsed ? i : last), -1);
  // Bring the current period into view on narrow screens.
  useEffect(() => {
    const el = scroller.current;
    if (!el || lastElapsed < 0) return;
    const cell = el.querySelector<HTMLElement>(`[data-period-index="${lastElapsed}"]`);
    // Only when the current period is out of view; then show it at the right edge.
    if (cell && cell.offsetLeft + cell.offsetWidth > el.clientWidth)
      el.scrollLeft = cell.offsetLeft + cell.offsetWidth - el.clientWidth + 16;
  }, [lastElapsed]);
  return (
    <Paper withBorder style={{ overflow: 'hidden' }}>
      <div
        ref={scroller}
        style={{ overflowX: 'auto' }}
        tabIndex={0}
        aria-label="Progress per line and period, scrolls sideways"
      >
        <Table
          fz="sm"
          data-testid="progress-table"
          horizontalSpacing={6}
          style={{ whiteSpace: 'nowrap' }}
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th style={sticky}>Line</Table.Th>
              {progress.periods.map((p, i) => (
                <Table.Th key={p} ta="right" data-period-index={i}>
                  {formatPeriod(p)}
                </Table.Th>
              ))}
              <Table.Th ta="right">To date</Table.Th>
              <Table.Th ta="right">Attainment</Table.Th>
              <Table.Th ta="right">Gap</Table.Th>
              <Table.Th ta="right">Projected</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {progress.lines.map((line) => (
              <Table.Tr key={line.lineNo}>
                <Table.Td style={{ ...sticky, whiteSpace: 'normal' }}>
                  <Text size="sm" fw={600} lh={1.2}>
                    {line.target.label}
                  </Text>
                  <Text size="xs" c="dimmed" lh={1.2}>
                    {line.target.kind === 'model_line'
                      ? line.target.code
                      : `${TARGET_KIND_LABELS[line.target.kind]} · ${line.target.code}`}
                  </Text>
                </Table.Td>
                {line.periods.map((cell) => (
                  <Cell key={cell.period} cell={cell} />
                ))}
                <ToDateCells toDate={line.termToDate} />
              </Table.Tr>
            ))}
          </Table.Tbody>
          <Table.Tfoot>
            <Table.Tr fw={700}>
              <Table.Td style={sticky}>All lines</Table.Td>
              {progress.totals.periods.map((cell) => (
                <Cell key={cell.period} cell={cell} />
              ))}
              <ToDateCells toDate={progress.totals.termToDate} isBold />
            </Table.Tr>
          </Table.Tfoot>
        </Table>
      </div>
    </Paper>
  );
}
