/**
 * Settlement in bulk (docs/incentives.md): every started period of a program with its state in
 * words, "Close period" where the cut-off and grace have passed and "Approve all" where closed
 * statements wait, each behind a confirmation that states the totals from the server's preview
 * (GET …/periods/{period}/settlement-preview); afterwards the exceptions, each linking to its
 * statement for one-by-one approval.
 */
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Alert, Anchor, Badge, Button, Group, List, Stack, Text } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { api } from '../../api';
import type {
  BulkApproveResult,
  BulkException,
  SettlementPreview,
} from '../../../shared/schemas/bulk-settlement';
import { formatMoney } from '../../format';
import { useCan } from '../../session';
import { FormError } from '../form-error';
import { ConfirmDialog } from '../form-kit';
import { DataTable } from '../data-table';
import { Empty, TableSkeleton } from '../query-state';
import { formatSettlementPeriod } from './incentive-labels';
import {
  useIncentiveInvalidation,
  useSettlementPeriods,
  type SettlementPeriodView,
} from './incentive-queries';

export type Action = { kind: 'close' | 'approve'; period: string };

const REASONS: Record<BulkException['reason'], string> = {
  disputed: 'open dispute',
  out_of_order: 'earlier month not approved',
  changed_since_close: 'changed since close',
  over_budget: 'over budget',
};

/** "closed · approved 3 of 5 · 1 paid", "ready to close", "open until 30 Apr". */
export function periodStatusWords(p: SettlementPeriodView): string {
  if (p.status === 'open') {
    if (p.closable) return 'ready to close';
    return p.isCurrent ? 'open, current' : `open (${p.closableReason})`;
  }
  const { closed, approved, paid } = p.statements;
  const all = closed + approved + paid;
  const parts = ['closed', `approved ${approved + paid} of ${all}`];
  if (paid) parts.push(`${paid} paid`);
  return parts.join(' · ');
}

const enc = encodeURIComponent;

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function statementHref(code: string, dealerCode: string, period: string) {
  return `/programs/${enc(code)}/statements/${enc(dealerCode)}?period=${enc(period)}`;
}

function ExceptionList({
  code,
  period,
  currency,
  items,
}: {
  code: string;
  period: string;
  currency: string;
  items: BulkException[];
}) {
  return (
    <List size="sm" spacing={4} data-testid="bulk-exceptions">
      {items.map((e) => (
        <List.Item key={e.dealerCode}>
          <Anchor component={Link} to={statementHref(code, e.dealerCode, period)}>
            {e.dealerName}
          </Anchor>{' '}
          {formatMoney(e.amountDue, currency)} ·{' '}
          <Badge size="xs" color="orange" variant="light">
            {REASONS[e.reason]}
          </Badge>
        </List.Item>
      ))}
    </List>
  );
}

