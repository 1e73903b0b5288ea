/**
 * One agreement: header with the actions this user may take, the pending amendment as a diff,
 * progress (charts, term to date with projection, lines × periods), versions with their hashes
 * and the ledger check, and the history. The same page for the OEM and the dealer; the server
 * decides what each may do (allowedTransitions) and answers 404 outside the actor's scope.
 */
import { Link, useNavigate, useParams } from 'react-router-dom';
import { Alert, Anchor, Badge, Button, Group, Paper, SimpleGrid, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import type { Agreement, AgreementProgress } from '../../../shared/schemas/agreements';
import { api, isApiError } from '../../api';
import { NotFound } from '../../components/not-found';
import { FormError } from '../../components/form-error';
import { KpiCard } from '../../components/kpi-card';
import { PageHeader, Section } from '../../components/page-header';
import {
  ChartSkeleton,
  PageSkeleton,
  QueryError,
  TableSkeleton,
} from '../../components/query-state';
import {
  AgreementStatusBadge,
  Fact,
  IconPencil,
  IconRefresh,
} from '../../components/agreements/agreement-bits';
import { AgreementNotices } from '../../components/agreements/agreement-notices';
import { CumulativeLines, PlannedActualBars } from '../../components/agreements/agreement-charts';
import {
  attainmentColor,
  toDateColor,
  formatAttainment,
  formatSigned,
  formatTerm,
} from '../../components/agreements/agreement-labels';
import {
  useAgreement,
  useAgreementInvalidation,
  useAgreementProgress,
} from '../../components/agreements/agreement-queries';
import { HistoryList } from '../../components/agreements/history-list';
import { PendingRevision } from '../../components/agreements/pending-revision';
import { ProgressTable } from '../../components/agreements/progress-table';
import {
  CLOSING,
  FORWARD,
  TransitionActions,
} from '../../components/agreements/transition-actions';
import { VersionsSection } from '../../components/agreements/versions-section';
import { PlanningComparison } from '../../components/agreements/planning-help';
import { dealerLabel, formatDate, formatDateTime, formatInt, formatMonthLong } from '../../format';
import { KIND_LABELS } from '../../labels';
import { isDealerUser, useCan, useMe } from '../../session';

export function AgreementPage() {
  const { id = '' } = useParams();
  const agreementId = Number(id);
  const agreement = useAgreement(agreementId);
  if (!Number.isInteger(agreementId) || agreementId <= 0) return <AgreementNotFound />;
  if (agreement.isPending) return <PageSkeleton />;
  if (agreement.isError) {
    if (isApiError(agreement.error) && agreement.error.status === 404) return <AgreementNotFound />;
    return <QueryError error={agreement.error} onRetry={() => void agreement.refetch()} />;
  }
  return <AgreementView agreement={agreement.data} onReload={() => void agreement.refetch()} />;
}

function AgreementNotFound() {
  const me = useMe();
  return (
    <NotFound
      testId="agreement-not-found"
      title="Agreement not found"
      description={
        isDealerUser(me)
          ? 'There is no such agreement, or it is not one of yours. You can only see your own agreements.'
          : 'There is no such agreement, or it is outside your scope.'
      }
      backTo="/agreements"
      backLabel="All agreements"
    />
  );
}

function TermToDate({ progress }: { progress: AgreementProgress }) {
  const t = progress.totals.termToDate;
  const projectedColor = attainmentColor(t.projectedAttainmentPct);
  return (
    <SimpleGrid cols={{ base: 2, md: 4 }} spacing={{ base: 'xs', sm: 'md' }}>
      <KpiCard
        label="Attainment to date"
        value={
          <Text span inherit c={t.attainmentPct === null ? undefined : `${toDateColor(t)}.8`}>
            {formatAttainment(t.attainmentPct)}
          </Text>
        }
        hint={
          t.projectedTotal === null && t.attainmentPct !== null && t.attainmentPct < 100
            ? `in progress · as of ${formatDate(progress.asOf)}`
            : `as of ${formatDate(progress.asOf)}`
        }
        testId="kpi-attainment"
      />
      <KpiCard
        label="Actual to date"
        value={formatInt(t.actualQuantity)}
        hint={`of ${formatInt(t.plannedQuantity)} planned to date`}
      />
      <KpiCard
        label="Gap to date"
        value={
          <Text span inherit c={t.gap < 0 ? 'red.8' : 'teal.8'}>
            {formatSigned(t.gap)}
          </Text>
        }
        hint={t.gap < 0 ? 'units behind plan' : t.gap > 0 ? 'units ahead of plan' : 'on plan'}
      />
      <KpiCard
        label="Projected at term end"
        value={
          <>
            {formatInt(t.projectedTotal)}
            <Text span c="dimmed" fz="sm" fw={500}>
              {' '}
              / {formatInt(t.plannedTotal)}
            </Text>
          </>
        }
        hint={
          <Text
            span
            size="xs"
            c={projectedColor === 'gray' ? 'dimmed' : `${projectedColor}.8`}
            fw={600}
          >
            {formatAttainment(t.projectedAttainmentPct)} at today’s run rate
          </Text>
        }
        testId="kpi-projection"
      />
    </SimpleGrid>
  );
}

function ProgressSection({ agreement }: { agreement: Agreement }) {
  const progress = useAgreementProgress(agreement.id);
  return (
    <Section
      title="Progress"
      description="Planned vs actual per period, counted from the sales feed as it arrives"
    >
      {progress.isError ? (
        <QueryError error={progress.error} onRetry={() => void progress.refetch()} />
      ) : progress.isPending ? (
        <>
          <ChartSkeleton h={100} />
          <ChartSkeleton />
          <TableSkeleton rows={4} />
        </>
      ) : !progress.data.totals.periods.some((p) => p.isElapsed) ? (
        <>
          <Text size="sm" c="dimmed">
            The term has not started yet: here is the plan. Actuals appear from{' '}
            {formatMonthLong(agreement.terms.startMonth)} on.
          </Text>
          <Paper withBorder p={{ base: 'xs', sm: 'md' }}>
            <Text size="sm" fw={600} mb={4}>
              Planned by period
            </Text>
            <PlannedActualBars totals={progress.data.totals} />
          </Paper>
          <ProgressTable progress={progress.data} />
        </>
      ) : (
        <>
          <TermToDate progress={progress.data} />
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
            <Paper withBorder p={{ base: 'xs', sm: 'md' }}>
              <Text size="sm" fw={600} mb={4}>
                Planned vs actual by period
              </Text>
              <PlannedActualBars totals={progress.data.totals} />
            </Paper>
            <Paper withBorder p={{ base: 'xs', sm: 'md' }}>
              <Text size="sm" fw={600} mb={4}>
                Cumulative, with the run-rate projection
              </Text>
              <CumulativeLines totals={progress.data.totals} />
            </Paper>
          </SimpleGrid>
          <ProgressTable progress={progress.data} />
          <Text size="xs" c="dimmed">
            Each cell: actual units over the plan; green at or above plan, orange within 10 %, red
            below; a period still running is “in progress” until it ends. Scroll sideways for more
            periods.
          </Text>
        </>
      )}
    </Section>
  );
}

function AgreementFacts({ agreement }: { agreement: Agreement }) {
  const canSeeDealer = useCan('network:read');
  return (
    <Paper withBorder p="md">
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }} spacing="md" verticalSpacing="sm">
        <Fact label="Dealer">
          {canSeeDealer ? (
            <Anchor
              component={Link}
              to={`/dealers/${encodeURIComponent(agreement.dealerCode)}`}
              size="sm"
            >
              {dealerLabel(agreement)}
            </Anchor>
          ) : (
            dealerLabel(agreement)
          )}
        </Fact>
        <Fact label="Region">{agreement.regionCode}</Fact>
        <Fact label="Schedule">
          {agreement.terms.frequency === 'monthly' ? 'Monthly' : 'Quarterly'} ·{' '}
          {agreement.terms.periods.length} periods
        </Fact>
        <Fact label="Counts as actual">
          {agreement.terms.countedKinds
            .map((k) => KIND_LABELS[k as keyof typeof KIND_LABELS] ?? k)
            .join(', ')}
        </Fact>
        <Fact label="Drafted by">{agreement.createdBy ?? 'system'}</Fact>
        <Fact label="Last change">{formatDateTime(agreement.updatedAt)}</Fact>
      </SimpleGrid>
    </Paper>
  );
}

