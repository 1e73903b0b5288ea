/**
 * A secret shown once (an API key, a webhook's signing secret): the warning, the secret with its
 * copy button, what to do with it, and the one button that closes (a click outside does not).
 */
import type { ReactNode } from 'react';
import {
  ActionIcon,
  Alert,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  Stack,
  Tooltip,
} from '@mantine/core';
import { IconAlert, IconCheck, IconCopy } from './icons';

export function SecretOnceDialog({
  title,
  noun,
  secret,
  warning,
  testId,
  onClose,
  children,
}: {
  title: string;
  /** 'key', 'secret': in "Copy the key now", "Copy the key", "I have stored the key". */
  noun: string;
  secret: string;
  warning: ReactNode;
  testId: string;
  onClose: () => void;
  /** How to use it, under the secret. */
  children?: ReactNode;
}) {
  return (
    <Modal opened onClose={onClose} title={title} closeOnClickOutside={false}>
      <Stack gap="sm">
        <Alert color="yellow" variant="light" icon={<IconAlert />} title={`Copy the ${noun} now`}>
          {warning}
        </Alert>
        <Group gap="xs" wrap="nowrap" align="flex-start">
          <Code
            block
            style={{ flex: 1, overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' }}
            data-testid={testId}
          >
            {secret}
          </Code>
          <CopyButton value={secret}>
            {({ copied, copy }) => (
              <Tooltip label={copied ? 'Copied' : 'Copy'} withArrow>
                <ActionIcon
                  variant="light"
                  color={copied ? 'teal' : 'blue'}
                  size="lg"
                  onClick={copy}
                  aria-label={`Copy the ${noun}`}
                >
                  {copied ? <IconCheck size={18} /> : <IconCopy size={18} />}
                </ActionIcon>
              </Tooltip>
            )}
          </CopyButton>
        </Group>
        {children}
        <Group justify="flex-end">
          <Button onClick={onClose}>I have stored the {noun}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
