/** The OEM's incentive programs: status, measure, window; each opens its program page. */
import { Link } from 'react-router-dom';
import { Anchor, Badge, Button, Paper, Stack, Table, Text } from '@mantine/core';
import { PageHeader } from '../../components/page-header';
import { Empty, QueryError, TableSkeleton } from '../../components/query-state';
import { IncentiveTabs } from '../../components/incentives/incentive-tabs';
import { usePrograms } from '../../components/incentives/incentive-queries';
import {
  MEASURE_LABELS,
  PROGRAM_STATUS_COLORS,
} from '../../components/incentives/incentive-labels';
import { formatDate } from '../../format';
import { useCan } from '../../session';

export function ProgramsPage() {
  const programs = usePrograms();
  const canWrite = useCan('programs:write');
  return (
    <Stack gap="lg" data-testid="programs-page">
      <div>
        <PageHeader
          title="Incentive programs"
          description="Volume tiers, stair-steps, EV-mix and launch programs: definitions, statements for every dealer, settlement"
          actions={
            canWrite && (
              <Button component={Link} to="/programs/new" size="sm">
                New program
              </Button>
            )
          }
        />
        <IncentiveTabs />
      </div>
      {programs.isError ? (
        <QueryError error={programs.error} onRetry={() => void programs.refetch()} />
      ) : programs.isPending ? (
        <TableSkeleton />
      ) : programs.data.length === 0 ? (
        <Empty
          title="No programs yet"
          description="Draft one with New program (or POST /api/v1/programs), then publish it from its page."
        />
      ) : (
        <Paper withBorder style={{ overflow: 'hidden' }}>
          <Table.ScrollContainer minWidth={560}>
            <Table data-testid="programs-table" verticalSpacing={8} highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Program</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Measure</Table.Th>
                  <Table.Th>Runs</Table.Th>
                  <Table.Th ta="right">Version</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {programs.data.map((p) => (
                  <Table.Tr key={p.code} data-program={p.code}>
                    <Table.Td>
                      <Anchor
                        component={Link}
                        to={`/programs/${encodeURIComponent(p.code)}`}
                        fw={600}
                        size="sm"
                      >
                        {p.name}
                      </Anchor>
                      <Text size="xs" c="dimmed" ff="monospace">
                        {p.code}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={PROGRAM_STATUS_COLORS[p.status]}>
                        {p.status}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">
                        {MEASURE_LABELS[p.measure as keyof typeof MEASURE_LABELS] ?? p.measure}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">
                        {formatDate(p.startDate)} – {formatDate(p.endDate)}
                      </Text>
                    </Table.Td>
                    <Table.Td ta="right">{p.versionNo}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
    </Stack>
  );
}
