/**
 * Roll-ups of the agreements that match the list's filters, as the server sums them
 * (GET /agreements/rollup): cards by region (one level below the chosen region; a card narrows the
 * list to its region) and a table by model line. Attainment to date, gap, projected attainment
 * and, by region, how many agreements are projected to miss.
 */
import { useState } from 'react';
import { Button, Group, Paper, SimpleGrid, Skeleton, Text, UnstyledButton } from '@mantine/core';
import type { AgreementRollupItem } from '../../../shared/schemas/agreements';
import { formatInt, formatPercent } from '../../format';
import { DataTable, NameCode } from '../data-table';
import { AttainmentBar } from './agreement-bits';
import { attainmentColor, formatSigned } from './agreement-labels';

export function RegionRollups({
  rollups,
  isLoading,
  onPick,
}: {
  rollups: AgreementRollupItem[];
  isLoading: boolean;
  onPick: (code: string) => void;
}) {
  if (isLoading)
    return (
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }} spacing="xs">
        {Array.from({ length: 6 }, (_, i) => (
          <Skeleton key={i} h={112} />
        ))}
      </SimpleGrid>
    );
  return (
    <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }} spacing="xs" data-testid="region-rollups">
      {rollups.map((r) => (
        <UnstyledButton
          key={r.key}
          onClick={() => onPick(r.key)}
          aria-label={`Show the agreements of ${r.name}`}
        >
          <Paper withBorder p="sm" h="100%" data-region={r.key}>
            <Group justify="space-between" gap={4} wrap="nowrap">
              <Text size="sm" fw={700} truncate>
                {r.name}
              </Text>
              <Text size="xs" c="dimmed">
                {formatInt(r.agreements)}
              </Text>
            </Group>
            <AttainmentBar pct={r.attainmentPct} width="100%" label="to date" />
            <Group justify="space-between" gap={4} mt={6} wrap="nowrap">
              <Text size="xs" c="dimmed">
                Gap
              </Text>
              <Text size="xs" fw={600} c={r.gap < 0 ? 'red.8' : 'teal.8'}>
                {formatSigned(r.gap)}
              </Text>
            </Group>
            <Group justify="space-between" gap={4} wrap="nowrap">
              <Text size="xs" c="dimmed">
                Projected
              </Text>
              <Text size="xs" fw={600} c={`${attainmentColor(r.projectedAttainmentPct)}.8`}>
                {formatPercent(r.projectedAttainmentPct)}
              </Text>
            </Group>
            <Text size="xs" c={(r.atRisk ?? 0) > 0 ? 'red.8' : 'dimmed'}>
              {(r.atRisk ?? 0) > 0
                ? `${formatInt(r.atRisk ?? 0)} projected to miss`
                : 'none projected to miss'}
            </Text>
          </Paper>
        </UnstyledButton>
      ))}
    </SimpleGrid>
  );
}

const FIRST_ROWS = 8;

/** Model lines (and product groups) by gap, biggest shortfall first; the rest on demand. */
export function ModelLineRollups({
  rollups,
  isLoading,
}: {
  rollups: AgreementRollupItem[];
  isLoading: boolean;
}) {
  const [isAll, setAll] = useState(false);
  if (isLoading) return <Skeleton h={240} />;
  const sorted = [...rollups].sort((a, b) => a.gap - b.gap || a.name.localeCompare(b.name));
  const shown = isAll ? sorted : sorted.slice(0, FIRST_ROWS);
  return (
    <>
      <DataTable
        testId="model-line-rollups"
        isBare
        striped
        rows={shown}
        rowKey={(r) => r.key}
        rowProps={(r) => ({ 'data-model-line': r.key })}
        columns={[
          {
            header: 'Model line',
            cell: (r) => (
              <NameCode
                name={r.name}
                code={r.key.startsWith('group:') ? `product group ${r.key.slice(6)}` : r.key}
              />
            ),
          },
          {
            header: 'Agreements',
            align: 'right',
            from: 'sm',
            cell: (r) => formatInt(r.agreements),
          },
          {
            header: 'Planned to date',
            align: 'right',
            from: 'sm',
            cell: (r) => formatInt(r.plannedToDate),
          },
          { header: 'Actual', align: 'right', from: 'sm', cell: (r) => formatInt(r.actualToDate) },
          {
            header: 'Attainment',
            cell: (r) => (
              <>
                <AttainmentBar pct={r.attainmentPct} width={120} />
                <Text size="xs" c="dimmed" hiddenFrom="sm">
                  {formatInt(r.actualToDate)} of {formatInt(r.plannedToDate)}
                </Text>
              </>
            ),
          },
          {
            header: 'Gap',
            align: 'right',
            td: (r) => ({ c: r.gap < 0 ? 'red.8' : 'teal.8', fw: 600 }),
            cell: (r) => formatSigned(r.gap),
          },
          {
            header: 'Projected',
            align: 'right',
            td: (r) => ({ c: `${attainmentColor(r.projectedAttainmentPct)}.8`, fw: 600 }),
            cell: (r) => formatPercent(r.projectedAttainmentPct),
          },
        ]}
      />
      {sorted.length > FIRST_ROWS && (
        <Button variant="subtle" size="xs" onClick={() => setAll((v) => !v)}>
          {isAll ? 'Show the biggest gaps only' : `Show all ${formatInt(sorted.length)}`}
        </Button>
      )}
    </>
  );
}
