/**
 * Lines × periods: each cell the actual over the plan, tinted by attainment (periods not yet
 * started stay plain). The first column sticks while the periods scroll sideways on a phone.
 */
import type { ReactNode } from 'react';
import { Text, Tooltip } from '@mantine/core';
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
import { DataTable, type Column } from '../data-table';

type PeriodCell = AgreementProgress['totals']['periods'][number];
type ToDate = AgreementProgress['totals']['termToDate'];

/** A line of the agreement, or the totals of all lines. */
type ProgressRow = { key: string; label: ReactNode; periods: PeriodCell[]; toDate: ToDate };

/** A period's cell: the tint of its attainment, with data-* for the tests. */
function periodTd(cell: PeriodCell | undefined) {
  if (!cell) return {};
  const { color, state } = periodTone(cell);
  return {
    style: {
      background: color && color !== 'gray' ? `var(--mantine-color-${color}-light)` : undefined,
    },
    'data-attainment': cell.isElapsed ? String(cell.attainmentPct ?? '') : 'future',
    'data-state': state,
  };
}

function PeriodContent({ cell }: { cell: PeriodCell }) {
  const { state } = periodTone(cell);
  return (
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
  );
}

/** A figure over the plan it is measured against ("312 / of 400"). */
function OfPlan({ value, plan }: { value: number | null; plan: number | null }) {
  return (
    <>
      {formatInt(value)}
      <Text size="xs" c="dimmed">
        of {formatInt(plan)}
      </Text>
    </>
  );
}

export function ProgressTable({ progress }: { progress: AgreementProgress }) {
  const lastElapsed = progress.totals.periods.reduce((last, p, i) => (p.isElapsed ? i : last), -1);
  const rows: ProgressRow[] = progress.lines.map((line) => ({
    key: String(line.lineNo),
    label: (
      <>
        <Text size="sm" fw={600} lh={1.2}>
          {line.target.label}
        </Text>
        <Text size="xs" c="dimmed" lh={1.2}>
          {line.target.kind === 'model_line'
            ? line.target.code
            : `${TARGET_KIND_LABELS[line.target.kind]} · ${line.target.code}`}
        </Text>
      </>
    ),
    periods: line.periods,
    toDate: line.termToDate,
  }));
  const totals: ProgressRow = {
    key: 'all',
    label: 'All lines',
    periods: progress.totals.periods,
    toDate: progress.totals.termToDate,
  };
  const columns: Column<ProgressRow>[] = [
    { header: 'Line', isSticky: true, cell: (r) => r.label },
    ...progress.periods.map((p, i): Column<ProgressRow> => ({
      key: p,
      header: formatPeriod(p),
      align: 'right',
      td: (r) => periodTd(r.periods[i]),
      cell: (r) => r.periods[i] && <PeriodContent cell={r.periods[i]} />,
    })),
    {
      header: 'To date',
      align: 'right',
      td: (r) => ({ fw: r === totals ? 700 : 600 }),
      cell: (r) => <OfPlan value={r.toDate.actualQuantity} plan={r.toDate.plannedQuantity} />,
    },
    {
      header: 'Attainment',
      align: 'right',
      td: (r) => {
        const color = toDateColor(r.toDate);
        return { c: color === 'gray' ? 'dimmed' : `${color}.8`, fw: 600 };
      },
      cell: (r) => formatAttainment(r.toDate.attainmentPct),
    },
    {
      header: 'Gap',
      align: 'right',
      td: (r) => ({ c: r.toDate.gap < 0 ? 'red.8' : undefined }),
      cell: (r) => formatSigned(r.toDate.gap),
    },
    {
      header: 'Projected',
      align: 'right',
      cell: (r) => <OfPlan value={r.toDate.projectedTotal} plan={r.toDate.plannedTotal} />,
    },
  ];
  return (
    <DataTable
      testId="progress-table"
      fz="sm"
      horizontalSpacing={6}
      style={{ whiteSpace: 'nowrap' }}
      scrollLabel="Progress per line and period, scrolls sideways"
      revealColumn={lastElapsed < 0 ? undefined : progress.periods[lastElapsed]}
      rows={rows}
      footerRows={[totals]}
      rowKey={(r) => r.key}
      columns={columns}
    />
  );
}
