/**
 * Progress across a program's window against its tier thresholds: the measure day by day from the
 * statement's lines (each a transaction), the run-rate to the window's end dashed, and one
 * horizontal line per tier. Drawn for unit and attainment measures, whose daily value follows
 * from the lines; other measures show the tier ladder only.
 */
import '@mantine/charts/styles.css';
import type { ProgramTier } from '../../../shared/schemas/program';
import { formatDate, formatInt } from '../../format';
import { SeriesLines } from '../charts';
import type { StatementDetail } from './incentive-queries';

const DAY = 86_400_000;

function dayIndex(date: string): number {
  return Math.round(Date.parse(`${date.slice(0, 10)}T00:00:00Z`) / DAY);
}

function dateOf(index: number): string {
  return new Date(index * DAY).toISOString().slice(0, 10);
}

export type ProgressSeries = {
  rows: { date: string; label: string; actual: number | null; projection: number | null }[];
  total: number;
  projected: number | null;
};

/** Cumulative measure per day of the window (units, or attainment scaled from units). */
export function progressSeries(
  statement: StatementDetail,
  measure: string,
  asOf: string,
): ProgressSeries | null {
  if (measure !== 'units' && measure !== 'agreement_attainment') return null;
  const benefit = statement.lines.filter((l) => l.kind === 'benefit' && l.date !== null);
  const units = benefit.reduce((s, l) => s + (l.quantity ?? 0), 0);
  let scale = 1;
  if (measure === 'agreement_attainment') {
    const value = statement.measureValue === null ? null : Number(statement.measureValue);
    if (value === null || units <= 0) return null;
    scale = value / units;
  }
  const start = dayIndex(statement.window.start);
  const end = dayIndex(statement.window.end);
  const today = Math.min(Math.max(dayIndex(asOf), start), end);
  const perDay = new Map<number, number>();
  for (const l of benefit) {
    const d = Math.max(start, Math.min(end, dayIndex(l.date!)));
    perDay.set(d, (perDay.get(d) ?? 0) + (l.quantity ?? 0));
  }
  const elapsed = today - start + 1;
  const span = end - start + 1;
  const total = units * scale;
  const projected = elapsed < span && elapsed > 0 ? (total * span) / elapsed : null;
  const rows: ProgressSeries['rows'] = [];
  let running = 0;
  for (let d = start; d <= end; d++) {
    running += perDay.get(d) ?? 0;
    const isPast = d <= today;
    rows.push({
      date: dateOf(d),
      label: formatDate(dateOf(d)),
      actual: isPast ? Math.round(running * scale * 10) / 10 : null,
      projection:
        projected !== null && d >= today
          ? Math.round((total + ((projected - total) * (d - today)) / (end - today)) * 10) / 10
          : null,
    });
  }
  return { rows, total, projected };
}

export function ProgressChart({
  series,
  tiers,
  measure,
}: {
  series: ProgressSeries;
  tiers: ProgramTier[];
  measure: string;
}) {
  const isPercent = measure === 'agreement_attainment';
  const thresholds = tiers.map((t) => Number(t.from)).filter((v) => v > 0);
  const top = Math.max(
    ...thresholds.map((v) => v * 1.12),
    (series.projected ?? series.total) * 1.05,
    isPercent ? 10 : 5,
  );
  const format = (v: number) => (isPercent ? `${v.toFixed(0)} %` : formatInt(v));
  const lines = [
    {
      name: 'actual',
      label: isPercent ? 'Attainment so far' : 'Delivered so far',
      color: 'blue.6',
    },
    ...(series.projected !== null
      ? [
          {
            name: 'projection',
            label: 'At today’s pace',
            color: 'orange.6',
            strokeDasharray: '5 4',
          },
        ]
      : []),
  ];
  return (
    <SeriesLines
      testId="progress-chart"
      data={series.rows}
      dataKey="label"
      series={lines}
      curveType="stepAfter"
      heights={[190, 220]}
      tickGaps={[40, 24]}
      yWidths={isPercent ? [44, 52] : [34, 44]}
      valueFormatter={format}
      yAxisProps={{ domain: [0, Math.ceil(top)], allowDecimals: false }}
      referenceLines={tiers
        .map((t, i) => ({ y: Number(t.from), i }))
        .filter((t) => t.y > 0)
        .map((t) => ({
          y: t.y,
          label: `Tier ${t.i + 1}`,
          color: 'gray.6',
          labelPosition: 'insideTopLeft' as const,
          strokeDasharray: '2 3',
        }))}
      tooltipProps={{ wrapperStyle: { zIndex: 10 } }}
    />
  );
}