function AgreementView({ agreement, onReload }: { agreement: Agreement; onReload: () => void }) {
  const me = useMe();
  const navigate = useNavigate();
  const canWrite = useCan('agreements:write');
  const invalidate = useAgreementInvalidation();
  const renew = useMutation({
    mutationFn: () => api.post<Agreement>(`/agreements/${agreement.id}/renew`),
    onSuccess: async (draft) => {
      await invalidate(draft);
      void navigate(`/agreements/${draft.id}/edit?renewed=1`);
    },
  });
  const isDealer = isDealerUser(me);
  const isDraft = agreement.status === 'draft';
  const canAmend =
    canWrite &&
    (agreement.status === 'active' || agreement.status === 'approved') &&
    !agreement.pendingRevision;
  const canRenew = canWrite && (agreement.status === 'active' || agreement.status === 'expired');
  const waitsForMe =
    agreement.allowedTransitions.includes('accept') ||
    (isDealer && agreement.pendingRevision?.status === 'proposed');

  return (
    <Stack gap="lg" data-testid="agreement-page" data-agreement={agreement.code}>
      <PageHeader
        above={
          <Anchor component={Link} to="/agreements" size="sm">
            ‹ {isDealer ? 'My agreements' : 'Agreements'}
          </Anchor>
        }
        title={agreement.dealerName}
        description={
          <Group gap={6} mt={2}>
            <Badge variant="outline" color="gray" ff="monospace" size="sm">
              {agreement.code}
            </Badge>
            <AgreementStatusBadge status={agreement.status} />
            <span>{formatTerm(agreement.terms.startMonth, agreement.terms.months)}</span>
            <Text span size="sm" c="dimmed" data-testid="agreement-version">
              ·{' '}
              {agreement.approvedVersion
                ? `version ${agreement.approvedVersion}`
                : 'not approved yet'}
              {` · edit #${agreement.version}`}
            </Text>
          </Group>
        }
        actions={
          <>
            <TransitionActions agreement={agreement} onReload={onReload} only={FORWARD} />
            {/* a draft is edited, an active or approved agreement amended (never both) */}
            {((canWrite && isDraft) || canAmend) && (
              <Button
                component={Link}
                to={`/agreements/${agreement.id}/edit`}
                variant="default"
                size="sm"
                leftSection={<IconPencil size={16} />}
              >
                {isDraft ? 'Edit draft' : 'Amend'}
              </Button>
            )}
            {canRenew && (
              <Button
                variant="default"
                size="sm"
                leftSection={<IconRefresh size={16} />}
                loading={renew.isPending}
                onClick={() => renew.mutate()}
              >
                Renew
              </Button>
            )}
            <TransitionActions agreement={agreement} onReload={onReload} only={CLOSING} />
          </>
        }
      />

      {renew.error !== null && <FormError error={renew.error} />}

      {waitsForMe && agreement.status === 'proposed' && (
        <Alert
          color="yellow"
          variant="light"
          title="Waiting for your acceptance"
          data-testid="waits-for-you"
        >
          Review the targets below. Accept to commit your dealership, or send the agreement back
          with a comment.
        </Alert>
      )}
      {agreement.statusComment && (
        <Alert
          color={agreement.status === 'draft' ? 'orange' : 'gray'}
          variant="light"
          title={agreement.status === 'draft' ? 'Sent back with a comment' : 'Comment'}
        >
          “{agreement.statusComment}”
        </Alert>
      )}
      {agreement.renewedFrom && (
        <Text size="sm" c="dimmed">
          Renews {agreement.renewedFrom}.
        </Text>
      )}

      <AgreementNotices agreement={agreement} />

      <PendingRevision agreement={agreement} onReload={onReload} />

      <AgreementFacts agreement={agreement} />

      {['draft', 'proposed', 'accepted'].includes(agreement.status) && (
        <Section
          title="Plan beside last year and the forecast"
          description="Per period: the planned units, the same months a year earlier, and the locked forecast consensus"
        >
          <PlanningComparison agreementId={agreement.id} />
        </Section>
      )}

      <ProgressSection agreement={agreement} />

      <VersionsSection agreementId={agreement.id} />

      <Section title="History" description="Who did what, newest first">
        {agreement.events.length === 0 ? (
          <Text size="sm" c="dimmed">
            Nothing yet.
          </Text>
        ) : (
          <HistoryList events={agreement.events} />
        )}
      </Section>
    </Stack>
  );
}
