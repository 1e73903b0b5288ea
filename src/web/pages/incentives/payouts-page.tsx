/**
 * Finance: close a settlement period (statements stored for approval), approve statements on the
 * program page (four eyes), build a payout batch of approved statements, export it for accounts
 * payable, and mark it paid. Every batch built so far is listed (GET /payouts), newest first;
 * one opens below the list.
 */
import { useState, type ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  type SelectProps,
} from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { api } from '../../api';
import { FormError } from '../../components/form-error';
import { DownloadButton } from '../../components/download-button';
import { Section } from '../../components/page-header';
import { Pager } from '../../components/pager';
import { QueryError, TableSkeleton } from '../../components/query-state';
import { IncentivePage } from '../../components/incentives/incentive-tabs';
import { clickableRow, DataTable } from '../../components/data-table';
import { PeriodActionDialog } from '../../components/incentives/settlement-periods-panel';
import { ConfirmDialog } from '../../components/form-kit';
import {
  formatPeriodState,
  formatSettlementPeriod,
} from '../../components/incentives/incentive-labels';
import {
  useIncentiveInvalidation,
  usePayoutBatch,
  usePayoutBatches,
  usePrograms,
  useSettlementPeriods,
  type PayoutBatchSummary,
  type PayoutBatchView,
} from '../../components/incentives/incentive-queries';
import { formatDate, formatDateTime, formatInt, formatMoney } from '../../format';
import type { PayoutPreview } from '../../../shared/schemas/bulk-settlement';
import { QuerySelect, type OptionsQuery } from '../../components/query-select';

/** A batch in words: built, exported (its CSV fetched for accounts payable), paid. */
function BatchState({ batch }: { batch: { state: 'built' | 'exported' | 'paid' } }) {
  const color = { built: 'gray', exported: 'blue', paid: 'green' }[batch.state];
  return (
    <Badge color={color} variant="light" data-testid="batch-state">
      {batch.state}
    </Badge>
  );
}

const BATCHES_PER_PAGE = 10;

export function PayoutsPage() {
  const [params, setParams] = useSearchParams();
  const batchCode = params.get('batch');
  const offset = Number(params.get('offset') ?? 0) || 0;
  const open = (code: string) => {
    const next = new URLSearchParams(params);
    next.set('batch', code);
    setParams(next, { replace: true });
  };
  return (
    <IncentivePage
      testId="payouts-page"
      title="Settlement and payouts"
      description="Close a period, approve its statements, pay the approved ones in a batch"
    >
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <ClosePeriod />
        <BuildBatch
          onBuilt={(b) => {
            setParams({ batch: b.code }, { replace: true });
          }}
        />
      </SimpleGrid>
      <Section title="Payout batches" description="Newest first; open one to export or pay it">
        <BatchList
          offset={offset}
          selected={batchCode}
          onOpen={open}
          onOffsetChange={(o) => {
            const next = new URLSearchParams(params);
            if (o) next.set('offset', String(o));
            else next.delete('offset');
            setParams(next, { replace: true });
          }}
        />
        {batchCode && <BatchView code={batchCode} />}
      </Section>
    </IncentivePage>
  );
}

function batchTotals(b: Pick<PayoutBatchSummary, 'totals'>): string {
  return b.totals.map((t) => formatMoney(t.amount, t.currency)).join(' + ') || 'nothing to pay';
}

