import type { ReactNode } from 'react';
import { Group, Stack, Text, Title } from '@mantine/core';

/** The heading row of a page (level 2) or of a section (level 3), actions wrapping on phones. */
function Heading({
  level,
  title,
  description,
  actions,
}: {
  level: 2 | 3;
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
}) {
  const isPage = level === 2;
  return (
    <Group justify="space-between" align="flex-end" gap={isPage ? 'sm' : 'xs'}>
      <div style={isPage ? { minWidth: 0, flex: '1 1 260px' } : { minWidth: 0 }}>
        <Title
          order={level}
          fz={isPage ? { base: 22, sm: 26 } : { base: 17, sm: 19 }}
          style={isPage ? { overflowWrap: 'anywhere' } : undefined}
        >
          {title}
        </Title>
        {description && (
          <Text c="dimmed" size="sm" mt={isPage ? 2 : undefined} component="div">
            {description}
          </Text>
        )}
      </div>
      {actions && (
        <Group gap="xs" wrap="wrap">
          {actions}
        </Group>
      )}
    </Group>
  );
}

/** The title row of a page: title, a line of context, and actions (wrapping on phones). */
export function PageHeader({
  title,
  description,
  actions,
  above,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  above?: ReactNode;
}) {
  return (
    <Stack gap={4} mb="md">
      {above}
      <Heading level={2} title={title} description={description} actions={actions} />
    </Stack>
  );
}

/** A titled block of a page. */
export function Section({
  title,
  description,
  actions,
  children,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Stack gap="xs" component="section">
      <Heading level={3} title={title} description={description} actions={actions} />
      {children}
    </Stack>
  );
}
