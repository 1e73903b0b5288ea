/**
 * "What if I sell N more…" across every program the dealer is in (issue 13): quantity, powertrain
 * and an optional model line; the server tries them on each program with the statement engine
 * and answers the added amount per program and the total per currency.
 */
import { useState } from 'react';
import {
  Button,
  Group,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import type { WhatIfAllResult } from '../../../shared/schemas/incentives';
import { api } from '../../api';
import { apiFieldErrors } from '../../forms';
import { POWERTRAIN_OPTIONS } from '../../labels';
import { useModelLines } from '../../queries';
import { FormError } from '../form-error';
import { formatAmount } from './incentive-labels';

const FIELDS = ['quantity', 'modelLine', 'powertrain', 'sku'] as const;

export function whatIfAll(dealerCode: string, body: Record<string, unknown>) {
  return api.post<WhatIfAllResult>(
    `/dealers/${encodeURIComponent(dealerCode)}/incentives/what-if-all`,
    body,
  );
}

export function WhatIfAllForm({ dealerCode }: { dealerCode: string }) {
  const modelLines = useModelLines();
  const [quantity, setQuantity] = useState<number | string>(5);
  const [powertrain, setPowertrain] = useState<string | null>('BEV');
  const [modelLine, setModelLine] = useState<string | null>(null);
  const mutation = useMutation({
    mutationFn: () =>
      whatIfAll(dealerCode, {
        quantity: typeof quantity === 'number' ? quantity : Number(quantity),
        powertrain: powertrain ?? undefined,
        modelLine: modelLine ?? undefined,
      }),
  });
  const { errors, rest } = apiFieldErrors(mutation.error, FIELDS);
  const lineOptions = (modelLines.data ?? [])
    .filter(
      (m) =>
        m.status === 'active' &&
        (!powertrain || (m.powertrains as readonly string[]).includes(powertrain)),
    )
    .map((m) => ({ value: m.code, label: m.name }));
  return (
    <Paper withBorder p={{ base: 'sm', sm: 'md' }} radius="md" data-testid="what-if-all">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          mutation.mutate();
        }}
      >
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs">
            <NumberInput
              label="More units"
              value={quantity}
              onChange={setQuantity}
              min={1}
              max={1000}
              allowDecimal={false}
              error={errors.quantity}
              required
            />
            <Select
              label="Powertrain"
              placeholder="Any"
              data={POWERTRAIN_OPTIONS}
              value={powertrain}
              onChange={(v) => {
                setPowertrain(v);
                setModelLine(null);
              }}
              clearable
              error={errors.powertrain}
            />
            <Select
              label="Model line"
              placeholder="Any model line"
              data={lineOptions}
              value={modelLine}
              onChange={setModelLine}
              clearable
              searchable
              error={errors.modelLine ?? errors.sku}
            />
          </SimpleGrid>
          <Group>
            <Button type="submit" loading={mutation.isPending}>
              Show the effect
            </Button>
          </Group>
          <FormError
            error={rest.length > 0 || Object.keys(errors).length === 0 ? mutation.error : null}
            problems={rest}
          />
          {mutation.data && <WhatIfAllAnswer result={mutation.data} />}
        </Stack>
      </form>
    </Paper>
  );
}

function WhatIfAllAnswer({ result }: { result: WhatIfAllResult }) {
  const { programs, totals, template } = result;
  return (
    <Stack gap="xs" data-testid="what-if-all-answer">
      <Text size="sm" c="dimmed">
        Tried as {template.sku} ({template.modelLine}, {template.powertrain}) at its list price.
      </Text>
      <Table striped withTableBorder data-testid="what-if-all-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Program</Table.Th>
            <Table.Th ta="right" visibleFrom="sm">
              Earned now
            </Table.Th>
            <Table.Th ta="right" visibleFrom="sm">
              Would earn
            </Table.Th>
            <Table.Th ta="right">Added</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {programs.map((p) => (
            <Table.Tr key={p.programCode}>
              <Table.Td>{p.name}</Table.Td>
              <Table.Td ta="right" visibleFrom="sm">
                {formatAmount(p.before, p.currency)}
              </Table.Td>
              <Table.Td ta="right" visibleFrom="sm">
                {formatAmount(p.after, p.currency)}
              </Table.Td>
              <Table.Td ta="right" fw={Number(p.added) !== 0 ? 600 : undefined}>
                {formatAmount(p.added, p.currency)}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
        <Table.Tfoot>
          {totals.map((t) => (
            <Table.Tr key={t.currency} data-testid="what-if-all-total">
              <Table.Th>Total {totals.length > 1 ? t.currency : ''}</Table.Th>
              <Table.Th visibleFrom="sm" />
              <Table.Th visibleFrom="sm" />
              <Table.Th ta="right">{formatAmount(t.added, t.currency)}</Table.Th>
            </Table.Tr>
          ))}
        </Table.Tfoot>
      </Table>
    </Stack>
  );
}
