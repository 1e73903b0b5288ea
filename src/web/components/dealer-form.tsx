/** Create or edit a dealer (network:write), validated with the shared schemas. */
import { useState, type FormEvent } from 'react';
import { Button, Group, Modal, Select, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Problem } from '../../shared/errors';
import { dealerCreateSchema, dealerUpdateSchema, type Dealer } from '../../shared/schemas/network';
import { api } from '../api';
import { apiFieldErrors, nullIfBlank, validate, type FieldErrors } from '../forms';
import { regionOptions, useDealerGroups, useRegions } from '../queries';
import { FormError } from './form-error';

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
  return {
    code: dealer?.code ?? '',
    name: dealer?.name ?? '',
    regionCode: dealer?.regionCode ?? '',
    dealerGroupCode: dealer?.dealerGroupCode ?? '',
    stateProvince: dealer?.stateProvince ?? '',
    city: dealer?.city ?? '',
    country: dealer?.country ?? 'US',
    erpVendorId: dealer?.erpVendorId ?? '',
  };
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
  const isEdit = dealer !== undefined;
  const queryClient = useQueryClient();
  const regions = useRegions();
  const groups = useDealerGroups();
  const [values, setValues] = useState<Values>(() => initialValues(dealer));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [rest, setRest] = useState<Problem[]>([]);

  const save = useMutation({
    mutationFn: (body: unknown) =>
      isEdit
        ? api.patch<Dealer>(`/dealers/${encodeURIComponent(dealer.code)}`, body)
        : api.post<Dealer>('/dealers', body),
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: ['dealers'] });
      await queryClient.invalidateQueries({ queryKey: ['dealer', saved.code] });
      await queryClient.invalidateQueries({ queryKey: ['regions'] });
      onSaved?.(saved);
      onClose();
    },
    onError: (error) => {
      const mapped = apiFieldErrors(error, FIELDS);
      setErrors(mapped.errors);
      setRest(mapped.rest);
    },
  });

  function set(field: keyof Values, value: string) {
    setValues((v) => ({ ...v, [field]: value }));
    setErrors((e) => {
      const { [field]: _, ...others } = e;
      return others;
    });
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const body = {
      ...(isEdit ? {} : { code: values.code.trim() }),
      name: values.name.trim(),
      regionCode: values.regionCode,
      dealerGroupCode: nullIfBlank(values.dealerGroupCode),
      stateProvince: values.stateProvince.trim().toUpperCase(),
      city: nullIfBlank(values.city),
      country: values.country.trim().toUpperCase(),
      erpVendorId: nullIfBlank(values.erpVendorId),
    };
    const checked = isEdit
      ? validate(dealerUpdateSchema, body)
      : validate(dealerCreateSchema, body);
    if (!checked.isValid) {
      setErrors(checked.errors);
      return;
    }
    setRest([]);
    save.mutate(checked.data);
  }

  return (
    <Modal
      opened={isOpen}
      onClose={onClose}
      title={isEdit ? `Edit ${dealer.name}` : 'New dealer'}
      size="lg"
    >
      <form onSubmit={onSubmit} noValidate>
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <TextInput
              label="Code"
              value={values.code}
              onChange={(e) => set('code', e.currentTarget.value)}
              error={errors.code}
              disabled={isEdit}
              required={!isEdit}
              description={isEdit ? 'Codes never change' : 'e.g. D1234'}
            />
            <TextInput
              label="Name"
              value={values.name}
              onChange={(e) => set('name', e.currentTarget.value)}
              error={errors.name}
              required
            />
            <Select
              label="Region"
              data={regionOptions(regions.data ?? [])}
              value={values.regionCode || null}
              onChange={(v) => set('regionCode', v ?? '')}
              error={errors.regionCode}
              searchable
              required
            />
            <Select
              label="Dealer group"
              placeholder="None"
              data={(groups.data ?? []).map((g) => ({ value: g.code, label: g.name }))}
              value={values.dealerGroupCode || null}
              onChange={(v) => set('dealerGroupCode', v ?? '')}
              error={errors.dealerGroupCode}
              clearable
              searchable
            />
            <TextInput
              label="State or province"
              value={values.stateProvince}
              onChange={(e) => set('stateProvince', e.currentTarget.value)}
              error={errors.stateProvince}
              required
            />
            <TextInput
              label="City"
              value={values.city}
              onChange={(e) => set('city', e.currentTarget.value)}
              error={errors.city}
            />
            <TextInput
              label="Country"
              description="Two-letter ISO code"
              value={values.country}
              onChange={(e) => set('country', e.currentTarget.value)}
              error={errors.country}
              maxLength={2}
              required
            />
            <TextInput
              label="ERP vendor id"
              value={values.erpVendorId}
              onChange={(e) => set('erpVendorId', e.currentTarget.value)}
              error={errors.erpVendorId}
            />
          </SimpleGrid>
          <FormError error={save.error} problems={rest} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              {isEdit ? 'Save' : 'Create dealer'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
