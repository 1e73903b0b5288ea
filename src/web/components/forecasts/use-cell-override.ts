/**
 * A region's override of one forecast cell (the cell panel's review form and the review page's
 * dialog): the number, the reason it needs, the errors at each, and the submit.
 */
import { useState, type FormEvent } from 'react';
import { apiFieldErrors } from '../../forms';
import { useOverrideCells } from './forecast-queries';

export function useCellOverride({
  cycleId,
  dealerCode,
  cell,
  initial,
  missingReason,
  onSaved,
}: {
  cycleId: number;
  dealerCode: string;
  /** The cell: its model line's code and month. */
  cell: { modelLine: string; month: string };
  initial: number;
  /** The message when the reason is left empty. */
  missingReason: string;
  onSaved: () => void;
}) {
  const override = useOverrideCells(cycleId, dealerCode);
  const [value, setValue] = useState<number | string>(initial);
  const [reason, setReason] = useState('');
  const [local, setLocal] = useState<string | null>(null);
  const { errors, rest } = apiFieldErrors(override.error, ['cells.0.value', 'cells.0.reason']);
  return {
    override,
    value,
    setValue,
    reason,
    setReason: (text: string) => {
      setReason(text);
      setLocal(null);
    },
    valueError: errors['cells.0.value'],
    reasonError: local ?? errors['cells.0.reason'],
    rest,
    onSubmit: (event: FormEvent) => {
      event.preventDefault();
      if (!reason.trim()) return setLocal(missingReason);
      const body = {
        modelLine: cell.modelLine,
        month: cell.month,
        value: Number(value),
        reason: reason.trim(),
      };
      override.mutate({ cells: [body] }, { onSuccess: onSaved });
    },
  };
}
