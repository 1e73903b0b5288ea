/**
 * The confirmation of an agreement action, with a comment (required to send back, reject or
 * cancel). A 409 (someone changed the agreement meanwhile, or the action no longer applies) gets
 * a "reload" instead of a retry.
 */
import type { ReactNode } from 'react';
import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import { isApiError } from '../../api';
import { CommentDialog } from '../form-kit';
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

/**
 * The kit's comment dialog with an agreement's wording: a reason required to send back, reject or
 * cancel, an optional comment otherwise, and the "reload" notice in place of a retry on a 409.
 */
export function AgreementDecisionDialog({
  color = 'blue',
  isCommentRequired,
  error,
  onReload,
  ...props
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
  return (
    <CommentDialog
      {...props}
      color={color}
      error={error}
      isCommentRequired={isCommentRequired}
      commentLabel={isCommentRequired ? 'Reason' : 'Comment (optional)'}
      placeholder={isCommentRequired ? 'What should change, and why' : undefined}
      requiredMessage="Say why, so the other side knows what to change"
      closeLabel="Close"
      blocked={isConflict(error) && <StaleNotice error={error} onReload={onReload} />}
    />
  );
}
