import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Anchor, Badge, Button, Group, Select, SimpleGrid, Stack, Text } from '@mantine/core';
import {
  modelLineCreateSchema,
  modelLineUpdateSchema,
  type ModelLine,
} from '../../../shared/schemas/catalog';
import {
  CodeField,
  DateField,
  RecordFormDialog,
  TextField,
  useRecordForm,
  valuesOf,
} from '../../components/form-kit';
import { DataTable, NameCode, QueryView, RowButton } from '../../components/data-table';
import { StatusBadge } from '../../components/dealers-table';
import { IconPlus } from '../../components/icons';
import { SearchInput } from '../../components/list-query';
import { PageHeader } from '../../components/page-header';
import { Empty } from '../../components/query-state';
import { formatDate, formatInt } from '../../format';
import { CATALOG_STATUS_OPTIONS, POWERTRAIN_COLORS } from '../../labels';
import { useModelLines } from '../../queries';
import { useCan } from '../../session';

const FIELDS = ['code', 'name', 'segment', 'status', 'salesEndOn'] as const;

function ModelLineForm({ line, onClose }: { line?: ModelLine; onClose: () => void }) {
  const recordForm = useRecordForm({
    record: line,
    collection: '/model-lines',
    initial: () => valuesOf(line, FIELDS, { status: 'active' }),
    fields: FIELDS,
    schemas: { create: modelLineCreateSchema, update: modelLineUpdateSchema },
    body: (values, isEdit) => {
      // An empty date clears the plan.
      const salesEndOn = values.salesEndOn === '' ? null : values.salesEndOn;
      return isEdit
        ? {
            name: values.name.trim(),
            segment: values.segment.trim(),
            status: values.status,
            salesEndOn,
          }
        : {
            code: values.code.trim(),
            name: values.name.trim(),
            segment: values.segment.trim(),
            salesEndOn,
          };
    },
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
      <DateField
        form={form}
        name="salesEndOn"
        label="Planned end of sale"
        description="The last day the line is sold (commitment risk expects no units after it); empty: no plan"
      />
      {isEdit && (
        <Select
          label="Status"
          data={CATALOG_STATUS_OPTIONS}
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
            data={CATALOG_STATUS_OPTIONS}
            value={status}
            onChange={setStatus}
            clearable
          />
        </SimpleGrid>
        <QueryView
          query={lines}
          isEmpty={() => shown.length === 0}
          empty={
            <Empty
              title={lines.data?.length === 0 ? 'No model lines yet' : 'No model lines match'}
              description={
                lines.data?.length === 0
                  ? 'Create the first model line of the catalog.'
                  : 'Try another search.'
              }
            />
          }
        >
          {() => (
            <DataTable
              testId="model-lines-table"
              rows={shown}
              rowKey={(l) => l.code}
              columns={[
                { header: 'Model line', cell: (l) => <NameCode name={l.name} code={l.code} /> },
                { header: 'Segment', from: 'sm', cell: (l) => l.segment },
                {
                  header: 'Powertrains',
                  cell: (l) => (
                    <Group gap={4}>
                      {l.powertrains.map((p) => (
                        <Badge key={p} size="xs" variant="light" color={POWERTRAIN_COLORS[p]}>
                          {p}
                        </Badge>
                      ))}
                    </Group>
                  ),
                },
                {
                  header: 'SKUs',
                  align: 'right',
                  cell: (l) => (
                    <Anchor
                      component={Link}
                      to={`/catalog/skus?modelLine=${encodeURIComponent(l.code)}`}
                      size="sm"
                    >
                      {formatInt(l.skuCount)}
                    </Anchor>
                  ),
                },
                {
                  header: 'End of sale',
                  from: 'sm',
                  cell: (l) => (l.salesEndOn ? formatDate(l.salesEndOn) : '—'),
                },
                { header: 'Status', from: 'xs', cell: (l) => <StatusBadge status={l.status} /> },
                canWrite && {
                  key: 'actions',
                  width: 60,
                  cell: (l) => <RowButton onClick={() => setEditing(l)}>Edit</RowButton>,
                },
              ]}
            />
          )}
        </QueryView>
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
