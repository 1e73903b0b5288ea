/**
 * OEM: the allocation run screen. Enter the month's supply per SKU of a model line, try the
 * formula (what-if, nothing saved), create a draft, override a dealer's units with a reason,
 * publish (recorded in the ledger), re-allocate what dealers declined; and the history of runs.
 */
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import type { ModelLine, Sku } from '../../../shared/schemas/catalog';
import { api, type Page } from '../../api';
import { PageHeader, Section } from '../../components/page-header';
import { DataTable, RowButton, clickableRow } from '../../components/data-table';
import { Empty, QueryError, TableSkeleton, errorMessage } from '../../components/query-state';
import { QuerySelect } from '../../components/query-select';
import { formatDate, formatInt, formatMonthLong } from '../../format';
import { useCan } from '../../session';
import {
  useCreateRun,
  useOverride,
  usePublish,
  useReallocate,
  useRun,
  useRunResults,
  useRuns,
  useWhatIf,
  useWhatIfResults,
  type AllocationRun,
  type ResultFilter,
  type ResultPage,
  type WhatIfRun,
  decisionColor,
} from './availability-queries';
import { monthOptions } from './supply-demand-page';

export function AllocationPage() {
  const months = monthOptions();
  const [month, setMonth] = useState(months[1]!.value);
  const [picked, setModelLine] = useState<string | null>(null);
  const [supply, setSupply] = useState<Record<string, number>>({});
  const [selected, setSelected] = useState<string | null>(null);
  const lines = useQuery({
    queryKey: ['catalog', 'model-lines'],
    queryFn: ({ signal }) => api.get<ModelLine[]>('/model-lines', undefined, signal),
  });
  const modelLine = picked ?? lines.data?.find((l) => l.status === 'active')?.code ?? null;
  const skus = useQuery({
    queryKey: ['catalog', 'skus', modelLine],
    queryFn: ({ signal }) =>
      api.get<Page<Sku>>('/skus', { modelLine: modelLine!, status: 'active', limit: 100 }, signal),
    enabled: !!modelLine,
  });
  const whatIf = useWhatIf();
  const create = useCreateRun();
  const runs = useRuns();
  const body = {
    month,
    modelLine: modelLine ?? '',
    supply: (skus.data?.items ?? []).map((s) => ({ sku: s.code, units: supply[s.code] ?? 0 })),
  };
  const shown: WhatIfRun | undefined = whatIf.data;
  const [whatIfBody, setWhatIfBody] = useState(body);
  return (
    <Stack gap="lg" data-testid="allocation-page">
      <PageHeader
        title="Allocation runs"
        description="Allocate a month's constrained supply by the published formula: turn-and-earn, days' supply and open commitments, with eligibility and tier caps"
      />
      <Section title="New run" description="The supply to allocate per SKU">
        <Paper withBorder radius="md" p="md">
          <Group gap="sm" align="flex-end">
            <Select
              label="Month"
              data={months}
              value={month}
              onChange={(v) => v && setMonth(v)}
              allowDeselect={false}
              w={180}
            />
            <QuerySelect
              query={lines}
              label="Model line"
              data={(lines.data ?? [])
                .filter((l) => l.status === 'active')
                .map((l) => ({ value: l.code, label: l.name }))}
              value={modelLine}
              onChange={(v) => {
                setModelLine(v);
                setSupply({});
                whatIf.reset();
              }}
              allowDeselect={false}
              w={220}
              searchable
            />
          </Group>
          <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} spacing="sm" mt="sm">
            {(skus.data?.items ?? []).map((s) => (
              <NumberInput
                key={s.code}
                label={`${s.name} (${s.powertrain})`}
                min={0}
                max={100000}
                value={supply[s.code] ?? 0}
                onChange={(v) => setSupply({ ...supply, [s.code]: Number(v) || 0 })}
              />
            ))}
          </SimpleGrid>
          <Group gap="xs" mt="md">
            <Button
              variant="default"
              onClick={() => {
                setWhatIfBody(body);
                whatIf.mutate(body);
              }}
              loading={whatIf.isPending}
              disabled={!modelLine}
            >
              What-if
            </Button>
            <Button
              onClick={() =>
                create.mutate(body, {
                  onSuccess: (run) => {
                    setSelected(run.code);
                    whatIf.reset();
                  },
                })
              }
              loading={create.isPending}
              disabled={!modelLine}
            >
              Create draft
            </Button>
          </Group>
          {(whatIf.isError || create.isError) && (
            <Alert color="red" mt="sm">
              {errorMessage(whatIf.error ?? create.error)}
            </Alert>
          )}
        </Paper>
      </Section>
      {shown && (
        <Section
          title="What-if (not saved)"
          description="What the formula gives with this supply today"
        >
          <RunSummary run={shown} />
          <WhatIfResults run={shown} body={whatIfBody} />
        </Section>
      )}
      {selected && <RunPanel code={selected} />}
      <Section
        title="History"
        description="Every run, newest first; published runs are in the ledger"
      >
        {runs.isError ? (
          <QueryError error={runs.error} onRetry={() => void runs.refetch()} />
        ) : !runs.data ? (
          <TableSkeleton />
        ) : runs.data.length === 0 ? (
          <Empty title="No runs yet" description="Create the first run above." />
        ) : (
          <DataTable
            striped
            highlightOnHover
            minWidth={520}
            testId="runs-table"
            scrollLabel="Allocation runs"
            rows={runs.data}
            rowKey={(r) => r.code}
            rowProps={(r) => clickableRow(() => setSelected(r.code), r.code === selected)}
            columns={[
              { header: 'Run', isNowrap: true, cell: (r) => r.code },
              { header: 'Month', isNowrap: true, cell: (r) => formatMonthLong(r.month) },
              { header: 'Model line', cell: (r) => r.modelLineName },
              {
                header: 'Status',
                cell: (r) => (
                  <Badge color={r.status === 'published' ? 'green' : 'gray'} variant="light">
                    {r.status}
                    {r.round > 0 ? ` · round ${r.round + 1}` : ''}
                  </Badge>
                ),
              },
              {
                header: 'Supply',
                align: 'right',
                cell: (r) => formatInt(r.supply.reduce((s, x) => s + x.units, 0)),
              },
            ]}
          />
        )}
      </Section>
    </Stack>
  );
}

