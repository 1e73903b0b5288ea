/** A form in a dialog with Cancel and Save, and the request's error under the fields (form kit). */
import type { FormEvent, ReactNode } from 'react';
import { Button, Group, Modal, Stack } from '@mantine/core';
import type { Problem } from '../../../shared/errors';
import { FormError } from '../form-error';

export function FormDialog({
  title,
  isOpen = true,
  onClose,
  onSubmit,
  save,
  isSaving = save?.isPending ?? false,
  error = save?.error,
  problems,
  submitLabel = 'Save',
  closeLabel = 'Cancel',
  color,
  isSubmitDisabled = false,
  size = 'lg',
  children,
}: {
  title: string;
  isOpen?: boolean;
  onClose: () => void;
  onSubmit: () => void;
  /** The save's mutation (its pending state and error), or isSaving and error one by one. */
  save?: { isPending: boolean; error: unknown };
  isSaving?: boolean;
  error?: unknown;
  problems: Problem[];
  submitLabel?: string;
  /** "Close" where "Cancel" would read as the action (cancelling an agreement). */
  closeLabel?: string;
  /** The submit button's colour (a reject is red). */
  color?: string;
  isSubmitDisabled?: boolean;
  size?: string;
  children: ReactNode;
}) {
  function submit(event: FormEvent) {
    event.preventDefault();
    onSubmit();
  }
  return (
    <Modal opened={isOpen} onClose={onClose} title={title} size={size}>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          {children}
          <FormError error={error} problems={problems} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {closeLabel}
            </Button>
            <Button type="submit" color={color} loading={isSaving} disabled={isSubmitDisabled}>
              {submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
