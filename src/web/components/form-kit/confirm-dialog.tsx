/**
 * Dialogs that confirm one action (form kit): what it does, the request's error, Cancel and the
 * action's button. `CommentDialog` asks for a comment with it.
 */
import { useState, type ReactNode } from 'react';
import { Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { apiFieldErrors } from '../../forms';
import { FormError } from '../form-error';
import { FormDialog } from './form-dialog';

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
 * A decision with a comment (required for a reject, a dispute, a send-back: the other side reads
 * it; optional elsewhere), as a form: a blank required comment, or the server's problem with the
 * comment, shows at the comment's field. `onConfirm` gets the comment trimmed and `clear`, to call
 * once the request succeeded (the dialog may stay mounted for the next record). An answer that
 * stops the action (an agreement changed meanwhile) is shown as `blocked`, in place of the error,
 * and turns the action off.
 */
export function CommentDialog({
  onConfirm,
  confirmLabel,
  isPending,
  error,
  size = 'md',
  description,
  commentLabel,
  commentField = 'comment',
  placeholder,
  minRows = 3,
  isCommentRequired = true,
  requiredMessage = 'Required',
  blocked,
  children,
  ...frame
}: Pick<ConfirmDialogProps, 'title' | 'isOpen' | 'onClose' | 'color' | 'isPending' | 'error'> & {
  onConfirm: (comment: string, clear: () => void) => void;
  confirmLabel: string;
  size?: string;
  description?: ReactNode;
  commentLabel: string;
  /** The comment's name in the request body (where the server's problem with it points). */
  commentField?: string;
  placeholder?: string;
  minRows?: number;
  isCommentRequired?: boolean;
  /** What a blank required comment is told. */
  requiredMessage?: string;
  closeLabel?: string;
  blocked?: ReactNode;
  children?: ReactNode;
}) {
  const [comment, setComment] = useState('');
  const [blankError, setBlankError] = useState<string | null>(null);
  const server = apiFieldErrors(error, [commentField]);
  return (
    <FormDialog
      {...frame}
      onSubmit={() => {
        if (isCommentRequired && !comment.trim()) {
          setBlankError(requiredMessage);
          return;
        }
        onConfirm(comment.trim(), () => setComment(''));
      }}
      isSaving={isPending}
      error={blocked ? null : error}
      problems={server.rest}
      submitLabel={confirmLabel}
      isSubmitDisabled={Boolean(blocked)}
      size={size}
    >
      {description && (
        <Text size="sm" component="div">
          {description}
        </Text>
      )}
      {children}
      <Textarea
        label={commentLabel}
        placeholder={placeholder}
        value={comment}
        onChange={(e) => {
          setComment(e.currentTarget.value);
          setBlankError(null);
        }}
        error={blankError ?? server.errors[commentField]}
        required={isCommentRequired}
        autosize
        minRows={minRows}
        maxLength={2000}
        data-autofocus
      />
      {blocked}
    </FormDialog>
  );
}
