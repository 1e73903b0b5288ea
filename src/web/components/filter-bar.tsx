/**
 * A list's filters and its "nothing matches" state, shared by the dealer, agreement and
 * transaction lists. On a phone the search (if any) stays in view with a "Filters (n)" button that
 * opens the other filters below it; wider screens show them all.
 */
import { useState, type ReactNode } from 'react';
import { Button, Collapse, Group, SimpleGrid, Stack, type SimpleGridProps } from '@mantine/core';
import { useIsPhone } from './charts';
import { Empty } from './query-state';

export function FilterBar({
  search,
  filters,
  activeCount,
  cols,
}: {
  search?: ReactNode;
  filters: ReactNode;
  /** filters other than the search that are set (shown on the phone's button) */
  activeCount: number;
  /** wider screens: search and filters in one grid of these columns; without, as they are */
  cols?: SimpleGridProps['cols'];
}) {
  const isPhone = useIsPhone();
  const [isOpen, setOpen] = useState(false);
  if (isPhone) {
    const toggle = (
      <Button variant="default" onClick={() => setOpen((o) => !o)} aria-expanded={isOpen}>
        Filters{activeCount > 0 ? ` (${activeCount})` : ''}
      </Button>
    );
    return (
      <Stack gap="xs">
        {search ? (
          <Group gap="xs" wrap="nowrap">
            <div style={{ flex: 1 }}>{search}</div>
            {toggle}
          </Group>
        ) : (
          toggle
        )}
        <Collapse expanded={isOpen}>
          {search ? <Stack gap="xs">{filters}</Stack> : filters}
        </Collapse>
      </Stack>
    );
  }
  if (!cols) return filters;
  return (
    <SimpleGrid cols={cols} spacing="xs">
      {search}
      {filters}
    </SimpleGrid>
  );
}

/** The empty state of a filtered list, with a button that clears the search and filters. */
export function NoMatches({ title, onClear }: { title: string; onClear: () => void }) {
  return (
    <Empty
      title={title}
      description="Try a different search or clear the filters."
      action={
        <Button variant="light" onClick={onClear}>
          Clear filters
        </Button>
      }
    />
  );
}