function BatchList({
  offset,
  selected,
  onOpen,
  onOffsetChange,
}: {
  offset: number;
  selected: string | null;
  onOpen: (code: string) => void;
  onOffsetChange: (offset: number) => void;
}) {
  const batches = usePayoutBatches(offset, BATCHES_PER_PAGE);
  if (batches.isError)
    return <QueryError error={batches.error} onRetry={() => void batches.refetch()} />;
  if (batches.isPending) return <TableSkeleton rows={3} />;
  const { items, total } = batches.data;
  if (total === 0) {
    return (
      <Text size="sm" c="dimmed" data-testid="payout-batches-empty">
        No payout batch yet. Build one from approved statements above.
      </Text>
    );
  }
  return (
    <div>
      <DataTable
        testId="payout-batches"
        minWidth={620}
        fz="sm"
        highlightOnHover
        style={{ whiteSpace: 'nowrap' }}
        rows={items}
        rowKey={(b) => b.code}
        rowProps={(b) => ({
          'data-batch': b.code,
          ...clickableRow(() => onOpen(b.code), b.code === selected),
        })}
        columns={[
          {
            header: 'Batch',
            cell: (b) => (
              <Anchor
                component="button"
                type="button"
                ff="monospace"
                size="sm"
                onClick={() => onOpen(b.code)}
              >
                {b.code}
              </Anchor>
            ),
          },
          { header: 'Status', cell: (b) => <BatchState batch={b} /> },
          { header: 'Created', cell: (b) => formatDate(b.createdAt) },
          { header: 'Approved', cell: (b) => formatDate(b.approvedAt) },
          { header: 'Paid', cell: (b) => formatDate(b.paidAt) },
          { header: 'Dealers', align: 'right', cell: (b) => formatInt(b.dealerCount) },
          {
            header: 'Total',
            align: 'right',
            td: () => ({ fw: 600 }),
            cell: (b) => batchTotals(b),
          },
        ]}
      />
      <Pager
        total={total}
        limit={BATCHES_PER_PAGE}
        offset={offset}
        onOffsetChange={onOffsetChange}
        noun="batches"
      />
    </div>
  );
}

/** A step of the payout run: its section, the program select first, then the step's own fields. */
function PayoutStep({
  title,
  description,
  program,
  children,
}: {
  title: string;
  description: string;
  program: Omit<SelectProps, 'label'> & { query: OptionsQuery };
  children: ReactNode;
}) {
  return (
    <Section title={title} description={description}>
      <Paper withBorder p="md">
        <Stack gap="xs">
          <QuerySelect label="Program" {...program} />
          {children}
        </Stack>
      </Paper>
    </Section>
  );
}

function ClosePeriod() {
  const programs = usePrograms();
  const [code, setCode] = useState<string | null>(null);
  const periods = useSettlementPeriods(code);
  const items = periods.data?.items ?? [];
  const [period, setPeriod] = useState<string | null>(null);
  // Default: the latest period offered for closing (its cut-off and grace have passed).
  const chosen = period ?? items.filter((p) => p.closable).at(-1)?.period ?? null;
  const [isConfirming, setConfirming] = useState(false);
  const [done, setDone] = useState<{ period: string; text: string } | null>(null);
  return (
    <PayoutStep
      title="1. Close a period"
      description="After its cut-off; the statements are stored for approval"
      program={{
        query: programs,
        data: (programs.data ?? [])
          .filter((p) => p.status === 'published')
          .map((p) => ({ value: p.code, label: p.name })),
        value: code,
        onChange: (v) => {
          setCode(v);
          setPeriod(null);
        },
      }}
    >
      <QuerySelect
        query={periods}
        label="Settlement period"
        data={items.map((p) => ({
          value: p.period,
          label: `${formatSettlementPeriod(p.period)} (${formatPeriodState(p)})`,
          disabled: p.status === 'closed',
        }))}
        value={chosen}
        onChange={setPeriod}
        disabled={!code}
      />
      <Group>
        <Button onClick={() => setConfirming(true)} disabled={!code || !chosen}>
          Close period
        </Button>
      </Group>
      {isConfirming && code && chosen && (
        <PeriodActionDialog
          code={code}
          action={{ kind: 'close', period: chosen }}
          onClose={() => setConfirming(false)}
          onDone={(result) => {
            setConfirming(false);
            setDone({ period: chosen, text: result.text });
          }}
        />
      )}
      {done && code && (
        <Alert color="teal" variant="light">
          {done.text}{' '}
          <Anchor
            component={Link}
            to={`/programs/${encodeURIComponent(code)}?period=${encodeURIComponent(done.period)}`}
          >
            Approve them on the program page
          </Anchor>{' '}
          (someone other than the program’s author).
        </Alert>
      )}
    </PayoutStep>
  );
}

