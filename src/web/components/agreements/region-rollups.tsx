/**
 * Roll-ups of the agreements that match the list's filters, as the server sums them
 * (GET /agreements/rollup): cards by region (one level below the chosen region; a card narrows the
 * list to its region) and a table by model line. Attainment to date, gap, projected attainment
 * and, by region, how many agreements are projected to miss.
 */
import { useState } from 'react';
import {
  Button,
  Group,
  Paper,
  ScrollArea,
  SimpleGrid,
  Skeleton,
  Table,
  Text,
  UnstyledButton,
} from '@mantine/core';
import type { AgreementRollupItem } from '../../../shared/schemas/agreements';
import { formatInt, formatPercent } from '../../format';
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
      <ScrollArea type="auto" data-testid="model-line-rollups">
        <Table striped highlightOnHover verticalSpacing={6}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Model line</Table.Th>
              <Table.Th ta="right" visibleFrom="sm">
                Agreements
              </Table.Th>
              <Table.Th ta="right" visibleFrom="sm">
                Planned to date
              </Table.Th>
              <Table.Th ta="right" visibleFrom="sm">
                Actual
              </Table.Th>
              <Table.Th>Attainment</Table.Th>
              <Table.Th ta="right">Gap</Table.Th>
              <Table.Th ta="right">Projected</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shown.map((r) => (
              <Table.Tr key={r.key} data-model-line={r.key}>
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {r.name}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {r.key.startsWith('group:') ? `product group ${r.key.slice(6)}` : r.key}
                  </Text>
                </Table.Td>
                <Table.Td ta="right" visibleFrom="sm">
                  {formatInt(r.agreements)}
                </Table.Td>
                <Table.Td ta="right" visibleFrom="sm">
                  {formatInt(r.plannedToDate)}
                </Table.Td>
                <Table.Td ta="right" visibleFrom="sm">
                  {formatInt(r.actualToDate)}
                </Table.Td>
                <Table.Td>
                  <AttainmentBar pct={r.attainmentPct} width={120} />
                  <Text size="xs" c="dimmed" hiddenFrom="sm">
                    {formatInt(r.actualToDate)} of {formatInt(r.plannedToDate)}
                  </Text>
                </Table.Td>
                <Table.Td ta="right" c={r.gap < 0 ? 'red.8' : 'teal.8'} fw={600}>
                  {formatSigned(r.gap)}
                </Table.Td>
                <Table.Td ta="right" c={`${attainmentColor(r.projectedAttainmentPct)}.8`} fw={600}>
                  {formatPercent(r.projectedAttainmentPct)}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
      {sorted.length > FIRST_ROWS && (
        <Button variant="subtle" size="xs" onClick={() => setAll((v) => !v)}>
          {isAll ? 'Show the biggest gaps only' : `Show all ${formatInt(sorted.length)}`}
        </Button>
      )}
    </>
  );
}
