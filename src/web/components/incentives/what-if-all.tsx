/**
 * "What if I sell N more…" across every program the dealer is in (issue 13): quantity, powertrain
 * and an optional model line; the server tries them on each program with the statement engine
 * and answers the added amount per program and the total per currency.
 */
import { useState } from 'react';
import { Stack, Table, Text } from '@mantine/core';
import type { WhatIfAllResult } from '../../../shared/schemas/incentives';
import { api } from '../../api';
import { POWERTRAIN_OPTIONS } from '../../labels';
import { useModelLines } from '../../queries';
import {
  ModelLineSelect,
  MoreUnitsInput,
  PowertrainSelect,
  quantityOf,
  useWhatIf,
  WhatIfPanel,
} from './what-if-panel';
import { formatAmount } from './incentive-labels';
import { DataTable } from '../data-table';

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
  const whatIf = useWhatIf(FIELDS, () =>
    whatIfAll(dealerCode, {
      quantity: quantityOf(quantity),
      powertrain: powertrain ?? undefined,
      modelLine: modelLine ?? undefined,
    }),
  );
  const { errors } = whatIf;
  const lineOptions = (modelLines.data ?? [])
    .filter(
      (m) =>
        m.status === 'active' &&
        (!powertrain || (m.powertrains as readonly string[]).includes(powertrain)),
    )
    .map((m) => ({ value: m.code, label: m.name }));
  return (
    <WhatIfPanel
      whatIf={whatIf}
      testId="what-if-all"
      cols={{ base: 1, sm: 3 }}
      submitLabel="Show the effect"
      answer={(result) => <WhatIfAllAnswer result={result} />}
      fields={
        <>
          <MoreUnitsInput
            value={quantity}
            onChange={setQuantity}
            min={1}
            max={1000}
            error={errors.quantity}
          />
          <PowertrainSelect
            data={POWERTRAIN_OPTIONS}
            value={powertrain}
            onChange={(v) => {
              setPowertrain(v);
              setModelLine(null);
            }}
            error={errors.powertrain}
          />
          <ModelLineSelect
            query={modelLines}
            placeholder="Any model line"
            data={lineOptions}
            value={modelLine}
            onChange={setModelLine}
            clearable
            errors={errors}
          />
        </>
      }
    />
  );
}

function WhatIfAllAnswer({ result }: { result: WhatIfAllResult }) {
  const { programs, totals, template } = result;
  return (
    <Stack gap="xs" data-testid="what-if-all-answer">
      <Text size="sm" c="dimmed">
        Tried as {template.sku} ({template.modelLine}, {template.powertrain}) at its list price.
      </Text>
      <DataTable
        testId="what-if-all-table"
        isBare
        striped
        withTableBorder
        rows={programs}
        rowKey={(p) => p.programCode}
        columns={[
          { header: 'Program', cell: (p) => p.name },
          {
            header: 'Earned now',
            align: 'right',
            from: 'sm',
            cell: (p) => formatAmount(p.before, p.currency),
          },
          {
            header: 'Would earn',
            align: 'right',
            from: 'sm',
            cell: (p) => formatAmount(p.after, p.currency),
          },
          {
            header: 'Added',
            align: 'right',
            td: (p) => ({ fw: Number(p.added) !== 0 ? 600 : undefined }),
            cell: (p) => formatAmount(p.added, p.currency),
          },
        ]}
        footer={totals.map((t) => (
          <Table.Tr key={t.currency} data-testid="what-if-all-total">
            <Table.Th>Total {totals.length > 1 ? t.currency : ''}</Table.Th>
            <Table.Th visibleFrom="sm" />
            <Table.Th visibleFrom="sm" />
            <Table.Th ta="right">{formatAmount(t.added, t.currency)}</Table.Th>
          </Table.Tr>
        ))}
      />
    </Stack>
  );
}
