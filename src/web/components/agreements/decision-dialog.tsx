/**
 * The confirmation of an agreement action, with a comment (required to send back, reject or
 * cancel). A 409 (someone changed the agreement meanwhile, or the action no longer applies) gets
 * a "reload" instead of a retry.
 */
import { useState, type ReactNode } from 'react';
import { Alert, Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { isApiError } from '../../api';
import { apiFieldErrors } from '../../forms';
import { FormError } from '../form-error';
import { IconAlert } from '../icons';

export function isConflict(error: unknown): boolean {
  return isApiError(error) && error.status === 409;
}

/** "Someone changed it, reload": for 409 STALE_VERSION and INVALID_TRANSITION. */
export function StaleNotice({ error, onReload }: { error: unknown; onReload: () => void }) {
  const isStale = isApiError(error) && error.code === 'STALE_VERSION';
  return (
    <Alert
      color="orange"
      variant="light"
      icon={<IconAlert />}
      role="alert"
      title={isStale ? 'Someone changed this agreement' : 'This action no longer applies'}
      data-testid="stale-notice"
    >
      <Stack gap="xs">
        <Text size="sm">
          {isStale
            ? 'It was changed after you opened it, so nothing was saved. Reload to see the current version, then try again.'
            : isApiError(error)
              ? error.message
              : 'Reload to see the current state.'}
        </Text>
        <Group>
          <Button size="xs" color="orange" onClick={onReload}>
            Reload
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}

export function DecisionDialog({
  title,
  description,
  confirmLabel,
  color = 'blue',
  isCommentRequired,
  isPending,
  error,
  onConfirm,
  onClose,
  onReload,
}: {
  title: string;
  description?: ReactNode;
  confirmLabel: string;
  color?: string;
  isCommentRequired: boolean;
  isPending: boolean;
  error: unknown;
  onConfirm: (comment: string) => void;
  onClose: () => void;
  onReload: () => void;
}) {
  const [comment, setComment] = useState('');
  const [localError, setLocalError] = useState<string | null>(null);
  const serverComment = apiFieldErrors(error, ['comment']);
  const commentError = localError ?? serverComment.errors.comment;
  return (
    <Modal opened onClose={onClose} title={title} size="md">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (isCommentRequired && !comment.trim()) {
            setLocalError('Say why, so the other side knows what to change');
            return;
          }
          onConfirm(comment.trim());
        }}
        noValidate
      >
        <Stack gap="sm">
          {description && (
            <Text size="sm" component="div">
              {description}
            </Text>
          )}
          <Textarea
            label={isCommentRequired ? 'Reason' : 'Comment (optional)'}
            placeholder={isCommentRequired ? 'What should change, and why' : undefined}
            value={comment}
            onChange={(e) => {
              setComment(e.currentTarget.value);
              setLocalError(null);
            }}
            error={commentError}
            required={isCommentRequired}
            autosize
            minRows={3}
            maxLength={2000}
            data-autofocus
          />
          {isConflict(error) ? (
            <StaleNotice error={error} onReload={onReload} />
          ) : (
            <FormError error={error} problems={serverComment.rest} />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Close
            </Button>
            <Button type="submit" color={color} loading={isPending} disabled={isConflict(error)}>
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
