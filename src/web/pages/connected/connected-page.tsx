/**
 * Connected vehicles (issue 17). A dealer: the opportunities from its consented cars (each with
 * why and the consent that allows it) and its consent registry. The OEM: aggregates only.
 */
import { BarChart } from '@mantine/charts';
import '@mantine/charts/styles.css';
import { Badge, Paper, SimpleGrid, Stack, Text } from '@mantine/core';
import { DataTable } from '../../components/data-table';
import { KpiCard } from '../../components/kpi-card';
import { PageHeader, Section } from '../../components/page-header';
import { ChartSkeleton, Empty, QueryError, TableSkeleton } from '../../components/query-state';
import { formatDate, formatInt } from '../../format';
import { isDealerUser, useMe } from '../../session';
import {
  useConnectedSummary,
  useConsents,
  useOpportunities,
} from '../sustainability/sustainability-queries';

const KIND_LABELS: Record<string, string> = {
  service_due: 'Service due',
  battery_health: 'Battery health',
  trade_in: 'Lease end: trade-in',
};
const PURPOSE_LABELS: Record<string, string> = {
  service_reminders: 'Service reminders',
  battery_health: 'Battery health',
  lease_end_offers: 'Lease-end offers',
};

export function ConnectedPage() {
  const me = useMe();
  const dealer = isDealerUser(me) ? (me.scope.dealerCodes?.[0] ?? null) : null;
  return (
    <Stack gap="lg">
      <PageHeader
        title="Connected vehicles"
        description="Car data only with the owner's consent, for the purposes it names; no location."
      />
      <Summary />
      {dealer && <DealerOpportunities code={dealer} />}
      {dealer && <Consents code={dealer} />}
    </Stack>
  );
}

function Summary() {
  const s = useConnectedSummary();
  if (s.error) return <QueryError error={s.error} />;
  if (!s.data) return <ChartSkeleton h={120} />;
  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 2, md: 4 }}>
        <KpiCard
          testId="kpi-vehicles"
          label="Consented vehicles"
          value={formatInt(s.data.vehicles)}
          hint={`${formatInt(s.data.byDealerCount)} ${s.data.byDealerCount === 1 ? 'dealer' : 'dealers'}`}
        />
        {s.data.opportunities.map((o) => (
          <KpiCard key={o.kind} label={KIND_LABELS[o.kind] ?? o.kind} value={formatInt(o.count)} />
        ))}
      </SimpleGrid>
      <Paper withBorder p="sm" radius="md">
        <BarChart
          h={200}
          data={s.data.consents.map((c) => ({
            purpose: PURPOSE_LABELS[c.purpose] ?? c.purpose,
            'Active consents': c.active,
            Readings: s.data.signals.find((x) => x.purpose === c.purpose)?.count ?? 0,
          }))}
          dataKey="purpose"
          series={[
            { name: 'Active consents', color: 'blue.6' },
            { name: 'Readings', color: 'teal.6' },
          ]}
          withLegend
          tooltipAnimationDuration={0}
          xAxisProps={{ fontSize: 11 }}
        />
      </Paper>
    </Stack>
  );
}

function DealerOpportunities({ code }: { code: string }) {
  const q = useOpportunities(code);
  return (
    <Section
      title="Opportunities"
      description="from your consented vehicles; each says why and which consent allows it"
    >
      {q.error && <QueryError error={q.error} />}
      {!q.data ? (
        <TableSkeleton />
      ) : q.data.items.length === 0 ? (
        <Empty title="No opportunity today" />
      ) : (
        <Stack gap="xs" data-testid="opportunities">
          {q.data.items.map((o) => (
            <Paper key={`${o.kind}-${o.vin}`} withBorder p="sm" radius="md">
              <Text size="sm" fw={600}>
                <Badge
                  mr={6}
                  variant="light"
                  color={
                    o.kind === 'trade_in'
                      ? 'grape'
                      : o.kind === 'battery_health'
                        ? 'orange'
                        : 'blue'
                  }
                >
                  {KIND_LABELS[o.kind]}
                </Badge>
                {o.vin}
              </Text>
              <Text size="sm">{o.why}</Text>
              <Text size="xs" c="dimmed">
                Consent #{o.consent.id}: {PURPOSE_LABELS[o.consent.purpose]}, {o.consent.source},
                until {formatDate(o.consent.expiresOn)}
              </Text>
            </Paper>
          ))}
        </Stack>
      )}
    </Section>
  );
}

function Consents({ code }: { code: string }) {
  const q = useConsents(code);
  return (
    <Section
      title="Consent registry"
      description="append-only: grants and revocations, each in the ledger"
    >
      {q.error && <QueryError error={q.error} />}
      {!q.data ? (
        <TableSkeleton />
      ) : q.data.items.length === 0 ? (
        <Empty title="No consent recorded yet" />
      ) : (
        <DataTable
          testId="consents-table"
          striped
          minWidth={560}
          rows={q.data.items.slice(0, 30)}
          rowKey={(c) => c.id}
          columns={[
            { header: 'VIN', cell: (c) => c.vin },
            { header: 'Purpose', cell: (c) => PURPOSE_LABELS[c.purpose] },
            {
              header: 'Change',
              cell: (c) => (
                <Badge variant="light" color={c.action === 'grant' ? 'teal' : 'red'}>
                  {c.action === 'grant' ? 'granted' : 'revoked'}
                </Badge>
              ),
            },
            {
              header: 'Valid',
              cell: (c) =>
                c.grantedOn
                  ? `${formatDate(c.grantedOn)} – ${formatDate(c.expiresOn)}`
                  : formatDate(c.recordedAt.slice(0, 10)),
            },
            { header: 'Source', cell: (c) => c.source },
          ]}
        />
      )}
    </Section>
  );
}