function RunPanel({ code }: { code: string }) {
  const run = useRun(code);
  const publish = usePublish(code);
  const reallocate = useReallocate(code);
  const canManage = useCan('allocation:manage');
  if (run.isError) return <QueryError error={run.error} onRetry={() => void run.refetch()} />;
  if (!run.data) return <TableSkeleton />;
  const r = run.data;
  return (
    <Section
      title={`Run ${r.code}`}
      description={`${r.modelLineName} · ${formatMonthLong(r.month)} · ${r.status}${r.acceptUntil ? ` · dealers decide by ${formatDate(r.acceptUntil)}` : ''}`}
      actions={
        canManage && (
          <Group gap="xs">
            {r.status === 'draft' && (
              <Button onClick={() => publish.mutate(undefined)} loading={publish.isPending}>
                Publish
              </Button>
            )}
            {r.status === 'published' && (
              <Button
                variant="default"
                onClick={() => reallocate.mutate(undefined)}
                loading={reallocate.isPending}
              >
                Re-allocate declined
              </Button>
            )}
          </Group>
        )
      }
    >
      {(publish.isError || reallocate.isError) && (
        <Alert color="red">{errorMessage(publish.error ?? reallocate.error)}</Alert>
      )}
      <Text size="xs" c="dimmed" data-testid="published-formula">
        Formula: {String(r.formula.text ?? '')}
      </Text>
      <RunSummary run={r} />
      <StoredResults run={r} isEditable={r.status === 'draft' && canManage} />
    </Section>
  );
}

const FIRST: ResultFilter = { allocatedOnly: true, limit: 50, offset: 0 };

/** The run's summary per SKU and of the model line (the rows are read by page below). */
function RunSummary({ run }: { run: AllocationRun }) {
  const isPublished = run.status === 'published';
  return (
    <DataTable
      striped
      minWidth={640}
      testId="allocation-summary"
      scrollLabel="Run summary per SKU"
      rows={run.totals}
      footerRows={[{ ...run.summary, sku: 'All SKUs' }]}
      rowKey={(t) => t.sku}
      columns={[
        { header: 'SKU', isSticky: true, cell: (t) => t.sku },
        { header: 'Supply', count: (t) => t.supply },
        { header: 'Allocated', count: (t) => t.allocated },
        { header: 'Dealers served', count: (t) => t.dealersServed },
        { header: 'Overrides', count: (t) => t.overrides },
        { header: 'Not eligible', count: (t) => t.excluded },
        isPublished && { header: 'Accepted', count: (t) => t.accepted },
        isPublished && { header: 'Declined', count: (t) => t.declined },
      ]}
    />
  );
}

function StoredResults({ run, isEditable }: { run: AllocationRun; isEditable: boolean }) {
  const [filter, setFilter] = useState(FIRST);
  const results = useRunResults(run.code, filter);
  return (
    <RunResults
      run={run}
      results={results}
      filter={filter}
      setFilter={setFilter}
      isEditable={isEditable}
    />
  );
}

function WhatIfResults({
  run,
  body,
}: {
  run: WhatIfRun;
  body: Parameters<typeof useWhatIfResults>[0];
}) {
  const [filter, setFilter] = useState(FIRST);
  const results = useWhatIfResults(body, run.results, filter);
  return <RunResults run={run} results={results} filter={filter} setFilter={setFilter} />;
}