/** The confirmation of a close or an approve-all, stating the preview's totals. */
export function PeriodActionDialog({
  code,
  action,
  onClose,
  onDone,
}: {
  code: string;
  action: Action;
  onClose: () => void;
  onDone: (result: { action: Action; text: string; exceptions: BulkException[] }) => void;
}) {
  const preview = useQuery({
    queryKey: ['incentives', 'settlement-preview', code, action.period],
    queryFn: ({ signal }) =>
      api.get<SettlementPreview>(
        `/programs/${enc(code)}/periods/${enc(action.period)}/settlement-preview`,
        undefined,
        signal,
      ),
    staleTime: 0,
  });
  const invalidate = useIncentiveInvalidation();
  const run = useMutation({
    mutationFn: async () => {
      if (action.kind === 'close') {
        const r = await api.post<{ statements: number; totalAmountDue: string }>(
          `/programs/${enc(code)}/periods/close`,
          { period: action.period },
        );
        return {
          action,
          text: `Closed ${formatSettlementPeriod(action.period)}: ${r.statements} statements, ${formatMoney(r.totalAmountDue, preview.data!.currency)} due, waiting for approval.`,
          exceptions: [],
        };
      }
      const r = await api.post<BulkApproveResult>(`/programs/${enc(code)}/periods/approve`, {
        period: action.period,
      });
      return {
        action,
        text: `Approved ${r.approved.count} statements of ${formatSettlementPeriod(action.period)}: ${formatMoney(r.approved.totalAmountDue, r.currency)}.${r.exceptions.length ? ` ${plural(r.exceptions.length, 'exception', 'exceptions')} left for one-by-one approval:` : ''}`,
        exceptions: r.exceptions,
      };
    },
    onSuccess: (result) => {
      void invalidate();
      onDone(result);
    },
  });
  const p = preview.data;
  const label = formatSettlementPeriod(action.period);
  const title = action.kind === 'close' ? `Close ${label}?` : `Approve all of ${label}?`;
  return (
    <ConfirmDialog
      onClose={onClose}
      title={title}
      size="md"
      testId="bulk-confirm"
      confirmTestId="bulk-confirm-button"
      onConfirm={() => run.mutate()}
      confirmLabel={
        action.kind === 'close'
          ? `Close ${p?.close?.statements ?? ''} statements`
          : `Approve ${p?.approve.statements ?? ''} statements`
      }
      isPending={run.isPending}
      error={run.error}
      isDisabled={!p || (action.kind === 'approve' && p.approve.statements === 0)}
    >
      {preview.isError ? (
        <FormError error={preview.error} />
      ) : !p ? (
        <TableSkeleton />
      ) : action.kind === 'close' ? (
        <Text size="sm" data-testid="bulk-confirm-totals">
          Closing freezes <b>{p.close?.statements ?? 0} statements</b> with{' '}
          <b>{formatMoney(p.close?.totalAmountDue ?? '0', p.currency)}</b> due, for finance to
          approve. Sales stored later become correction lines of the next open period.
        </Text>
      ) : (
        <>
          <Text size="sm" data-testid="bulk-confirm-totals">
            Approves <b>{p.approve.statements}</b> of {p.approve.closed} closed statements,{' '}
            <b>{formatMoney(p.approve.totalAmountDue, p.currency)}</b> due; each is recorded in the
            ledger.{' '}
            {p.approve.exceptions.length > 0
              ? `${plural(p.approve.exceptions.length, 'exception is', 'exceptions are')} left for one-by-one approval:`
              : 'No exceptions.'}
          </Text>
          {p.approve.exceptions.length > 0 && (
            <ExceptionList
              code={code}
              period={action.period}
              currency={p.currency}
              items={p.approve.exceptions}
            />
          )}
        </>
      )}
    </ConfirmDialog>
  );
}

export function SettlementPeriodsPanel({ code }: { code: string }) {
  const periods = useSettlementPeriods(code);
  const canManage = useCan('payouts:manage');
  const canApprove = useCan('programs:approve');
  const [action, setAction] = useState<Action | null>(null);
  const [done, setDone] = useState<{
    action: Action;
    text: string;
    exceptions: BulkException[];
  } | null>(null);
  if (!periods.data) return <TableSkeleton />;
  const items = periods.data.items.filter((p) => p.hasStarted).reverse();
  return (
    <Stack gap="sm">
      {done && (
        <Alert
          color="teal"
          variant="light"
          data-testid="bulk-result"
          withCloseButton
          onClose={() => setDone(null)}
        >
          <Stack gap={4}>
            <Text size="sm">{done.text}</Text>
            {done.exceptions.length > 0 && (
              <ExceptionList
                code={code}
                period={done.action.period}
                currency={periods.data.currency}
                items={done.exceptions}
              />
            )}
          </Stack>
        </Alert>
      )}
      {items.length === 0 ? (
        <Empty title="No period has started yet" />
      ) : (
        <DataTable
          testId="settlement-periods"
          isBare
          minWidth={320}
          rows={items}
          rowKey={(p) => p.period}
          rowProps={(p) => ({ 'data-period': p.period, 'data-testid': 'settlement-period' })}
          columns={[
            { header: 'Period', isNowrap: true, cell: (p) => formatSettlementPeriod(p.period) },
            {
              header: 'Status',
              cell: (p) => (
                <Text size="sm" title={p.closableReason} data-testid="period-status">
                  {periodStatusWords(p)}
                </Text>
              ),
            },
            {
              key: 'actions',
              cell: (p) => (
                <Group gap="xs" justify="flex-end" wrap="wrap">
                  {canManage && p.closable && (
                    <Button
                      size="xs"
                      onClick={() => setAction({ kind: 'close', period: p.period })}
                    >
                      Close period
                    </Button>
                  )}
                  {canApprove && p.status === 'closed' && p.statements.closed > 0 && (
                    <Button
                      size="xs"
                      onClick={() => setAction({ kind: 'approve', period: p.period })}
                    >
                      Approve all
                    </Button>
                  )}
                </Group>
              ),
            },
          ]}
        />
      )}
      {action && (
        <PeriodActionDialog
          code={code}
          action={action}
          onClose={() => setAction(null)}
          onDone={(result) => {
            setAction(null);
            setDone(result);
          }}
        />
      )}
    </Stack>
  );
}
