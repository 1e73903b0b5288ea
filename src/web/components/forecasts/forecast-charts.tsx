/**
 * Forecast charts: one model line's history and forecast with the 80 % / 95 % band (recharts
 * directly: Mantine's charts have no range area), roll-up totals by month, and accuracy by horizon.
 */
import '@mantine/charts/styles.css';
import { LineChart } from '@mantine/charts';
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Line,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { Accuracy, DealerGrid, Rollup } from '../../../shared/schemas/forecasts';
import { FORECAST_STEPS } from '../../../shared/schemas/forecasts';
import { formatInt, formatMonth, formatPercent } from '../../format';
import { ChartLegend, SeriesLines, StackedMonthBars, topWithOther, useIsPhone } from '../charts';
import { STEP_COLORS, STEP_LABELS } from './forecast-labels';

const color = (name: string) => `var(--mantine-color-${name.replace('.', '-')})`;
/** The interval bands behind the lines: filled, no outline, drawn at once, bridging gaps. */
const BAND = { stroke: 'none', isAnimationActive: false, connectNulls: true } as const;

/** History (actuals), baseline and consensus, with the interval bands, for one model line. */
export function LineForecastChart({ grid, modelLine }: { grid: DealerGrid; modelLine: string }) {
  const isPhone = useIsPhone();
  const line = grid.lines.find((l) => l.modelLine.code === modelLine);
  if (!line) return null;
  const history = grid.historyMonths.map((month, i) => ({
    month: formatMonth(month),
    actual: line.history[i] ?? 0,
  }));
  const last = history.at(-1);
  const future = line.cells.map((c) => ({
    month: formatMonth(c.month),
    actual: c.actual,
    baseline: Math.round(c.baseline * 10) / 10,
    consensus: Math.round(c.consensus * 10) / 10,
    band80: [Math.round(c.lower80 * 10) / 10, Math.round(c.upper80 * 10) / 10],
    band95: [Math.round(c.lower95 * 10) / 10, Math.round(c.upper95 * 10) / 10],
  }));
  // The forecast lines start at the last actual, so the picture reads as one series.
  const data = [
    ...history.slice(0, -1),
    ...(last ? [{ ...last, baseline: last.actual, consensus: last.actual }] : []),
    ...future,
  ];
  const legend = [
    { name: 'actual', label: 'Actual', color: 'dark.4' },
    { name: 'baseline', label: 'Our estimate', color: 'blue.6' },
    { name: 'consensus', label: 'Forecast', color: 'orange.6' },
    { name: 'band80', label: 'Likely range', color: 'blue.3' },
    { name: 'band95', label: 'Wide range', color: 'blue.1' },
  ];
  return (
    <div data-testid="line-forecast-chart">
      <div style={{ width: '100%', height: isPhone ? 240 : 300 }}>
        <ResponsiveContainer>
          <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid vertical={false} stroke="var(--mantine-color-gray-3)" />
            <XAxis
              dataKey="month"
              fontSize={11}
              interval="preserveStartEnd"
              minTickGap={isPhone ? 14 : 6}
              tickLine={false}
            />
            <YAxis fontSize={11} width={isPhone ? 32 : 44} allowDecimals={false} tickLine={false} />
            <Tooltip
              isAnimationActive={false}
              formatter={(value, name) => {
                const label = legend.find((l) => l.name === name)?.label ?? String(name);
                const text = Array.isArray(value)
                  ? `${formatInt(Number(value[0]))}–${formatInt(Number(value[1]))}`
                  : formatInt(Number(value));
                return [text, label];
              }}
            />
            <Area dataKey="band95" fill={color('blue.1')} fillOpacity={1} {...BAND} />
            <Area dataKey="band80" fill={color('blue.3')} fillOpacity={0.6} {...BAND} />
            <Line
              dataKey="actual"
              stroke={color('dark.4')}
              strokeWidth={2}
              dot={false}
              isAnimationActive={false}
            />
            <Line
              dataKey="baseline"
              stroke={color('blue.6')}
              strokeWidth={2}
              strokeDasharray="5 4"
              dot={false}
              isAnimationActive={false}
            />
            <Line
              dataKey="consensus"
              stroke={color('orange.6')}
              strokeWidth={2}
              dot={{ r: 2 }}
              isAnimationActive={false}
            />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <ChartLegend items={legend} />
    </div>
  );
}

/** Baseline, dealer-adjusted and consensus totals per month. */
export function RollupMonthChart({ rollup }: { rollup: Rollup }) {
  const data = rollup.months.map((m, i) => ({
    month: formatMonth(m),
    baseline: Math.round(rollup.total.baseline[i] ?? 0),
    adjusted: Math.round(rollup.total.adjusted[i] ?? 0),
    consensus: Math.round(rollup.total.consensus[i] ?? 0),
  }));
  const series = [
    { name: 'baseline', label: 'Baseline', color: 'blue.6' },
    { name: 'adjusted', label: 'Dealer-adjusted', color: 'orange.6', strokeDasharray: '5 4' },
    { name: 'consensus', label: 'Consensus', color: 'teal.6' },
  ];
  return <SeriesLines testId="rollup-month-chart" data={data} dataKey="month" series={series} />;
}

/** Consensus per month stacked by group (the biggest groups; the rest as "Other"). */
export function RollupGroupChart({ rollup, top = 8 }: { rollup: Rollup; top?: number }) {
  const lines = topWithOther(
    rollup.rows.map((g) => ({
      code: g.key,
      name: g.label,
      quantities: g.consensus.map((v) => Math.round(v)),
    })),
    top,
    (n) => `Other (${n})`,
  );
  return <StackedMonthBars months={rollup.months} lines={lines} testId="rollup-group-chart" />;
}

/** WAPE of each step by forecast horizon (months ahead). */
export function AccuracyHorizonChart({ accuracy }: { accuracy: Accuracy }) {
  const isPhone = useIsPhone();
  const groups = [...accuracy.groups].sort((a, b) => Number(a.key) - Number(b.key));
  const data = groups.map((g) => {
    const row: Record<string, string | number | null> = { horizon: `${g.key} mo` };
    for (const step of FORECAST_STEPS) row[step] = g.steps[step].wape;
    return row;
  });
  const series = FORECAST_STEPS.map((step) => ({
    name: step,
    label: STEP_LABELS[step],
    color: STEP_COLORS[step],
    ...(step === 'spreadsheet' ? { strokeDasharray: '5 4' } : {}),
  }));
  return (
    <div data-testid="accuracy-horizon-chart">
      <LineChart
        h={isPhone ? 220 : 280}
        data={data}
        dataKey="horizon"
        series={series}
        curveType="linear"
        strokeWidth={2}
        valueFormatter={(v) => formatPercent(v)}
        gridAxis="y"
        xAxisProps={{ fontSize: 11 }}
        yAxisProps={{
          width: isPhone ? 40 : 48,
          fontSize: 11,
          tickFormatter: (v: number) => `${v}%`,
        }}
        tooltipAnimationDuration={0}
      />
      <ChartLegend items={series} />
    </div>
  );
}
