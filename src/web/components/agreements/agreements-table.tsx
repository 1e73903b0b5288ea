/** The OEM's network table of agreements: sortable by the server, scrolls sideways on a phone. */
import { Link } from 'react-router-dom';
import { Anchor, Group, Text, UnstyledButton } from '@mantine/core';
import type { AgreementSummary } from '../../../shared/schemas/agreements';
import { formatInt } from '../../format';
import { DataTable, type Column } from '../data-table';
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

/** A sortable column's header: the label and an arrow; the header cell gets aria-sort. */
function sortColumn(
  label: string,
  column: AgreementSort,
  state: SortState,
  onSort: (next: SortState) => void,
  align: 'left' | 'right' = 'left',
): Pick<Column<AgreementSummary>, 'header' | 'key' | 'th' | 'align'> {
  const isActive = state.sort === column;
  const ariaSort = isActive ? (state.order === 'asc' ? 'ascending' : 'descending') : 'none';
  return {
    key: column,
    align,
    th: { 'aria-sort': ariaSort },
    header: (
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
    ),
  };
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
    <DataTable
      testId="agreements-table"
      minWidth={560}
      verticalSpacing={8}
      isDimmed={isStale}
      rows={items}
      rowKey={(a) => a.id}
      rowProps={(a) => ({ 'data-agreement': a.code })}
      columns={[
        {
          ...sortColumn('Dealer', 'dealer', sort, onSort),
          cell: (a) => (
            <>
              <Anchor component={Link} to={`/agreements/${a.id}`} fw={600} size="sm">
                {a.dealerName}
              </Anchor>
              <Group gap={6} mt={2}>
                <Text size="xs" c="dimmed" ff="monospace">
                  {a.dealerCode}
                </Text>
                <AgreementStatusBadge status={a.status} size="xs" />
              </Group>
            </>
          ),
        },
        { header: 'Region', from: 'md', cell: (a) => <Text size="sm">{a.regionCode}</Text> },
        {
          ...sortColumn('Agreement', 'code', sort, onSort),
          from: 'sm',
          cell: (a) => (
            <>
              <Text size="sm" ff="monospace">
                {a.code}
              </Text>
              <Text size="xs" c="dimmed">
                {a.lineCount} lines · {a.frequency}
              </Text>
            </>
          ),
        },
        {
          header: 'Term',
          from: 'sm',
          cell: (a) => (
            <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
              {formatTermShort(a.startMonth, a.endMonth)}
            </Text>
          ),
        },
        {
          ...sortColumn('Attainment', 'attainment', sort, onSort),
          cell: (a) => (
            <>
              <AttainmentBar pct={a.attainmentPct} width={120} />
              <Text size="xs" c="dimmed" mt={2}>
                {formatInt(a.actualToDate)} of {formatInt(a.plannedToDate)}
              </Text>
            </>
          ),
        },
        {
          ...sortColumn('Gap', 'gap', sort, onSort, 'right'),
          cell: (a) => (
            <Text size="sm" fw={600} c={a.gap < 0 ? 'red.8' : a.gap > 0 ? 'teal.8' : undefined}>
              {formatSigned(a.gap)}
            </Text>
          ),
        },
        {
          ...sortColumn('Projection', 'projection', sort, onSort, 'right'),
          cell: (a) => {
            const projectedColor = attainmentColor(a.projectedAttainmentPct);
            return (
              <>
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
              </>
            );
          },
        },
      ]}
    />
  );
}
