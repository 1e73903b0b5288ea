/**
 * Roll-up cards by region over the agreements that match the list's filters: attainment to date,
 * gap, projected attainment and how many agreements are projected to miss. One level below the
 * chosen region (or below the top of the tree); a card narrows the list to its region.
 */
import { Group, Paper, SimpleGrid, Skeleton, Text, UnstyledButton } from '@mantine/core';
import type { Region } from '../../../shared/schemas/network';
import type { AgreementSummary } from '../../../shared/schemas/agreements';
import { formatInt, formatPercent } from '../../format';
import { AttainmentBar } from './agreement-bits';
import { attainmentColor, formatSigned } from './agreement-labels';

export type RegionRollup = {
  code: string;
  name: string;
  count: number;
  plannedToDate: number;
  actualToDate: number;
  plannedTotal: number;
  projectedTotal: number;
  atRisk: number;
};

/** Statuses whose term has actuals worth rolling up. */
export const ROLLUP_STATUSES = new Set(['approved', 'active', 'expired']);

/** A projected attainment under this counts as "at risk". */
export const AT_RISK_BELOW = 90;

function segments(path: string): string[] {
  return path.split('/').filter(Boolean);
}

export function rollupByRegion(
  items: AgreementSummary[],
  regions: Region[],
  selected: string | null,
): RegionRollup[] {
  const byCode = new Map(regions.map((r) => [r.code, r]));
  const roots = regions.filter((r) => r.parentCode === null);
  const base = selected ? byCode.get(selected) : roots.length === 1 ? roots[0] : undefined;
  const depth = base ? segments(base.path).length : 0;
  const groups = new Map<string, RegionRollup>();
  for (const a of items) {
    const region = byCode.get(a.regionCode);
    const path = region ? segments(region.path) : [a.regionCode];
    const code = path[depth] ?? path[path.length - 1] ?? a.regionCode;
    let group = groups.get(code);
    if (!group) {
      group = {
        code,
        name: byCode.get(code)?.name ?? code,
        count: 0,
        plannedToDate: 0,
        actualToDate: 0,
        plannedTotal: 0,
        projectedTotal: 0,
        atRisk: 0,
      };
      groups.set(code, group);
    }
    group.count += 1;
    group.plannedToDate += a.plannedToDate;
    group.actualToDate += a.actualToDate;
    group.plannedTotal += a.plannedTotal;
    group.projectedTotal += a.projectedTotal ?? a.actualToDate;
    if (a.projectedAttainmentPct !== null && a.projectedAttainmentPct < AT_RISK_BELOW)
      group.atRisk += 1;
  }
  return [...groups.values()].sort((x, y) => x.name.localeCompare(y.name));
}

function pct(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 1000) / 10 : null;
}

export function RegionRollups({
  rollups,
  isLoading,
  onPick,
}: {
  rollups: RegionRollup[];
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
      {rollups.map((r) => {
        const attainment = pct(r.actualToDate, r.plannedToDate);
        const projected = pct(r.projectedTotal, r.plannedTotal);
        return (
          <UnstyledButton
            key={r.code}
            onClick={() => onPick(r.code)}
            aria-label={`Show the agreements of ${r.name}`}
          >
            <Paper withBorder p="sm" h="100%" data-region={r.code}>
              <Group justify="space-between" gap={4} wrap="nowrap">
                <Text size="sm" fw={700} truncate>
                  {r.name}
                </Text>
                <Text size="xs" c="dimmed">
                  {formatInt(r.count)}
                </Text>
              </Group>
              <AttainmentBar pct={attainment} width="100%" label="to date" />
              <Group justify="space-between" gap={4} mt={6} wrap="nowrap">
                <Text size="xs" c="dimmed">
                  Gap
                </Text>
                <Text size="xs" fw={600} c={r.actualToDate < r.plannedToDate ? 'red.8' : 'teal.8'}>
                  {formatSigned(r.actualToDate - r.plannedToDate)}
                </Text>
              </Group>
              <Group justify="space-between" gap={4} wrap="nowrap">
                <Text size="xs" c="dimmed">
                  Projected
                </Text>
                <Text size="xs" fw={600} c={`${attainmentColor(projected)}.8`}>
                  {formatPercent(projected)}
                </Text>
              </Group>
              <Text size="xs" c={r.atRisk > 0 ? 'red.8' : 'dimmed'}>
                {r.atRisk > 0
                  ? `${formatInt(r.atRisk)} projected to miss`
                  : 'none projected to miss'}
              </Text>
            </Paper>
          </UnstyledButton>
        );
      })}
    </SimpleGrid>
  );
}
