import { useState } from 'react';
import { Badge, Button, NumberInput, Select, SimpleGrid, Stack } from '@mantine/core';
import { skuCreateSchema, skuUpdateSchema, type Sku } from '../../../shared/schemas/catalog';
import {
  CodeField,
  DateField,
  MoneyField,
  RecordFormDialog,
  TextField,
  useRecordForm,
  valuesOf,
} from '../../components/form-kit';
import { DataTable, NameCode, QueryView, RowButton } from '../../components/data-table';
import { StatusBadge } from '../../components/dealers-table';
import { IconPlus } from '../../components/icons';
import { filterSelect, queryValues } from '../../components/list-filters';
import { ModelLineFilter, useListQuery } from '../../components/list-query';
import { PageHeader } from '../../components/page-header';
import { SkuPricesModal } from '../../components/sku-prices';
import { Pager } from '../../components/pager';
import { Empty } from '../../components/query-state';
import { formatDate, formatInt, formatMoney } from '../../format';
import { CATALOG_STATUS_OPTIONS, POWERTRAIN_COLORS, POWERTRAIN_OPTIONS } from '../../labels';
import { useCurrency, useModelLines, useSkus } from '../../queries';
import { useCan } from '../../session';
import { QuerySelect } from '../../components/query-select';

const PAGE_SIZE = 25;
const FIELDS = [
  'code',
  'modelLineCode',
  'name',
  'trim',
  'powertrain',
  'segment',
  'msrp',
  'co2GramsPerKm',
  'launchDate',
  'status',
] as const;

type Values = {
  code: string;
  modelLineCode: string;
  name: string;
  trim: string;
  powertrain: string;
  segment: string;
  msrp: string;
  co2GramsPerKm: number | string;
  launchDate: string;
  status: string;
};

function SkuForm({ sku, onClose }: { sku?: Sku; onClose: () => void }) {
  const modelLines = useModelLines();
  const currency = useCurrency();
  const recordForm = useRecordForm({
    record: sku,
    collection: '/skus',
    initial: (): Values => ({
      ...valuesOf(sku, FIELDS, { status: 'active' }),
      launchDate: sku?.launchDate?.slice(0, 10) ?? '',
    }),
    fields: FIELDS,
    schemas: { create: skuCreateSchema, update: skuUpdateSchema },
    body: (values, isEdit) => {
      const common = {
        name: values.name.trim(),
        trim: values.trim.trim(),
        segment: values.segment.trim(),
        // The MSRP has a history: an edit adds a future price (SkuPricesModal), never rewrites it.
        msrp: isEdit ? undefined : values.msrp.trim(),
        co2GramsPerKm: values.co2GramsPerKm === '' ? undefined : Number(values.co2GramsPerKm),
        launchDate: values.launchDate,
      };
      return isEdit
        ? { ...common, status: values.status }
        : {
            ...common,
            code: values.code.trim(),
            modelLineCode: values.modelLineCode,
            powertrain: values.powertrain,
          };
    },
    invalidates: [['skus'], ['model-lines']],
    onSaved: onClose,
  });
  const { form, isEdit } = recordForm;
  const { values, errors, set } = form;

  return (
    <RecordFormDialog recordForm={recordForm} noun="SKU" name={sku?.name} onClose={onClose}>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <CodeField recordForm={recordForm} />
        <QuerySelect
          query={modelLines}
          label="Model line"
          data={(modelLines.data ?? []).map((m) => ({ value: m.code, label: m.name }))}
          value={values.modelLineCode || null}
          onChange={(v) => set('modelLineCode', v ?? '')}
          error={errors.modelLineCode}
          disabled={isEdit}
          searchable
          required={!isEdit}
        />
        <TextField form={form} name="name" label="Name" required />
        <TextField form={form} name="trim" label="Trim" required />
        <Select
          label="Powertrain"
          data={POWERTRAIN_OPTIONS}
          value={values.powertrain || null}
          onChange={(v) => set('powertrain', v ?? '')}
          error={errors.powertrain}
          disabled={isEdit}
          required={!isEdit}
        />
        <TextField form={form} name="segment" label="Segment" required />
        <MoneyField
          form={form}
          name="msrp"
          label="MSRP"
          currency={currency}
          description={
            isEdit ? 'Valid today; add a future price under Prices' : 'Decimal, e.g. 41250.00'
          }
          disabled={isEdit}
          required={!isEdit}
        />
        <NumberInput
          label="CO₂ g/km"
          value={values.co2GramsPerKm}
          onChange={(v) => set('co2GramsPerKm', v)}
          error={errors.co2GramsPerKm}
          min={0}
          max={1000}
          allowDecimal={false}
          required
        />
        <DateField form={form} name="launchDate" label="Launch date" required />
        {isEdit && (
          <Select
            label="Status"
            data={CATALOG_STATUS_OPTIONS}
            value={values.status}
            onChange={(v) => set('status', v ?? 'active')}
            allowDeselect={false}
          />
        )}
      </SimpleGrid>
    </RecordFormDialog>
  );
}