function BuildBatch({ onBuilt }: { onBuilt: (batch: PayoutBatchView) => void }) {
  const programs = usePrograms();
  const [code, setCode] = useState<string | null>(null);
  const [glAccount, setGlAccount] = useState('2150-INCENTIVES');
  const invalidate = useIncentiveInvalidation();
  const [isConfirming, setConfirming] = useState(false);
  // The batch preview: what "Build batch" would put in it now.
  const preview = useQuery({
    queryKey: ['incentives', 'payout-preview', code ?? ''],
    queryFn: ({ signal }) =>
      api.get<PayoutPreview>('/payouts/preview', code ? { programCode: code } : undefined, signal),
  });
  const mutation = useMutation({
    mutationFn: () =>
      api.post<PayoutBatchView>('/payouts', { programCode: code ?? undefined, glAccount }),
    onSuccess: (batch) => {
      setConfirming(false);
      void invalidate();
      onBuilt(batch);
    },
  });
  const p = preview.data;
  const summary = p
    ? `${formatInt(p.statements)} approved statements of ${formatInt(p.dealers)} dealers, ${p.totals.map((t) => formatMoney(t.amount, t.currency)).join(' + ') || formatMoney('0', 'USD')}`
    : '…';
  return (
    <PayoutStep
      title="2. Build a payout batch"
      description="Every approved, unpaid statement (of one program, or all); statements are approved on the program page, not by the author of the program"
      program={{
        query: programs,
        placeholder: 'Every program',
        data: (programs.data ?? []).map((p) => ({ value: p.code, label: p.name })),
        value: code,
        onChange: setCode,
        clearable: true,
      }}
    >
      <TextInput
        label="GL account"
        value={glAccount}
        onChange={(e) => setGlAccount(e.currentTarget.value)}
      />
      <Text size="sm" data-testid="payout-preview">
        Waiting for payout: {summary}
      </Text>
      <Group>
        <Button
          onClick={() => setConfirming(true)}
          disabled={!glAccount.trim() || !p || p.statements === 0}
        >
          Build batch
        </Button>
      </Group>
      <FormError error={mutation.error} />
      {isConfirming && (
        <ConfirmDialog
          onClose={() => setConfirming(false)}
          title="Build a payout batch?"
          onConfirm={() => mutation.mutate()}
          confirmLabel={`Build batch of ${p?.statements ?? 0} payments`}
          isPending={mutation.isPending}
          error={mutation.error}
        >
          <Text size="sm" data-testid="batch-confirm-totals">
            The batch pays {summary}, booked to {glAccount}. It can then be exported for accounts
            payable and marked paid.
          </Text>
        </ConfirmDialog>
      )}
    </PayoutStep>
  );
}

function BatchView({ code }: { code: string }) {
  const batch = usePayoutBatch(code);
  const invalidate = useIncentiveInvalidation();
  const paid = useMutation({
    mutationFn: () => api.post<PayoutBatchView>(`/payouts/${encodeURIComponent(code)}/paid`),
    onSuccess: () => void invalidate(),
  });
  if (batch.isError) return <QueryError error={batch.error} />;
  if (batch.isPending) return <TableSkeleton rows={3} />;
  const b = batch.data;
  return (
    <Stack gap="xs" data-testid="payout-batch">
      <Group justify="space-between">
        <Group gap="xs">
          <Text fw={700} ff="monospace">
            {b.code}
          </Text>
          <BatchState batch={b} />
          <Text size="sm" c="dimmed">
            {formatDateTime(b.createdAt)} · {b.items.length} payments · {batchTotals(b)}
          </Text>
        </Group>
        <Group gap="xs">
          <DownloadButton
            href={`/api/v1/payouts/${encodeURIComponent(b.code)}/export`}
            download
            // the download records the export (built → exported): show it once it is done
            onClick={() => setTimeout(() => void invalidate(), 1500)}
            size="xs"
          >
            Export CSV
          </DownloadButton>
          {b.status !== 'paid' && (
            <Button size="xs" color="teal" onClick={() => paid.mutate()} loading={paid.isPending}>
              Mark paid
            </Button>
          )}
        </Group>
      </Group>
      <FormError error={paid.error} />
      <DataTable
        minWidth={640}
        fz="sm"
        striped
        rows={b.items}
        rowKey={(i) => i.reference}
        columns={[
          { header: 'Dealer', cell: (i) => i.dealerName },
          {
            header: 'ERP vendor',
            td: () => ({ ff: 'monospace' }),
            cell: (i) => i.erpVendorId ?? '–',
          },
          {
            header: 'Program · period',
            cell: (i) => `${i.programCode} · ${formatSettlementPeriod(i.period)}`,
          },
          { header: 'Reference', td: () => ({ ff: 'monospace' }), cell: (i) => i.reference },
          {
            header: 'Amount',
            align: 'right',
            td: () => ({ fw: 600 }),
            cell: (i) => formatMoney(i.amount, i.currency),
          },
        ]}
      />
    </Stack>
  );
}
