import type { ReactNode } from 'react';
import { Paper, Skeleton, Text } from '@mantine/core';

/** One headline number with a label and a line of context. */
export function KpiCard({
  label,
  value,
  hint,
  isLoading,
  testId,
}: {
  label: string;
  value: ReactNode;
  hint?: ReactNode;
  isLoading?: boolean;
  testId?: string;
}) {
  return (
    <Paper withBorder radius="md" p="md" data-testid={testId}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={700} lh={1.2}>
        {label}
      </Text>
      {isLoading ? (
        <Skeleton h={30} mt={8} w="60%" />
      ) : (
        <Text fz={{ base: 22, sm: 26 }} fw={700} mt={4} lh={1.2}>
          {value}
        </Text>
      )}
      {hint && !isLoading && (
        <Text size="xs" c="dimmed" mt={4} component="div">
          {hint}
        </Text>
      )}
    </Paper>
  );
}

/** A colored change figure: green up, red down. */
export function Change({ value, text }: { value: number | null; text: string }) {
  const color = value === null ? 'dimmed' : value >= 0 ? 'teal.7' : 'red.7';
  return (
    <Text span c={color} fw={600} size="xs">
      {text}
    </Text>
  );
}
