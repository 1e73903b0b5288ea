import { Link } from 'react-router-dom';
import { Anchor, Badge, Paper, Table, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import type { Transaction } from '../../shared/schemas/transactions';
import { formatDate, formatInt, formatMoney } from '../format';
import { KIND_LABELS, KIND_SHORT_LABELS } from '../labels';
import { DataTable } from './data-table';

const KIND_COLORS: Record<Transaction['kind'], string> = {
  wholesale_order: 'grape',
  invoice: 'indigo',
  retail_delivery: 'blue',
  registration: 'cyan',
  unwind: 'red',
};

/** A list of transactions, newest first. Less important columns hide on phones. */
export function TransactionsTable({
  items,
  showDealer = true,
  isDimmed = false,
}: {
  items: Transaction[];
  showDealer?: boolean;
  isDimmed?: boolean;
}) {
  const isPhone = useMediaQuery('(max-width: 36em)') ?? false;
  if (isPhone) return <PhoneList items={items} showDealer={showDealer} isDimmed={isDimmed} />;
  return (
    <DataTable
      testId="transactions-table"
      fz="sm"
      rows={items}
      rowKey={(t) => t.id}
      isDimmed={isDimmed}
      columns={[
        { header: 'Date', isNowrap: true, cell: (t) => formatDate(t.occurredOn) },
        {
          header: 'Kind',
          cell: (t) => (
            <Badge
              variant="light"
              size="sm"
              tt="none"
              color={KIND_COLORS[t.kind]}
              title={KIND_LABELS[t.kind]}
            >
              {KIND_SHORT_LABELS[t.kind]}
            </Badge>
          ),
        },
        showDealer && {
          header: 'Dealer',
          from: 'sm',
          cell: (t) => (
            <Anchor
              component={Link}
              to={`/dealers/${encodeURIComponent(t.dealerCode)}`}
              size="sm"
              ff="monospace"
            >
              {t.dealerCode}
            </Anchor>
          ),
        },
        {
          header: 'SKU',
          cell: (t) => (
            <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
              {t.sku}
            </Text>
          ),
        },
        {
          header: 'Qty',
          align: 'right',
          td: (t) => ({ c: t.quantity < 0 ? 'red.7' : undefined }),
          cell: (t) => formatInt(t.quantity),
        },
        {
          header: 'Amount',
          align: 'right',
          from: 'xs',
          isNowrap: true,
          cell: (t) => formatMoney(t.amount, t.currency),
        },
        {
          header: 'VIN',
          from: 'lg',
          cell: (t) => (
            <Text size="xs" ff="monospace">
              {t.vin ?? '–'}
            </Text>
          ),
        },
        {
          header: 'Source',
          from: 'md',
          cell: (t) => (
            <Text size="xs" c="dimmed">
              {t.source}
            </Text>
          ),
        },
      ]}
    />
  );
}

/** On a phone: two lines a row, what and when on the left, quantity and amount on the right. */
function PhoneList({
  items,
  showDealer,
  isDimmed,
}: {
  items: Transaction[];
  showDealer: boolean;
  isDimmed: boolean;
}) {
  return (
    <Paper withBorder style={{ overflow: 'hidden', opacity: isDimmed ? 0.6 : 1 }}>
      <Table data-testid="transactions-table" fz="sm" verticalSpacing={8}>
        <Table.Tbody>
          {items.map((t) => (
            <Table.Tr key={t.id}>
              <Table.Td>
                <Text size="sm" fw={600} ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                  {t.sku}
                </Text>
                <Text size="xs" c="dimmed">
                  {formatDate(t.occurredOn)} ·{' '}
                  <Text span size="xs" c={`${KIND_COLORS[t.kind]}.8`} fw={600}>
                    {KIND_LABELS[t.kind]}
                  </Text>
                  {showDealer && (
                    <>
                      {' · '}
                      <Anchor
                        component={Link}
                        to={`/dealers/${encodeURIComponent(t.dealerCode)}`}
                        size="xs"
                      >
                        {t.dealerCode}
                      </Anchor>
                    </>
                  )}
                </Text>
              </Table.Td>
              <Table.Td ta="right" style={{ whiteSpace: 'nowrap', verticalAlign: 'top' }}>
                <Text size="sm" fw={600} c={t.quantity < 0 ? 'red.7' : undefined}>
                  {t.quantity > 0 ? `×${formatInt(t.quantity)}` : formatInt(t.quantity)}
                </Text>
                <Text size="xs" c="dimmed">
                  {formatMoney(t.amount, t.currency)}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}
