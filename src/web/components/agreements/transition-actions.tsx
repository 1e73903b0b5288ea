/** The lifecycle buttons the server allows this user (allowedTransitions), each confirmed in a
 * dialog. */
import { useState } from 'react';
import { Button } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import type { Agreement, Transition } from '../../../shared/schemas/agreements';
import { api } from '../../api';
import { NEEDS_COMMENT, TRANSITION_COLORS, TRANSITION_LABELS } from './agreement-labels';
import { useAgreementInvalidation } from './agreement-queries';
import { AgreementDecisionDialog } from './decision-dialog';

const DESCRIPTIONS: Record<Transition, string> = {
  propose: 'The dealer is notified and can accept the agreement or send it back.',
  accept:
    'You commit your dealership to these targets. The OEM approves the agreement next, and it becomes active on its start date.',
  return: 'The agreement goes back to the OEM as a draft, with your comment.',
  approve:
    'The agreement becomes binding: a version is recorded in the ledger and it is active from its start month.',
  reject: 'The agreement is closed as rejected, with your reason. This cannot be undone.',
  cancel: 'The agreement is closed as cancelled, with your reason. This cannot be undone.',
};

/** Primary actions first; the closing ones last. */
const ORDER: Transition[] = ['propose', 'accept', 'approve', 'return', 'reject', 'cancel'];

/** Moving forward; the closing transitions go after the page's other actions. */
export const FORWARD: Transition[] = ['propose', 'accept', 'approve'];
export const CLOSING: Transition[] = ['return', 'reject', 'cancel'];

export function TransitionActions({
  agreement,
  onReload,
  only = ORDER,
}: {
  agreement: Agreement;
  onReload: () => void;
  /** Which of the allowed transitions to show here. */
  only?: Transition[];
}) {
  const [open, setOpen] = useState<Transition | null>(null);
  const invalidate = useAgreementInvalidation();
  const move = useMutation({
    mutationFn: ({ transition, comment }: { transition: Transition; comment: string }) =>
      api.post<Agreement>(`/agreements/${agreement.id}/${transition}`, {
        version: agreement.version,
        ...(comment ? { comment } : {}),
      }),
    onSuccess: async (saved) => {
      setOpen(null);
      await invalidate(saved);
    },
  });
  const transitions = ORDER.filter(
    (t) => only.includes(t) && agreement.allowedTransitions.includes(t),
  );
  return (
    <>
      {transitions.map((t) => (
        <Button
          key={t}
          size="sm"
          color={TRANSITION_COLORS[t]}
          variant={t === 'cancel' || t === 'reject' || t === 'return' ? 'light' : 'filled'}
          onClick={() => {
            move.reset();
            setOpen(t);
          }}
          data-transition={t}
        >
          {TRANSITION_LABELS[t]}
        </Button>
      ))}
      {open && (
        <AgreementDecisionDialog
          title={`${TRANSITION_LABELS[open]}: ${agreement.code}`}
          description={DESCRIPTIONS[open]}
          confirmLabel={TRANSITION_LABELS[open]}
          color={TRANSITION_COLORS[open]}
          isCommentRequired={NEEDS_COMMENT.has(open)}
          isPending={move.isPending}
          error={move.error}
          onConfirm={(comment) => move.mutate({ transition: open, comment })}
          onClose={() => setOpen(null)}
          onReload={() => {
            setOpen(null);
            onReload();
          }}
        />
      )}
    </>
  );
}
