/**
 * One dealer's statement for a program and settlement period: the figures, every line (one
 * transaction each, with its tier and rate), the adjustments, clawbacks and cap, the rows that did
 * not count and why, a check that the lines add up, the CSV and the printable PDF. Finance
 * approves a closed statement here; the dealer disputes a line.
 */
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { Alert, Anchor, Button, Group, Paper, SimpleGrid, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useMediaQuery } from '@mantine/hooks';
import type { StatementLineView } from '../../../shared/schemas/incentives';
import { api, isApiError } from '../../api';
import { NotFound } from '../../components/not-found';
import { FormError } from '../../components/form-error';
import { CommentDialog } from '../../components/form-kit';
import { IconCheck } from '../../components/icons';
import { DownloadButton } from '../../components/download-button';
import { KpiCard } from '../../components/kpi-card';
import { DataTable, RowButton } from '../../components/data-table';
import { PageHeader, Section } from '../../components/page-header';
import { PageSkeleton, QueryError } from '../../components/query-state';
import {
  EXCLUSION_LABELS,
  formatMeasure,
  formatSettlementPeriod,
  definitionOf,
} from '../../components/incentives/incentive-labels';
import {
  statementFileUrl,
  useIncentiveInvalidation,
  useProgram,
  useStatement,
  type StatementDetail,
} from '../../components/incentives/incentive-queries';
import { StatementStatusBadge } from '../../components/incentives/statements-table';
import {
  isChangedSinceClose,
  SnapshotChanged,
  SnapshotNote,
} from '../../components/incentives/statement-snapshot';
import { CorrectionLines } from '../../components/incentives/correction-lines';
import { formatDate, formatMoney, personName, sumDecimals } from '../../format';
import { isDealerUser, useCan, useMe } from '../../session';

const PAGE = 100;

const MONO = () => ({ ff: 'monospace' });

export function StatementPage() {
  const { code = '', dealerCode = '' } = useParams();
  const [params] = useSearchParams();
  const period = params.get('period');
  const statement = useStatement(code, dealerCode, period);
  const me = useMe();
  if (statement.isPending) return <PageSkeleton />;
  if (statement.isError) {
    if (isApiError(statement.error) && statement.error.status === 404) {
      return (
        <NotFound
          testId="statement-not-found"
          title="Statement not found"
          description={
            isDealerUser(me)
              ? 'There is no such statement, or it is not one of yours.'
              : 'There is no such program or dealer in your scope.'
          }
          backTo="/incentives"
          backLabel="Incentives"
        />
      );
    }
    return <QueryError error={statement.error} onRetry={() => void statement.refetch()} />;
  }
  return <StatementView statement={statement.data} />;
}

function sameAmount(a: string, b: string): boolean {
  return sumDecimals([a, `-${b}`.replace('--', '')]) === '0';
}

