import { useState } from 'react';
import { Badge, Box, Button, Group, Pagination, Switch, Tabs, Text } from '@mantine/core';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { WebhookDelivery, WebhookSubscription } from '../../../shared/schemas/webhooks';
import { api, request, type Page } from '../../api';
import { DataTable, clickableRow } from '../../components/data-table';
import { FormError } from '../../components/form-error';
import { IconPlus } from '../../components/icons';
import { PageHeader } from '../../components/page-header';
import { Empty, QueryError, TableSkeleton } from '../../components/query-state';
import { formatDateTime, formatInt } from '../../format';
import {
  CreateWebhookModal,
  DeliveryDrawer,
  ShowSecretModal,
  stateColor,
  subscriptionScope,
  type WebhookCreated,
} from './webhook-dialogs';

const PAGE_SIZE = 25;

function useSubscriptions() {
  return useQuery({
    queryKey: ['webhooks', 'list'],
    queryFn: ({ signal }) =>
      api.get<{ items: WebhookSubscription[] }>('/webhooks', undefined, signal),
    refetchInterval: 10_000,
  });
}

/** A delivery log: one subscription's, or the dead letters of all. */
function DeliveryLog({ subscriptionId }: { subscriptionId: number | null }) {
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<number | null>(null);
  const path =
    subscriptionId === null ? '/webhooks/dead-letters' : `/webhooks/${subscriptionId}/deliveries`;
  const log = useQuery({
    queryKey: ['webhooks', 'deliveries', path, page],
    queryFn: ({ signal }) =>
      api.get<Page<WebhookDelivery>>(
        path,
        { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE },
        signal,
      ),
    placeholderData: keepPreviousData,
    refetchInterval: 5_000,
  });
  if (log.isError) return <QueryError error={log.error} onRetry={() => void log.refetch()} />;
  if (log.isPending) return <TableSkeleton />;
  if (log.data.items.length === 0)
    return (
      <Empty
        title={subscriptionId === null ? 'No dead letters' : 'Nothing delivered yet'}
        description={
          subscriptionId === null
            ? 'Deliveries that fail their last attempt, or get 410 Gone, are listed here.'
            : 'Deliveries appear when a subscribed event happens, or after a test ping.'
        }
      />
    );
  return (
    <>
      <DataTable
        fz="sm"
        highlightOnHover
        testId="webhook-deliveries"
        rows={log.data.items}
        rowKey={(d) => d.id}
        rowProps={(d) => clickableRow(() => setOpen(d.id), d.id === open)}
        columns={[
          {
            header: 'Event',
            cell: (d) => (
              <>
                <Text size="sm" fw={600}>
                  {d.eventType}
                </Text>
                <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                  {d.entityType} {d.entityId}
                  {subscriptionId === null && ` → ${d.subscriptionUrl}`}
                </Text>
              </>
            ),
          },
          { header: 'Created', from: 'sm', cell: (d) => formatDateTime(d.createdAt) },
          {
            header: 'State',
            cell: (d) => (
              <>
                <Badge size="sm" variant="light" color={stateColor(d.state)}>
                  {d.state}
                </Badge>
                <Text size="xs" c="dimmed">
                  {formatInt(d.attempts)} attempt{d.attempts === 1 ? '' : 's'}
                </Text>
              </>
            ),
          },
          {
            header: 'Last answer',
            from: 'sm',
            cell: (d) => d.lastStatusCode ?? d.lastError ?? '–',
          },
        ]}
      />
      {log.data.total > PAGE_SIZE && (
        <Group justify="center" mt="sm">
          <Pagination
            total={Math.ceil(log.data.total / PAGE_SIZE)}
            value={page}
            onChange={setPage}
          />
        </Group>
      )}
      {open !== null && <DeliveryDrawer id={open} onClose={() => setOpen(null)} />}
    </>
  );
}

/** Enable/disable, ping and delete a subscription; a mutation's error is shown at its row. */
function useSubscriptionActions() {
  const queryClient = useQueryClient();
  const invalidate = () => queryClient.invalidateQueries({ queryKey: ['webhooks'] });
  const toggle = useMutation({
    mutationFn: ({ id, isEnabled }: { id: number; isEnabled: boolean }) =>
      api.patch(`/webhooks/${id}`, { isEnabled }),
    onSuccess: invalidate,
  });
  const ping = useMutation({
    mutationFn: (id: number) => api.post(`/webhooks/${id}/ping`),
    onSuccess: invalidate,
  });
  const remove = useMutation({
    mutationFn: (id: number) => request(`/webhooks/${id}`, { method: 'DELETE' }),
    onSuccess: invalidate,
  });
  const errorOf = (id: number) =>
    (toggle.variables?.id === id ? toggle.error : null) ??
    (ping.variables === id ? ping.error : null) ??
    (remove.variables === id ? remove.error : null);
  return { toggle, ping, remove, errorOf };
}

