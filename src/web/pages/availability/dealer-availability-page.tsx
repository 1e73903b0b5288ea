/**
 * The dealer's "Availability": stock and pipeline with ETAs per model line, days' supply with a
 * warning when the stock runs out before the next delivery, this month's allocation with
 * accept/decline and the explanation, and what can still be ordered.
 */
import { useState } from 'react';
import { useParams } from 'react-router-dom';
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
import { DataTable } from '../../components/data-table';
import { PageHeader, Section } from '../../components/page-header';
import { Empty, PageSkeleton, QueryError, errorMessage } from '../../components/query-state';
import { formatDate, formatInt, formatMonthLong } from '../../format';
import { useCan, useMe } from '../../session';
import {
  decisionColor,
  useDealerAvailability,
  useDecide,
  type DealerAvailability,
} from './availability-queries';

export const STATUS_LABELS: Record<string, string> = {
  ordered: 'Ordered',
  planned: 'Planned',
  in_build: 'In build',
  built: 'Built',
  in_transit: 'In transit',
  at_dealer: 'In stock',
  delivered: 'Delivered',
  cancelled: 'Cancelled',
};
const STATUS_COLORS: Record<string, string> = {
  ordered: 'gray',
  planned: 'gray',
  in_build: 'indigo',
  built: 'indigo',
  in_transit: 'blue',
  at_dealer: 'teal',
  delivered: 'green',
  cancelled: 'red',
};

export function DealerAvailabilityPage() {
  const me = useMe();
  const params = useParams();
  const code = params.code ?? me.scope.dealerCodes?.[0] ?? '';
  const query = useDealerAvailability(code);
  if (query.isError) return <QueryError error={query.error} onRetry={() => void query.refetch()} />;
  if (!query.data) return <PageSkeleton />;
  const a = query.data;
  return (
    <Stack gap="lg" data-testid="dealer-availability-page">
      <PageHeader
        title="Availability"
        description={`${a.dealerName} (${a.dealerCode}) · stock, pipeline and allocation as of ${formatDate(a.today)}${a.isEvCertified ? ' · EV-certified' : ''}`}
      />
      <ModelLineCards a={a} />
      <AllocationSection a={a} />
      <PipelineSection a={a} />
      <OrderableSection a={a} />
    </Stack>
  );
}

/** Cards for the model lines that matter most (selling or holding stock); the rest in a table. */
const CARD_LINES = 6;

function ModelLineCards({ a }: { a: DealerAvailability }) {
  if (a.modelLines.length === 0)
    return (
      <Empty
        title="No stock or pipeline"
        description="No vehicles are on order, on the way or in stock."
      />
    );
  const weight = (l: DealerAvailability['modelLines'][number]) =>
    l.expectedDailySales * 30 + l.stock + l.inTransit + l.inBuild + l.onOrder;
  const ranked = [...a.modelLines].sort((x, y) => weight(y) - weight(x));
  const cards = ranked.slice(0, CARD_LINES);
  const rest = ranked.slice(CARD_LINES).filter((l) => weight(l) > 0);
  return (
    <Section
      title="Days' supply by model line"
      description="(stock + in transit + in build + unfilled allocation) ÷ expected daily sales"
    >
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm">
        {cards.map((l) => (
          <Paper
            key={l.modelLineCode}
            withBorder
            radius="md"
            p="md"
            data-testid={`line-${l.modelLineCode}`}
          >
            <Group justify="space-between" align="flex-start" wrap="nowrap">
              <div>
                <Text fw={700}>{l.modelLineName}</Text>
                <Text size="xs" c="dimmed">
                  {l.expectedBasis === 'consensus'
                    ? 'expected sales from the forecast consensus'
                    : l.expectedBasis === 'recent_sales'
                      ? 'expected sales from the last three months'
                      : 'no expected sales'}
                </Text>
              </div>
              <div style={{ textAlign: 'right' }}>
                <Text fz={26} fw={700} lh={1.1}>
                  {l.daysSupply === null ? '–' : formatInt(Math.round(l.daysSupply))}
                </Text>
                <Text size="xs" c="dimmed">
                  days' supply
                </Text>
              </div>
            </Group>
            {l.runsOutBeforeNextDelivery && (
              <Alert color="red" variant="light" mt="xs" p="xs" data-testid="runs-out-warning">
                Stock lasts about {formatInt(Math.floor(l.stockDays ?? 0))} days:{' '}
                {l.nextEta
                  ? `the next delivery arrives ${formatDate(l.nextEta)}`
                  : 'nothing is on the way'}
                .
              </Alert>
            )}
            <SimpleGrid cols={5} spacing={4} mt="sm">
              {(
                [
                  ['Stock', l.stock],
                  ['Transit', l.inTransit],
                  ['Build', l.inBuild],
                  ['Order', l.onOrder],
                  ['Alloc.', l.pendingAllocation],
                ] as const
              ).map(([label, n]) => (
                <div key={label} style={{ textAlign: 'center' }}>
                  <Text fw={600}>{formatInt(n)}</Text>
                  <Text size="xs" c="dimmed">
                    {label}
                  </Text>
                </div>
              ))}
            </SimpleGrid>
            <Text size="xs" c="dimmed" mt="xs">
              {formatInt(Math.round(l.expectedDailySales * 30))} expected a month
              {l.averageStockAgeDays !== null &&
                ` · stock ${formatInt(Math.round(l.averageStockAgeDays))} days old on average (oldest ${formatInt(l.oldestStockDays)})`}
              {l.nextEta && ` · next arrival ${formatDate(l.nextEta)}`}
            </Text>
          </Paper>
        ))}
      </SimpleGrid>
      {rest.length > 0 && <OtherLines lines={rest} />}
    </Section>
  );
}

