/**
 * Sustainability → Vehicle data: each SKU's powertrain, WLTP CO2, mass in running order, electric
 * range and battery, editable here (catalog:write); the SKU form stays the catalog's.
 */
import { useState } from 'react';
import { Button, Group, Modal, NumberInput, Stack, Table, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api';
import { PageHeader } from '../../components/page-header';
import { QueryError, TableSkeleton } from '../../components/query-state';
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
        <Table.ScrollContainer minWidth={640}>
          <Table striped highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>SKU</Table.Th>
                <Table.Th>Powertrain</Table.Th>
                <Table.Th ta="right">CO2 g/km</Table.Th>
                <Table.Th ta="right">Mass kg</Table.Th>
                <Table.Th ta="right">Electric range km</Table.Th>
                <Table.Th ta="right">Battery kWh</Table.Th>
                {canEdit && <Table.Th />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.slice(0, 200).map((r) => (
                <Table.Tr key={r.sku}>
                  <Table.Td>{r.name}</Table.Td>
                  <Table.Td>{POWERTRAIN_LABELS[r.powertrain]}</Table.Td>
                  <Table.Td ta="right">{r.co2GramsPerKm}</Table.Td>
                  <Table.Td ta="right">{r.massKg?.toLocaleString() ?? '–'}</Table.Td>
                  <Table.Td ta="right">{r.electricRangeKm ?? '–'}</Table.Td>
                  <Table.Td ta="right">{r.batteryKwh ?? '–'}</Table.Td>
                  {canEdit && (
                    <Table.Td>
                      <Button size="xs" variant="subtle" onClick={() => setEditing(r)}>
                        Edit
                      </Button>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {editing && <EditModal row={editing} onClose={() => setEditing(null)} />}
    </Stack>
  );
}

function EditModal({ row, onClose }: { row: VehicleData; onClose: () => void }) {
  const client = useQueryClient();
  const [co2, setCo2] = useState<number | string>(row.co2GramsPerKm);
  const [mass, setMass] = useState<number | string>(row.massKg ?? '');
  const [range, setRange] = useState<number | string>(row.electricRangeKm ?? '');
  const [battery, setBattery] = useState(row.batteryKwh ?? '');
  const save = useMutation({
    mutationFn: () =>
      api.patch(`/sustainability/vehicle-data/${encodeURIComponent(row.sku)}`, {
        co2GramsPerKm: Number(co2),
        massKg: mass === '' ? null : Number(mass),
        electricRangeKm: range === '' ? null : Number(range),
        batteryKwh: battery === '' ? null : battery,
      }),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['sustainability'] });
      onClose();
    },
  });
  return (
    <Modal opened onClose={onClose} title={row.name}>
      <Stack>
        <NumberInput label="WLTP CO2 (g/km)" min={0} max={1000} value={co2} onChange={setCo2} />
        <NumberInput
          label="Mass in running order (kg)"
          min={300}
          max={10000}
          value={mass}
          onChange={setMass}
        />
        <NumberInput
          label="Electric range (km)"
          min={0}
          max={2000}
          value={range}
          onChange={setRange}
        />
        <TextInput
          label="Battery (kWh)"
          value={battery}
          onChange={(e) => setBattery(e.currentTarget.value)}
        />
        {save.error && <QueryError error={save.error} title="Not saved" />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => save.mutate()} loading={save.isPending}>
            Save
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
