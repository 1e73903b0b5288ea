/** Create or edit a dealer (network:write), validated with the shared schemas. */
import { SimpleGrid } from '@mantine/core';
import { dealerCreateSchema, dealerUpdateSchema, type Dealer } from '../../shared/schemas/network';
import { nullIfBlank } from '../forms';
import { regionOptions, useDealerGroups, useRegions } from '../queries';
import { CodeField, RecordFormDialog, TextField, useRecordForm, valuesOf } from './form-kit';
import { QuerySelect } from './query-select';

const FIELDS = [
  'code',
  'name',
  'regionCode',
  'dealerGroupCode',
  'stateProvince',
  'city',
  'country',
  'erpVendorId',
] as const;

type Values = Record<(typeof FIELDS)[number], string>;

function initialValues(dealer?: Dealer): Values {
  return valuesOf(dealer, FIELDS, { country: 'US' });
}

export function DealerFormModal({
  dealer,
  isOpen,
  onClose,
  onSaved,
}: {
  dealer?: Dealer;
  isOpen: boolean;
  onClose: () => void;
  onSaved?: (dealer: Dealer) => void;
}) {
  const regions = useRegions();
  const groups = useDealerGroups();
  const recordForm = useRecordForm({
    record: dealer,
    collection: '/dealers',
    initial: () => initialValues(dealer),
    fields: FIELDS,
    schemas: { create: dealerCreateSchema, update: dealerUpdateSchema },
    body: (values: Values, isEdit) => ({
      ...(isEdit ? {} : { code: values.code.trim() }),
      name: values.name.trim(),
      regionCode: values.regionCode,
      dealerGroupCode: nullIfBlank(values.dealerGroupCode),
      stateProvince: values.stateProvince.trim().toUpperCase(),
      city: nullIfBlank(values.city),
      country: values.country.trim().toUpperCase(),
      erpVendorId: nullIfBlank(values.erpVendorId),
    }),
    invalidates: (saved: Dealer) => [['dealers'], ['dealer', saved.code], ['regions']],
    onSaved: (saved) => {
      onSaved?.(saved);
      onClose();
    },
  });
  const { form } = recordForm;
  const { values, errors, set } = form;

  return (
    <RecordFormDialog
      recordForm={recordForm}
      noun="dealer"
      name={dealer?.name}
      isOpen={isOpen}
      onClose={onClose}
    >
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <CodeField recordForm={recordForm} example="D1234" />
        <TextField form={form} name="name" label="Name" required />
        <QuerySelect
          query={regions}
          label="Region"
          data={regionOptions(regions.data ?? [])}
          value={values.regionCode || null}
          onChange={(v) => set('regionCode', v ?? '')}
          error={errors.regionCode}
          searchable
          required
        />
        <QuerySelect
          query={groups}
          label="Dealer group"
          placeholder="None"
          data={(groups.data ?? []).map((g) => ({ value: g.code, label: g.name }))}
          value={values.dealerGroupCode || null}
          onChange={(v) => set('dealerGroupCode', v ?? '')}
          error={errors.dealerGroupCode}
          clearable
          searchable
        />
        <TextField form={form} name="stateProvince" label="State or province" required />
        <TextField form={form} name="city" label="City" />
        <TextField
          form={form}
          name="country"
          label="Country"
          description="Two-letter ISO code"
          maxLength={2}
          required
        />
        <TextField form={form} name="erpVendorId" label="ERP vendor id" />
      </SimpleGrid>
    </RecordFormDialog>
  );
}
