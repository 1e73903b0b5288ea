/**
 * The reconciliation of a program's period (GET /programs/{code}/reconciliation): every feed row
 * inside the window and filters in one bucket (a statement line, a correction line in a later
 * statement, or excluded with its reason), as a table whose rows add up to the feed, and a bar
 * chart of the rows per bucket.
 */
import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { Alert, Badge, Group, Paper, Stack, Text } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { ReconciliationView } from '../../../shared/schemas/reconciliation';
import { api } from '../../api';
import { formatDateTime, formatInt, formatMoney, sumDecimals } from '../../format';
import { DataTable } from '../data-table';
import { ChartSkeleton, QueryError } from '../query-state';
import { formatSettlementPeriod } from './incentive-labels';

const BUCKET_LABELS: Record<ReconciliationView['buckets'][number]['bucket'], string> = {
  statement_line: 'Statement line',
  correction_line: 'Correction line',
  excluded: 'Excluded',
};

const REASON_LABELS: Record<string, string> = {
  late: 'arrived after the grace days',
  currency_mismatch: 'another currency',
  duplicate_clawback: 'sale already clawed back',
  sale_category: 'sale category excluded (delivery report)',
  buyer_type: 'buyer type excluded (delivery report)',
  no_report: 'no retail delivery report',
  paid_to_other_dealer: 'vehicle already paid to another dealer',
  delivered_by_other_dealer: 'vehicle delivered earlier by another dealer',
  measure_only: 'counts toward the tier, not paid',
  dealer_ineligible: 'dealer not eligible',
  no_approved_claim: 'no approved claim',
  counts_in_other_window: 'counts in another window (late unwind)',
  no_open_period: 'no open period left to correct in',
  lump_sum: 'paid in the lump sum',
};

function reasonText(bucket: string, reason: string | null): string {
  if (reason === null) return '';
  if (bucket === 'correction_line')
    return `paid in ${formatSettlementPeriod(reason.split(' ')[0]!)}`;
  return REASON_LABELS[reason] ?? reason;
}

export function useReconciliation(code: string, period: string | null) {
  return useQuery({
    queryKey: ['incentives', 'reconciliation', code, period] as const,
    queryFn: ({ signal }) =>
      api.get<ReconciliationView>(
        `/programs/${encodeURIComponent(code)}/reconciliation`,
        { period: period ?? undefined },
        signal,
      ),
    placeholderData: keepPreviousData,
  });
}

export function ReconciliationPanel({ code, period }: { code: string; period: string | null }) {
  const query = useReconciliation(code, period);
  if (query.isError) return <QueryError error={query.error} />;
  if (!query.data) return <ChartSkeleton h={200} />;
  const r = query.data;
  const money = (v: string) => formatMoney(v, r.currency);
  const statementLines = sumDecimals(
    r.buckets.filter((b) => b.bucket === 'statement_line').map((b) => b.amount),
  );
  const data = r.buckets.map((b) => ({
    bucket: `${BUCKET_LABELS[b.bucket]}${b.reason ? ` (${reasonText(b.bucket, b.reason)})` : ''}`,
    rows: b.rows,
  }));
  return (
    <Paper withBorder p={{ base: 'xs', sm: 'md' }} data-testid="reconciliation">
      <Stack gap="sm">
        {r.unaccounted.length > 0 ? (
          <Alert color="red" variant="light" title="Rows not accounted for">
            {r.unaccounted.length} feed rows are in no bucket:{' '}
            {r.unaccounted
              .slice(0, 10)
              .map((u) => `${u.dealerCode} #${u.transactionId}`)
              .join(', ')}
          </Alert>
        ) : (
          <Group gap="xs">
            <Badge color="teal" variant="light">
              All {r.feedRows} feed rows accounted for
            </Badge>
            {r.closedAt && (
              <Text size="xs" c="dimmed">
                Closed {formatDateTime(r.closedAt)}; rows stored later are corrections
              </Text>
            )}
          </Group>
        )}
        <DataTable
          testId="reconciliation-table"
          striped
          minWidth={560}
          rows={r.buckets}
          rowKey={(b) => `${b.bucket}|${b.reason ?? ''}`}
          columns={[
            {
              header: 'Bucket',
              cell: (b) => (
                <>
                  {BUCKET_LABELS[b.bucket]}
                  {b.reason && (
                    <Text span size="xs" c="dimmed">
                      {' '}
                      · {reasonText(b.bucket, b.reason)}
                    </Text>
                  )}
                </>
              ),
              footer: 'Feed rows in the window and filters',
            },
            {
              header: 'Rows',
              align: 'right',
              cell: (b) => formatInt(b.rows),
              footer: formatInt(r.accountedRows),
            },
            {
              header: 'Units',
              align: 'right',
              cell: (b) => formatInt(b.units),
              footer: formatInt(r.buckets.reduce((n, b) => n + b.units, 0)),
            },
            {
              header: 'Revenue',
              align: 'right',
              isNowrap: true,
              cell: (b) => money(b.revenue),
              footer: money(sumDecimals(r.buckets.map((b) => b.revenue))),
            },
            {
              header: 'Amount',
              align: 'right',
              isNowrap: true,
              cell: (b) => (b.bucket === 'excluded' ? '–' : money(b.amount)),
              footer: '',
            },
          ]}
        />
        <Text size="sm" data-testid="reconciliation-sum">
          Statement lines {money(statementLines)} + lines without a feed row (lump sum, cap,
          adjustments, corrections received) {money(r.linesWithoutRow)} = earned{' '}
          <b>{money(r.statementEarned)}</b>
          {r.correctionsWithoutRow !== '0.00' && r.correctionsWithoutRow !== '0' && (
            <> · tier or cap recomputed in later corrections {money(r.correctionsWithoutRow)}</>
          )}
        </Text>
        {data.length > 0 && (
          <BarChart
            h={Math.max(120, 36 * data.length)}
            data={data}
            dataKey="bucket"
            orientation="vertical"
            series={[{ name: 'rows', label: 'Rows', color: 'teal.6' }]}
            yAxisProps={{ width: 220, fontSize: 11 }}
            gridAxis="x"
            tooltipAnimationDuration={0}
          />
        )}
      </Stack>
    </Paper>
  );
}
