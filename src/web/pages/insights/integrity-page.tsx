/**
 * The integrity queue (OEM audit roles): flags of documented incentive-fraud patterns inside the
 * audit look-back, open first by money at stake, each with its evidence; dismiss with a reason
 * or confirm.
 */
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Badge,
  Button,
  Group,
  SegmentedControl,
  Stack,
  Text,
  Textarea,
} from '@mantine/core';
import type { IntegrityFlagRecord } from '../../../shared/schemas/insights';
import { api } from '../../api';
import { localDays } from '../../components/inbox/inbox-card';
import { insightsKey, useIntegrityFlags } from '../../components/insights/insights-queries';
import { PageHeader } from '../../components/page-header';
import { Empty, QueryError, TableSkeleton, errorMessage } from '../../components/query-state';
import { formatDate, formatDateTime, formatMoney } from '../../format';
import { useCurrency } from '../../queries';
import { BorderedCard } from '../../components/bordered-card';

const KIND_LABELS: Record<IntegrityFlagRecord['kind'], string> = {
  month_end_spike_unwound: 'Month-end spike unwound',
  unwind_rate: 'Unwind rate above peers',
  duplicate_vin: 'VIN delivered twice',
  claim_not_delivered: 'Claim without delivery',
  self_delivery: 'Sold to itself or employees',
  demo_loaner_as_retail: 'Demonstrator or loaner as retail',
};

type EvidenceVin = {
  vin?: string | null;
  deliveredOn?: string;
  unwoundOn?: string | null;
  dealer?: string;
  amount?: string;
};

function Evidence({ flag, currency }: { flag: IntegrityFlagRecord; currency: string }) {
  const e = flag.evidence;
  const list = (e.unwound ?? e.deliveries ?? e.vins) as EvidenceVin[] | undefined;
  return (
    <Stack gap={2}>
      {Array.isArray(e.tiersCrossed) && e.tiersCrossed.length > 0 && (
        <Text size="xs">
          Tier thresholds carried by the spike: {(e.tiersCrossed as number[]).join(', ')} units
        </Text>
      )}
      {list && (
        <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }} data-testid="flag-evidence">
          {list.slice(0, 12).map((v, i) => (
            <span key={`${v.vin ?? ''}-${i}`}>
              {i > 0 ? ' · ' : ''}
              {v.vin && (
                <Text span ff="monospace" size="xs">
                  {v.vin}
                </Text>
              )}
              {v.dealer ? `${v.vin ? ' ' : ''}${v.dealer}` : ''}
              {v.deliveredOn ? ` delivered ${formatDate(v.deliveredOn)}` : ''}
              {v.unwoundOn ? `, unwound ${formatDate(v.unwoundOn)}` : ''}
              {v.amount
                ? ` (${formatMoney(v.amount.replace('-', ''), currency, { isCompact: true })})`
                : ''}
            </span>
          ))}
          {list.length > 12 ? ` … and ${list.length - 12} more` : ''}
        </Text>
      )}
    </Stack>
  );
}

