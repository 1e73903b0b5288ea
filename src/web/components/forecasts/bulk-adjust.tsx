/**
 * Changing several cells at once (issue 13): the dealer picks whole rows or single cells, says
 * "+10 %" (or any percentage) and one reason; one request changes them all or none.
 */
import { useState } from 'react';
import { Button, Group, NumberInput, Paper, Stack, Text, TextInput } from '@mantine/core';
import type { DealerGrid } from '../../../shared/schemas/forecasts';
import { FormError } from '../form-error';
import { ReasonSelect, cellChange } from './adjust-fields';
import type { CellKey } from './forecast-grid';
import { useAdjustCells } from './forecast-queries';
import { changedIndexes, scaledAll } from './scale';

export function BulkAdjustPanel({
  grid,
  picked,
  onDone,
  onCancel,
}: {
  grid: DealerGrid;
  picked: ReadonlySet<CellKey>;
  onDone: () => void;
  onCancel: () => void;
}) {
  const adjust = useAdjustCells(grid.cycle.id, grid.dealer.code);
  const [percent, setPercent] = useState<number | string>(10);
  const [reason, setReason] = useState<string | null>(null);
  const [comment, setComment] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const cells = grid.lines.flatMap((l) =>
    l.cells
      .filter((c) => picked.has(`${l.modelLine.code}|${c.month}`))
      .map((c) => ({ line: l, cell: c })),
  );
  const p = Number(percent) || 0;
  const next = scaledAll(
    cells.map(({ cell }) => cell.consensus),
    p,
  );
  // the picked cells' total rounded once, as the grid's row and column totals are
  const before = Math.round(cells.reduce((s, { cell }) => s + cell.consensus, 0));
  const after = next.reduce((s, v) => s + v, 0);
  // only the cells whose stored forecast changes are sent (and marked as adjusted)
  const changed = changedIndexes(
    cells.map(({ cell }) => cell.consensus),
    next,
    p,
  ).map((i) => ({ ...cells[i]!, value: next[i]! }));
  return (
    <Paper withBorder p="sm" radius="md" data-testid="bulk-adjust">
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (cells.length === 0) return setProblem('Tap the cells or rows to change first');
          if (changed.length === 0)
            return setProblem(
              'This changes no whole vehicle: pick more cells or a bigger percentage',
            );
          if (!reason) return setProblem('Choose why you change the numbers');
          setProblem(null);
          adjust.mutate(
            {
              cells: changed.map(({ line, cell, value }) =>
                cellChange(line, cell.month, value, reason, comment),
              ),
            },
            { onSuccess: onDone },
          );
        }}
      >
        <Stack gap="xs">
          <Text size="sm" fw={600} data-testid="bulk-adjust-summary">
            {cells.length === 0
              ? 'Tap cells, or a model line’s name for its whole row'
              : `${cells.length} cell${cells.length === 1 ? '' : 's'} picked: ${before} → ${after} vehicles (${changed.length} cell${changed.length === 1 ? '' : 's'} change)`}
          </Text>
          <Group gap="xs" align="flex-end" wrap="wrap">
            <NumberInput
              label="Change by"
              name="percent"
              value={percent}
              onChange={setPercent}
              suffix=" %"
              allowDecimal={false}
              min={-100}
              max={500}
              w={110}
            />
            <Group gap={4}>
              {[-10, 5, 10, 20].map((q) => (
                <Button key={q} size="xs" variant="light" onClick={() => setPercent(q)}>
                  {q > 0 ? `+${q}` : q} %
                </Button>
              ))}
            </Group>
          </Group>
          <Group gap="xs" align="flex-start" wrap="wrap">
            <ReasonSelect
              grid={grid}
              value={reason}
              onChange={setReason}
              style={{ flex: '1 1 160px' }}
            />
            <TextInput
              label="Comment (optional)"
              value={comment}
              onChange={(e) => setComment(e.currentTarget.value)}
              maxLength={2000}
              style={{ flex: '2 1 200px' }}
            />
          </Group>
          {problem && (
            <Text size="sm" c="red.7" role="alert">
              {problem}
            </Text>
          )}
          <FormError error={adjust.error} />
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={onCancel}>
              Cancel
            </Button>
            <Button type="submit" loading={adjust.isPending} data-testid="bulk-adjust-apply">
              Apply to {changed.length} cell{changed.length === 1 ? '' : 's'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