function OtherLines({ lines }: { lines: DealerAvailability['modelLines'] }) {
  const [isOpen, setOpen] = useState(false);
  return (
    <Stack gap={4}>
      <Button variant="subtle" size="xs" w="fit-content" onClick={() => setOpen(!isOpen)}>
        {isOpen ? 'Hide' : 'Show'} {lines.length} more model line{lines.length === 1 ? '' : 's'}
        {` (${lines.filter((l) => l.runsOutBeforeNextDelivery).length} running out)`}
      </Button>
      {isOpen && (
        <DataTable
          striped
          minWidth={420}
          testId="other-lines"
          scrollLabel="Other model lines"
          rows={lines}
          rowKey={(l) => l.modelLineCode}
          columns={[
            {
              header: 'Model line',
              isSticky: true,
              cell: (l) => (
                <>
                  {l.modelLineName}
                  {l.runsOutBeforeNextDelivery && (
                    <Badge ml={6} size="xs" color="red" variant="light">
                      runs out
                    </Badge>
                  )}
                </>
              ),
            },
            {
              header: "Days' supply",
              align: 'right',
              cell: (l) => (l.daysSupply === null ? '–' : formatInt(Math.round(l.daysSupply))),
            },
            { header: 'Stock', count: (l) => l.stock },
            {
              header: 'Coming',
              count: (l) => l.inTransit + l.inBuild + l.onOrder + l.pendingAllocation,
            },
            { header: 'A month', count: (l) => Math.round(l.expectedDailySales * 30) },
          ]}
        />
      )}
    </Stack>
  );
}

function AllocationSection({ a }: { a: DealerAvailability }) {
  const canDecide = useCan('allocation:decide');
  const decide = useDecide();
  const [accepted, setAccepted] = useState<Record<string, number>>({});
  const month = a.today.slice(0, 7);
  return (
    <Section
      title={`Allocation for ${formatMonthLong(month)}`}
      description="What the published formula gave you, and why. Accept all or part within the window; what you decline goes back to the pool."
    >
      {decide.isError && <Alert color="red">{errorMessage(decide.error)}</Alert>}
      {a.allocations.length === 0 ? (
        <Empty
          title="No allocation this month"
          description="Nothing of a constrained model was allocated to you yet."
        />
      ) : (
        <Stack gap="xs">
          {a.allocations.map((r) => {
            const key = `${r.run}/${r.round}/${r.sku}`;
            const value = accepted[key] ?? r.units;
            const isOpen =
              r.decision === 'pending' &&
              r.units > 0 &&
              (!r.acceptUntil || a.today <= r.acceptUntil);
            const take = (acceptedUnits: number) =>
              decide.mutate({
                run: r.run,
                dealerCode: a.dealerCode,
                decisions: [{ sku: r.sku, acceptedUnits }],
              });
            return (
              <Paper key={key} withBorder radius="md" p="sm" data-testid="allocation-row">
                <Group justify="space-between" align="flex-start" gap="xs">
                  <div style={{ minWidth: 0, flex: '1 1 240px' }}>
                    <Text fw={600}>
                      {r.skuName} · {formatInt(r.units)} unit{r.units === 1 ? '' : 's'}
                      {r.round > 0 && (
                        <Badge ml="xs" size="sm" variant="light">
                          round {r.round + 1}
                        </Badge>
                      )}
                    </Text>
                    <Text size="sm" c="dimmed" data-testid="allocation-explanation">
                      {r.explanation}
                      {r.overrideReason &&
                        ` Changed by the OEM from ${r.formulaUnits}: ${r.overrideReason}.`}
                    </Text>
                  </div>
                  {isOpen && canDecide ? (
                    <Group gap="xs" wrap="nowrap">
                      <NumberInput
                        aria-label={`Units of ${r.sku} to accept`}
                        value={value}
                        min={0}
                        max={r.units}
                        w={80}
                        onChange={(v) => setAccepted({ ...accepted, [key]: Number(v) || 0 })}
                      />
                      <Button size="sm" loading={decide.isPending} onClick={() => take(value)}>
                        Accept
                      </Button>
                      <Button
                        size="sm"
                        variant="default"
                        loading={decide.isPending}
                        onClick={() => take(0)}
                      >
                        Decline
                      </Button>
                    </Group>
                  ) : (
                    <Badge color={decisionColor(r.decision)}>
                      {r.decision === 'accepted'
                        ? `accepted ${r.acceptedUnits}`
                        : r.decision === 'pending'
                          ? 'awaiting decision'
                          : r.decision}
                    </Badge>
                  )}
                </Group>
                {isOpen && r.acceptUntil && (
                  <Text size="xs" c="dimmed" mt={4}>
                    Decide by {formatDate(r.acceptUntil)}
                  </Text>
                )}
              </Paper>
            );
          })}
        </Stack>
      )}
    </Section>
  );
}

