import { useState } from 'react';
import { Button, Code, Text } from '@mantine/core';
import { ROLES, type Role } from '../../../shared/permissions';
import { apiKeyCreateSchema, type ApiKey } from '../../../shared/schemas/accounts';
import type { z } from 'zod';
import type { apiKeyCreatedSchema } from '../../../shared/schemas/accounts';
import { api } from '../../api';
import {
  ConfirmDialog,
  FormDialog,
  TextField,
  saveTo,
  useForm,
  useFormSave,
  useSave,
} from '../../components/form-kit';
import { SecretOnceDialog } from '../../components/secret-once-dialog';
import { IconPlus } from '../../components/icons';
import { PageHeader } from '../../components/page-header';
import { DataTable, NameCode, QueryView, RowButton } from '../../components/data-table';
import { StatusBadge } from '../../components/dealers-table';
import { Empty } from '../../components/query-state';
import {
  EMPTY_SCOPE,
  RoleScopeFields,
  scopeLabel,
  scopeErrors,
} from '../../components/scope-picker';
import { formatDate, formatDateTime } from '../../format';
import { useApiKeys } from '../../queries';
import { roleLabel } from '../../session';

type ApiKeyCreated = z.infer<typeof apiKeyCreatedSchema>;
const FIELDS = ['name', 'role', 'regionCode', 'dealerCode', 'dealerGroupCode'] as const;

function CreateKeyModal({
  onCreated,
  onClose,
}: {
  onCreated: (key: ApiKeyCreated) => void;
  onClose: () => void;
}) {
  const form = useForm(
    { name: '', role: 'integration' as Role | null, scope: EMPTY_SCOPE },
    FIELDS,
  );
  const { values } = form;
  const create = useFormSave(form, {
    send: saveTo<ApiKeyCreated>('/api-keys', undefined),
    invalidates: [['api-keys']],
    onSaved: onCreated,
  });

  function onSubmit() {
    const { role, scope } = values;
    const data = form.check(
      apiKeyCreateSchema,
      { name: values.name.trim(), role, ...scope },
      scopeErrors(role, scope),
    );
    if (data) create.mutate(data);
  }

  return (
    <FormDialog
      title="New API key"
      onClose={onClose}
      onSubmit={onSubmit}
      save={create}
      problems={form.rest}
      submitLabel="Create key"
      size="md"
    >
      <TextField
        form={form}
        name="name"
        label="Name"
        description="What uses it, e.g. “ERP nightly feed”"
        required
        data-autofocus
      />
      <RoleScopeFields
        form={form}
        roles={ROLES}
        description="Integration keys may read the network and send transactions"
      />
    </FormDialog>
  );
}

function ShowKeyModal({ created, onClose }: { created: ApiKeyCreated; onClose: () => void }) {
  return (
    <SecretOnceDialog
      title={`API key “${created.name}”`}
      noun="key"
      secret={created.key}
      testId="new-api-key"
      warning="This is the only time the key is shown. Forecourt stores only a hash of it; if it is lost, revoke it and create a new one."
      onClose={onClose}
    >
      <Text size="sm" c="dimmed">
        Send it as <Code>Authorization: Bearer &lt;key&gt;</Code>.
      </Text>
    </SecretOnceDialog>
  );
}

function RevokeModal({ apiKey, onClose }: { apiKey: ApiKey; onClose: () => void }) {
  const revoke = useSave({
    send: () => api.post<ApiKey>(`/api-keys/${apiKey.id}/revoke`),
    invalidates: [['api-keys']],
    onSaved: onClose,
  });
  return (
    <ConfirmDialog
      onClose={onClose}
      title={`Revoke “${apiKey.name}”?`}
      onConfirm={() => revoke.mutate()}
      confirmLabel="Revoke key"
      color="red"
      isPending={revoke.isPending}
      error={revoke.error}
    >
      <Text size="sm">Requests with this key are refused from now on. This cannot be undone.</Text>
    </ConfirmDialog>
  );
}

export function ApiKeysPage() {
  const keys = useApiKeys();
  const [dialog, setDialog] = useState<
    | { kind: 'create' }
    | { kind: 'show'; created: ApiKeyCreated }
    | { kind: 'revoke'; apiKey: ApiKey }
    | null
  >(null);
  return (
    <>
      <PageHeader
        title="API keys"
        description="Keys for ERP and dealer management system feeds. Each has a role and a scope, like a user."
        actions={
          <Button
            leftSection={<IconPlus size={16} />}
            onClick={() => setDialog({ kind: 'create' })}
          >
            New API key
          </Button>
        }
      />
      <QueryView
        query={keys}
        isEmpty={(data) => data.length === 0}
        empty={
          <Empty
            title="No API keys yet"
            description="Create a key for each system that sends transactions or reads the network."
          />
        }
      >
        {(data) => (
          <DataTable
            testId="api-keys-table"
            fz="sm"
            rows={data}
            rowKey={(k) => k.id}
            rowProps={(k) => ({ c: k.revokedAt ? 'dimmed' : undefined })}
            columns={[
              {
                header: 'Key',
                cell: (k) => (
                  <>
                    <NameCode name={k.name} code={`${k.prefix}…`} />
                    <Text size="xs" c="dimmed" hiddenFrom="sm">
                      {roleLabel(k.role)} · {scopeLabel(k)}
                      {k.revokedAt && ' · revoked'}
                    </Text>
                  </>
                ),
              },
              {
                header: 'Role and scope',
                from: 'sm',
                cell: (k) => (
                  <>
                    <Text size="sm">{roleLabel(k.role)}</Text>
                    <Text size="xs" c="dimmed">
                      {scopeLabel(k)}
                    </Text>
                  </>
                ),
              },
              { header: 'Created', from: 'md', cell: (k) => formatDate(k.createdAt) },
              {
                header: 'Last used',
                from: 'md',
                cell: (k) => (k.lastUsedAt ? formatDateTime(k.lastUsedAt) : 'never'),
              },
              {
                header: 'Status',
                from: 'sm',
                cell: (k) => <StatusBadge status={k.revokedAt ? 'revoked' : 'active'} />,
              },
              {
                key: 'actions',
                width: 80,
                cell: (k) =>
                  !k.revokedAt && (
                    <RowButton color="red" onClick={() => setDialog({ kind: 'revoke', apiKey: k })}>
                      Revoke
                    </RowButton>
                  ),
              },
            ]}
          />
        )}
      </QueryView>
      {dialog?.kind === 'create' && (
        <CreateKeyModal
          onClose={() => setDialog(null)}
          onCreated={(created) => setDialog({ kind: 'show', created })}
        />
      )}
      {dialog?.kind === 'show' && (
        <ShowKeyModal created={dialog.created} onClose={() => setDialog(null)} />
      )}
      {dialog?.kind === 'revoke' && (
        <RevokeModal apiKey={dialog.apiKey} onClose={() => setDialog(null)} />
      )}
    </>
  );
}
