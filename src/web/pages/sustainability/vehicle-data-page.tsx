/**
 * Sustainability → Vehicle data: each SKU's powertrain, WLTP CO2, mass in running order, electric
 * range and battery, editable here (catalog:write); the SKU form stays the catalog's.
 */
import { useState } from 'react';
import { NumberInput, Stack, TextInput } from '@mantine/core';
import { api } from '../../api';
import { PageHeader } from '../../components/page-header';
import { DataTable, RowButton } from '../../components/data-table';
import { FormDialog, useSave } from '../../components/form-kit';
import { Empty, QueryError, TableSkeleton } from '../../components/query-state';
import { POWERTRAIN_LABELS } from '../../labels';
import { useCan } from '../../session';
import { useVehicleData, type VehicleData } from './sustainability-queries';

export function VehicleDataPage() {
  const data = useVehicleData();
  const canEdit = useCan('catalog:write');
  const [editing, setEditing] = useState<VehicleData | null>(null);
  const [filter, setFilter] = useState('');
  const rows = (data.data?.items ?? []).filter(
    (r) => !filter || `${r.sku} ${r.name}`.toLowerCase().includes(filter.toLowerCase()),
  );
  return (
    <Stack>
      <PageHeader
        title="Vehicle data"
        description="Environmental data of the active SKUs (WLTP)."
      />
      <TextInput
        placeholder="Search SKU or name"
        value={filter}
        onChange={(e) => setFilter(e.currentTarget.value)}
        w={{ base: '100%', sm: 300 }}
      />
      {data.error && <QueryError error={data.error} />}
      {!data.data ? (
        <TableSkeleton />
      ) : (
        <DataTable
          striped
          highlightOnHover
          minWidth={640}
          scrollLabel="Vehicle data"
          rows={rows.slice(0, 200)}
          rowKey={(r) => r.sku}
          empty={<Empty title={filter ? 'No SKU matches this search' : 'No active SKUs'} />}
          columns={[
            { header: 'SKU', isSticky: true, cell: (r) => r.name },
            { header: 'Powertrain', cell: (r) => POWERTRAIN_LABELS[r.powertrain] },
            { header: 'CO2 g/km', align: 'right', cell: (r) => r.co2GramsPerKm },
            { header: 'Mass kg', align: 'right', cell: (r) => r.massKg?.toLocaleString() ?? '–' },
            { header: 'Electric range km', align: 'right', cell: (r) => r.electricRangeKm ?? '–' },
            { header: 'Battery kWh', align: 'right', cell: (r) => r.batteryKwh ?? '–' },
            canEdit && {
              key: 'edit',
              cell: (r) => <RowButton onClick={() => setEditing(r)}>Edit</RowButton>,
            },
          ]}
        />
      )}
      {editing && <EditModal row={editing} onClose={() => setEditing(null)} />}
    </Stack>
  );
}

function EditModal({ row, onClose }: { row: VehicleData; onClose: () => void }) {
  const [co2, setCo2] = useState<number | string>(row.co2GramsPerKm);
  const [mass, setMass] = useState<number | string>(row.massKg ?? '');
  const [range, setRange] = useState<number | string>(row.electricRangeKm ?? '');
  const [battery, setBattery] = useState(row.batteryKwh ?? '');
  const save = useSave({
    send: () =>
      api.patch(`/sustainability/vehicle-data/${encodeURIComponent(row.sku)}`, {
        co2GramsPerKm: Number(co2),
        massKg: mass === '' ? null : Number(mass),
        electricRangeKm: range === '' ? null : Number(range),
        batteryKwh: battery === '' ? null : battery,
      }),
    invalidates: [['sustainability']],
    onSaved: onClose,
  });
  const numbers: [string, number, number, number | string, (v: number | string) => void][] = [
    ['WLTP CO2 (g/km)', 0, 1000, co2, setCo2],
    ['Mass in running order (kg)', 300, 10000, mass, setMass],
    ['Electric range (km)', 0, 2000, range, setRange],
  ];
  return (
    <FormDialog
      title={row.name}
      size="md"
      onClose={onClose}
      onSubmit={() => save.mutate()}
      save={save}
      problems={[]}
    >
      {numbers.map(([label, min, max, value, onChange]) => (
        <NumberInput
          key={label}
          label={label}
          min={min}
          max={max}
          value={value}
          onChange={onChange}
        />
      ))}
      <TextInput
        label="Battery (kWh)"
        value={battery}
        onChange={(e) => setBattery(e.currentTarget.value)}
      />
    </FormDialog>
  );
}