function StatementView({ statement: s }: { statement: StatementDetail }) {
  const program = useProgram(s.programCode);
  const def = program.data ? definitionOf(program.data) : null;
  const me = useMe();
  const canApprove = useCan('programs:approve');
  const canDispute = useCan('disputes:write');
  const invalidate = useIncentiveInvalidation();
  const [shown, setShown] = useState(PAGE);
  const [disputed, setDisputed] = useState<StatementLineView | null>(null);
  const approve = useMutation({
    mutationFn: () =>
      api.post(
        `/programs/${encodeURIComponent(s.programCode)}/statements/${encodeURIComponent(s.dealerCode)}/approve`,
        { period: s.period },
      ),
    onSuccess: () => invalidate(),
  });
  const benefit = s.lines.filter((l) => l.kind === 'benefit');
  const others = s.lines.filter((l) => l.kind !== 'benefit' && l.kind !== 'correction');
  // percent_of_msrp: the MSRP of one unit each line was priced at (valid on its date).
  const isPriced = s.lines.some((l) => l.unitPrice !== null);
  const linesTotal = sumDecimals(s.lines.map((l) => l.amount));
  const addsUp = sameAmount(linesTotal, s.earned);
  const measure = def?.measure ?? 'units';
  const isPhone = useMediaQuery('(max-width: 48em)') ?? false;
  return (
    <Stack gap="lg" data-testid="statement-page" data-program={s.programCode}>
      <PageHeader
        above={
          <Anchor
            component={Link}
            to={
              isDealerUser(me)
                ? '/incentives'
                : `/programs/${encodeURIComponent(s.programCode)}?period=${encodeURIComponent(s.period)}`
            }
            size="sm"
          >
            ← {def?.name ?? s.programCode}
          </Anchor>
        }
        title={`${s.dealerName}`}
        description={
          <Group gap={6}>
            <Text span size="sm">
              {def?.name ?? s.programCode} · {formatSettlementPeriod(s.period)} (
              {formatDate(s.window.start)} – {formatDate(s.window.end)}, cut-off{' '}
              {formatDate(s.cutoff)})
            </Text>
            <StatementStatusBadge status={s.status} />
          </Group>
        }
        actions={
          <>
            <Button
              component="a"
              href={statementFileUrl(s.programCode, s.dealerCode, s.period, 'pdf')}
              target="_blank"
              rel="noopener"
              size="sm"
              data-testid="statement-pdf"
            >
              Print (PDF)
            </Button>
            <DownloadButton
              href={statementFileUrl(s.programCode, s.dealerCode, s.period, 'export')}
              download
            >
              CSV
            </DownloadButton>
            {canApprove && s.status === 'closed' && (
              <Button
                size="sm"
                color="teal"
                onClick={() => approve.mutate()}
                loading={approve.isPending}
              >
                Approve
              </Button>
            )}
          </>
        }
      />
      <SnapshotNote snapshot={s.snapshot} />
      {s.status === 'settled_later' && s.settledIn && (
        <Alert
          color="gray"
          variant="light"
          title="Settled in a later statement"
          data-testid="settled-later"
        >
          Nothing is payable here: {formatSettlementPeriod(s.settledIn)}&apos;s approved statement
          of the same window was approved first and paid this period with it.{' '}
          <Anchor
            component={Link}
            to={`/programs/${encodeURIComponent(s.programCode)}/statements/${encodeURIComponent(s.dealerCode)}?period=${encodeURIComponent(s.settledIn)}`}
          >
            Open {formatSettlementPeriod(s.settledIn)}
          </Anchor>
        </Alert>
      )}
      {isChangedSinceClose(approve.error) ? (
        <SnapshotChanged error={approve.error} statement={s} onReclosed={() => approve.reset()} />
      ) : (
        <FormError error={approve.error} />
      )}

      <SimpleGrid cols={{ base: 2, md: 4 }} spacing={{ base: 'xs', sm: 'md' }}>
        <KpiCard
          label="Amount due"
          value={formatMoney(s.amountDue, s.currency)}
          hint={
            s.approvedBy ? `approved by ${personName(s.approvedBy)}` : 'earned − previously settled'
          }
          testId="kpi-amount-due"
        />
        <KpiCard
          label="Earned"
          value={formatMoney(s.earned, s.currency)}
          hint={`${s.lineCount} line${s.lineCount === 1 ? '' : 's'}`}
        />
        <KpiCard
          label="Previously settled"
          value={formatMoney(s.previouslySettled, s.currency)}
          hint="approved earlier settlements of this window"
        />
        <KpiCard
          label="Measure"
          value={formatMeasure(measure, s.measureValue, s.currency)}
          hint={
            s.tierReached === null
              ? 'no tier reached'
              : `tier from ${s.tierReached}${s.tierValue ? ` pays ${s.tierValue}` : ''}`
          }
        />
      </SimpleGrid>

      {!s.eligible && (
        <Alert color="gray" variant="light" title="Not eligible in this period">
          {s.ineligibleReasons.join('; ')}
        </Alert>
      )}
      {s.measureNote && (
        <Text size="sm" c="dimmed">
          {s.measureNote}
        </Text>
      )}
      <Alert
        variant="light"
        color={addsUp ? 'teal' : 'red'}
        icon={addsUp ? <IconCheck /> : undefined}
        data-testid="lines-check"
      >
        {s.lines.length === 1 ? 'The one line adds' : `The ${s.lines.length} lines add`} up to{' '}
        {formatMoney(linesTotal, s.currency)}
        {addsUp
          ? ', the amount earned.'
          : `, not the ${formatMoney(s.earned, s.currency)} earned.`}{' '}
        Each amount is rounded once, half-up, to the cent.
      </Alert>

      <Section
        title={`Lines (${benefit.length})`}
        description="One per transaction of the sales feed, at the tier and rate that applied"
      >
        {benefit.length === 0 ? (
          <Text size="sm" c="dimmed">
            {s.lines.length > 0
              ? 'No paying transactions in this period: the lines below are what it pays or takes back.'
              : 'No paying transactions in this period yet.'}
          </Text>
        ) : isPhone ? (
          <Stack gap={4} data-testid="statement-lines">
            {benefit.slice(0, shown).map((l) => (
              <Paper withBorder p="xs" key={l.lineNo} data-line={l.lineNo}>
                <Group justify="space-between" wrap="nowrap" gap="xs">
                  <Text size="sm" fw={600} truncate>
                    {l.lineNo}. {l.date ? formatDate(l.date) : '–'} · {l.sku ?? '–'}
                  </Text>
                  <Text size="sm" fw={700} style={{ whiteSpace: 'nowrap' }}>
                    {formatMoney(l.amount, s.currency)}
                  </Text>
                </Group>
                <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                  {l.quantity ?? '–'} ×{' '}
                  {l.unitPrice ? `${formatMoney(l.unitPrice, s.currency)} × ` : ''}
                  {l.rate ?? (l.parts ? `${l.parts.length} rates` : '–')}
                  {l.tierFrom ? ` · tier from ${l.tierFrom}` : ''} · VIN {l.vin ?? '–'} · tx{' '}
                  {l.transactionId ?? '–'}
                </Text>
                {canDispute && l.transactionId && (
                  <Button size="compact-xs" variant="subtle" px={0} onClick={() => setDisputed(l)}>
                    Dispute this line
                  </Button>
                )}
              </Paper>
            ))}
          </Stack>
        ) : (
          <DataTable
            testId="statement-lines"
            minWidth={820}
            verticalSpacing={4}
            fz="sm"
            striped
            rows={benefit.slice(0, shown)}
            rowKey={(l) => l.lineNo}
            rowProps={(l) => ({ title: l.explanation })}
            columns={[
              { header: '#', align: 'right', cell: (l) => l.lineNo },
              { header: 'Date', cell: (l) => l.date ?? '–' },
              { header: 'Transaction', td: MONO, cell: (l) => l.transactionId ?? '–' },
              { header: 'VIN', td: MONO, cell: (l) => l.vin ?? '–' },
              { header: 'SKU', td: MONO, cell: (l) => l.sku ?? '–' },
              { header: 'Qty', align: 'right', cell: (l) => l.quantity ?? '–' },
              isPriced && {
                header: 'Unit price',
                align: 'right',
                isNowrap: true,
                td: () => ({ 'data-unit-price': true }),
                cell: (l) => (l.unitPrice ? formatMoney(l.unitPrice, s.currency) : '–'),
              },
              {
                header: 'Rate',
                align: 'right',
                cell: (l) => l.rate ?? (l.parts ? `${l.parts.length} rates` : '–'),
              },
              { header: 'Tier', align: 'right', cell: (l) => l.tierFrom ?? '–' },
              {
                header: 'Amount',
                align: 'right',
                td: () => ({ fw: 600 }),
                cell: (l) => formatMoney(l.amount, s.currency),
              },
              canDispute && {
                key: 'dispute',
                cell: (l) =>
                  l.transactionId && <RowButton onClick={() => setDisputed(l)}>Dispute</RowButton>,
              },
            ]}
          />
        )}
        {benefit.length > shown && (
          <Group>
            <Button variant="light" size="xs" onClick={() => setShown(benefit.length)}>
              Show all {benefit.length} lines
            </Button>
          </Group>
        )}
        {benefit[0] && (
          <Text size="xs" c="dimmed">
            Line 1: {benefit[0].explanation}
          </Text>
        )}
      </Section>

      {others.length > 0 && (
        <Section title="Adjustments, clawbacks and cap">
          <Stack gap={4} data-testid="statement-adjustments">
            {others.map((l) => (
              <Paper withBorder p="xs" key={l.lineNo}>
                <Group justify="space-between" wrap="nowrap" align="flex-start">
                  <Text size="sm">
                    <b>{l.kind}</b> · {l.explanation}
                  </Text>
                  <Text size="sm" fw={700} style={{ whiteSpace: 'nowrap' }}>
                    {formatMoney(l.amount, s.currency)}
                  </Text>
                </Group>
              </Paper>
            ))}
          </Stack>
        </Section>
      )}

      <CorrectionLines lines={s.lines} currency={s.currency} />

      {s.excluded.length > 0 && (
        <Section
          title={`Not counted (${s.excluded.length})`}
          description="Transactions of the period the rules left out, and why"
        >
          <Stack gap={2}>
            {s.excluded.slice(0, 50).map((e) => (
              <Text size="sm" key={e.transactionId}>
                <Text span ff="monospace">
                  {e.transactionId}
                </Text>{' '}
                · {EXCLUSION_LABELS[e.reason] ?? e.reason}: {e.detail}
              </Text>
            ))}
          </Stack>
        </Section>
      )}

      <DisputeDialog
        statement={s}
        line={disputed}
        onClose={() => setDisputed(null)}
        onDone={() => {
          setDisputed(null);
          void invalidate();
        }}
      />
    </Stack>
  );
}

function DisputeDialog({
  statement,
  line,
  onClose,
  onDone,
}: {
  statement: StatementDetail;
  line: StatementLineView | null;
  onClose: () => void;
  onDone: () => void;
}) {
  const mutation = useMutation({
    mutationFn: (comment: string) =>
      api.post('/disputes', {
        programCode: statement.programCode,
        dealerCode: statement.dealerCode,
        period: statement.period,
        transactionId: line?.transactionId,
        comment,
      }),
    onSuccess: onDone,
  });
  return (
    <CommentDialog
      isOpen={line !== null}
      onClose={onClose}
      title={`Dispute line ${line?.lineNo ?? ''}`}
      commentLabel="What is wrong?"
      onConfirm={(comment, clear) => mutation.mutate(comment, { onSuccess: clear })}
      confirmLabel="Send dispute"
      isPending={mutation.isPending}
      error={mutation.error}
    >
      <Text size="sm">{line?.explanation}</Text>
    </CommentDialog>
  );
}
