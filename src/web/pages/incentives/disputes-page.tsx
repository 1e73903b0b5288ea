/**
 * Disputes with their age; one opens as a thread where both sides write, and the OEM resolves it
 * with an adjustment line (credit or debit) or a reasoned rejection.
 */
import { useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import {
  Anchor,
  Badge,
  Button,
  Group,
  Paper,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { api } from '../../api';
import { FormError } from '../../components/form-error';
import { Section } from '../../components/page-header';
import { Empty, QueryError, TableSkeleton } from '../../components/query-state';
import { IncentivePage } from '../../components/incentives/incentive-tabs';
import { clickableRow, DataTable, QueryView } from '../../components/data-table';
import {
  DISPUTE_STATUS_COLORS,
  formatSettlementPeriod,
} from '../../components/incentives/incentive-labels';
import {
  useDispute,
  useDisputes,
  useIncentiveInvalidation,
  type DisputeView,
} from '../../components/incentives/incentive-queries';
import { dealerLabel, formatDate, formatDateTime, formatMoney, personName } from '../../format';
import { useCan } from '../../session';

export function DisputesPage() {
  const { id } = useParams();
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? 'open';
  const disputes = useDisputes(status === 'all' ? null : status);
  const navigate = useNavigate();
  const openId = id ? Number(id) : null;
  return (
    <IncentivePage
      testId="disputes-page"
      title="Disputes"
      description="A statement line or a claim questioned by the dealer, answered by the OEM"
      under={
        <SegmentedControl
          data={[
            { value: 'open', label: 'Open' },
            { value: 'adjusted', label: 'Adjusted' },
            { value: 'rejected', label: 'Rejected' },
            { value: 'all', label: 'All' },
          ]}
          value={status}
          onChange={(v) => setParams({ status: v }, { replace: true })}
        />
      }
    >
      <SimpleGrid cols={{ base: 1, lg: openId ? 2 : 1 }} spacing="md">
        <div style={{ minWidth: 0 }}>
          <QueryView
            query={disputes}
            loading={<TableSkeleton rows={4} />}
            isEmpty={(d) => d.length === 0}
            empty={
              <Empty
                title="No disputes"
                description="Dispute a line from its statement: open the statement and choose Dispute on the line."
              />
            }
          >
            {(items) => (
              <DataTable
                testId="disputes-table"
                minWidth={560}
                highlightOnHover
                fz="sm"
                rows={items}
                rowKey={(d) => d.id}
                rowProps={(d) =>
                  clickableRow(
                    () => navigate(`/incentives/disputes/${d.id}?status=${status}`),
                    d.id === openId,
                  )
                }
                columns={[
                  {
                    header: '#',
                    cell: (d) => (
                      <Anchor component={Link} to={`/incentives/disputes/${d.id}?status=${status}`}>
                        {d.id}
                      </Anchor>
                    ),
                  },
                  {
                    header: 'Program · period',
                    cell: (d) => `${d.programCode} · ${formatSettlementPeriod(d.period)}`,
                  },
                  { header: 'Dealer', cell: (d) => dealerLabel(d) },
                  { header: 'About', cell: (d) => disputedItem(d) },
                  {
                    header: 'Status',
                    cell: (d) => (
                      <Badge color={DISPUTE_STATUS_COLORS[d.status]} variant="light">
                        {d.status}
                      </Badge>
                    ),
                  },
                  {
                    header: 'Age',
                    align: 'right',
                    cell: (d) => `${d.ageDays} ${d.ageDays === 1 ? 'day' : 'days'}`,
                  },
                ]}
              />
            )}
          </QueryView>
        </div>
        {openId && <DisputeThread id={openId} />}
      </SimpleGrid>
    </IncentivePage>
  );
}

/** What is disputed, as people read it: the sale's date, VIN or SKU and amount, or the claim. */
function disputedItem(d: Pick<DisputeView, 'transaction' | 'transactionId' | 'claimId'>): string {
  const t = d.transaction;
  if (t)
    return `sale of ${formatDate(t.occurredOn)} · ${t.vin ? `VIN ${t.vin}` : `SKU ${t.sku}`} · ${formatMoney(t.amount, t.currency)}`;
  if (d.transactionId) return `transaction ${d.transactionId}`;
  return `claim ${d.claimId}`;
}

function DisputeThread({ id }: { id: number }) {
  const dispute = useDispute(id);
  if (dispute.isError) return <QueryError error={dispute.error} />;
  if (dispute.isPending) return <TableSkeleton rows={3} />;
  return <Thread dispute={dispute.data} />;
}

function Thread({ dispute: d }: { dispute: DisputeView }) {
  const canResolve = useCan('disputes:resolve');
  const canWrite = useCan('disputes:write') || canResolve;
  const invalidate = useIncentiveInvalidation();
  const [body, setBody] = useState('');
  const [outcome, setOutcome] = useState<'adjust' | 'reject'>('adjust');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const reply = useMutation({
    mutationFn: () => api.post(`/disputes/${d.id}/messages`, { body }),
    onSuccess: () => {
      setBody('');
      void invalidate();
    },
  });
  const resolve = useMutation({
    mutationFn: () =>
      api.post(`/disputes/${d.id}/resolve`, {
        outcome,
        amount: outcome === 'adjust' ? amount.trim() : undefined,
        reason,
      }),
    onSuccess: () => void invalidate(),
  });
  return (
    <Section
      title={`Dispute ${d.id}`}
      description={`${d.programCode} · ${dealerLabel(d)} · ${formatSettlementPeriod(d.period)} · open for ${d.ageDays} days`}
    >
      <Stack gap="xs" data-testid="dispute-thread">
        <Text size="sm" data-testid="dispute-about">
          About: {disputedItem(d)}
        </Text>
        {d.messages.map((m) => (
          <Paper
            key={m.id}
            withBorder
            p="xs"
            ml={m.side === 'oem' ? 'xl' : 0}
            mr={m.side === 'dealer' ? 'xl' : 0}
            bg={m.side === 'oem' ? 'var(--mantine-color-blue-light)' : undefined}
          >
            <Text size="xs" c="dimmed">
              {m.side === 'oem' ? 'OEM' : 'Dealer'} · {personName(m.author)} ·{' '}
              {formatDateTime(m.createdAt)}
            </Text>
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              {m.body}
            </Text>
          </Paper>
        ))}
        {d.status !== 'open' && (
          <Paper withBorder p="xs">
            <Text size="sm">
              <b>{d.status === 'adjusted' ? 'Adjusted' : 'Rejected'}</b>
              {d.adjustment
                ? ` with an adjustment line of ${Number(d.adjustment) > 0 ? '+' : ''}${formatMoney(d.adjustment, d.currency)}`
                : ''}
              : {d.resolution}
            </Text>
          </Paper>
        )}
        {d.status === 'open' && canWrite && (
          <Stack gap={6}>
            <Textarea
              aria-label="Reply"
              placeholder="Write a reply"
              value={body}
              onChange={(e) => setBody(e.currentTarget.value)}
              autosize
              minRows={2}
            />
            <Group>
              <Button
                size="xs"
                onClick={() => reply.mutate()}
                loading={reply.isPending}
                disabled={!body.trim()}
              >
                Send
              </Button>
            </Group>
            <FormError error={reply.error} />
          </Stack>
        )}
        {d.status === 'open' && canResolve && (
          <Paper withBorder p="sm">
            <Stack gap={6}>
              <Text size="sm" fw={700}>
                Resolve
              </Text>
              <SegmentedControl
                size="xs"
                data={[
                  { value: 'adjust', label: 'Adjust (credit / debit)' },
                  { value: 'reject', label: 'Reject' },
                ]}
                value={outcome}
                onChange={(v) => setOutcome(v as 'adjust' | 'reject')}
              />
              {outcome === 'adjust' && (
                <TextInput
                  label="Amount (negative for a debit)"
                  value={amount}
                  onChange={(e) => setAmount(e.currentTarget.value)}
                  placeholder="250.00"
                  rightSection={
                    <Text size="xs" c="dimmed">
                      {d.currency}
                    </Text>
                  }
                  rightSectionWidth={48}
                />
              )}
              <Textarea
                label="Reason"
                value={reason}
                onChange={(e) => setReason(e.currentTarget.value)}
                autosize
              />
              <Group>
                <Button
                  size="xs"
                  onClick={() => resolve.mutate()}
                  loading={resolve.isPending}
                  disabled={!reason.trim()}
                >
                  Resolve
                </Button>
              </Group>
              <FormError error={resolve.error} />
            </Stack>
          </Paper>
        )}
      </Stack>
    </Section>
  );
}
