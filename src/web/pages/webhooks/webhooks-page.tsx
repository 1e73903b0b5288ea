import { useState } from 'react';
import { Badge, Button, Group, Pagination, Paper, Switch, Table, Tabs, Text } from '@mantine/core';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { WebhookDelivery, WebhookSubscription } from '../../../shared/schemas/webhooks';
import { api, request, type Page } from '../../api';
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
      <Paper withBorder style={{ overflow: 'hidden' }}>
        <Table.ScrollContainer minWidth={0}>
          <Table fz="sm" highlightOnHover data-testid="webhook-deliveries">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Event</Table.Th>
                <Table.Th visibleFrom="sm">Created</Table.Th>
                <Table.Th>State</Table.Th>
                <Table.Th visibleFrom="sm">Last answer</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {log.data.items.map((d) => (
                <Table.Tr key={d.id} onClick={() => setOpen(d.id)} style={{ cursor: 'pointer' }}>
                  <Table.Td>
                    <Text size="sm" fw={600}>
                      {d.eventType}
                    </Text>
                    <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                      {d.entityType} {d.entityId}
                      {subscriptionId === null && ` → ${d.subscriptionUrl}`}
                    </Text>
                  </Table.Td>
                  <Table.Td visibleFrom="sm">{formatDateTime(d.createdAt)}</Table.Td>
                  <Table.Td>
                    <Badge size="sm" variant="light" color={stateColor(d.state)}>
                      {d.state}
                    </Badge>
                    <Text size="xs" c="dimmed">
                      {formatInt(d.attempts)} attempt{d.attempts === 1 ? '' : 's'}
                    </Text>
                  </Table.Td>
                  <Table.Td visibleFrom="sm">{d.lastStatusCode ?? d.lastError ?? '–'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
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

function SubscriptionRow({
  s,
  isSelected,
  onSelect,
}: {
  s: WebhookSubscription;
  isSelected: boolean;
  onSelect: () => void;
}) {
  const queryClient = useQueryClient();
  const invalidate = () => queryClient.invalidateQueries({ queryKey: ['webhooks'] });
  const toggle = useMutation({
    mutationFn: (isEnabled: boolean) => api.patch(`/webhooks/${s.id}`, { isEnabled }),
    onSuccess: invalidate,
  });
  const ping = useMutation({
    mutationFn: () => api.post(`/webhooks/${s.id}/ping`),
    onSuccess: invalidate,
  });
  const remove = useMutation({
    mutationFn: () => request(`/webhooks/${s.id}`, { method: 'DELETE' }),
    onSuccess: invalidate,
  });
  return (
    <Table.Tr bg={isSelected ? 'var(--mantine-color-blue-light)' : undefined}>
      <Table.Td onClick={onSelect} style={{ cursor: 'pointer' }}>
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
        <FormError error={toggle.error ?? ping.error ?? remove.error} />
      </Table.Td>
      <Table.Td visibleFrom="sm">
        <Text size="xs">
          {formatInt(s.delivered)} delivered · {formatInt(s.pending)} pending ·{' '}
          <Text span c={s.dead ? 'red' : undefined} size="xs">
            {formatInt(s.dead)} dead
          </Text>
        </Text>
      </Table.Td>
      <Table.Td>
        <Switch
          checked={s.isEnabled}
          onChange={(e) => toggle.mutate(e.currentTarget.checked)}
          aria-label={s.isEnabled ? 'Disable' : 'Enable'}
          size="sm"
        />
      </Table.Td>
      <Table.Td>
        <Group gap={4} wrap="nowrap">
          <Button
            size="compact-xs"
            variant="light"
            disabled={!s.isEnabled}
            loading={ping.isPending}
            onClick={() => ping.mutate()}
          >
            Ping
          </Button>
          <Button
            size="compact-xs"
            variant="subtle"
            color="red"
            loading={remove.isPending}
            onClick={() => {
              if (window.confirm(`Delete the webhook to ${s.url} and its delivery log?`))
                remove.mutate();
            }}
          >
            Delete
          </Button>
        </Group>
      </Table.Td>
    </Table.Tr>
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
        <Paper withBorder style={{ overflow: 'hidden' }} mb="md">
          <Table.ScrollContainer minWidth={0}>
            <Table fz="sm" data-testid="webhooks-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Receiver</Table.Th>
                  <Table.Th visibleFrom="sm">Deliveries</Table.Th>
                  <Table.Th>On</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((s) => (
                  <SubscriptionRow
                    key={s.id}
                    s={s}
                    isSelected={current?.id === s.id}
                    onSelect={() => setSelected(s.id)}
                  />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
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
