import { useState } from 'react';
import { Group, Pagination, Select, Text } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { AuditEntry, AuditPage } from '../../../shared/schemas/audit';
import { api } from '../../api';
import { PageHeader } from '../../components/page-header';
import { DataTable } from '../../components/data-table';
import { Empty, QueryError, TableSkeleton } from '../../components/query-state';
import { formatDateTime } from '../../format';

const PAGE_SIZE = 50;

const KIND_LABELS: Record<AuditEntry['kind'], string> = {
  'sign_in.succeeded': 'Signed in',
  'sign_in.failed': 'Sign-in failed',
  'sign_in.limited': 'Sign-in refused (too many failures)',
  'user.created': 'User created',
  'user.updated': 'User renamed',
  'user.disabled': 'User deactivated',
  'user.enabled': 'User reactivated',
  'user.password_reset': 'Password reset',
  'api_key.created': 'API key created',
  'api_key.revoked': 'API key revoked',
  'bank_account.changed': 'Bank details changed',
  'webhook_subscription.created': 'Webhook subscription created',
  'webhook_subscription.updated': 'Webhook subscription changed',
  'webhook_subscription.enabled': 'Webhook subscription enabled',
  'webhook_subscription.disabled': 'Webhook subscription disabled',
  'webhook_subscription.secret_rotated': 'Webhook secret rotated',
  'webhook_subscription.deleted': 'Webhook subscription deleted',
};

const FILTERS = [
  { value: '', label: 'Everything' },
  { value: 'sign_in', label: 'Sign-ins' },
  { value: 'sign_in.failed', label: 'Failed sign-ins' },
  { value: 'user', label: 'User changes' },
  { value: 'api_key', label: 'API key changes' },
  { value: 'bank_account', label: 'Bank detail changes' },
  { value: 'webhook_subscription', label: 'Webhook subscription changes' },
];

function kindColor(kind: AuditEntry['kind']): string {
  if (kind === 'sign_in.succeeded') return 'teal.8';
  if (kind.startsWith('sign_in.')) return 'red.8';
  return kind.startsWith('api_key.') ? 'grape.8' : 'blue.8';
}

/** What the entry was about: the account, or the e-mail a sign-in gave. */
function subjectOf(e: AuditEntry): string {
  if (e.apiKeyName) return `key “${e.apiKeyName}”`;
  return e.userName ?? e.email ?? '–';
}

function detailsOf(e: AuditEntry): string {
  const parts = Object.entries(e.details).map(([k, v]) => `${k}: ${String(v)}`);
  if (e.userAgent) parts.push(e.userAgent);
  return parts.join(' · ');
}

export function AuditLogPage() {
  const [kind, setKind] = useState('');
  const [page, setPage] = useState(1);
  const log = useQuery({
    queryKey: ['audit-log', kind, page],
    queryFn: ({ signal }) =>
      api.get<AuditPage>(
        '/audit-log',
        { kind: kind || undefined, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE },
        signal,
      ),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Sign-ins (with address and browser) and changes to users and API keys, newest first."
        actions={
          <Select
            aria-label="Show"
            data={FILTERS}
            value={kind}
            onChange={(v) => {
              setKind(v ?? '');
              setPage(1);
            }}
            allowDeselect={false}
            w={200}
          />
        }
      />
      {log.isError ? (
        <QueryError error={log.error} onRetry={() => void log.refetch()} />
      ) : log.isPending ? (
        <TableSkeleton />
      ) : log.data.items.length === 0 ? (
        <Empty title="Nothing recorded" description="No entries match this filter." />
      ) : (
        <>
          <DataTable
            testId="audit-log-table"
            fz="sm"
            rows={log.data.items}
            rowKey={(e) => e.id}
            columns={[
              { header: 'When', isNowrap: true, cell: (e) => formatDateTime(e.at) },
              {
                header: 'What',
                cell: (e) => (
                  <Text size="sm" fw={600} c={kindColor(e.kind)}>
                    {KIND_LABELS[e.kind]}
                  </Text>
                ),
              },
              { header: 'Account', cell: subjectOf },
              { header: 'By', from: 'sm', cell: (e) => e.actorName ?? '–' },
              {
                header: 'Address',
                from: 'md',
                td: () => ({ ff: 'monospace' }),
                cell: (e) => e.address ?? '–',
              },
              {
                header: 'Details',
                from: 'lg',
                cell: (e) => (
                  <Text size="xs" c="dimmed" lineClamp={2}>
                    {detailsOf(e)}
                  </Text>
                ),
              },
            ]}
          />
          <Group justify="space-between" mt="sm">
            <Text size="sm" c="dimmed">
              {log.data.total === 1 ? '1 entry' : `${log.data.total} entries`}
            </Text>
            <Pagination
              size="sm"
              value={page}
              onChange={setPage}
              total={Math.max(1, Math.ceil(log.data.total / PAGE_SIZE))}
            />
          </Group>
        </>
      )}
    </>
  );
}
