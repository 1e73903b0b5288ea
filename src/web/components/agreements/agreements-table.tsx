/** The OEM's network table of agreements: sortable by the server, scrolls sideways on a phone. */
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { Anchor, Group, Paper, Table, Text, UnstyledButton } from '@mantine/core';
import type { AgreementSummary } from '../../../shared/schemas/agreements';
import { formatInt } from '../../format';
import { IconChevronDown } from '../icons';
import { AgreementStatusBadge, AttainmentBar } from './agreement-bits';
import {
  attainmentColor,
  formatAttainment,
  formatSigned,
  formatTermShort,
} from './agreement-labels';
import type { AgreementSort } from './agreement-queries';

export type SortState = { sort: AgreementSort; order: 'asc' | 'desc' };

function SortHeader({
  label,
  column,
  state,
  onSort,
  align = 'left',
  visibleFrom,
}: {
  label: ReactNode;
  column: AgreementSort;
  state: SortState;
  onSort: (next: SortState) => void;
  align?: 'left' | 'right';
  visibleFrom?: 'sm' | 'md';
}) {
  const isActive = state.sort === column;
  const ariaSort = isActive ? (state.order === 'asc' ? 'ascending' : 'descending') : 'none';
  return (
    <Table.Th ta={align} aria-sort={ariaSort} visibleFrom={visibleFrom}>
      <UnstyledButton
        onClick={() =>
          onSort({
            sort: column,
            // Ascending first: names A to Z, attainment, gap and projection worst first.
            order: isActive && state.order === 'asc' ? 'desc' : 'asc',
          })
        }
        data-sort={column}
      >
        <Group gap={2} wrap="nowrap" justify={align === 'right' ? 'flex-end' : 'flex-start'}>
          <Text size="sm" fw={700} c={isActive ? undefined : 'dimmed'}>
            {label}
          </Text>
          <IconChevronDown
            size={12}
            style={{
              opacity: isActive ? 1 : 0.3,
              transform: isActive && state.order === 'asc' ? 'rotate(180deg)' : undefined,
            }}
          />
        </Group>
      </UnstyledButton>
    </Table.Th>
  );
}

export function AgreementsTable({
  items,
  sort,
  onSort,
  isStale,
}: {
  items: AgreementSummary[];
  sort: SortState;
  onSort: (next: SortState) => void;
  isStale?: boolean;
}) {
  return (
    <Paper withBorder style={{ overflow: 'hidden', opacity: isStale ? 0.6 : 1 }}>
      <Table.ScrollContainer minWidth={560}>
        <Table data-testid="agreements-table" verticalSpacing={8}>
          <Table.Thead>
            <Table.Tr>
              <SortHeader label="Dealer" column="dealer" state={sort} onSort={onSort} />
              <Table.Th visibleFrom="md">Region</Table.Th>
              <SortHeader
                label="Agreement"
                column="code"
                state={sort}
                onSort={onSort}
                visibleFrom="sm"
              />
              <Table.Th visibleFrom="sm">Term</Table.Th>
              <SortHeader label="Attainment" column="attainment" state={sort} onSort={onSort} />
              <SortHeader label="Gap" column="gap" state={sort} onSort={onSort} align="right" />
              <SortHeader
                label="Projection"
                column="projection"
                state={sort}
                onSort={onSort}
                align="right"
              />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((a) => {
              const projectedColor = attainmentColor(a.projectedAttainmentPct);
              return (
                <Table.Tr key={a.id} data-agreement={a.code}>
                  <Table.Td>
                    <Anchor component={Link} to={`/agreements/${a.id}`} fw={600} size="sm">
                      {a.dealerName}
                    </Anchor>
                    <Group gap={6} mt={2}>
                      <Text size="xs" c="dimmed" ff="monospace">
                        {a.dealerCode}
                      </Text>
                      <AgreementStatusBadge status={a.status} size="xs" />
                    </Group>
                  </Table.Td>
                  <Table.Td visibleFrom="md">
                    <Text size="sm">{a.regionCode}</Text>
                  </Table.Td>
                  <Table.Td visibleFrom="sm">
                    <Text size="sm" ff="monospace">
                      {a.code}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {a.lineCount} lines · {a.frequency}
                    </Text>
                  </Table.Td>
                  <Table.Td visibleFrom="sm">
                    <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                      {formatTermShort(a.startMonth, a.endMonth)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <AttainmentBar pct={a.attainmentPct} width={120} />
                    <Text size="xs" c="dimmed" mt={2}>
                      {formatInt(a.actualToDate)} of {formatInt(a.plannedToDate)}
                    </Text>
                  </Table.Td>
                  <Table.Td ta="right">
                    <Text
                      size="sm"
                      fw={600}
                      c={a.gap < 0 ? 'red.8' : a.gap > 0 ? 'teal.8' : undefined}
                    >
                      {formatSigned(a.gap)}
                    </Text>
                  </Table.Td>
                  <Table.Td ta="right">
                    <Text size="sm" fw={600}>
                      {formatInt(a.projectedTotal)}
                      <Text span size="xs" c="dimmed" fw={400}>
                        {' '}
                        / {formatInt(a.plannedTotal)}
                      </Text>
                    </Text>
                    <Text
                      size="xs"
                      c={projectedColor === 'gray' ? 'dimmed' : `${projectedColor}.8`}
                      fw={600}
                    >
                      {formatAttainment(a.projectedAttainmentPct)}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}
