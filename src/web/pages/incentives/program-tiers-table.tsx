/**
 * The program editor's tiers as a table (from, pays) with the meaning of the whole ladder in one
 * line below it (tierSummary in program-form.ts).
 */
import { ActionIcon, Alert, Button, Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { IconPlus } from '../../components/icons';
import { tierSummary, tiersOf, type Draft } from '../../components/incentives/program-form';

export function TiersTable({
  draft,
  errors,
  update,
  fromUnit,
  valueUnit,
}: {
  draft: Draft;
  errors: Record<string, string>;
  update: (path: string, value: unknown) => void;
  fromUnit: string;
  valueUnit: string;
}) {
  const tiers = tiersOf(draft);
  const summary = tierSummary(draft);
  const setTiers = (next: { from: string; value: string }[]) => update('tiers', next);
  return (
    <Stack gap={6}>
      <Text size="sm" fw={500}>
        Tiers
      </Text>
      <Table withTableBorder data-testid="tiers-editor" verticalSpacing={6} layout="fixed">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={36}>#</Table.Th>
            <Table.Th>From ({fromUnit})</Table.Th>
            <Table.Th>Pays ({valueUnit})</Table.Th>
            <Table.Th w={44} />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {tiers.map((t, i) => (
            <Table.Tr key={i} style={{ verticalAlign: 'top' }}>
              <Table.Td pt={12}>{i + 1}</Table.Td>
              <Table.Td>
                <TextInput
                  aria-label={`Tier ${i + 1} from`}
                  inputMode="decimal"
                  value={t.from}
                  onChange={(e) => update(`tiers.${i}.from`, e.currentTarget.value.trim())}
                  error={errors[`tiers.${i}.from`]}
                />
              </Table.Td>
              <Table.Td>
                <TextInput
                  aria-label={`Tier ${i + 1} pays`}
                  inputMode="decimal"
                  value={t.value}
                  onChange={(e) => update(`tiers.${i}.value`, e.currentTarget.value.trim())}
                  error={errors[`tiers.${i}.value`]}
                />
              </Table.Td>
              <Table.Td>
                <ActionIcon
                  variant="subtle"
                  color="red"
                  aria-label={`Remove tier ${i + 1}`}
                  onClick={() => setTiers(tiers.filter((_, j) => j !== i))}
                  disabled={tiers.length <= 1}
                  mt={4}
                >
                  ×
                </ActionIcon>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {errors.tiers && (
        <Text size="xs" c="red" data-field="tiers" data-error="true">
          {errors.tiers}
        </Text>
      )}
      <Group gap="xs">
        <Button
          variant="light"
          size="xs"
          leftSection={<IconPlus size={14} />}
          onClick={() => {
            const last = tiers.at(-1);
            const from = last && /^\d+$/.test(last.from) ? String(Number(last.from) + 10) : '';
            setTiers([...tiers, { from, value: last?.value ?? '' }]);
          }}
          disabled={tiers.length >= 50}
        >
          Add tier
        </Button>
      </Group>
      <Alert variant="light" color="blue" p="xs" data-testid="tier-summary">
        <Text size="sm">
          {summary ? `Pays ${summary}.` : 'Add a tier to see what the program pays.'}
        </Text>
      </Alert>
    </Stack>
  );
}
