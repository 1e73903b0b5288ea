/**
 * The charts (Mantine charts on recharts). Kept in one module so pages that chart load it on
 * demand. Sized for phones: shorter, fewer ticks, legend under the plot.
 */
import '@mantine/charts/styles.css';
import { BarChart, LineChart, type BarChartProps, type LineChartProps } from '@mantine/charts';
import { ColorSwatch, Group, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { formatInt, formatMonth, formatPercent } from '../format';

export const SERIES_COLORS = [
  'blue.6',
  'teal.6',
  'orange.6',
  'grape.6',
  'cyan.7',
  'lime.7',
  'pink.6',
  'indigo.5',
  'yellow.7',
  'red.6',
  'violet.6',
  'green.7',
];
export const OTHER_COLOR = 'gray.4';

/** Whether the screen is phone-sized (the charts' breakpoint). */
export function useIsPhone(): boolean {
  return useMediaQuery('(max-width: 48em)') ?? false;
}

/**
 * The look of a monthly bar chart: a horizontal grid, month ticks thinned to fit, bars no wider
 * than 28 px and the tooltip over what follows; the tick gap and the value axis' width are
 * [phone, wider] pairs for what the ticks show.
 */
export function monthBarsLook(
  isPhone: boolean,
  { tickGap, axisWidth }: { tickGap: [number, number]; axisWidth: [number, number] },
) {
  return {
    tickLine: 'y',
    gridAxis: 'y',
    xAxisProps: {
      interval: 'preserveStartEnd',
      minTickGap: isPhone ? tickGap[0] : tickGap[1],
      fontSize: 11,
    },
    yAxisProps: { width: isPhone ? axisWidth[0] : axisWidth[1], fontSize: 11 },
    maxBarWidth: 28,
    tooltipAnimationDuration: 0,
    tooltipProps: { wrapperStyle: { zIndex: 10 } },
  } satisfies Partial<BarChartProps>;
}

type LegendItem = { name: string; label: string; color: string };

/** The legend under a chart, in series order, wrapping as needed (recharts' own legend has a
 * fixed height and overlaps what follows on a phone). */
export function ChartLegend({ items }: { items: LegendItem[] }) {
  return (
    <Group
      gap="xs"
      justify="center"
      mt={6}
      component="ul"
      style={{ listStyle: 'none', padding: 0, margin: 0, rowGap: 4 }}
    >
      {items.map((item) => (
        <Group key={item.name} gap={5} wrap="nowrap" component="li">
          <ColorSwatch
            color={`var(--mantine-color-${item.color.replace('.', '-')})`}
            size={10}
            withShadow={false}
          />
          <Text size="xs" c="dimmed">
            {item.label}
          </Text>
        </Group>
      ))}
    </Group>
  );
}

export type ModelLineSeries = { code: string; name: string; quantities: number[] };

/** The top `top` series by volume, the rest summed into "Other". */
export function topWithOther(
  lines: ModelLineSeries[],
  top = 8,
  otherLabel = (n: number) => `Other (${n} lines)`,
): ModelLineSeries[] {
  const sorted = lines
    .filter((line) => line.quantities.some((q) => q !== 0))
    .sort(
      (a, b) => b.quantities.reduce((s, v) => s + v, 0) - a.quantities.reduce((s, v) => s + v, 0),
    );
  if (sorted.length <= top + 1) return sorted;
  const head = sorted.slice(0, top);
  const rest = sorted.slice(top);
  const other = rest[0]!.quantities.map((_, i) =>
    rest.reduce((s, l) => s + (l.quantities[i] ?? 0), 0),
  );
  return [...head, { code: '__other', name: otherLabel(rest.length), quantities: other }];
}

/** Monthly quantities stacked by series (model lines, regions, …), with a legend. */
export function StackedMonthBars({
  months,
  lines,
  testId,
}: {
  months: string[];
  lines: ModelLineSeries[];
  testId: string;
}) {
  const isPhone = useIsPhone();
  const data = months.map((month, i) => {
    const row: Record<string, string | number> = { month: formatMonth(month) };
    for (const line of lines) row[line.code] = line.quantities[i] ?? 0;
    return row;
  });
  const series = lines.map((line, i) => ({
    name: line.code,
    label: line.name,
    color: line.code === '__other' ? OTHER_COLOR : SERIES_COLORS[i % SERIES_COLORS.length]!,
  }));
  return (
    <div data-testid={testId}>
      <BarChart
        h={isPhone ? 240 : 300}
        data={data}
        dataKey="month"
        type="stacked"
        series={series}
        valueFormatter={formatInt}
        {...monthBarsLook(isPhone, { tickGap: [14, 6], axisWidth: [40, 52] })}
      />
      <ChartLegend items={series} />
    </div>
  );
}

/** Monthly deliveries stacked by model line. */
export function ModelLineBars({ months, lines }: { months: string[]; lines: ModelLineSeries[] }) {
  return <StackedMonthBars months={months} lines={lines} testId="model-line-chart" />;
}

export type RegionSeries = { code: string; name: string; quantities: number[] };

/** Monthly deliveries, one line per region. */
export function RegionLines({ months, regions }: { months: string[]; regions: RegionSeries[] }) {
  const data = months.map((month, i) => {
    const row: Record<string, string | number> = { month: formatMonth(month) };
    for (const region of regions) row[region.code] = region.quantities[i] ?? 0;
    return row;
  });
  const series = regions.map((region, i) => ({
    name: region.code,
    label: region.name,
    color: SERIES_COLORS[i % SERIES_COLORS.length]!,
  }));
  return (
    <SeriesLines
      testId="region-chart"
      data={data}
      dataKey="month"
      series={series}
      curveType="monotone"
      heights={[240, 300]}
    />
  );
}

type LineSeries = LegendItem & { strokeDasharray?: string };

/**
 * Lines with the app's chart settings (thin ticks, a y grid, no animation, phone sizes) and the
 * legend under them. Sizes are [phone, wider].
 */
export function SeriesLines({
  testId,
  data,
  dataKey,
  series,
  curveType = 'linear',
  heights = [220, 280],
  tickGaps = [14, 6],
  yWidths = [40, 52],
  valueFormatter = formatInt,
  yAxisProps,
  referenceLines,
  tooltipProps,
}: {
  testId: string;
  data: LineChartProps['data'];
  dataKey: string;
  series: LineSeries[];
  curveType?: LineChartProps['curveType'];
  heights?: [number, number];
  tickGaps?: [number, number];
  yWidths?: [number, number];
  valueFormatter?: (value: number) => string;
  yAxisProps?: LineChartProps['yAxisProps'];
  referenceLines?: LineChartProps['referenceLines'];
  tooltipProps?: LineChartProps['tooltipProps'];
}) {
  const isPhone = useIsPhone();
  const at = (pair: [number, number]) => (isPhone ? pair[0] : pair[1]);
  return (
    <div data-testid={testId}>
      <LineChart
        h={at(heights)}
        data={data}
        dataKey={dataKey}
        series={series}
        curveType={curveType}
        withDots={false}
        strokeWidth={2}
        valueFormatter={valueFormatter}
        gridAxis="y"
        xAxisProps={{ interval: 'preserveStartEnd', minTickGap: at(tickGaps), fontSize: 11 }}
        yAxisProps={{ width: at(yWidths), fontSize: 11, ...yAxisProps }}
        referenceLines={referenceLines}
        tooltipAnimationDuration={0}
        tooltipProps={tooltipProps}
      />
      <ChartLegend items={series} />
    </div>
  );
}

/** BEV share of deliveries by month, in percent. */
export function BevShareLine({ months, shares }: { months: string[]; shares: (number | null)[] }) {
  const isPhone = useIsPhone();
  const data = months.map((month, i) => ({ month: formatMonth(month), bev: shares[i] ?? null }));
  const max = Math.max(...shares.map((s) => s ?? 0));
  const step = max <= 8 ? 2 : max <= 20 ? 5 : max <= 50 ? 10 : 20;
  const top = Math.max(step * 2, Math.ceil(max / step) * step);
  const ticks = Array.from({ length: top / step + 1 }, (_, i) => i * step);
  return (
    <LineChart
      h={isPhone ? 180 : 200}
      data={data}
      dataKey="month"
      series={[{ name: 'bev', label: 'BEV share', color: 'teal.6' }]}
      curveType="linear"
      connectNulls
      withDots={false}
      strokeWidth={2}
      valueFormatter={(v) => formatPercent(v)}
      gridAxis="y"
      xAxisProps={{ interval: 'preserveStartEnd', minTickGap: isPhone ? 14 : 6, fontSize: 11 }}
      yAxisProps={{
        width: isPhone ? 40 : 48,
        fontSize: 11,
        domain: [0, top],
        ticks,
        tickFormatter: (v: number) => `${v}%`,
      }}
      tooltipAnimationDuration={0}
      data-testid="bev-chart"
    />
  );
}
