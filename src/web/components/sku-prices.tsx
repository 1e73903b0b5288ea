/**
 * A SKU's price history (issue 11): every MSRP with the dates it is valid, the one valid today
 * marked; a catalog editor adds a price valid from a later date (prices only go forward).
 */
import type { FormEvent } from 'react';
import { Badge, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { skuPriceCreateSchema, type Sku, type SkuPriceList } from '../../shared/schemas/catalog';
import { api } from '../api';
import { formatDate, formatMoney } from '../format';
import { useCan } from '../session';
import { FormError } from './form-error';
import { DateField, MoneyField, useForm, useFormSave } from './form-kit';
import { DataTable, QueryView } from './data-table';

const FIELDS = ['validFrom', 'msrp'] as const;

function AddPriceForm({ sku, today }: { sku: Sku; today: string }) {
  const form = useForm({ validFrom: '', msrp: '' }, FIELDS);
  const add = useFormSave(form, {
    send: (body) => api.post<SkuPriceList>(`/skus/${encodeURIComponent(sku.code)}/prices`, body),
    invalidates: [['sku-prices', sku.code], ['skus']],
    onSaved: form.reset,
  });

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const { validFrom, msrp } = form.values;
    const data = form.check(
      skuPriceCreateSchema,
      { validFrom, msrp: msrp.trim() },
      validFrom && validFrom <= today
        ? { validFrom: `A new price is valid from a date after today (${today})` }
        : {},
    );
    if (data) add.mutate(data);
  }

  return (
    <form onSubmit={onSubmit} noValidate>
      <Stack gap="xs">
        <Text size="sm" fw={600}>
          Add a future price
        </Text>
        <Group align="flex-start" grow>
          <DateField form={form} name="validFrom" label="Valid from" required />
          <MoneyField form={form} name="msrp" label="MSRP" placeholder="41250.00" required />
        </Group>
        <FormError error={add.error} problems={form.rest} />
        <Group justify="flex-end">
          <Button type="submit" loading={add.isPending}>
            Add price
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function SkuPricesModal({ sku, onClose }: { sku: Sku; onClose: () => void }) {
  const canWrite = useCan('catalog:write');
  const prices = useQuery({
    queryKey: ['sku-prices', sku.code],
    queryFn: ({ signal }) =>
      api.get<SkuPriceList>(`/skus/${encodeURIComponent(sku.code)}/prices`, undefined, signal),
  });
  return (
    <Modal opened onClose={onClose} title={`Prices of ${sku.name}`} size="lg">
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          Each price applies from its date until the next one; a sale is priced at the MSRP valid on
          its date, so a new price never changes what was sold before it.
        </Text>
        <QueryView query={prices}>
          {(data) => (
            <DataTable
              testId="sku-prices"
              fz="sm"
              isBare
              rows={data.items}
              rowKey={(p) => p.validFrom}
              columns={[
                {
                  header: 'Valid from',
                  cell: (p) => (p.validFrom <= '1900-01-01' ? 'Always' : formatDate(p.validFrom)),
                },
                { header: 'Valid to', cell: (p) => (p.validTo ? formatDate(p.validTo) : '–') },
                {
                  header: 'MSRP',
                  align: 'right',
                  isNowrap: true,
                  cell: (p) => formatMoney(p.msrp, data.currency),
                },
                {
                  key: 'when',
                  isNowrap: true,
                  cell: (p) =>
                    p.isCurrent ? (
                      <Badge size="sm" variant="light" color="teal">
                        today
                      </Badge>
                    ) : p.validFrom > data.today ? (
                      <Badge size="sm" variant="light" color="blue">
                        upcoming
                      </Badge>
                    ) : null,
                },
              ]}
            />
          )}
        </QueryView>
        {canWrite && prices.data && <AddPriceForm sku={sku} today={prices.data.today} />}
      </Stack>
    </Modal>
  );
}
