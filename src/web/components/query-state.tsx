/** Loading skeletons, error notes and empty states shared by every page. */
import type { ReactNode } from 'react';
import { Alert, Button, EmptyState, Group, Paper, Skeleton, Stack } from '@mantine/core';
import { isApiError } from '../api';
import { IconAlert, IconInbox } from './icons';
import { ProblemList } from './problem-list';

export function PageSkeleton() {
  return (
    <Stack gap="md" aria-busy="true" aria-label="Loading">
      <Skeleton h={32} w="40%" />
      <Group grow>
        <Skeleton h={88} />
        <Skeleton h={88} />
        <Skeleton h={88} />
      </Group>
      <Skeleton h={260} />
      <Skeleton h={180} />
    </Stack>
  );
}

export function TableSkeleton({ rows = 6 }: { rows?: number }) {
  return (
    <Stack gap={8} aria-busy="true" aria-label="Loading">
      {Array.from({ length: rows }, (_, i) => (
        <Skeleton key={i} h={28} />
      ))}
    </Stack>
  );
}

export function ChartSkeleton({ h = 280 }: { h?: number }) {
  return <Skeleton h={h} aria-busy="true" aria-label="Loading chart" />;
}

export function errorMessage(error: unknown): string {
  if (isApiError(error)) return error.message;
  if (error instanceof Error) return error.message;
  return 'Something went wrong';
}

export function QueryError({
  error,
  title = 'Could not load this',
  onRetry,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
}) {
  const problems = isApiError(error) ? error.problems : [];
  return (
    <Alert color="red" variant="light" title={title} icon={<IconAlert />} role="alert">
      <Stack gap="xs">
        <div>{errorMessage(error)}</div>
        {problems.length > 0 && <ProblemList problems={problems} />}
        {onRetry && (
          <Group>
            <Button size="xs" variant="white" color="red" onClick={onRetry}>
              Try again
            </Button>
          </Group>
        )}
      </Stack>
    </Alert>
  );
}

export function Empty({
  title,
  description,
  action,
}: {
  title: string;
  description?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <Paper withBorder p="lg" radius="md">
      <EmptyState
        size="sm"
        icon={<IconInbox size={28} />}
        withIndicatorBackground
        title={title}
        description={description}
      >
        {action && <EmptyState.Actions>{action}</EmptyState.Actions>}
      </EmptyState>
    </Paper>
  );
}
