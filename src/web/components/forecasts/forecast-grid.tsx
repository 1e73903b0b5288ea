/**
 * One dealer's forecast grid: model lines × months. Each cell shows the consensus (the baseline
 * until someone changes it), its interval on hover (and in the detail on tap), and is marked when
 * the dealer adjusted it, the region overrode or accepted it, or a save failed. On a phone the grid
 * scrolls sideways inside its own box; the model line column stays put.
 */
import { Box, ColorSwatch, Group, ScrollArea, Table, Text, Tooltip } from '@mantine/core';
import type { DealerGrid } from '../../../shared/schemas/forecasts';
import { formatInt, formatMonth } from '../../format';
import { gridUnits } from './scale';
import { reasonLabel } from './forecast-labels';

type Line = DealerGrid['lines'][number];
export type GridCell = Line['cells'][number];

export type CellKey = `${string}|${string}`;
export const cellKey = (modelLine: string, month: string): CellKey => `${modelLine}|${month}`;

export const MARKS = {
  adjusted: {
    color: 'var(--mantine-color-orange-6)',
    bg: 'var(--mantine-color-orange-0)',
    label: 'Adjusted by the dealer',
  },
  overridden: {
    color: 'var(--mantine-color-grape-6)',
    bg: 'var(--mantine-color-grape-0)',
    label: 'Overridden by the region',
  },
  accepted: {
    color: 'var(--mantine-color-teal-6)',
    bg: 'var(--mantine-color-teal-0)',
    label: 'Adjustment accepted',
  },
} as const;

export function cellMark(cell: GridCell): keyof typeof MARKS | null {
  if (cell.override !== null) return 'overridden';
  if (cell.adjusted !== null) return cell.reviewStatus === 'accepted' ? 'accepted' : 'adjusted';
  return null;
}

function round(value: number): number {
  return Math.round(value);
}

function cellTooltip(cell: GridCell): string {
  const parts = [
    `Statistical estimate ${formatInt(round(cell.baseline))}`,
    `likely ${formatInt(round(cell.lower80))}–${formatInt(round(cell.upper80))}`,
  ];
  if (cell.adjusted !== null)
    parts.push(`Dealer: ${cell.adjusted} (${reasonLabel(cell.adjustReason)})`);
  if (cell.override !== null) parts.push(`Region: ${cell.override}`);
  if (cell.actual !== null) parts.push(`Actual ${formatInt(cell.actual)}`);
  return parts.join(' · ');
}

export function GridLegend() {
  return (
    <Group gap="md" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0, rowGap: 4 }}>
      {(Object.keys(MARKS) as (keyof typeof MARKS)[]).map((k) => (
        <Group key={k} gap={6} wrap="nowrap" component="li">
          <ColorSwatch color={MARKS[k].color} size={10} withShadow={false} />
          <Text size="xs" c="dimmed">
            {MARKS[k].label}
          </Text>
        </Group>
      ))}
      <Group gap={6} wrap="nowrap" component="li">
        <Text size="xs" fw={700} c="dimmed">
          12
        </Text>
        <Text size="xs" c="dimmed">
          small figure: actual, once the month has data
        </Text>
      </Group>
    </Group>
  );
}

const STICKY: React.CSSProperties = {
  position: 'sticky',
  left: 0,
  zIndex: 2,
  background: 'var(--mantine-color-body)',
};

