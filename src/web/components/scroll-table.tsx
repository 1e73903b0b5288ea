import { Table, type TableProps } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A striped table that scrolls sideways below `minWidth`, with one heading row: the columns from
 * `numericFrom` on hold numbers and are right-aligned. `children` are the body's rows.
 */
export function ScrollTable({
  minWidth,
  head,
  numericFrom = head.length,
  children,
  ...tableProps
}: TableProps & {
  minWidth: number;
  head: string[];
  numericFrom?: number;
  children: ReactNode;
}) {
  return (
    <Table.ScrollContainer minWidth={minWidth}>
      <Table striped {...tableProps}>
        <Table.Thead>
          <Table.Tr>
            {head.map((label, i) => (
              <Table.Th key={label} ta={i >= numericFrom ? 'right' : undefined}>
                {label}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>{children}</Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