export function SkusPage() {
  const list = useListQuery();
  const { params, update, offset, searchInput } = list;
  const canWrite = useCan('catalog:write');
  const currency = useCurrency();
  const modelLines = useModelLines();
  const [editing, setEditing] = useState<Sku | 'new' | null>(null);
  const [pricing, setPricing] = useState<Sku | null>(null);
  const filter = {
    ...queryValues(params, ['q', 'modelLine', 'powertrain', 'segment', 'status']),
    limit: PAGE_SIZE,
    offset,
  };
  const skus = useSkus(filter);
  const segments = [...new Set((modelLines.data ?? []).map((m) => m.segment))].sort();

  return (
    <>
      <PageHeader
        title="SKUs"
        description="Variants of each model line: trim, powertrain, MSRP, CO₂ and launch date."
        actions={
          canWrite ? (
            <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')}>
              New SKU
            </Button>
          ) : undefined
        }
      />
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }} spacing="xs">
          {searchInput('Search SKUs', 'Search code or name')}
          <ModelLineFilter
            value={params.get('modelLine')}
            onChange={(v) => update({ modelLine: v })}
          />
          {filterSelect(list, 'powertrain', 'Powertrain', 'All powertrains', POWERTRAIN_OPTIONS)}
          {filterSelect(list, 'segment', 'Segment', 'All segments', segments)}
          {filterSelect(list, 'status', 'Status', 'Any status', CATALOG_STATUS_OPTIONS)}
        </SimpleGrid>
        <QueryView
          query={skus}
          isEmpty={(data) => data.items.length === 0}
          empty={
            <Empty title="No SKUs match" description="Try another search or clear the filters." />
          }
        >
          {(data) => (
            <DataTable
              testId="skus-table"
              fz="sm"
              rows={data.items}
              rowKey={(s) => s.code}
              isDimmed={skus.isPlaceholderData}
              columns={[
                { header: 'SKU', cell: (s) => <NameCode name={s.name} code={s.code} /> },
                { header: 'Model line', from: 'md', cell: (s) => s.modelLineName },
                {
                  header: 'Power',
                  from: 'xs',
                  cell: (s) => (
                    <Badge size="sm" variant="light" color={POWERTRAIN_COLORS[s.powertrain]}>
                      {s.powertrain}
                    </Badge>
                  ),
                },
                {
                  header: 'MSRP',
                  align: 'right',
                  isNowrap: true,
                  cell: (s) => formatMoney(s.msrp, currency),
                },
                {
                  header: 'CO₂ g/km',
                  align: 'right',
                  from: 'sm',
                  cell: (s) => formatInt(s.co2GramsPerKm),
                },
                {
                  header: 'Launch',
                  from: 'lg',
                  isNowrap: true,
                  cell: (s) => formatDate(s.launchDate),
                },
                { header: 'Status', from: 'sm', cell: (s) => <StatusBadge status={s.status} /> },
                {
                  key: 'actions',
                  width: canWrite ? 120 : 70,
                  isNowrap: true,
                  cell: (s) => (
                    <>
                      <RowButton onClick={() => setPricing(s)}>Prices</RowButton>
                      {canWrite && <RowButton onClick={() => setEditing(s)}>Edit</RowButton>}
                    </>
                  ),
                },
              ]}
            />
          )}
        </QueryView>
        {skus.data && skus.data.total > 0 && (
          <Pager
            total={skus.data.total}
            limit={PAGE_SIZE}
            offset={offset}
            onOffsetChange={(o) => update({ offset: o ? String(o) : null })}
            noun="SKUs"
          />
        )}
      </Stack>
      {editing && (
        <SkuForm sku={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} />
      )}
      {pricing && <SkuPricesModal sku={pricing} onClose={() => setPricing(null)} />}
    </>
  );
}
