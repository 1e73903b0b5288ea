import { Link } from 'react-router-dom';
import { Anchor, Badge, Paper, Table, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import type { Transaction } from '../../shared/schemas/transactions';
import { formatDate, formatInt, formatMoney } from '../format';
import { KIND_LABELS, KIND_SHORT_LABELS } from '../labels';

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
    <Paper withBorder style={{ overflow: 'hidden', opacity: isDimmed ? 0.6 : 1 }}>
      <Table.ScrollContainer minWidth={0}>
        <Table data-testid="transactions-table" fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Date</Table.Th>
              <Table.Th>Kind</Table.Th>
              {showDealer && <Table.Th visibleFrom="sm">Dealer</Table.Th>}
              <Table.Th>SKU</Table.Th>
              <Table.Th ta="right">Qty</Table.Th>
              <Table.Th ta="right" visibleFrom="xs">
                Amount
              </Table.Th>
              <Table.Th visibleFrom="lg">VIN</Table.Th>
              <Table.Th visibleFrom="md">Source</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((t) => (
              <Table.Tr key={t.id}>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDate(t.occurredOn)}</Table.Td>
                <Table.Td>
                  <Badge
                    variant="light"
                    size="sm"
                    tt="none"
                    color={KIND_COLORS[t.kind]}
                    title={KIND_LABELS[t.kind]}
                  >
                    {KIND_SHORT_LABELS[t.kind]}
                  </Badge>
                </Table.Td>
                {showDealer && (
                  <Table.Td visibleFrom="sm">
                    <Anchor
                      component={Link}
                      to={`/dealers/${encodeURIComponent(t.dealerCode)}`}
                      size="sm"
                      ff="monospace"
                    >
                      {t.dealerCode}
                    </Anchor>
                  </Table.Td>
                )}
                <Table.Td>
                  <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                    {t.sku}
                  </Text>
                </Table.Td>
                <Table.Td ta="right" c={t.quantity < 0 ? 'red.7' : undefined}>
                  {formatInt(t.quantity)}
                </Table.Td>
                <Table.Td ta="right" visibleFrom="xs" style={{ whiteSpace: 'nowrap' }}>
                  {formatMoney(t.amount, t.currency)}
                </Table.Td>
                <Table.Td visibleFrom="lg">
                  <Text size="xs" ff="monospace">
                    {t.vin ?? '–'}
                  </Text>
                </Table.Td>
                <Table.Td visibleFrom="md">
                  <Text size="xs" c="dimmed">
                    {t.source}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
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
