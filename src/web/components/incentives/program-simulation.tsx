/**
 * Program publishing with its cost (issue 13): the draft simulated on the forecast — expected
 * cost with its 80 % range, dealers expected per tier, against the budget — and the confirmation
 * that names that cost before publishing.
 */
import { Alert, Button, Group, Modal, Paper, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ProgramView } from '../../../shared/schemas/incentives';
import type { ProgramSimulation } from '../../../shared/schemas/program-simulation';
import { api } from '../../api';
import { formatMoney, formatMonthLong } from '../../format';
import { KpiCard } from '../kpi-card';
import { Section } from '../page-header';
import { FormError } from '../form-error';
import { TableSkeleton } from '../query-state';
import { formatMeasure, formatTierValue } from './incentive-labels';

export function useProgramSimulation(program: ProgramView, enabled = true) {
  return useQuery({
    queryKey: ['program-simulation', program.code, program.versionNo],
    queryFn: () =>
      api.get<ProgramSimulation>(`/programs/${encodeURIComponent(program.code)}/simulation`),
    enabled,
    retry: false,
  });
}

/** An estimate in whole currency units ("$59,770"): its cents would claim a precision it has not. */
function estimate(amount: string, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, {
      style: 'currency',
      currency,
      maximumFractionDigits: 0,
      minimumFractionDigits: 0,
    }).format(amount as `${number}`);
  } catch {
    return formatMoney(amount, currency);
  }
}

function dealersText(n: number): string {
  const shown = Number.isInteger(n)
    ? String(n)
    : n.toLocaleString(undefined, { maximumFractionDigits: 1 });
  return `${shown} ${n === 1 ? 'dealer' : 'dealers'}`;
}

/** "$2,400 (80 % likely between $1,900 and $3,100)". */
export function costSentence(s: ProgramSimulation): string {
  const m = (v: string) => estimate(v, s.currency);
  return `${m(s.expectedCost)} (80 % likely between ${m(s.interval.low)} and ${m(s.interval.high)})`;
}

function forecastLine(s: ProgramSimulation): string {
  const covered =
    s.coverage.firstMonth && s.coverage.lastMonth
      ? `${formatMonthLong(s.coverage.firstMonth)} to ${formatMonthLong(s.coverage.lastMonth)}`
      : 'no month of the program';
  return `On the forecast of ${formatMonthLong(s.cycle.cycleMonth)} (${covered}), ${s.dealers.eligible} eligible dealers.`;
}

export function ProgramCostSection({ program }: { program: ProgramView }) {
  const sim = useProgramSimulation(program);
  const s = sim.data;
  return (
    <Section
      title="Expected cost"
      description="The draft tried on the dealers' forecast before you publish it"
    >
      {sim.isError ? (
        <Alert color="yellow" variant="light" data-testid="program-cost-error">
          {sim.error.message}
        </Alert>
      ) : !s ? (
        <TableSkeleton />
      ) : (
        <Stack gap="sm" data-testid="program-cost">
          <Text size="sm" c="dimmed">
            {forecastLine(s)}
          </Text>
          {s.estimable && (
            <SimpleGrid cols={{ base: 1, xs: 3 }} spacing="sm">
              <KpiCard
                label="Expected cost"
                value={estimate(s.expectedCost, s.currency)}
                hint={`80 % likely ${estimate(s.interval.low, s.currency)} – ${estimate(s.interval.high, s.currency)}; ${estimate(s.atForecast, s.currency)} if every forecast holds exactly`}
              />
              <KpiCard
                label="Budget"
                value={s.budget ? formatMoney(s.budget, s.currency) : 'none'}
                hint={
                  s.budgetUsePercent === null
                    ? 'no budget set'
                    : `${s.budgetUsePercent} % of it expected to be used`
                }
              />
              <KpiCard
                label="Chance of going over budget"
                value={s.overBudgetChance === null ? '–' : `${s.overBudgetChance} %`}
                hint={
                  s.overBudgetChance === null ? 'no budget set' : 'share of the simulated outcomes'
                }
              />
            </SimpleGrid>
          )}
          {s.estimable && (
            <Paper withBorder style={{ overflow: 'hidden' }}>
              <Table data-testid="program-cost-tiers">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Tier</Table.Th>
                    <Table.Th>Pays</Table.Th>
                    <Table.Th ta="right">Dealers expected</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  <Table.Tr>
                    <Table.Td colSpan={2}>Below the first tier</Table.Td>
                    <Table.Td ta="right">{dealersText(s.belowFirstTier)}</Table.Td>
                  </Table.Tr>
                  {s.tiers.map((t) => (
                    <Table.Tr key={t.from}>
                      <Table.Td>from {formatMeasure(s.measure, t.from, s.currency)}</Table.Td>
                      <Table.Td>
                        {formatTierValue(program.definition.benefit as string, t.value, s.currency)}
                      </Table.Td>
                      <Table.Td ta="right">{dealersText(t.dealers)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Paper>
          )}
          {s.notes.map((n) => (
            <Text key={n} size="sm" c="dimmed">
              {n}
            </Text>
          ))}
        </Stack>
      )}
    </Section>
  );
}

/** The confirmation before publishing: it states the expected cost against the budget. */
export function PublishDialog({
  program,
  name,
  onClose,
  onPublish,
  isPublishing,
  error,
}: {
  program: ProgramView;
  name: string;
  onClose: () => void;
  onPublish: () => void;
  isPublishing: boolean;
  error: unknown;
}) {
  const sim = useProgramSimulation(program);
  const s = sim.data;
  return (
    <Modal opened onClose={onClose} title={`Publish ${name}?`} size="md">
      <Stack gap="sm" data-testid="publish-confirm">
        {sim.isPending ? (
          <TableSkeleton />
        ) : !s ? (
          <Text size="sm">
            The cost could not be estimated ({sim.error?.message ?? 'no forecast'}). Publishing
            makes the program binding for every eligible dealer.
          </Text>
        ) : (
          <Text size="sm" data-testid="publish-confirm-cost">
            {s.estimable ? (
              <>
                This program is expected to cost <b>{costSentence(s)}</b>
                {s.budget
                  ? `, ${s.budgetUsePercent ?? 0} % of its ${formatMoney(s.budget, s.currency)} budget`
                  : ', with no budget set'}
                .{' '}
              </>
            ) : (
              <>The cost cannot be estimated from the forecast for this measure. </>
            )}
            Publishing makes it binding for {s.dealers.eligible} eligible dealers; a published
            version cannot change.
          </Text>
        )}
        {s && s.overBudgetChance !== null && s.overBudgetChance >= 20 && (
          <Alert color="orange" variant="light">
            {s.overBudgetChance} % chance of going over the budget.
          </Alert>
        )}
        <FormError error={error} />
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={onPublish} loading={isPublishing} data-testid="publish-confirm-button">
            Publish
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