const PIPELINE_ROWS = 10;

function PipelineSection({ a }: { a: DealerAvailability }) {
  const [isAll, setAll] = useState(false);
  const shown = isAll ? a.pipeline : a.pipeline.slice(0, PIPELINE_ROWS);
  return (
    <Section
      title="Pipeline and stock"
      description="Vehicles on order, in build, on the way (with their ETA) and in stock"
    >
      {a.pipeline.length === 0 ? (
        <Empty title="Nothing in the pipeline" description="No vehicle is on order or in stock." />
      ) : (
        <DataTable
          striped
          minWidth={520}
          testId="pipeline-table"
          scrollLabel="Pipeline and stock"
          rows={shown}
          rowKey={(v) => v.vin}
          columns={[
            {
              header: 'Vehicle',
              isSticky: true,
              cell: (v) => (
                <>
                  <Text size="sm">{v.skuName}</Text>
                  <Text size="xs" c="dimmed">
                    {v.orderType === 'dealer' ? 'dealer order' : 'stock order'}
                    {v.options.length > 0 && ` · ${v.options.join(', ')}`}
                  </Text>
                </>
              ),
            },
            {
              header: 'Status',
              width: 120,
              cell: (v) => (
                <Badge color={STATUS_COLORS[v.status]} variant="light">
                  {STATUS_LABELS[v.status]}
                </Badge>
              ),
            },
            {
              header: 'ETA / in stock since',
              cell: (v) =>
                v.status === 'at_dealer'
                  ? `${formatDate(v.arrivedOn)} (${formatInt(v.ageDays)} days)`
                  : v.eta
                    ? formatDate(v.eta)
                    : v.planWeek
                      ? `planned ${v.planWeek}${v.plant ? `, ${v.plant}` : ''}`
                      : '–',
            },
            {
              header: 'VIN',
              cell: (v) => (
                <Text size="xs" ff="monospace">
                  {v.vin}
                </Text>
              ),
            },
          ]}
        />
      )}
      {a.pipeline.length > PIPELINE_ROWS && (
        <Button variant="subtle" size="xs" w="fit-content" onClick={() => setAll(!isAll)}>
          {isAll ? 'Show the first ten' : `Show all ${a.pipeline.length} vehicles`}
        </Button>
      )}
    </Section>
  );
}

function OrderableSection({ a }: { a: DealerAvailability }) {
  const [isAll, setAll] = useState(false);
  const allocated = a.orderable.filter((o) => o.isAllocated);
  const open = a.orderable.filter((o) => !o.isAllocated);
  return (
    <Section
      title="What you can order"
      description="Open SKUs can be ordered freely; allocated ones only up to your allocation"
    >
      <Text size="sm" data-testid="orderable-summary">
        {allocated.length > 0
          ? `${allocated.length} SKU${allocated.length === 1 ? ' is' : 's are'} allocated this month; `
          : 'Nothing is allocated this month; '}
        {open.length} SKU{open.length === 1 ? '' : 's'} in{' '}
        {new Set(open.map((o) => o.modelLineCode)).size} model lines can be ordered freely.
        <Button variant="subtle" size="compact-xs" ml={4} onClick={() => setAll(!isAll)}>
          {isAll ? 'Hide' : 'Show all'}
        </Button>
      </Text>
      <Group gap="xs">
        {(isAll ? a.orderable : allocated).map((o) => (
          <Badge
            key={o.sku}
            size="lg"
            variant={o.isAllocated ? 'outline' : 'light'}
            color={o.isAllocated ? (o.allocatedUnits ? 'orange' : 'gray') : 'teal'}
            style={{ textTransform: 'none' }}
          >
            {o.name}
            {o.isAllocated ? ` · allocated ${o.allocatedUnits ?? 0}` : ' · open'}
          </Badge>
        ))}
      </Group>
    </Section>
  );
}
