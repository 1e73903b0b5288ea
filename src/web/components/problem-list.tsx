/** The problems of a rejected input: each with where (row and field, or field path) and what. */
import { List, ScrollArea, Table, Text } from '@mantine/core';
import type { Problem } from '../../shared/errors';
import { formatInt } from '../format';

function where(problem: Problem): string {
  const field = problem.field ?? problem.path;
  if (problem.row !== undefined)
    return field ? `Row ${problem.row}, ${field}` : `Row ${problem.row}`;
  return field ?? '';
}

/** A short list for forms; a table (with a cap) for uploads with many rows. */
export function ProblemList({ problems, max = 200 }: { problems: Problem[]; max?: number }) {
  const hasRows = problems.some((p) => p.row !== undefined);
  const shown = problems.slice(0, max);
  if (!hasRows) {
    return (
      <List size="sm" spacing={2} data-testid="problem-list">
        {shown.map((p, i) => (
          <List.Item key={i}>
            {where(p) && <Text span fw={600}>{`${where(p)}: `}</Text>}
            {p.message}
          </List.Item>
        ))}
      </List>
    );
  }
  return (
    <div data-testid="problem-list" style={{ minWidth: 0 }}>
      <ScrollArea.Autosize mah={360} type="auto">
        <Table striped fz="sm" stickyHeader layout="fixed">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={52}>Row</Table.Th>
              <Table.Th w="32%">Field</Table.Th>
              <Table.Th>Problem</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shown.map((p, i) => (
              <Table.Tr key={i}>
                <Table.Td>{p.row ?? '–'}</Table.Td>
                <Table.Td>
                  <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                    {p.field ?? p.path ?? '–'}
                  </Text>
                </Table.Td>
                <Table.Td>{p.message}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea.Autosize>
      {problems.length > shown.length && (
        <Text size="sm" c="dimmed" mt={4}>
          …and {formatInt(problems.length - shown.length)} more problems
        </Text>
      )}
    </div>
  );
}