function SubscriptionsTable({
  items,
  current,
  onSelect,
}: {
  items: WebhookSubscription[];
  current: WebhookSubscription | null;
  onSelect: (id: number) => void;
}) {
  const { toggle, ping, remove, errorOf } = useSubscriptionActions();
  return (
    <DataTable
      fz="sm"
      testId="webhooks-table"
      rows={items}
      rowKey={(s) => s.id}
      rowProps={(s) => ({
        bg: current?.id === s.id ? 'var(--mantine-color-blue-light)' : undefined,
      })}
      columns={[
        {
          header: 'Receiver',
          td: (s) => ({ onClick: () => onSelect(s.id), style: { cursor: 'pointer' } }),
          cell: (s) => (
            <>
              <Text size="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
                {s.description || s.url}
              </Text>
              <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                {s.description ? `${s.url} · ` : ''}
                {subscriptionScope(s)} · {s.eventTypes.length} event type
                {s.eventTypes.length === 1 ? '' : 's'}
              </Text>
              {s.disabledReason && (
                <Text size="xs" c="red">
                  {s.disabledReason}
                </Text>
              )}
              <FormError error={errorOf(s.id)} />
            </>
          ),
        },
        {
          header: 'Deliveries',
          from: 'sm',
          cell: (s) => (
            <Text size="xs">
              {formatInt(s.delivered)} delivered · {formatInt(s.pending)} pending ·{' '}
              <Text span c={s.dead ? 'red' : undefined} size="xs">
                {formatInt(s.dead)} dead
              </Text>
            </Text>
          ),
        },
        {
          header: 'On',
          cell: (s) => (
            <Switch
              checked={s.isEnabled}
              onChange={(e) => toggle.mutate({ id: s.id, isEnabled: e.currentTarget.checked })}
              aria-label={s.isEnabled ? 'Disable' : 'Enable'}
              size="sm"
            />
          ),
        },
        {
          key: 'actions',
          cell: (s) => (
            <Group gap={4} wrap="nowrap">
              <Button
                size="compact-xs"
                variant="light"
                disabled={!s.isEnabled}
                loading={ping.isPending && ping.variables === s.id}
                onClick={() => ping.mutate(s.id)}
              >
                Ping
              </Button>
              <Button
                size="compact-xs"
                variant="subtle"
                color="red"
                loading={remove.isPending && remove.variables === s.id}
                onClick={() => {
                  if (window.confirm(`Delete the webhook to ${s.url} and its delivery log?`))
                    remove.mutate(s.id);
                }}
              >
                Delete
              </Button>
            </Group>
          ),
        },
      ]}
    />
  );
}

export function WebhooksPage() {
  const subscriptions = useSubscriptions();
  const [dialog, setDialog] = useState<
    { kind: 'create' } | { kind: 'secret'; created: WebhookCreated } | null
  >(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [tab, setTab] = useState<string | null>('log');
  const items = subscriptions.data?.items ?? [];
  const current = items.find((s) => s.id === selected) ?? items[0] ?? null;
  return (
    <>
      <PageHeader
        title="Webhooks"
        description="Events pushed to ERP and dealer management systems, signed per Standard Webhooks, retried for about three days."
        actions={
          <Button
            leftSection={<IconPlus size={16} />}
            onClick={() => setDialog({ kind: 'create' })}
          >
            New webhook
          </Button>
        }
      />
      {subscriptions.isError ? (
        <QueryError error={subscriptions.error} onRetry={() => void subscriptions.refetch()} />
      ) : subscriptions.isPending ? (
        <TableSkeleton />
      ) : items.length === 0 ? (
        <Empty
          title="No webhooks yet"
          description="Create one for each system that should hear of approvals, statements and payouts."
        />
      ) : (
        <Box mb="md">
          <SubscriptionsTable items={items} current={current} onSelect={setSelected} />
        </Box>
      )}
      <Tabs value={tab} onChange={setTab} keepMounted={false}>
        <Tabs.List mb="sm">
          <Tabs.Tab value="log" disabled={!current}>
            Delivery log{current ? `: ${current.description || current.url}` : ''}
          </Tabs.Tab>
          <Tabs.Tab value="dead">Dead letters</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="log">
          {current && <DeliveryLog key={current.id} subscriptionId={current.id} />}
        </Tabs.Panel>
        <Tabs.Panel value="dead">
          <DeliveryLog subscriptionId={null} />
        </Tabs.Panel>
      </Tabs>
      {dialog?.kind === 'create' && (
        <CreateWebhookModal
          onClose={() => setDialog(null)}
          onCreated={(created) => setDialog({ kind: 'secret', created })}
        />
      )}
      {dialog?.kind === 'secret' && (
        <ShowSecretModal created={dialog.created} onClose={() => setDialog(null)} />
      )}
    </>
  );
}
