/** The statements of one program and period for every dealer in scope, with approval (four eyes). */
import { Badge, Button } from '@mantine/core';
import type { StatementView } from '../../../shared/schemas/incentives';
import {
  STATEMENT_STATUS_COLORS,
  STATEMENT_STATUS_LABELS,
  formatMeasure,
} from './incentive-labels';
import { formatMoney } from '../../format';
import { DataTable, LinkNameCode } from '../data-table';

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
    <DataTable
      testId="statements-table"
      minWidth={720}
      verticalSpacing={6}
      striped
      highlightOnHover
      rows={items}
      rowKey={(s) => s.dealerCode}
      rowProps={(s) => ({ 'data-dealer-code': s.dealerCode })}
      columns={[
        {
          header: 'Dealer',
          cell: (s) => (
            <LinkNameCode
              name={s.dealerName}
              code={s.dealerCode}
              to={`/programs/${encodeURIComponent(s.programCode)}/statements/${encodeURIComponent(s.dealerCode)}?period=${encodeURIComponent(s.period)}`}
            />
          ),
        },
        {
          header: 'Measure',
          align: 'right',
          cell: (s) => formatMeasure(measure, s.measureValue, s.currency),
        },
        { header: 'Tier', align: 'right', cell: (s) => s.tierReached ?? '–' },
        { header: 'Earned', align: 'right', cell: (s) => formatMoney(s.earned, s.currency) },
        {
          header: 'Previously settled',
          align: 'right',
          cell: (s) => formatMoney(s.previouslySettled, s.currency),
        },
        {
          header: 'Amount due',
          align: 'right',
          td: () => ({ fw: 700 }),
          cell: (s) => formatMoney(s.amountDue, s.currency),
        },
        { header: 'Status', cell: (s) => <StatementStatusBadge status={s.status} /> },
        onApprove && {
          key: 'approve',
          cell: (s) =>
            s.status === 'closed' && (
              <Button
                size="compact-xs"
                variant="light"
                onClick={() => onApprove(s)}
                loading={approving === s.dealerCode}
              >
                Approve
              </Button>
            ),
        },
      ]}
    />
  );
}
