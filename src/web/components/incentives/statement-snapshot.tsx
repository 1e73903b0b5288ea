/**
 * The snapshot a closed statement shows (what approval approves: its hash, when and by whom it
 * was closed), and, when approval was refused because a recomputation differs, the difference
 * line by line with the action that re-closes the period (docs/incentives.md, "Close and approve").
 */
import { Alert, Badge, Button, Code, Group, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { api, isApiError, type ApiError } from '../../api';
import { formatDateTime, formatMoney } from '../../format';
import { useCan } from '../../session';
import { DataTable } from '../data-table';
import { FormError } from '../form-error';
import { useIncentiveInvalidation, type StatementDetail } from './incentive-queries';

type Line = {
  kind: string;
  transactionId: string | null;
  date: string | null;
  quantity: number | null;
  amount: string;
};
type Totals = { programVersion: number; earned: string; amountDue: string; lineCount: number };
type Difference = {
  snapshotSha256: string | null;
  added?: Line[];
  removed?: Line[];
  changed?: { key: string; before: Line; after: Line }[];
  reworded?: number;
  totals?: { before: Totals; after: Totals };
};

export function isChangedSinceClose(error: unknown): error is ApiError {
  return isApiError(error) && error.code === 'STATEMENT_CHANGED_SINCE_CLOSE';
}

export function SnapshotNote({ snapshot }: { snapshot: StatementDetail['snapshot'] }) {
  if (!snapshot) return null;
  return (
    <Group gap="xs" data-testid="statement-snapshot">
      <Text size="sm" c="dimmed">
        Snapshot {snapshot.seq} · closed {formatDateTime(snapshot.closedAt)} by {snapshot.closedBy}{' '}
        · SHA-256 <Code title={snapshot.sha256}>{snapshot.sha256.slice(0, 12)}</Code>
      </Text>
      {snapshot.changedSinceClose && (
        <Badge color="orange" variant="light" data-testid="snapshot-changed">
          changed since close: re-close before approving
        </Badge>
      )}
    </Group>
  );
}

type DiffRow = { change: string; line: Line; amount: string };

/** The lines of the difference: added, removed (negated), changed (before → after). */
function diffRows(d: Difference, currency: string): DiffRow[] {
  return [
    ...(d.added ?? []).map((line) => ({ change: 'added', line, amount: line.amount })),
    ...(d.removed ?? []).map((line) => ({
      change: 'removed',
      line,
      amount: `-${line.amount}`.replace('--', ''),
    })),
    ...(d.changed ?? []).map((x) => ({
      change: `${formatMoney(x.before.amount, currency)} → ${formatMoney(x.after.amount, currency)}`,
      line: x.after,
      amount: '',
    })),
  ];
}

/** The refused approval: what differs from the closed snapshot, and "Re-close period". */
export function SnapshotChanged({
  error,
  statement: s,
  onReclosed,
}: {
  error: ApiError;
  statement: StatementDetail;
  /** after a re-close: the refusal is history (the page shows the new snapshot) */
  onReclosed: () => void;
}) {
  const canClose = useCan('payouts:manage');
  const invalidate = useIncentiveInvalidation();
  const reclose = useMutation({
    mutationFn: () =>
      api.post(`/programs/${encodeURIComponent(s.programCode)}/periods/close`, {
        period: s.period,
      }),
    onSuccess: async () => {
      await invalidate();
      onReclosed();
    },
  });
  const d = error.details as Difference;
  const c = s.currency;
  return (
    <Alert
      color="orange"
      variant="light"
      title="Changed since it was closed"
      data-testid="snapshot-diff"
    >
      <Stack gap="xs">
        <Text size="sm">{error.message}</Text>
        <DataTable
          testId="snapshot-diff-lines"
          striped
          minWidth={480}
          rows={diffRows(d, c)}
          rowKey={(r) => `${r.change}-${r.line.kind}-${r.line.transactionId ?? ''}-${r.amount}`}
          columns={[
            { header: 'change', cell: (r) => r.change },
            { header: 'kind', cell: (r) => r.line.kind },
            { header: 'transaction', cell: (r) => r.line.transactionId ?? '—' },
            { header: 'date', isNowrap: true, cell: (r) => r.line.date ?? '—' },
            {
              header: 'amount',
              align: 'right',
              isNowrap: true,
              cell: (r) => (r.amount === '' ? '' : formatMoney(r.amount, c)),
            },
          ]}
        />
        {d.reworded ? (
          <Text size="xs" c="dimmed">
            {d.reworded} other line(s) keep their figures; only their explanation reads differently.
          </Text>
        ) : null}
        {d.totals && (
          <Text size="sm">
            Program version {d.totals.before.programVersion} → {d.totals.after.programVersion} ·
            earned {formatMoney(d.totals.before.earned, c)} →{' '}
            {formatMoney(d.totals.after.earned, c)} · amount due{' '}
            {formatMoney(d.totals.before.amountDue, c)} → {formatMoney(d.totals.after.amountDue, c)}
          </Text>
        )}
        {canClose && (
          <Group>
            <Button size="sm" onClick={() => reclose.mutate()} loading={reclose.isPending}>
              Re-close period
            </Button>
          </Group>
        )}
        <FormError error={reclose.error} />
      </Stack>
    </Alert>
  );
}