export function ForecastGrid({
  grid,
  selected,
  errorKeys,
  onSelect,
  picked,
  onPickRow,
}: {
  grid: DealerGrid;
  selected: CellKey | null;
  /** Cells whose last save the server refused. */
  errorKeys: ReadonlySet<CellKey>;
  onSelect: (modelLine: string, month: string) => void;
  /** Cells picked for a change of several at once; with it, a model line's name picks its row. */
  picked?: ReadonlySet<CellKey>;
  onPickRow?: (modelLine: string) => void;
}) {
  const months = grid.cycle.months;
  const totals = months.map((_, i) =>
    grid.lines.reduce((s, l) => s + (l.cells[i]?.consensus ?? 0), 0),
  );
  return (
    <ScrollArea type="auto" offsetScrollbars="x" data-testid="forecast-grid-scroll">
      <Table
        withTableBorder
        withColumnBorders
        verticalSpacing={4}
        horizontalSpacing={6}
        fz="sm"
        style={{ minWidth: 160 + months.length * 64 }}
        data-testid="forecast-grid"
      >
        <Table.Thead>
          <Table.Tr>
            <Table.Th style={{ ...STICKY, minWidth: 150 }}>Model line</Table.Th>
            {months.map((m) => (
              <Table.Th key={m} ta="right" style={{ whiteSpace: 'nowrap' }}>
                {formatMonth(m)}
              </Table.Th>
            ))}
            <Table.Th ta="right">Total</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {grid.lines.map((line) => (
            <Table.Tr key={line.modelLine.code}>
              <Table.Th scope="row" style={{ ...STICKY, fontWeight: 500 }}>
                {onPickRow ? (
                  <Box
                    component="button"
                    type="button"
                    onClick={() => onPickRow(line.modelLine.code)}
                    aria-label={`Pick every month of ${line.modelLine.name}`}
                    data-pick-row={line.modelLine.code}
                    style={{
                      border: 0,
                      background: 'transparent',
                      padding: 0,
                      font: 'inherit',
                      color: 'var(--mantine-color-blue-7)',
                      cursor: 'pointer',
                      textAlign: 'left',
                      minHeight: 32,
                    }}
                  >
                    <Text size="sm" fw={600} lh={1.2} truncate maw={150} td="underline">
                      {line.modelLine.name}
                    </Text>
                  </Box>
                ) : (
                  <Text size="sm" fw={600} lh={1.2} truncate maw={150}>
                    {line.modelLine.name}
                  </Text>
                )}
              </Table.Th>
              {line.cells.map((cell) => {
                const key = cellKey(line.modelLine.code, cell.month);
                const mark = cellMark(cell);
                const isError = errorKeys.has(key);
                const isSelected = selected === key || (picked?.has(key) ?? false);
                return (
                  <Table.Td key={cell.month} p={0}>
                    <Tooltip label={cellTooltip(cell)} openDelay={300} multiline w={220} withArrow>
                      <Box
                        component="button"
                        type="button"
                        onClick={() => onSelect(line.modelLine.code, cell.month)}
                        aria-label={`${line.modelLine.name} ${formatMonth(cell.month)}: ${gridUnits(cell.consensus)}${mark ? `, ${MARKS[mark].label.toLowerCase()}` : ''}`}
                        aria-invalid={isError || undefined}
                        data-cell={key}
                        data-mark={mark ?? 'none'}
                        data-picked={picked?.has(key) || undefined}
                        style={{
                          display: 'block',
                          width: '100%',
                          minWidth: 58,
                          minHeight: 40,
                          padding: '4px 6px',
                          textAlign: 'right',
                          border: 0,
                          cursor: 'pointer',
                          font: 'inherit',
                          color: 'inherit',
                          background: picked?.has(key)
                            ? 'var(--mantine-color-blue-1)'
                            : mark
                              ? MARKS[mark].bg
                              : 'transparent',
                          boxShadow: isError
                            ? 'inset 0 0 0 2px var(--mantine-color-red-6)'
                            : isSelected
                              ? 'inset 0 0 0 2px var(--mantine-color-blue-6)'
                              : mark
                                ? `inset 3px 0 0 ${MARKS[mark].color}`
                                : undefined,
                        }}
                      >
                        <Text span size="sm" fw={mark ? 700 : 400}>
                          {gridUnits(cell.consensus)}
                        </Text>
                        {cell.actual !== null && (
                          <Text size="10px" c="dimmed" lh={1.1} fw={700}>
                            {formatInt(cell.actual)}
                          </Text>
                        )}
                      </Box>
                    </Tooltip>
                  </Table.Td>
                );
              })}
              <Table.Td ta="right" c="dimmed">
                {gridUnits(line.cells.reduce((s, c) => s + c.consensus, 0))}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
        <Table.Tfoot>
          <Table.Tr>
            <Table.Th style={STICKY}>Total</Table.Th>
            {totals.map((t, i) => (
              <Table.Th key={months[i]} ta="right">
                {gridUnits(t)}
              </Table.Th>
            ))}
            <Table.Th ta="right">{gridUnits(totals.reduce((a, b) => a + b, 0))}</Table.Th>
          </Table.Tr>
        </Table.Tfoot>
      </Table>
    </ScrollArea>
  );
}
