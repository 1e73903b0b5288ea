import {
  Badge,
  Button,
  Checkbox,
  Code,
  Drawer,
  Group,
  SimpleGrid,
  Stack,
  Text,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import {
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_EVENTS,
  webhookCreateSchema,
  type WebhookDelivery,
  type WebhookSubscription,
  type webhookCreatedSchema,
  type webhookDeliveryDetailSchema,
} from '../../../shared/schemas/webhooks';
import { api } from '../../api';
import { DataTable } from '../../components/data-table';
import { FormError } from '../../components/form-error';
import { SecretOnceDialog } from '../../components/secret-once-dialog';
import {
  FormDialog,
  SelectField,
  TextField,
  useForm,
  useFormSave,
} from '../../components/form-kit';
import { QueryError, TableSkeleton } from '../../components/query-state';
import type { FieldErrors } from '../../forms';
import { formatDateTime } from '../../format';
import { useDealerGroups } from '../../queries';

export type WebhookCreated = z.infer<typeof webhookCreatedSchema>;
type DeliveryDetail = z.infer<typeof webhookDeliveryDetailSchema>;

export function stateColor(state: WebhookDelivery['state']): string {
  return state === 'delivered' ? 'teal' : state === 'dead' ? 'red' : 'yellow';
}

const FIELDS = ['url', 'description', 'eventTypes', 'dealerGroupCode'] as const;

type Values = { url: string; description: string; eventTypes: string[]; dealerGroupCode: string };

export function CreateWebhookModal({
  onCreated,
  onClose,
}: {
  onCreated: (created: WebhookCreated) => void;
  onClose: () => void;
}) {
  const groups = useDealerGroups();
  const form = useForm<Values>(
    { url: '', description: '', eventTypes: [], dealerGroupCode: '' },
    FIELDS,
  );
  const save = useFormSave(form, {
    send: (body) => api.post<WebhookCreated>('/webhooks', body),
    invalidates: [['webhooks']],
    onSaved: onCreated,
  });
  const { values, errors, set } = form;

  function onSubmit() {
    const extra: FieldErrors = {};
    if (!/^https?:\/\/./i.test(values.url.trim())) extra.url = 'An http:// or https:// address';
    if (values.eventTypes.length === 0) extra.eventTypes = 'Choose at least one event';
    const body = form.check(
      webhookCreateSchema,
      {
        url: values.url.trim(),
        description: values.description.trim(),
        eventTypes: values.eventTypes,
        dealerGroupCode: values.dealerGroupCode || null,
      },
      extra,
    );
    if (body) save.mutate(body);
  }

  return (
    <FormDialog
      title="New webhook"
      onClose={onClose}
      onSubmit={onSubmit}
      save={save}
      problems={form.rest}
      submitLabel="Create webhook"
    >
      <TextField
        form={form}
        name="url"
        label="Receiver URL"
        placeholder="https://erp.example.com/forecourt/events"
        required
        data-autofocus
      />
      <TextField
        form={form}
        name="description"
        label="Description"
        placeholder="SAP S/4HANA production planning"
      />
      <SelectField
        form={form}
        name="dealerGroupCode"
        label="Scope"
        description="A dealer group's system receives only its dealers' events (network events go to unscoped webhooks only)"
        placeholder="All events"
        data={(groups.data ?? []).map((g) => ({ value: g.code, label: g.name }))}
        clearable
      />
      <Checkbox.Group
        label="Events"
        value={values.eventTypes}
        onChange={(types) => set('eventTypes', types)}
        error={errors.eventTypes}
      >
        <Group gap="xs" mt={4} mb={4}>
          <Button
            size="compact-xs"
            variant="light"
            onClick={() => set('eventTypes', [...WEBHOOK_EVENT_TYPES])}
          >
            All
          </Button>
          <Button size="compact-xs" variant="default" onClick={() => set('eventTypes', [])}>
            None
          </Button>
        </Group>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing={6}>
          {WEBHOOK_EVENT_TYPES.map((t) => (
            <Checkbox key={t} value={t} label={t} description={WEBHOOK_EVENTS[t].about} size="xs" />
          ))}
        </SimpleGrid>
      </Checkbox.Group>
    </FormDialog>
  );
}

export function ShowSecretModal({
  created,
  onClose,
}: {
  created: WebhookCreated;
  onClose: () => void;
}) {
  return (
    <SecretOnceDialog
      title="Signing secret"
      noun="secret"
      secret={created.secret}
      testId="webhook-secret"
      warning="This is the only time it is shown. The receiver verifies every delivery's webhook-signature with it (Standard Webhooks)."
      onClose={onClose}
    />
  );
}

/** One delivery: its payload and every attempt; replay. */
export function DeliveryDrawer({ id, onClose }: { id: number; onClose: () => void }) {
  const queryClient = useQueryClient();
  const detail = useQuery({
    queryKey: ['webhooks', 'delivery', id],
    queryFn: ({ signal }) =>
      api.get<DeliveryDetail>(`/webhooks/deliveries/${id}`, undefined, signal),
  });
  const replay = useMutation({
    mutationFn: () => api.post<DeliveryDetail>(`/webhooks/deliveries/${id}/replay`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['webhooks'] }),
  });
  const d = detail.data;
  return (
    <Drawer
      opened
      onClose={onClose}
      position="right"
      size="lg"
      title={d ? `${d.eventType} → ${d.subscriptionUrl}` : 'Delivery'}
    >
      {detail.isError ? (
        <QueryError error={detail.error} onRetry={() => void detail.refetch()} />
      ) : !d ? (
        <TableSkeleton rows={3} />
      ) : (
        <Stack gap="sm">
          <Group gap="xs">
            <Badge color={stateColor(d.state)} variant="light">
              {d.state}
            </Badge>
            <Text size="sm" c="dimmed">
              {d.eventId} · {d.entityType} {d.entityId}
            </Text>
          </Group>
          {d.nextAttemptAt && <Text size="sm">Next attempt {formatDateTime(d.nextAttemptAt)}</Text>}
          <FormError error={replay.error} />
          <Group>
            <Button size="xs" loading={replay.isPending} onClick={() => replay.mutate()}>
              Replay
            </Button>
          </Group>
          <DataTable
            fz="xs"
            testId="webhook-attempts"
            rows={d.attemptLog}
            rowKey={(_, i) => i}
            empty={<Text size="sm">No attempt yet.</Text>}
            columns={[
              { header: '#', cell: (a) => a.attempt },
              { header: 'When', isNowrap: true, cell: (a) => formatDateTime(a.at) },
              {
                header: 'Answer',
                cell: (a) => (
                  <>
                    {a.statusCode ?? a.error}
                    {a.responseBody && (
                      <Text size="xs" c="dimmed" lineClamp={3} style={{ overflowWrap: 'anywhere' }}>
                        {a.responseBody}
                      </Text>
                    )}
                  </>
                ),
              },
              { header: 'Time', isNowrap: true, cell: (a) => `${a.durationMs} ms` },
            ]}
          />
          <Text size="sm" fw={600}>
            Payload
          </Text>
          <Code block style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
            {JSON.stringify(d.payload, null, 2)}
          </Code>
        </Stack>
      )}
    </Drawer>
  );
}

export function subscriptionScope(s: WebhookSubscription): string {
  return s.dealerGroupName ? `${s.dealerGroupName} (${s.dealerGroupCode})` : 'All events';
}
