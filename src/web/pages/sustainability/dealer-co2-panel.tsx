/** A dealer's CO2 dashboard: EV share vs the OEM's ask, its contribution, the next sale's value. */
import { Badge, Paper, SimpleGrid, Stack, Text } from '@mantine/core';
import { DataTable } from '../../components/data-table';
import { KpiCard } from '../../components/kpi-card';
import { Section } from '../../components/page-header';
import { ChartSkeleton, Empty, QueryError } from '../../components/query-state';
import { formatInt, formatMoney } from '../../format';
import { POWERTRAIN_LABELS } from '../../labels';
import type { Powertrain } from '../../../shared/schemas/catalog';
import { Co2ChartSection } from './co2-chart';
import { useDealerSustainability } from './sustainability-queries';

export function DealerCo2Panel({
  dealerCode,
  market,
}: {
  dealerCode: string | null;
  market: string;
}) {
  const q = useDealerSustainability(dealerCode, market);
  if (q.error) return <QueryError error={q.error} />;
  if (!q.data) return <ChartSkeleton />;
  const d = q.data;
  const cur = d.currency;
  const share = d.evSharePercent === null ? null : Number(d.evSharePercent);
  const ask = d.evShareAskPercent === null ? null : Number(d.evShareAskPercent);
  const byLine = new Map<string, { line: string; best: number; worst: number }>();
  for (const s of d.nextSale) {
    const x = byLine.get(s.modelLineCode) ?? {
      line: s.modelLineName,
      best: -Infinity,
      worst: Infinity,
    };
    x.best = Math.max(x.best, Number(s.value));
    x.worst = Math.min(x.worst, Number(s.value));
    byLine.set(s.modelLineCode, x);
  }
  const chart = [...byLine.values()]
    .filter((x) => x.best !== x.worst)
    .slice(0, 8)
    .map((x) => ({ line: x.line, 'Cleanest version': x.best, 'Most emitting': x.worst }));
  return (
    <Stack gap="lg">
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
        <KpiCard
          testId="kpi-ev-share"
          label={`EV share ${d.year}`}
          value={share === null ? '–' : `${share.toFixed(1)} %`}
          hint={ask === null ? undefined : `the OEM asks ${ask} %`}
        />
        <KpiCard
          label="Registrations"
          value={formatInt(d.registrations)}
          hint={`${formatInt(d.evUnits)} zero-emission`}
        />
        <KpiCard
          testId="kpi-contribution"
          label="Your part of the fleet premium"
          value={formatMoney(d.contribution, cur)}
          hint={Number(d.contribution) > 0 ? 'adds to the premium' : 'lowers the premium'}
        />
        <KpiCard
          label="Target"
          value={`${d.targetGPerKm} g/km`}
          hint={`your average ${d.averageGPerKm ?? '–'} g/km`}
        />
      </SimpleGrid>
      {chart.length > 0 && (
        <Co2ChartSection
          title="What the next sale is worth to the CO2 target"
          description="premium avoided (+) or added (−) by one more car"
          data={chart}
          dataKey="line"
          series={[
            { name: 'Cleanest version', color: 'teal.6' },
            { name: 'Most emitting', color: 'orange.6' },
          ]}
          valueFormatter={(v) => formatMoney(String(v), cur, { isCompact: true })}
          withLegend
          xAxisProps={{ fontSize: 11 }}
        />
      )}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Section title="Next sale by model line">
          <DataTable
            striped
            minWidth={360}
            rows={d.nextSale.slice(0, 20)}
            rowKey={(s) => `${s.modelLineCode}-${s.powertrain}`}
            empty={<Empty title="No model lines on sale in this market" />}
            columns={[
              { header: 'Model line', isSticky: true, cell: (s) => s.modelLineName },
              {
                header: 'Powertrain',
                cell: (s) => POWERTRAIN_LABELS[s.powertrain as Powertrain] ?? s.powertrain,
              },
              { header: 'g/km', align: 'right', cell: (s) => s.co2GramsPerKm },
              {
                header: 'Value',
                align: 'right',
                isNowrap: true,
                td: (s) => ({ c: Number(s.value) >= 0 ? 'teal.7' : 'red.7' }),
                cell: (s) => formatMoney(s.value, cur),
              },
            ]}
          />
        </Section>
        <Section title="EV incentives that pay for it">
          {d.evIncentives.length === 0 ? (
            <Empty title="No electric incentive applies to you" />
          ) : (
            <Stack gap="xs">
              {d.evIncentives.map((p) => (
                <Paper key={p.code} withBorder p="sm" radius="md">
                  <Text fw={600}>{p.name}</Text>
                  <Text size="sm" c="dimmed">
                    {p.perUnit ? (
                      `${formatMoney(p.perUnit, p.currency)} per unit`
                    ) : (
                      <Badge variant="light">{p.benefit}</Badge>
                    )}
                  </Text>
                </Paper>
              ))}
            </Stack>
          )}
        </Section>
      </SimpleGrid>
    </Stack>
  );
}
