/**
 * Progress charts of one agreement: planned vs actual per period (bars) and cumulative planned vs
 * actual with the run-rate projection (lines). Loaded with the agreement page only.
 */
import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import type { AgreementProgress } from '../../../shared/schemas/agreements';
import { formatInt } from '../../format';
import { ChartLegend, SeriesLines, useIsPhone } from '../charts';
import { formatPeriod } from './agreement-labels';

type Totals = AgreementProgress['totals'];

const PLANNED = 'gray.5';
const ACTUAL = 'blue.6';
const PROJECTION = 'orange.6';

/** Planned and actual units per period; periods not yet started have no actual bar. */
export function PlannedActualBars({ totals }: { totals: Totals }) {
  const isPhone = useIsPhone();
  const data = totals.periods.map((p) => ({
    period: formatPeriod(p.period),
    planned: p.plannedQuantity,
    actual: p.isElapsed ? p.actualQuantity : null,
  }));
  const series = [
    { name: 'planned', label: 'Planned', color: PLANNED },
    { name: 'actual', label: 'Actual', color: ACTUAL },
  ];
  return (
    <div data-testid="progress-bars">
      <BarChart
        h={isPhone ? 220 : 280}
        data={data}
        dataKey="period"
        series={series}
        valueFormatter={formatInt}
        tickLine="y"
        gridAxis="y"
        barProps={{ radius: 2 }}
        xAxisProps={{ interval: 'preserveStartEnd', minTickGap: isPhone ? 10 : 4, fontSize: 11 }}
        yAxisProps={{ width: isPhone ? 34 : 44, fontSize: 11 }}
        maxBarWidth={22}
        tooltipAnimationDuration={0}
        tooltipProps={{ wrapperStyle: { zIndex: 10 } }}
      />
      <ChartLegend items={series} />
    </div>
  );
}

function cumulativeRows(totals: Totals) {
  const rows: { i: number; period: string; planned: number; actual: number | null }[] = [];
  let planned = 0;
  let actual = 0;
  for (const [i, p] of totals.periods.entries()) {
    planned += p.plannedQuantity;
    if (p.isElapsed) actual += p.actualQuantity;
    rows.push({ i, period: formatPeriod(p.period), planned, actual: p.isElapsed ? actual : null });
  }
  return rows;
}

/** Running totals: planned over the whole term, actual up to today, and the projection from
 * today's actual to the projected end-of-term total. */
export function CumulativeLines({ totals }: { totals: Totals }) {
  const lastElapsed = totals.periods.reduce((last, p, i) => (p.isElapsed ? i : last), -1);
  const projected = totals.termToDate.projectedTotal;
  const n = totals.periods.length;
  const rows = cumulativeRows(totals);
  const actualAtLast = lastElapsed >= 0 ? (rows[lastElapsed]?.actual ?? 0) : 0;
  const hasProjection = projected !== null && lastElapsed >= 0 && lastElapsed < n - 1;
  const data = rows.map((row) => ({
    period: row.period,
    planned: row.planned,
    actual: row.actual,
    projection:
      hasProjection && row.i >= lastElapsed
        ? Math.round(
            actualAtLast +
              ((projected - actualAtLast) * (row.i - lastElapsed)) / (n - 1 - lastElapsed),
          )
        : null,
  }));
  const series = [
    { name: 'planned', label: 'Planned (cumulative)', color: PLANNED },
    { name: 'actual', label: 'Actual (cumulative)', color: ACTUAL },
    ...(hasProjection
      ? [
          {
            name: 'projection',
            label: 'Run-rate projection',
            color: PROJECTION,
            strokeDasharray: '5 4',
          },
        ]
      : []),
  ];
  return (
    <SeriesLines
      testId="progress-cumulative"
      data={data}
      dataKey="period"
      series={series}
      tickGaps={[10, 4]}
      yWidths={[38, 48]}
    />
  );
}
