/** The statements of one program and period for every dealer in scope, with approval (four eyes). */
import { Link } from 'react-router-dom';
import { Anchor, Badge, Button, Paper, Table, Text } from '@mantine/core';
import type { StatementView } from '../../../shared/schemas/incentives';
import {
  STATEMENT_STATUS_COLORS,
  STATEMENT_STATUS_LABELS,
  formatMeasure,
} from './incentive-labels';
import { formatMoney } from '../../format';

export function StatementStatusBadge({ status }: { status: StatementView['status'] }) {
  return (
    <Badge variant="light" color={STATEMENT_STATUS_COLORS[status]} data-status={status}>
      {STATEMENT_STATUS_LABELS[status]}
    </Badge>
  );
}

export function StatementsTable({
  items,
  measure,
  onApprove,
  approving,
}: {
  items: StatementView[];
  measure: string;
  /** Shown for closed statements when the user may approve. */
  onApprove?: (s: StatementView) => void;
  approving?: string | null;
}) {
  return (
    <Paper withBorder style={{ overflow: 'hidden' }}>
      <Table.ScrollContainer minWidth={720}>
        <Table data-testid="statements-table" verticalSpacing={6} striped highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Dealer</Table.Th>
              <Table.Th ta="right">Measure</Table.Th>
              <Table.Th ta="right">Tier</Table.Th>
              <Table.Th ta="right">Earned</Table.Th>
              <Table.Th ta="right">Previously settled</Table.Th>
              <Table.Th ta="right">Amount due</Table.Th>
              <Table.Th>Status</Table.Th>
              {onApprove && <Table.Th />}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((s) => (
              <Table.Tr key={s.dealerCode} data-dealer-code={s.dealerCode}>
                <Table.Td>
                  <Anchor
                    component={Link}
                    to={`/programs/${encodeURIComponent(s.programCode)}/statements/${encodeURIComponent(s.dealerCode)}?period=${encodeURIComponent(s.period)}`}
                    size="sm"
                    fw={600}
                  >
                    {s.dealerName}
                  </Anchor>
                  <Text size="xs" c="dimmed" ff="monospace">
                    {s.dealerCode}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">{formatMeasure(measure, s.measureValue, s.currency)}</Table.Td>
                <Table.Td ta="right">{s.tierReached ?? '–'}</Table.Td>
                <Table.Td ta="right">{formatMoney(s.earned, s.currency)}</Table.Td>
                <Table.Td ta="right">{formatMoney(s.previouslySettled, s.currency)}</Table.Td>
                <Table.Td ta="right" fw={700}>
                  {formatMoney(s.amountDue, s.currency)}
                </Table.Td>
                <Table.Td>
                  <StatementStatusBadge status={s.status} />
                </Table.Td>
                {onApprove && (
                  <Table.Td>
                    {s.status === 'closed' && (
                      <Button
                        size="compact-xs"
                        variant="light"
                        onClick={() => onApprove(s)}
                        loading={approving === s.dealerCode}
                      >
                        Approve
                      </Button>
                    )}
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}
