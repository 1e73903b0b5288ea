import { Group, Pagination, Text } from '@mantine/core';
import { formatInt } from '../format';

/** "1–50 of 1,234" with page buttons. */
export function Pager({
  total,
  limit,
  offset,
  onOffsetChange,
  noun = 'rows',
}: {
  total: number;
  limit: number;
  offset: number;
  onOffsetChange: (offset: number) => void;
  noun?: string;
}) {
  const pages = Math.max(1, Math.ceil(total / limit));
  const page = Math.floor(offset / limit) + 1;
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(total, offset + limit);
  return (
    <Group justify="space-between" gap="xs" mt="xs">
      <Text size="sm" c="dimmed">
        {total === 0
          ? `No ${noun}`
          : `${formatInt(first)}–${formatInt(last)} of ${formatInt(total)} ${noun}`}
      </Text>
      {pages > 1 && (
        <Pagination
          size="sm"
          total={pages}
          value={page}
          siblings={0}
          boundaries={1}
          onChange={(p) => onOffsetChange((p - 1) * limit)}
          getControlProps={(control) => ({
            'aria-label':
              control === 'previous' ? 'Previous page' : control === 'next' ? 'Next page' : control,
          })}
        />
      )}
    </Group>
  );
}
