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
  Table,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { api } from '../../api';
import { FormError } from '../../components/form-error';
import { PageHeader, Section } from '../../components/page-header';
import { Empty, QueryError, TableSkeleton } from '../../components/query-state';
import { IncentiveTabs } from '../../components/incentives/incentive-tabs';
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
    <Stack gap="lg" data-testid="disputes-page">
      <div>
        <PageHeader
          title="Disputes"
          description="A statement line or a claim questioned by the dealer, answered by the OEM"
        />
        <IncentiveTabs />
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
      </div>
      <SimpleGrid cols={{ base: 1, lg: openId ? 2 : 1 }} spacing="md">
        <div style={{ minWidth: 0 }}>
          {disputes.isError ? (
            <QueryError error={disputes.error} onRetry={() => void disputes.refetch()} />
          ) : disputes.isPending ? (
            <TableSkeleton rows={4} />
          ) : disputes.data.length === 0 ? (
            <Empty
              title="No disputes"
              description="Dispute a line from its statement: open the statement and choose Dispute on the line."
            />
          ) : (
            <Paper withBorder style={{ overflow: 'hidden' }}>
              <Table.ScrollContainer minWidth={560}>
                <Table data-testid="disputes-table" highlightOnHover fz="sm">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>#</Table.Th>
                      <Table.Th>Program · period</Table.Th>
                      <Table.Th>Dealer</Table.Th>
                      <Table.Th>About</Table.Th>
                      <Table.Th>Status</Table.Th>
                      <Table.Th ta="right">Age</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {disputes.data.map((d) => (
                      <Table.Tr
                        key={d.id}
                        onClick={() => navigate(`/incentives/disputes/${d.id}?status=${status}`)}
                        style={{ cursor: 'pointer' }}
                        bg={d.id === openId ? 'var(--mantine-color-blue-light)' : undefined}
                      >
                        <Table.Td>
                          <Anchor
                            component={Link}
                            to={`/incentives/disputes/${d.id}?status=${status}`}
                          >
                            {d.id}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>
                          {d.programCode} · {formatSettlementPeriod(d.period)}
                        </Table.Td>
                        <Table.Td>{dealerLabel(d)}</Table.Td>
                        <Table.Td>{disputedItem(d)}</Table.Td>
                        <Table.Td>
                          <Badge color={DISPUTE_STATUS_COLORS[d.status]} variant="light">
                            {d.status}
                          </Badge>
                        </Table.Td>
                        <Table.Td ta="right">
                          {d.ageDays} {d.ageDays === 1 ? 'day' : 'days'}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Paper>
          )}
        </div>
        {openId && <DisputeThread id={openId} />}
      </SimpleGrid>
    </Stack>
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
