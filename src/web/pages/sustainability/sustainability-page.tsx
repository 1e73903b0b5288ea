/**
 * Sustainability (issue 17). OEM: the fleet average against the target over the averaging window,
 * the premium (actual and projected from the forecast, with its interval), the shadow price of one
 * more car per model line, the regions and dealers that carry the gap, pools, a what-if, and for
 * a ZEV market the share per state. A dealer gets its own dashboard (dealer-co2-panel.tsx).
 */
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import {
  Alert,
  Badge,
  Button,
  Group,
  NumberInput,
  Paper,
  SimpleGrid,
  Stack,
  Text,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { api } from '../../api';
import { KpiCard } from '../../components/kpi-card';
import { PageHeader, Section } from '../../components/page-header';
import { ChartSkeleton, Empty, QueryError } from '../../components/query-state';
import { formatMoney } from '../../format';
import { useModelLines, useRegions } from '../../queries';
import { isDealerUser, useMe } from '../../session';
import { Co2BarChart, Co2ChartSection } from './co2-chart';
import { DealerCo2Panel } from './dealer-co2-panel';
import {
  currentMarkets,
  useFleet,
  useProgramCo2,
  useRegulations,
  useZev,
  type WhatIfResult,
} from './sustainability-queries';
import { DataTable } from '../../components/data-table';
import { QuerySelect } from '../../components/query-select';

function gPerKm(value: string | null | undefined): string {
  return value === null || value === undefined
    ? '–'
    : `${Number(value).toLocaleString(undefined, { maximumFractionDigits: 1 })} g/km`;
}

export function SustainabilityPage() {
  const me = useMe();
  const regulations = useRegulations();
  const [params, setParams] = useSearchParams();
  const markets = currentMarkets(regulations.data?.items);
  const fleetMarkets = markets.filter((m) => m.document.kind === 'eu_fleet_co2');
  const dealer = isDealerUser(me);
  const choices = dealer ? fleetMarkets : markets;
  const market = params.get('market') ?? choices[0]?.market ?? null;
  const selected = markets.find((m) => m.market === market);
  return (
    <Stack gap="lg">
      <PageHeader
        title="Sustainability"
        description={
          <>
            {dealer
              ? 'What your electric sales are worth to the fleet CO2 target, and the incentives that pay for them.'
              : 'Fleet CO2 against the regulation, the premium it costs, and where the electric cars must come from.'}
            {selected && <div>{selected.document.name}</div>}
          </>
        }
        actions={
          <QuerySelect
            query={regulations}
            aria-label="Market"
            data={choices.map((m) => ({ value: m.market, label: m.market }))}
            value={market}
            onChange={(v) => v && setParams({ market: v })}
            w={{ base: 160, sm: 200 }}
            allowDeselect={false}
          />
        }
      />
      {regulations.error && <QueryError error={regulations.error} />}
      {dealer && market && (
        <DealerCo2Panel dealerCode={me.scope.dealerCodes?.[0] ?? null} market={market} />
      )}
      {!dealer && selected?.document.kind === 'eu_fleet_co2' && (
        <FleetPanel market={selected.market} />
      )}
      {!dealer && selected?.document.kind === 'us_zev' && <ZevPanel market={selected.market} />}
    </Stack>
  );
}

function FleetPanel({ market }: { market: string }) {
  const fleet = useFleet(market);
  if (fleet.error) return <QueryError error={fleet.error} onRetry={() => void fleet.refetch()} />;
  if (!fleet.data) return <ChartSkeleton />;
  const f = fleet.data;
  const cur = f.currency;
  const chart = f.years.map((y) => ({
    year: String(y.year) + (y.isProjected ? ' (proj.)' : ''),
    Average: y.averageGPerKm === null ? 0 : Number(y.averageGPerKm),
    Target: Number(y.targetGPerKm),
  }));
  return (
    <Stack gap="lg">
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
        <KpiCard
          testId="kpi-window-average"
          label={`Fleet average ${f.window.fromYear}–${f.window.toYear}`}
          value={gPerKm(f.windowAverageGPerKm)}
          hint={`target ${gPerKm(f.windowTargetGPerKm)}`}
        />
        <KpiCard
          testId="kpi-premium"
          label="Premium so far"
          value={formatMoney(f.windowPremium, cur)}
          hint={`${formatMoney(f.premiumPerGPerKm, cur)} per g/km per car`}
        />
        <KpiCard
          testId="kpi-projected"
          label="Projected premium"
          value={f.projection ? formatMoney(f.projection.premium.mid, cur) : '–'}
          hint={
            f.projection
              ? `80 %: ${formatMoney(f.projection.premium.low, cur, { isCompact: true })} – ${formatMoney(f.projection.premium.high, cur, { isCompact: true })} (forecast ${f.projection.cycleMonth})`
              : 'no locked forecast yet'
          }
        />
        <KpiCard
          label="One more BEV saves"
          value={formatMoney(f.zeroEmissionSaves, cur)}
          hint="premium per g/km × target"
        />
      </SimpleGrid>
      <Co2ChartSection
        title="Average vs target on the averaging window"
        description="g/km per year; projected years add the forecast consensus"
        data={chart}
        dataKey="year"
        series={[
          { name: 'Average', color: 'orange.6' },
          { name: 'Target', color: 'teal.6' },
        ]}
        valueFormatter={(v) => `${v.toFixed(1)} g/km`}
        withLegend
        maxBarWidth={36}
      />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Section
          title="Shadow price per model line"
          description="premium per g/km × (line average − target): what one more car adds"
        >
          <DataTable
            striped
            minWidth={320}
            rows={[...f.shadowPrices].sort((a, b) => Number(b.perUnit) - Number(a.perUnit))}
            rowKey={(s) => s.modelLineCode}
            empty={<Empty title="No model lines registered in this window" />}
            columns={[
              { header: 'Model line', cell: (s) => s.modelLineName },
              {
                header: 'Average',
                align: 'right',
                isNowrap: true,
                cell: (s) => gPerKm(s.averageGPerKm),
              },
              {
                header: 'Per car',
                align: 'right',
                isNowrap: true,
                td: (s) => ({ c: Number(s.perUnit) > 0 ? 'red.7' : 'teal.7' }),
                cell: (s) => formatMoney(s.perUnit, cur),
              },
            ]}
          />
        </Section>
        <Section
          title="BEVs needed by region"
          description={`zero-emission cars that bring each region to ${f.year}'s target`}
        >
          <DataTable
            striped
            minWidth={360}
            rows={f.regions}
            rowKey={(r) => r.code}
            empty={<Empty title="No registrations by region yet" />}
            columns={[
              { header: 'Region', isSticky: true, cell: (r) => r.name },
              { header: 'Registrations', count: (r) => r.registrations },
              {
                header: 'EV share',
                align: 'right',
                isNowrap: true,
                cell: (r) => (r.bevShare === null ? '–' : `${r.bevShare} %`),
              },
              { header: 'BEVs needed', count: (r) => r.bevsNeeded },
            ]}
          />
        </Section>
      </SimpleGrid>
      <Section
        title="Dealers carrying the premium"
        description={`${f.year}: premium per g/km × Σ(e − target); the top 15`}
      >
        <DataTable
          striped
          minWidth={560}
          scrollLabel="Dealers carrying the premium"
          rows={f.dealers.slice(0, 15)}
          rowKey={(d) => d.code}
          empty={<Empty title="No dealer registrations this year" />}
          columns={[
            { header: 'Dealer', isSticky: true, cell: (d) => d.name },
            { header: 'Registrations', count: (d) => d.registrations },
            {
              header: 'Average',
              align: 'right',
              isNowrap: true,
              cell: (d) => gPerKm(d.averageGPerKm),
            },
            {
              header: 'Contribution',
              align: 'right',
              isNowrap: true,
              cell: (d) => formatMoney(d.contribution, cur),
            },
            { header: 'BEVs needed', count: (d) => d.bevsNeeded },
          ]}
        />
      </Section>
      {f.pools.length > 0 && (
        <Section
          title="Pool scenarios"
          description="the window pooled with the members' registrations"
        >
          <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
            {f.pools.map((p) => (
              <KpiCard
                key={p.name}
                label={p.name}
                value={formatMoney(p.premium, cur)}
                hint={`pooled average ${gPerKm(p.averageGPerKm)}; saves ${formatMoney(p.saving, cur)}`}
              />
            ))}
          </SimpleGrid>
        </Section>
      )}
      <ProgramsCo2 market={market} />
      <WhatIf market={market} currency={cur} />
    </Stack>
  );
}

function ProgramsCo2({ market }: { market: string }) {
  const q = useProgramCo2(market);
  if (q.error) return <QueryError error={q.error} />;
  if (!q.data || q.data.items.length === 0) return null;
  return (
    <Section
      title="CO2 per incentive"
      description="each published program this year: Σ (target − e) over the cars it pays on, per 1,000 of its per-unit incentive"
    >
      <DataTable
        striped
        minWidth={480}
        scrollLabel="CO2 per incentive"
        rows={q.data.items}
        rowKey={(p) => p.code}
        columns={[
          { header: 'Program', isSticky: true, cell: (p) => p.name },
          { header: 'Cars', count: (p) => p.units },
          {
            header: 'CO2 reduction',
            align: 'right',
            isNowrap: true,
            cell: (p) => gPerKm(p.co2ReductionGPerKm),
          },
          { header: 'g/km per 1,000', align: 'right', cell: (p) => p.gPerKmPerThousand ?? '–' },
        ]}
      />
    </Section>
  );
}

function WhatIf({ market, currency }: { market: string; currency: string }) {
  const lines = useModelLines();
  const regions = useRegions();
  const [modelLine, setModelLine] = useState<string | null>(null);
  const [region, setRegion] = useState<string | null>(null);
  const [units, setUnits] = useState<number | string>(100);
  const run = useMutation({
    mutationFn: () =>
      api.post<WhatIfResult>('/sustainability/what-if', {
        market,
        modelLine,
        region,
        units: Number(units),
      }),
  });
  const bevLines = (lines.data ?? []).filter((l) => l.powertrains.includes('BEV'));
  return (
    <Section title="What if" description="+N battery-electric cars of a line in a region this year">
      <Paper withBorder p="md" radius="md">
        <Group align="flex-end" gap="sm" wrap="wrap">
          <QuerySelect
            query={lines}
            label="Model line"
            data={bevLines.map((l) => ({ value: l.code, label: l.name }))}
            value={modelLine}
            onChange={setModelLine}
            w={{ base: '100%', sm: 200 }}
          />
          <QuerySelect
            query={regions}
            label="Region"
            data={(regions.data ?? []).map((r) => ({ value: r.code, label: r.name }))}
            value={region}
            onChange={setRegion}
            w={{ base: '100%', sm: 200 }}
          />
          <NumberInput
            label="BEVs"
            min={1}
            max={1_000_000}
            value={units}
            onChange={setUnits}
            w={{ base: '100%', sm: 120 }}
          />
          <Button
            onClick={() => run.mutate()}
            disabled={!modelLine || !region}
            loading={run.isPending}
          >
            Compute
          </Button>
        </Group>
        {run.error && <QueryError error={run.error} title="Could not compute" />}
        {run.data && (
          <SimpleGrid cols={{ base: 1, sm: 3 }} mt="md" data-testid="what-if-result">
            <KpiCard
              label="Fleet average"
              value={`${gPerKm(run.data.before.averageGPerKm)} → ${gPerKm(run.data.after.averageGPerKm)}`}
            />
            <KpiCard
              label="Premium change"
              value={formatMoney(run.data.premiumChange, currency)}
              hint={`${formatMoney(run.data.before.premium, currency)} → ${formatMoney(run.data.after.premium, currency)}`}
            />
            <KpiCard
              label="Incentive cost"
              value={
                run.data.incentiveCost === null ? '–' : formatMoney(run.data.incentiveCost, 'USD')
              }
              hint={
                run.data.incentivePrograms.length > 0
                  ? run.data.incentivePrograms.join(', ')
                  : 'no per-unit BEV program applies'
              }
            />
          </SimpleGrid>
        )}
      </Paper>
    </Section>
  );
}

function ZevPanel({ market }: { market: string }) {
  const zev = useZev(market);
  if (zev.error) return <QueryError error={zev.error} />;
  if (!zev.data) return <ChartSkeleton />;
  const z = zev.data;
  return (
    <Stack gap="lg">
      <Alert
        color="yellow"
        variant="light"
        title={`Model year ${z.modelYear}: ${z.requiredPercent ?? '–'} % ZEV required`}
      >
        {z.statusNote}
      </Alert>
      {z.states.every((s) => s.deliveries === 0) ? (
        <Empty title="No deliveries in the ZEV states this model year" />
      ) : (
        <Co2BarChart
          data={z.states.map((s) => ({
            state: s.state,
            'ZEV share': Number(s.zevSharePercent ?? 0),
          }))}
          dataKey="state"
          series={[{ name: 'ZEV share', color: 'teal.6' }]}
          referenceLines={
            z.requiredPercent
              ? [{ y: Number(z.requiredPercent), label: 'required', color: 'red.6' }]
              : []
          }
          valueFormatter={(v) => `${v.toFixed(1)} %`}
        />
      )}
      <DataTable
        striped
        minWidth={420}
        scrollLabel="ZEV share per state"
        rows={z.states}
        rowKey={(s) => s.state}
        empty={<Empty title="No ZEV states in this market" />}
        columns={[
          { header: 'State', cell: (s) => s.state },
          {
            header: 'Status',
            cell: (s) => (
              <Badge variant="light" color={s.inForce ? 'blue' : 'gray'}>
                {s.status}
              </Badge>
            ),
          },
          { header: 'Deliveries', count: (s) => s.deliveries },
          {
            header: 'ZEV share',
            align: 'right',
            isNowrap: true,
            cell: (s) => (s.zevSharePercent === null ? '–' : `${s.zevSharePercent} %`),
          },
          { header: 'ZEVs needed', count: (s) => s.zevNeeded },
        ]}
      />
      <Text size="xs" c="dimmed">
        Model year taken as the delivery year; ZEV powertrains only (no PHEV credit).
      </Text>
    </Stack>
  );
}