function RunResults({
  run,
  results,
  filter,
  setFilter,
  isEditable = false,
}: {
  run: AllocationRun;
  /** The page of results the filter asks for (a stored run's or a what-if's). */
  results: { data: ResultPage | undefined; isFetching: boolean };
  filter: ResultFilter;
  setFilter: (f: ResultFilter) => void;
  isEditable?: boolean;
}) {
  const { data: page, isFetching } = results;
  const override = useOverride(run.code);
  const [editing, setEditing] = useState<{ key: string; units: number; reason: string } | null>(
    null,
  );
  const rows = page?.items ?? [];
  const total = page?.total ?? 0;
  const to = (f: Partial<ResultFilter>) => setFilter({ ...filter, offset: 0, ...f });
  return (
    <Stack gap="xs">
      <Group gap="sm" align="flex-end" wrap="wrap">
        <TextInput
          label="Dealer"
          placeholder="Code or name"
          value={filter.q ?? ''}
          onChange={(e) => to({ q: e.currentTarget.value.trim() || undefined })}
          w={200}
        />
        <Select
          label="SKU"
          placeholder="All SKUs"
          data={run.totals.map((t) => t.sku)}
          value={filter.sku ?? null}
          onChange={(v) => to({ sku: v ?? undefined })}
          clearable
          w={200}
        />
        <Checkbox
          label="Only with units"
          checked={filter.allocatedOnly}
          onChange={(e) => to({ allocatedOnly: e.currentTarget.checked })}
          mb={8}
        />
      </Group>
      {override.isError && <Alert color="red">{errorMessage(override.error)}</Alert>}
      <DataTable
        striped
        minWidth={640}
        testId="allocation-results"
        scrollLabel="Allocation results"
        rows={rows}
        rowKey={(r) => `${r.round}/${r.dealerCode}/${r.sku}`}
        columns={[
          {
            header: 'Dealer',
            isSticky: true,
            cell: (r) => (
              <>
                <Text size="sm">{r.dealerName}</Text>
                <Text size="xs" c="dimmed">
                  {r.dealerCode}
                  {r.round > 0 && ` · round ${r.round + 1}`}
                </Text>
              </>
            ),
          },
          { header: 'SKU', cell: (r) => r.skuName },
          {
            header: 'Units',
            align: 'right',
            cell: (r) => (
              <>
                {formatInt(r.units)}
                {r.overrideReason && (
                  <Text size="xs" c="orange">
                    formula {r.formulaUnits}
                  </Text>
                )}
              </>
            ),
          },
          {
            header: 'Why',
            td: () => ({ maw: 420, miw: 220 }),
            cell: (r) => {
              const key = `${r.round}/${r.dealerCode}/${r.sku}`;
              return (
                <>
                  <Text size="xs">{r.explanation}</Text>
                  {r.overrideReason && (
                    <Text size="xs" c="orange">
                      Override: {r.overrideReason}
                    </Text>
                  )}
                  {isEditable &&
                    (editing?.key === key ? (
                      <Group gap={4} mt={4} wrap="nowrap">
                        <NumberInput
                          aria-label="Units"
                          size="xs"
                          w={70}
                          min={0}
                          value={editing.units}
                          onChange={(v) => setEditing({ ...editing, units: Number(v) || 0 })}
                        />
                        <TextInput
                          aria-label="Reason"
                          size="xs"
                          placeholder="Reason"
                          value={editing.reason}
                          onChange={(e) =>
                            setEditing({ ...editing, reason: e.currentTarget.value })
                          }
                        />
                        <Button
                          size="xs"
                          loading={override.isPending}
                          onClick={() =>
                            override.mutate(
                              {
                                dealerCode: r.dealerCode,
                                sku: r.sku,
                                units: editing.units,
                                reason: editing.reason,
                              },
                              { onSuccess: () => setEditing(null) },
                            )
                          }
                        >
                          Save
                        </Button>
                      </Group>
                    ) : (
                      <RowButton onClick={() => setEditing({ key, units: r.units, reason: '' })}>
                        Override
                      </RowButton>
                    ))}
                </>
              );
            },
          },
          {
            header: 'Decision',
            cell: (r) =>
              run.status === 'published' ? (
                <Badge variant="light" color={decisionColor(r.decision)}>
                  {r.decision === 'accepted' ? `accepted ${r.acceptedUnits}` : r.decision}
                </Badge>
              ) : (
                '–'
              ),
          },
        ]}
      />
      {!page ? (
        <TableSkeleton />
      ) : (
        <Group justify="space-between" data-testid="allocation-results-pager">
          <Text size="sm" c="dimmed">
            {total === 0
              ? 'No results match'
              : `${formatInt(filter.offset + 1)}–${formatInt(filter.offset + rows.length)} of ${formatInt(total)}`}
            {isFetching && ' · loading…'}
          </Text>
          <Group gap="xs">
            <Button
              size="xs"
              variant="default"
              disabled={filter.offset === 0}
              onClick={() =>
                setFilter({ ...filter, offset: Math.max(0, filter.offset - filter.limit) })
              }
            >
              Previous
            </Button>
            <Button
              size="xs"
              variant="default"
              disabled={filter.offset + filter.limit >= total}
              onClick={() => setFilter({ ...filter, offset: filter.offset + filter.limit })}
            >
              Next
            </Button>
          </Group>
        </Group>
      )}
    </Stack>
  );
}
