/**
 * Dialogs that confirm one action (form kit): what it does, the request's error, Cancel and the
 * action's button. `CommentDialog` asks for a comment first (required for a reject, a dispute, a
 * decision: the other side reads it).
 */
import { useState, type ReactNode } from 'react';
import { Button, Group, Modal, Stack, Textarea } from '@mantine/core';
import { FormError } from '../form-error';

export type ConfirmDialogProps = {
  title: string;
  isOpen?: boolean;
  onClose: () => void;
  onConfirm: () => void;
  confirmLabel: ReactNode;
  color?: string;
  isPending: boolean;
  error: unknown;
  isDisabled?: boolean;
  size?: string;
  /** data-testid of the dialog's body and of its confirm button (the e2e tests find them so). */
  testId?: string;
  confirmTestId?: string;
  children?: ReactNode;
};

export function ConfirmDialog({
  title,
  isOpen = true,
  onClose,
  onConfirm,
  confirmLabel,
  color,
  isPending,
  error,
  isDisabled = false,
  size,
  testId,
  confirmTestId,
  children,
}: ConfirmDialogProps) {
  return (
    <Modal opened={isOpen} onClose={onClose} title={title} size={size}>
      <Stack gap="sm" data-testid={testId}>
        {children}
        <FormError error={error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            color={color}
            onClick={onConfirm}
            loading={isPending}
            disabled={isDisabled}
            data-testid={confirmTestId}
          >
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/**
 * A confirmation with a required comment: the button stays off until there is one. `onConfirm`
 * gets the comment as typed and `clear`, to call once the request succeeded (the dialog may stay
 * mounted for the next record).
 */
export function CommentDialog({
  commentLabel,
  minRows = 3,
  onConfirm,
  isDisabled = false,
  children,
  ...props
}: Omit<ConfirmDialogProps, 'onConfirm'> & {
  commentLabel: string;
  minRows?: number;
  onConfirm: (comment: string, clear: () => void) => void;
}) {
  const [comment, setComment] = useState('');
  return (
    <ConfirmDialog
      {...props}
      onConfirm={() => onConfirm(comment, () => setComment(''))}
      isDisabled={isDisabled || !comment.trim()}
    >
      {children}
      <Textarea
        label={commentLabel}
        value={comment}
        onChange={(e) => setComment(e.currentTarget.value)}
        required
        autosize
        minRows={minRows}
      />
    </ConfirmDialog>
  );
}