function FlagCard({ flag, currency }: { flag: IntegrityFlagRecord; currency: string }) {
  const client = useQueryClient();
  const [reason, setReason] = useState('');
  const [isDismissing, setDismissing] = useState(false);
  const decide = useMutation({
    mutationFn: (body: { decision: 'dismiss' | 'confirm'; reason?: string }) =>
      api.post(`/insights/integrity/${flag.id}/decision`, body),
    onSuccess: () => client.invalidateQueries({ queryKey: [...insightsKey, 'integrity'] }),
  });
  return (
    <BorderedCard data-testid="integrity-flag" data-kind={flag.kind}>
      <Group justify="space-between" wrap="nowrap" align="flex-start" gap="xs">
        <div style={{ minWidth: 0 }}>
          <Group gap={6}>
            <Badge size="sm" variant="light" color="red">
              {KIND_LABELS[flag.kind]}
            </Badge>
            <Badge
              size="sm"
              variant="outline"
              color={
                flag.status === 'open' ? 'orange' : flag.status === 'confirmed' ? 'red' : 'gray'
              }
            >
              {flag.status}
            </Badge>
          </Group>
          <Text fw={600} size="sm" mt={4}>
            <Link to={`/dealers/${encodeURIComponent(flag.dealerCode)}`}>{flag.dealerName}</Link> ·{' '}
            {formatDate(flag.on)}
          </Text>
        </div>
        <Text size="sm" fw={700} c="red.8" style={{ flexShrink: 0 }}>
          {formatMoney(flag.amountAtStake, currency, { isCompact: true })}
        </Text>
      </Group>
      <Text size="sm" mt={4} style={{ overflowWrap: 'anywhere' }}>
        {localDays(flag.summary)}
      </Text>
      <Evidence flag={flag} currency={currency} />
      {flag.status !== 'open' ? (
        <Text size="xs" c="dimmed" mt={4}>
          {flag.status === 'dismissed' ? 'Dismissed' : 'Confirmed'} by {flag.decidedBy}{' '}
          {flag.decidedAt ? formatDateTime(flag.decidedAt) : ''}
          {flag.reason ? `: ${flag.reason}` : ''}
          {flag.chargebacks.length > 0 &&
            ` · charged back ${flag.chargebacks
              .map((c) => `${formatMoney(c.amount, currency)} in ${c.programCode} ${c.period}`)
              .join(', ')}`}
        </Text>
      ) : isDismissing ? (
        <Stack gap={6} mt="xs">
          <Textarea
            label="Why is this not a problem?"
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            autosize
            minRows={2}
          />
          <Group gap="xs">
            <Button
              size="xs"
              disabled={!reason.trim()}
              loading={decide.isPending}
              onClick={() => decide.mutate({ decision: 'dismiss', reason })}
            >
              Dismiss
            </Button>
            <Button size="xs" variant="default" onClick={() => setDismissing(false)}>
              Cancel
            </Button>
          </Group>
        </Stack>
      ) : (
        <Group gap="xs" mt="xs">
          <Button size="xs" variant="default" onClick={() => setDismissing(true)}>
            Dismiss…
          </Button>
          <Button
            size="xs"
            color="red"
            variant="light"
            loading={decide.isPending}
            onClick={() => decide.mutate({ decision: 'confirm' })}
          >
            Confirm and charge back
          </Button>
        </Group>
      )}
      {decide.isError && (
        <Text size="xs" c="red" mt={4}>
          {errorMessage(decide.error)}
        </Text>
      )}
    </BorderedCard>
  );
}

export function IntegrityPage() {
  const [status, setStatus] = useState<'open' | 'dismissed' | 'confirmed'>('open');
  const flags = useIntegrityFlags(status);
  const currency = useCurrency();
  const client = useQueryClient();
  const scan = useMutation({
    mutationFn: () =>
      api.post<{ flags: number; inserted: number; lookbackMonths: number }>(
        '/insights/integrity/scan',
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: [...insightsKey, 'integrity'] }),
  });
  return (
    <>
      <PageHeader
        title="Integrity"
        description="Patterns of incentive fraud found in the feed and the claims, each with its evidence. Nothing is charged back until someone confirms it."
        actions={
          <Button
            variant="default"
            size="sm"
            loading={scan.isPending}
            onClick={() => scan.mutate()}
          >
            Scan now
          </Button>
        }
      />
      {scan.isSuccess && (
        <Alert color="blue" variant="light" mb="sm">
          Scanned the last {scan.data.lookbackMonths} months: {scan.data.flags} findings,{' '}
          {scan.data.inserted} new.
        </Alert>
      )}
      <SegmentedControl
        mb="sm"
        value={status}
        onChange={(v) => setStatus(v as typeof status)}
        data={[
          { value: 'open', label: 'Open' },
          { value: 'confirmed', label: 'Confirmed' },
          { value: 'dismissed', label: 'Dismissed' },
        ]}
      />
      {flags.isError ? (
        <QueryError error={flags.error} onRetry={() => void flags.refetch()} />
      ) : flags.isPending ? (
        <TableSkeleton />
      ) : flags.data.length === 0 ? (
        <Empty
          title={status === 'open' ? 'Nothing to review' : `No ${status} flags`}
          description="Scans run on the deliveries, unwinds and claims of the audit look-back."
        />
      ) : (
        <Stack gap="xs" data-testid="integrity-queue">
          {flags.data.map((f) => (
            <FlagCard key={f.id} flag={f} currency={currency} />
          ))}
        </Stack>
      )}
    </>
  );
}
