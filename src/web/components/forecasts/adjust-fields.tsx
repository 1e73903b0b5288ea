/**
 * What a dealer's adjustment of one or many cells shares: the reason select (the cycle's reason
 * codes) and one cell's change as the adjust request sends it.
 */
import { Select, type SelectProps } from '@mantine/core';
import type { AdjustReason, DealerGrid } from '../../../shared/schemas/forecasts';
import { REASON_LABELS } from './forecast-labels';

/** The "Reason" select of an adjustment, offering the reasons the grid's cycle accepts. */
export function ReasonSelect({
  grid,
  ...props
}: { grid: DealerGrid } & Omit<SelectProps, 'label' | 'name' | 'placeholder' | 'data'>) {
  return (
    <Select
      label="Reason"
      name="reason"
      placeholder="Why?"
      data={grid.reasonCodes.map((r) => ({ value: r, label: REASON_LABELS[r] }))}
      {...props}
    />
  );
}

/** One cell's change in an adjust request; an empty comment is left out. */
export function cellChange(
  line: DealerGrid['lines'][number],
  month: string,
  value: number,
  reason: string | null,
  comment: string,
) {
  return {
    modelLine: line.modelLine.code,
    month,
    value,
    reason: reason as AdjustReason,
    ...(comment.trim() ? { comment: comment.trim() } : {}),
  };
}
