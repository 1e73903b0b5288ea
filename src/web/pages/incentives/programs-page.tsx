/** The OEM's incentive programs: status, measure, window; each opens its program page. */
import { Link } from 'react-router-dom';
import { Badge, Button, Text } from '@mantine/core';
import { DataTable, LinkNameCode, QueryView } from '../../components/data-table';
import { Empty } from '../../components/query-state';
import { IncentivePage } from '../../components/incentives/incentive-tabs';
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
    <IncentivePage
      testId="programs-page"
      title="Incentive programs"
      description="Volume tiers, stair-steps, EV-mix and launch programs: definitions, statements for every dealer, settlement"
      actions={
        canWrite && (
          <Button component={Link} to="/programs/new" size="sm">
            New program
          </Button>
        )
      }
    >
      <QueryView
        query={programs}
        isEmpty={(d) => d.length === 0}
        empty={
          <Empty
            title="No programs yet"
            description="Draft one with New program (or POST /api/v1/programs), then publish it from its page."
          />
        }
      >
        {(items) => (
          <DataTable
            testId="programs-table"
            minWidth={560}
            verticalSpacing={8}
            highlightOnHover
            rows={items}
            rowKey={(p) => p.code}
            rowProps={(p) => ({ 'data-program': p.code })}
            columns={[
              {
                header: 'Program',
                cell: (p) => (
                  <LinkNameCode
                    name={p.name}
                    code={p.code}
                    to={`/programs/${encodeURIComponent(p.code)}`}
                  />
                ),
              },
              {
                header: 'Status',
                cell: (p) => (
                  <Badge variant="light" color={PROGRAM_STATUS_COLORS[p.status]}>
                    {p.status}
                  </Badge>
                ),
              },
              {
                header: 'Measure',
                cell: (p) => (
                  <Text size="sm">
                    {MEASURE_LABELS[p.measure as keyof typeof MEASURE_LABELS] ?? p.measure}
                  </Text>
                ),
              },
              {
                header: 'Runs',
                cell: (p) => (
                  <Text size="sm">
                    {formatDate(p.startDate)} – {formatDate(p.endDate)}
                  </Text>
                ),
              },
              { header: 'Version', align: 'right', cell: (p) => p.versionNo },
            ]}
          />
        )}
      </QueryView>
    </IncentivePage>
  );
}
