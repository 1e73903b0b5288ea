/**
 * A SKU's price history (issue 11): every MSRP with the dates it is valid, the one valid today
 * marked; a catalog editor adds a price valid from a later date (prices only go forward).
 */
import { useState, type FormEvent } from 'react';
import { Badge, Button, Group, Modal, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Problem } from '../../shared/errors';
import { skuPriceCreateSchema, type Sku, type SkuPriceList } from '../../shared/schemas/catalog';
import { api } from '../api';
import { apiFieldErrors, validate, type FieldErrors } from '../forms';
import { formatDate, formatMoney } from '../format';
import { useCan } from '../session';
import { FormError } from './form-error';
import { QueryError, TableSkeleton } from './query-state';

const FIELDS = ['validFrom', 'msrp'] as const;

function AddPriceForm({ sku, today }: { sku: Sku; today: string }) {
  const queryClient = useQueryClient();
  const [validFrom, setValidFrom] = useState('');
  const [msrp, setMsrp] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [rest, setRest] = useState<Problem[]>([]);
  const add = useMutation({
    mutationFn: (body: unknown) =>
      api.post<SkuPriceList>(`/skus/${encodeURIComponent(sku.code)}/prices`, body),
    onSuccess: async () => {
      setValidFrom('');
      setMsrp('');
      await queryClient.invalidateQueries({ queryKey: ['sku-prices', sku.code] });
      await queryClient.invalidateQueries({ queryKey: ['skus'] });
    },
    onError: (error) => {
      const mapped = apiFieldErrors(error, FIELDS);
      setErrors(mapped.errors);
      setRest(mapped.rest);
    },
  });

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const checked = validate(skuPriceCreateSchema, { validFrom, msrp: msrp.trim() });
    if (!checked.isValid) return setErrors(checked.errors);
    if (checked.data.validFrom <= today) {
      return setErrors({ validFrom: `A new price is valid from a date after today (${today})` });
    }
    setErrors({});
    setRest([]);
    add.mutate(checked.data);
  }

  return (
    <form onSubmit={onSubmit} noValidate>
      <Stack gap="xs">
        <Text size="sm" fw={600}>
          Add a future price
        </Text>
        <Group align="flex-start" grow>
          <TextInput
            label="Valid from"
            type="date"
            value={validFrom}
            onChange={(e) => setValidFrom(e.currentTarget.value)}
            error={errors.validFrom}
            required
          />
          <TextInput
            label="MSRP"
            inputMode="decimal"
            placeholder="41250.00"
            value={msrp}
            onChange={(e) => setMsrp(e.currentTarget.value)}
            error={errors.msrp}
            required
          />
        </Group>
        <FormError error={add.error} problems={rest} />
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
        {prices.isError ? (
          <QueryError error={prices.error} onRetry={() => void prices.refetch()} />
        ) : prices.isPending ? (
          <TableSkeleton />
        ) : (
          <Table data-testid="sku-prices" fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Valid from</Table.Th>
                <Table.Th>Valid to</Table.Th>
                <Table.Th ta="right">MSRP</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {prices.data.items.map((p) => (
                <Table.Tr key={p.validFrom}>
                  <Table.Td>
                    {p.validFrom <= '1900-01-01' ? 'Always' : formatDate(p.validFrom)}
                  </Table.Td>
                  <Table.Td>{p.validTo ? formatDate(p.validTo) : '–'}</Table.Td>
                  <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                    {formatMoney(p.msrp, prices.data.currency)}
                  </Table.Td>
                  <Table.Td>
                    {p.isCurrent ? (
                      <Badge size="sm" variant="light" color="teal">
                        today
                      </Badge>
                    ) : p.validFrom > prices.data.today ? (
                      <Badge size="sm" variant="light" color="blue">
                        upcoming
                      </Badge>
                    ) : null}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {canWrite && prices.data && <AddPriceForm sku={sku} today={prices.data.today} />}
      </Stack>
    </Modal>
  );
}
