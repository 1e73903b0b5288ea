import { useState } from 'react';
import { Link } from 'react-router-dom';
import {
  Anchor,
  Badge,
  Button,
  Group,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
} from '@mantine/core';
import {
  modelLineCreateSchema,
  modelLineUpdateSchema,
  type ModelLine,
} from '../../../shared/schemas/catalog';
import { CodeField, RecordFormDialog, TextField, useRecordForm } from '../../components/form-kit';
import { StatusBadge } from '../../components/dealers-table';
import { IconPlus } from '../../components/icons';
import { SearchInput } from '../../components/list-query';
import { PageHeader } from '../../components/page-header';
import { Empty, QueryError, TableSkeleton } from '../../components/query-state';
import { formatInt } from '../../format';
import { POWERTRAIN_COLORS } from '../../labels';
import { useModelLines } from '../../queries';
import { useCan } from '../../session';

const FIELDS = ['code', 'name', 'segment', 'status'] as const;

function ModelLineForm({ line, onClose }: { line?: ModelLine; onClose: () => void }) {
  const recordForm = useRecordForm({
    record: line,
    collection: '/model-lines',
    initial: {
      code: line?.code ?? '',
      name: line?.name ?? '',
      segment: line?.segment ?? '',
      status: line?.status ?? ('active' as ModelLine['status']),
    },
    fields: FIELDS,
    schemas: { create: modelLineCreateSchema, update: modelLineUpdateSchema },
    body: (values, isEdit) =>
      isEdit
        ? { name: values.name.trim(), segment: values.segment.trim(), status: values.status }
        : { code: values.code.trim(), name: values.name.trim(), segment: values.segment.trim() },
    invalidates: [['model-lines'], ['skus']],
    onSaved: onClose,
  });
  const { form, isEdit } = recordForm;

  return (
    <RecordFormDialog
      recordForm={recordForm}
      noun="model line"
      name={line?.name}
      onClose={onClose}
      size="md"
    >
      <CodeField recordForm={recordForm} example="ML-AURA" />
      <TextField form={form} name="name" label="Name" required />
      <TextField
        form={form}
        name="segment"
        label="Segment"
        placeholder="e.g. compact SUV"
        required
      />
      {isEdit && (
        <Select
          label="Status"
          data={[
            { value: 'active', label: 'Active' },
            { value: 'discontinued', label: 'Discontinued' },
          ]}
          value={form.values.status}
          onChange={(v) => form.set('status', (v as ModelLine['status']) ?? 'active')}
          allowDeselect={false}
        />
      )}
    </RecordFormDialog>
  );
}

export function ModelLinesPage() {
  const lines = useModelLines();
  const canWrite = useCan('catalog:write');
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [editing, setEditing] = useState<ModelLine | 'new' | null>(null);

  const needle = search.trim().toLowerCase();
  const shown = (lines.data ?? []).filter(
    (l) =>
      (!needle ||
        l.code.toLowerCase().includes(needle) ||
        l.name.toLowerCase().includes(needle) ||
        l.segment.toLowerCase().includes(needle)) &&
      (!status || l.status === status),
  );

  return (
    <>
      <PageHeader
        title="Model lines"
        description="The vehicle families of the catalog, with their SKUs and powertrains."
        actions={
          canWrite ? (
            <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')}>
              New model line
            </Button>
          ) : undefined
        }
      />
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} spacing="xs">
          <SearchInput
            label="Search model lines"
            placeholder="Search code, name or segment"
            value={search}
            onChange={setSearch}
          />
          <Select
            aria-label="Status"
            placeholder="Any status"
            data={[
              { value: 'active', label: 'Active' },
              { value: 'discontinued', label: 'Discontinued' },
            ]}
            value={status}
            onChange={setStatus}
            clearable
          />
        </SimpleGrid>
        {lines.isError ? (
          <QueryError error={lines.error} onRetry={() => void lines.refetch()} />
        ) : lines.isPending ? (
          <TableSkeleton />
        ) : shown.length === 0 ? (
          <Empty
            title={lines.data.length === 0 ? 'No model lines yet' : 'No model lines match'}
            description={
              lines.data.length === 0
                ? 'Create the first model line of the catalog.'
                : 'Try another search.'
            }
          />
        ) : (
          <Paper withBorder style={{ overflow: 'hidden' }}>
            <Table.ScrollContainer minWidth={0}>
              <Table data-testid="model-lines-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Model line</Table.Th>
                    <Table.Th visibleFrom="sm">Segment</Table.Th>
                    <Table.Th>Powertrains</Table.Th>
                    <Table.Th ta="right">SKUs</Table.Th>
                    <Table.Th visibleFrom="xs">Status</Table.Th>
                    {canWrite && <Table.Th w={60} />}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {shown.map((l) => (
                    <Table.Tr key={l.code}>
                      <Table.Td>
                        <Text size="sm" fw={600}>
                          {l.name}
                        </Text>
                        <Text size="xs" c="dimmed" ff="monospace">
                          {l.code}
                        </Text>
                      </Table.Td>
                      <Table.Td visibleFrom="sm">{l.segment}</Table.Td>
                      <Table.Td>
                        <Group gap={4}>
                          {l.powertrains.map((p) => (
                            <Badge key={p} size="xs" variant="light" color={POWERTRAIN_COLORS[p]}>
                              {p}
                            </Badge>
                          ))}
                        </Group>
                      </Table.Td>
                      <Table.Td ta="right">
                        <Anchor
                          component={Link}
                          to={`/catalog/skus?modelLine=${encodeURIComponent(l.code)}`}
                          size="sm"
                        >
                          {formatInt(l.skuCount)}
                        </Anchor>
                      </Table.Td>
                      <Table.Td visibleFrom="xs">
                        <StatusBadge status={l.status} />
                      </Table.Td>
                      {canWrite && (
                        <Table.Td>
                          <Button size="compact-xs" variant="subtle" onClick={() => setEditing(l)}>
                            Edit
                          </Button>
                        </Table.Td>
                      )}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
        )}
        {lines.data && (
          <Text size="sm" c="dimmed">
            {formatInt(shown.length)} of {formatInt(lines.data.length)} model lines
          </Text>
        )}
      </Stack>
      {editing && (
        <ModelLineForm
          line={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
        />
      )}
    </>
  );
}
