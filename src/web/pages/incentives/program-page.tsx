/**
 * One program for the OEM: its definition in words, the tiers, the versions with their hashes,
 * and the statements of every dealer for a settlement period (earned, previously settled, amount
 * due, status) with the budget use; finance also sees the accruals, closes the period and
 * approves closed statements (four eyes: not the program's author).
 */
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import {
  Alert,
  Badge,
  Button,
  Group,
  Paper,
  Progress,
  SimpleGrid,
  Stack,
  Text,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { api, isApiError } from '../../api';
import { NotFound } from '../../components/not-found';
import { FormError } from '../../components/form-error';
import { ProblemList } from '../../components/problem-list';
import { KpiCard } from '../../components/kpi-card';
import { PageHeader, Section } from '../../components/page-header';
import {
  ChartSkeleton,
  PageSkeleton,
  QueryError,
  TableSkeleton,
} from '../../components/query-state';
import { Fact } from '../../components/agreements/agreement-bits';
import { AccrualsChart } from '../../components/incentives/accruals-chart';
import { IncentiveTabs } from '../../components/incentives/incentive-tabs';
import {
  BENEFIT_LABELS,
  MEASURE_LABELS,
  PERIOD_LABELS,
  PROGRAM_STATUS_COLORS,
  definitionOf,
  describeFilter,
  formatMeasure,
  formatPeriodState,
  formatSettlementPeriod,
  formatTierValue,
} from '../../components/incentives/incentive-labels';
import {
  useAccruals,
  useIncentiveInvalidation,
  useProgram,
  useSettlementPeriods,
  useStatements,
  type ProgramView,
} from '../../components/incentives/incentive-queries';
import { DataTable } from '../../components/data-table';
import { StatementsTable } from '../../components/incentives/statements-table';
import { ReconciliationPanel } from '../../components/incentives/reconciliation-panel';
import { SettlementPeriodsPanel } from '../../components/incentives/settlement-periods-panel';
import { formatDate, formatDateTime, formatMoney } from '../../format';
import { useCan } from '../../session';
import { CompactMoney } from '../../components/compact-money';
import { ProgramCostSection, PublishDialog } from '../../components/incentives/program-simulation';
import { QuerySelect } from '../../components/query-select';

export function ProgramPage() {
  const { code = '' } = useParams();
  const program = useProgram(code);
  if (program.isPending) return <PageSkeleton />;
  if (program.isError) {
    if (isApiError(program.error) && program.error.status === 404) {
      return (
        <NotFound
          title="Program not found"
          description="There is no such program."
          backTo="/programs"
          backLabel="All programs"
        />
      );
    }
    return <QueryError error={program.error} onRetry={() => void program.refetch()} />;
  }
  return <ProgramDetail program={program.data} />;
}

function ProgramDetail({ program }: { program: ProgramView }) {
  const def = definitionOf(program);
  const canWrite = useCan('programs:write');
  const invalidate = useIncentiveInvalidation();
  const [confirmingPublish, setConfirmingPublish] = useState(false);
  const action = useMutation({
    mutationFn: (verb: 'publish' | 'close') =>
      api.post(`/programs/${encodeURIComponent(program.code)}/${verb}`),
    onSuccess: () => {
      setConfirmingPublish(false);
      invalidate();
    },
  });
  const hasDraft = program.versions.at(-1)?.status === 'draft' && program.status !== 'closed';
  return (
    <Stack gap="lg" data-testid="program-page" data-program={program.code}>
      <div>
        <PageHeader
          title={def.name}
          description={
            <Group gap={6}>
              <Text span ff="monospace" size="sm">
                {program.code}
              </Text>
              <Badge variant="light" color={PROGRAM_STATUS_COLORS[program.status]}>
                {program.status}
              </Badge>
              <Text span size="sm">
                version {program.versionNo}
              </Text>
            </Group>
          }
          actions={
            canWrite && (
              <>
                {hasDraft && (
                  <>
                    <Button
                      component={Link}
                      to={`/programs/${encodeURIComponent(program.code)}/edit`}
                      size="sm"
                      variant="default"
                    >
                      Edit draft
                    </Button>
                    <Button
                      size="sm"
                      onClick={() => setConfirmingPublish(true)}
                      data-testid="publish-button"
                    >
                      Publish
                    </Button>
                  </>
                )}
                {program.status === 'published' && (
                  <Button
                    size="sm"
                    variant="default"
                    onClick={() => action.mutate('close')}
                    loading={action.isPending}
                  >
                    Close program
                  </Button>
                )}
              </>
            )
          }
        />
        <IncentiveTabs />
        {!confirmingPublish && <FormError error={action.error} />}
        {confirmingPublish && (
          <PublishDialog
            program={program}
            name={def.name}
            onClose={() => setConfirmingPublish(false)}
            onPublish={() => action.mutate('publish')}
            isPublishing={action.isPending}
            error={action.error}
          />
        )}
        {program.warnings.length > 0 && (
          <Alert color="yellow" variant="light" title="Check the definition" mt="xs">
            <ProblemList problems={program.warnings} />
          </Alert>
        )}
      </div>

      {hasDraft && canWrite && <ProgramCostSection program={program} />}

      <Section title="Definition" description={def.description || undefined}>
        <Paper withBorder p="md">
          <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="sm">
            <Fact label="Runs">
              {formatDate(def.startDate)} – {formatDate(def.endDate)}
              {def.graceDays ? ` (+${def.graceDays} days grace)` : ''}
            </Fact>
            <Fact label="Measured / paid">
              {PERIOD_LABELS[def.measurementPeriod]} / {PERIOD_LABELS[def.payoutFrequency]}
            </Fact>
            <Fact label="Measure">{MEASURE_LABELS[def.measure]}</Fact>
            <Fact label="Counts">{describeFilter(def.qualifying)}</Fact>
            <Fact label="Benefit">
              {BENEFIT_LABELS[def.benefit]}, {def.tierMode}
              {def.requiresClaim ? ', paid on approved claims' : ''}
            </Fact>
            <Fact label="Eligible">
              {[
                def.eligibility.regions.length
                  ? `regions ${def.eligibility.regions.join(', ')}`
                  : null,
                def.eligibility.dealerGroups.length
                  ? `groups ${def.eligibility.dealerGroups.join(', ')}`
                  : null,
                def.eligibility.dealers.length ? `${def.eligibility.dealers.length} dealers` : null,
                def.eligibility.requiresActiveAgreement ? 'with an active agreement' : null,
              ]
                .filter(Boolean)
                .join('; ') || 'every active dealer'}
            </Fact>
            <Fact label="Cap per dealer">
              {def.capPerDealer ? formatMoney(def.capPerDealer, def.currency) : 'none'}
            </Fact>
            <Fact label="Budget">
              {def.budget ? formatMoney(def.budget, def.currency) : 'none'}
            </Fact>
          </SimpleGrid>
        </Paper>
      </Section>

      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <Section title="Tiers">
          <DataTable
            testId="tiers-table"
            rows={def.tiers}
            rowKey={(t) => t.from}
            columns={[
              { header: 'Tier', align: 'right', width: 56, cell: (_, i) => i + 1 },
              {
                header: 'From',
                align: 'right',
                isNowrap: true,
                cell: (t) => formatMeasure(def.measure, t.from, def.currency),
              },
              {
                header: 'Pays',
                align: 'right',
                isNowrap: true,
                cell: (t) => formatTierValue(def.benefit, t.value, def.currency),
              },
            ]}
          />
        </Section>
        <Section
          title="Versions"
          description="Each published version is in the ledger with its hash"
        >
          <DataTable
            testId="versions-table"
            minWidth={420}
            rows={program.versions}
            rowKey={(v) => v.versionNo}
            columns={[
              { header: '#', align: 'right', width: 40, cell: (v) => v.versionNo },
              { header: 'From', isNowrap: true, cell: (v) => formatDate(v.effectiveFrom) },
              { header: 'Status', cell: (v) => v.status },
              {
                header: 'Published',
                cell: (v) => <Text size="xs">{formatDateTime(v.publishedAt)}</Text>,
              },
              {
                header: 'SHA-256',
                cell: (v) => (
                  <Text size="xs" ff="monospace" title={v.sha256 ?? undefined}>
                    {v.sha256 ? `${v.sha256.slice(0, 12)}…` : '–'}
                  </Text>
                ),
              },
            ]}
          />
        </Section>
      </SimpleGrid>

      {program.status !== 'draft' && <StatementsSection program={program} />}
    </Stack>
  );
}

function StatementsSection({ program }: { program: ProgramView }) {
  const def = definitionOf(program);
  // The periods as the server's engine labels them, with their state (open, closed, approved…).
  const periodList = useSettlementPeriods(program.code);
  const periods = periodList.data?.items ?? [];
  const [params, setParams] = useSearchParams();
  const current = periods.find((p) => p.isCurrent) ?? periods.filter((p) => p.hasStarted).at(-1);
  // Until the periods arrive, the statements of the server's default period (today's) show.
  const period = params.get('period') ?? current?.period ?? null;
  const statements = useStatements(program.code, period);
  const canManage = useCan('payouts:manage');
  const canApprove = useCan('programs:approve');
  const accruals = useAccruals(program.code, canManage);
  const invalidate = useIncentiveInvalidation();
  const [approving, setApproving] = useState<string | null>(null);
  const closePeriod = useMutation({
    mutationFn: () =>
      api.post(`/programs/${encodeURIComponent(program.code)}/periods/close`, { period }),
    onSuccess: () => invalidate(),
  });
  const approve = useMutation({
    mutationFn: (dealerCode: string) =>
      api.post(
        `/programs/${encodeURIComponent(program.code)}/statements/${encodeURIComponent(dealerCode)}/approve`,
        { period: statements.data?.period ?? period },
      ),
    onSettled: () => setApproving(null),
    onSuccess: () => invalidate(),
  });
  const data = statements.data;
  const selectedPeriod = periods.find((p) => p.period === (data?.period ?? period));
  const budget = data?.budget;
  const openCount = data?.items.filter((s) => s.status === 'open').length ?? 0;
  return (
    <>
      {(canManage || canApprove) && (
        <Section
          title="Settlement"
          description="Close a period once its cut-off and grace have passed, then approve its statements in one go; disputed, changed and over-budget statements are left for one-by-one approval"
        >
          <SettlementPeriodsPanel code={program.code} />
        </Section>
      )}
      <Section
        title="Statements"
        description="Every dealer's statement for the settlement period; live from the sales feed until the period is closed"
        actions={
          <QuerySelect
            query={periodList}
            aria-label="Settlement period"
            data={periods.map((p) => ({
              value: p.period,
              label: formatSettlementPeriod(p.period),
            }))}
            renderOption={({ option }) => {
              const p = periods.find((x) => x.period === option.value);
              return (
                <Stack gap={0}>
                  <Text size="sm">{option.label}</Text>
                  {p && (
                    <Text size="xs" c="dimmed">
                      {formatPeriodState(p)}
                    </Text>
                  )}
                </Stack>
              );
            }}
            value={data?.period ?? period}
            onChange={(v) => v && setParams({ period: v }, { replace: true })}
            allowDeselect={false}
            w={200}
            data-testid="period-picker"
          />
        }
      >
        {selectedPeriod && (
          <Text size="xs" c="dimmed" data-testid="period-facts">
            {formatDate(selectedPeriod.start)} – {formatDate(selectedPeriod.end)}
            {selectedPeriod.isCumulative
              ? ` (cumulative from ${formatDate(selectedPeriod.window.start)})`
              : ''}
            ; sales arriving until {formatDate(selectedPeriod.graceUntil)} count ·{' '}
            {formatPeriodState(selectedPeriod)}
            {selectedPeriod.closedAt ? `, on ${formatDate(selectedPeriod.closedAt)}` : ''}
          </Text>
        )}
        {statements.isError ? (
          <QueryError error={statements.error} onRetry={() => void statements.refetch()} />
        ) : !data ? (
          <TableSkeleton />
        ) : (
          <Stack gap="sm">
            <SimpleGrid cols={{ base: 2, md: 4 }} spacing={{ base: 'xs', sm: 'md' }}>
              <KpiCard
                label="Earned"
                value={<CompactMoney amount={data.totalEarned} currency={data.currency} />}
                hint={`${data.items.length} dealers`}
                testId="kpi-earned"
              />
              <KpiCard
                label="Amount due"
                value={<CompactMoney amount={data.totalAmountDue} currency={data.currency} />}
                hint={formatSettlementPeriod(data.period)}
              />
              <KpiCard
                label="Share of budget"
                value={budget?.usedPercent ? `${budget.usedPercent} %` : '–'}
                hint={
                  budget?.budget ? (
                    <>
                      this period, of{' '}
                      <CompactMoney amount={budget.budget} currency={data.currency} />
                    </>
                  ) : (
                    'no budget set'
                  )
                }
              />
              <KpiCard
                label="At a tier"
                value={`${data.items.filter((s) => s.tierReached !== null).length} / ${data.items.length}`}
                hint="dealers that reached a tier"
              />
            </SimpleGrid>
            {canManage && (
              <Group gap="xs">
                <Button
                  size="xs"
                  variant="default"
                  onClick={() => closePeriod.mutate()}
                  loading={closePeriod.isPending}
                  disabled={openCount === 0}
                >
                  Close {formatSettlementPeriod(data.period)}
                </Button>
                <Text size="xs" c="dimmed">
                  Stores the statements for approval; only after the period’s cut-off.
                </Text>
              </Group>
            )}
            <FormError error={closePeriod.error ?? approve.error} />
            {closePeriod.data !== undefined && (
              <Alert color="teal" variant="light">
                Period closed: the statements wait for approval.
              </Alert>
            )}
            {data.items.length === 0 ? (
              <Text size="sm" c="dimmed">
                No eligible dealer has a statement in this period.
              </Text>
            ) : (
              <StatementsTable
                items={data.items}
                measure={def.measure}
                onApprove={
                  canApprove
                    ? (s) => {
                        setApproving(s.dealerCode);
                        approve.mutate(s.dealerCode);
                      }
                    : undefined
                }
                approving={approving}
              />
            )}
          </Stack>
        )}
      </Section>
      <Section
        title="Reconciliation"
        description="Every feed row of the period inside the program’s window and filters, for every dealer: on a statement line, on a correction line of a later statement, or excluded with its reason"
      >
        <ReconciliationPanel code={program.code} period={data?.period ?? period} />
      </Section>
      {canManage && (
        <Section
          title="Accruals"
          description="Earned per settlement period to date, and the projection to the end of the current window at today’s pace"
        >
          {accruals.isError ? (
            <QueryError error={accruals.error} />
          ) : !accruals.data ? (
            <ChartSkeleton h={220} />
          ) : (
            <Paper withBorder p={{ base: 'xs', sm: 'md' }}>
              <Group gap="lg" mb="xs" data-testid="accruals-summary">
                <Text size="sm">
                  Earned to date{' '}
                  <b>{formatMoney(accruals.data.earnedToDate, accruals.data.currency)}</b>
                </Text>
                <Text size="sm">
                  Projected to the window’s end{' '}
                  <b>{formatMoney(accruals.data.projectedToWindowEnd, accruals.data.currency)}</b>
                </Text>
                {accruals.data.budget.budget && (
                  <Text size="sm" c={accruals.data.budget.isOverrun ? 'red.8' : undefined}>
                    Budget {formatMoney(accruals.data.budget.budget, accruals.data.currency)}:{' '}
                    <b>{accruals.data.budget.usedPercent} % used</b>
                    {accruals.data.budget.isOverrun
                      ? `, overrun ${formatMoney(accruals.data.budget.overrun, accruals.data.currency)} (shown, never pro-rated)`
                      : `, ${formatMoney(accruals.data.budget.remaining ?? '0', accruals.data.currency)} left`}
                  </Text>
                )}
              </Group>
              {accruals.data.budget.budget && (
                <Progress
                  mb="sm"
                  value={Math.min(100, Number(accruals.data.budget.usedPercent ?? 0))}
                  color={accruals.data.budget.isOverrun ? 'red' : 'teal'}
                  aria-label="Budget used"
                />
              )}
              <AccrualsChart accruals={accruals.data} />
            </Paper>
          )}
        </Section>
      )}
    </>
  );
}
