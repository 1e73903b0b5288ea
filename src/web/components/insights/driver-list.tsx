/**
 * The drivers of a risk (issue 14): why the expected outcome misses (or passes) a commitment or a
 * tier, each in units (or the axis's money) that add up to the gap. The signals that are not in
 * the sum — a lagging line (`mix`) and the dealer's own forecast (`dealer_expectation`) — are
 * shown after them, dimmed and apart. Shared by the risk board and the program tier card.
 */
import { Divider, Group, Stack, Text } from '@mantine/core';
import type { RiskDriver } from '../../../shared/schemas/insights';

export const DRIVER_LABELS: Record<RiskDriver['kind'], string> = {
  pace: 'Pace so far',
  plan_vs_run_rate: 'Plan vs. last 12 months',
  seasonality: 'Seasonality of the months left',
  last_year: 'Trend vs. last year',
  market_trend: 'Regional market',
  availability: "Days' supply (stock and pipeline)",
  sales_end: 'Planned end of sale',
  mix: 'Lagging line',
  dealer_expectation: "Dealer's own forecast",
};

/** A driver's label, with a few reworded for a context (a tier: "Tier vs. …"). */
export const driverLabel = (kind: string, labels?: Partial<Record<string, string>>) =>
  labels?.[kind] ?? DRIVER_LABELS[kind as RiskDriver['kind']] ?? kind;

/** The additive driver that widens the gap most (null: none does). */
export const mainDriver = (drivers: readonly RiskDriver[]) =>
  [...drivers]
    .filter((d) => d.additive !== false && d.units > 0)
    .sort((a, b) => b.units - a.units)[0] ?? null;

function DriverRow({
  d,
  value,
  size,
  testId,
  labels,
}: {
  d: RiskDriver;
  value: string;
  size: 'xs' | 'sm';
  testId: string;
  labels: Partial<Record<string, string>> | undefined;
}) {
  const isApart = d.additive === false;
  return (
    <div data-testid={testId} data-kind={d.kind}>
      <Group justify="space-between" wrap="nowrap" gap="xs">
        <Text size={size} c={isApart ? 'dimmed' : undefined}>
          {driverLabel(d.kind, labels)}
        </Text>
        <Text
          size={size}
          fw={600}
          c={isApart ? 'dimmed' : d.units > 0 ? 'red.7' : 'teal.7'}
          style={{ whiteSpace: 'nowrap' }}
        >
          {value}
        </Text>
      </Group>
      <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
        {d.text}
      </Text>
    </div>
  );
}

/** The drivers in the sum, then (after a rule, "not in the sum") the signals beside them. */
export function DriverList({
  drivers,
  format,
  size = 'sm',
  testId,
  labels,
}: {
  drivers: readonly RiskDriver[];
  /** A driver's figure, signed: + widens the gap, − closes it. */
  format: (units: number) => string;
  size?: 'xs' | 'sm';
  testId: string;
  labels?: Partial<Record<string, string>>;
}) {
  const inSum = drivers.filter((d) => d.additive !== false);
  const apart = drivers.filter((d) => d.additive === false);
  const row = (d: RiskDriver, i: number) => (
    <DriverRow
      key={`${d.kind}-${i}`}
      d={d}
      value={format(d.units)}
      size={size}
      testId={testId}
      labels={labels}
    />
  );
  return (
    <Stack gap={size === 'xs' ? 4 : 6}>
      {inSum.map(row)}
      {apart.length > 0 && <Divider label="Not in the sum" labelPosition="left" variant="dashed" />}
      {apart.map(row)}
    </Stack>
  );
}
