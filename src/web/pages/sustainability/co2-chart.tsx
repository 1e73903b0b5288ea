/** A bar chart of the CO2 pages in its bordered card (no tooltip animation: the e2e tests hover). */
import { BarChart, type BarChartProps } from '@mantine/charts';
import '@mantine/charts/styles.css';
import { Paper } from '@mantine/core';
import { Section } from '../../components/page-header';

export function Co2BarChart(props: Omit<BarChartProps, 'h'>) {
  return (
    <Paper withBorder p="sm" radius="md">
      <BarChart h={260} tooltipAnimationDuration={0} {...props} />
    </Paper>
  );
}

/** The chart under a section's title. */
export function Co2ChartSection({
  title,
  description,
  ...chart
}: Omit<BarChartProps, 'h' | 'title'> & { title: string; description: string }) {
  return (
    <Section title={title} description={description}>
      <Co2BarChart {...chart} />
    </Section>
  );
}
