/**
 * Regional review: the dealers of the reviewer's region (the whole network for the channel
 * manager) that adjusted cells in a cycle, with each adjustment against the baseline and its
 * interval. Accept a dealer's adjustments (one cell or all pending ones) or override a cell.
 */
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import {
  Accordion,
  Badge,
  Button,
  Group,
  Modal,
  NumberInput,
  Paper,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import type { CycleAdjustments } from '../../../shared/schemas/forecasts';
import { FormError } from '../../components/form-error';
import { ConfirmDialog } from '../../components/form-kit';
import {
  STATUS_COLORS,
  STATUS_LABELS,
  actorName,
  cycleTitle,
  reasonLabel,
  reviewColor,
} from '../../components/forecasts/forecast-labels';
import { useCellOverride } from '../../components/forecasts/use-cell-override';
import {
  useAcceptAll,
  useAcceptCells,
  useCurrentCycle,
  useCycleAdjustments,
} from '../../components/forecasts/forecast-queries';
import { DataTable } from '../../components/data-table';
import { PageHeader } from '../../components/page-header';
import { Empty, QueryError, TableSkeleton } from '../../components/query-state';
import { formatDate, formatInt, formatMonth } from '../../format';
import { QuerySelect } from '../../components/query-select';

type ReviewDealer = CycleAdjustments['dealers'][number];
type ReviewCell = ReviewDealer['cells'][number];
type SortKey = 'change' | 'pending' | 'name';

/** How far a dealer moved its numbers: Σ |dealer's (or the agreed) figure − our estimate|. */
function changeOf(d: ReviewDealer): number {
  return d.cells.reduce((s, c) => s + Math.abs((c.adjusted ?? c.consensus) - c.baseline), 0);
}

function signedChange(d: ReviewDealer): number {
  return d.cells.reduce((s, c) => s + ((c.adjusted ?? c.consensus) - c.baseline), 0);
}

const SORTS: Record<SortKey, (a: ReviewDealer, b: ReviewDealer) => number> = {
  change: (a, b) => changeOf(b) - changeOf(a) || a.name.localeCompare(b.name),
  pending: (a, b) => b.pendingCells - a.pendingCells || changeOf(b) - changeOf(a),
  name: (a, b) => a.name.localeCompare(b.name),
};

export function ForecastReviewPage() {
  const [params, setParams] = useSearchParams();
  const { cycles, current } = useCurrentCycle();
  const chosen = Number(params.get('cycle')) || current?.id || 0;
  const cycle = cycles.data?.find((c) => c.id === chosen) ?? null;
  const isReviewable = cycle?.status === 'adjusting' || cycle?.status === 'review';
  const list = useCycleAdjustments(chosen, chosen > 0);
  const isPhone = useMediaQuery('(max-width: 48em)') ?? false;
  const [sort, setSort] = useState<SortKey>('change');
  const [confirming, setConfirming] = useState(false);
  const dealers = [...(list.data?.dealers ?? [])].sort(SORTS[sort]);
  const pending = dealers.reduce((s, d) => s + d.pendingCells, 0);
  const pendingDealers = dealers.filter((d) => d.pendingCells > 0).length;
  return (
    <Stack gap="lg" data-testid="forecast-review-page">
      <PageHeader
        title="Forecast review"
        description="Dealers’ changes to our statistical estimate: accept them, or set another number with a reason"
        actions={
          <QuerySelect
            query={cycles}
            aria-label="Cycle"
            data={(cycles.data ?? [])
              .filter((c) => c.status !== 'open')
              .map((c) => ({
                value: String(c.id),
                label: `${cycleTitle(c)} · ${STATUS_LABELS[c.status]}`,
              }))}
            value={chosen ? String(chosen) : null}
            onChange={(v) => setParams(v ? { cycle: v } : {}, { replace: true })}
            allowDeselect={false}
            w={340}
            maw="100%"
          />
        }
      />
      {cycle && (
        <Group gap="xs">
          <Badge color={STATUS_COLORS[cycle.status]} variant="light">
            {STATUS_LABELS[cycle.status]}
          </Badge>
          <Text size="sm" c="dimmed">
            {dealers.length} dealer{dealers.length === 1 ? '' : 's'} with adjustments · {pending}{' '}
            cell
            {pending === 1 ? '' : 's'} waiting for review
            {cycle.status === 'adjusting' &&
              ` · dealers adjust until ${formatDate(cycle.adjustUntil)}`}
          </Text>
        </Group>
      )}
      {dealers.length > 0 && (
        <Group gap="xs" justify="space-between" wrap="wrap">
          <SegmentedControl
            size="xs"
            aria-label="Sort dealers"
            value={sort}
            onChange={(v) => setSort(v as SortKey)}
            data={[
              { value: 'change', label: 'Biggest change' },
              { value: 'pending', label: 'Most pending' },
              { value: 'name', label: 'Name' },
            ]}
            data-testid="review-sort"
          />
          {isReviewable && pending > 0 && (
            <Button
              color="teal"
              onClick={() => setConfirming(true)}
              data-testid="accept-all-scope"
              fullWidth={isPhone}
            >
              Accept all {pending} pending
            </Button>
          )}
        </Group>
      )}
      {confirming && (
        <AcceptAllDialog
          cycleId={chosen}
          cells={pending}
          dealers={pendingDealers}
          onClose={() => setConfirming(false)}
        />
      )}
      {cycles.isError ? (
        <QueryError error={cycles.error} onRetry={() => void cycles.refetch()} />
      ) : !cycles.isPending && !cycle ? (
        <Empty
          title="No cycle to review"
          description="When a cycle’s baseline is ready, dealers’ adjustments show up here."
        />
      ) : list.isError ? (
        <QueryError error={list.error} onRetry={() => void list.refetch()} />
      ) : list.isPending ? (
        <TableSkeleton />
      ) : dealers.length === 0 ? (
        <Empty
          title="No adjustments"
          description="None of your dealers has changed the baseline in this cycle."
        />
      ) : (
        <Accordion
          variant="separated"
          multiple
          defaultValue={dealers
            .filter((d) => d.pendingCells > 0)
            .slice(0, 3)
            .map((d) => d.code)}
        >
          {dealers.map((d) => (
            <DealerReview
              key={d.code}
              cycleId={chosen}
              dealer={d}
              isReviewable={isReviewable}
              isPhone={isPhone}
            />
          ))}
        </Accordion>
      )}
    </Stack>
  );
}

function AcceptAllDialog({
  cycleId,
  cells,
  dealers,
  onClose,
}: {
  cycleId: number;
  cells: number;
  dealers: number;
  onClose: () => void;
}) {
  const acceptAll = useAcceptAll(cycleId);
  const [comment, setComment] = useState('');
  return (
    <ConfirmDialog
      onClose={onClose}
      title="Accept every pending change?"
      testId="accept-all-confirm"
      confirmTestId="accept-all-confirm-button"
      onConfirm={() =>
        acceptAll.mutate(comment.trim() ? { comment: comment.trim() } : {}, {
          onSuccess: onClose,
        })
      }
      confirmLabel={`Accept ${cells}`}
      color="teal"
      isPending={acceptAll.isPending}
      error={acceptAll.error}
    >
      <Text size="sm">
        Accepts <b>{cells}</b> pending change{cells === 1 ? '' : 's'} of <b>{dealers}</b> dealer
        {dealers === 1 ? '' : 's'} in your scope as the agreed forecast, in one step. Changes you
        want to look at first: set another number before you accept.
      </Text>
      <TextInput
        label="Comment (optional)"
        value={comment}
        onChange={(e) => setComment(e.currentTarget.value)}
        maxLength={2000}
      />
    </ConfirmDialog>
  );
}

function DealerReview({
  cycleId,
  dealer,
  isReviewable,
  isPhone,
}: {
  cycleId: number;
  dealer: ReviewDealer;
  isReviewable: boolean;
  isPhone: boolean;
}) {
  const accept = useAcceptCells(cycleId, dealer.code);
  const [overriding, setOverriding] = useState<ReviewCell | null>(null);
  /** Accept (a dealer's figure not yet accepted) and change/override one cell. */
  const cellActions = (c: ReviewCell, size: string, overrideLabel: string) => (
    <>
      {c.adjusted !== null && c.reviewStatus !== 'accepted' && (
        <Button
          size={size}
          variant="light"
          color="teal"
          onClick={() => accept.mutate({ cells: [{ modelLine: c.modelLine, month: c.month }] })}
        >
          Accept
        </Button>
      )}
      <Button size={size} variant="light" color="grape" onClick={() => setOverriding(c)}>
        {overrideLabel}
      </Button>
    </>
  );
  return (
    <Accordion.Item value={dealer.code} data-dealer={dealer.code}>
      <Accordion.Control>
        <Group justify="space-between" wrap="wrap" gap="xs" pr="xs">
          <div style={{ minWidth: 0 }}>
            <Text fw={600} truncate>
              {dealer.name}
            </Text>
            <Text size="xs" c="dimmed" data-testid="review-change">
              {dealer.regionCode} · our estimate {formatInt(Math.round(dealer.baseline))} ·{' '}
              {formatSigned(Math.round(signedChange(dealer)))} vehicles
            </Text>
          </div>
          <Group gap={4}>
            {dealer.pendingCells > 0 && <Badge color="orange">{dealer.pendingCells} pending</Badge>}
            {dealer.acceptedCells > 0 && (
              <Badge color="teal" variant="light">
                {dealer.acceptedCells} accepted
              </Badge>
            )}
            {dealer.overriddenCells > 0 && (
              <Badge color="grape" variant="light">
                {dealer.overriddenCells} overridden
              </Badge>
            )}
          </Group>
        </Group>
      </Accordion.Control>
      <Accordion.Panel>
        <Stack gap="sm">
          {isPhone ? (
            <Stack gap="xs">
              {dealer.cells.map((c) => (
                <Paper key={`${c.modelLine}|${c.month}`} withBorder radius="sm" p="xs">
                  <Group justify="space-between" gap="xs" wrap="nowrap">
                    <Text size="sm" fw={600}>
                      {c.modelLineName} · {formatMonth(c.month)}
                    </Text>
                    <Badge size="sm" variant="light" color={statusColor(c)}>
                      {statusLabel(c)}
                    </Badge>
                  </Group>
                  <Text size="sm">
                    {formatInt(Math.round(c.baseline))} → <b>{c.adjusted ?? '–'}</b>{' '}
                    <Text span size="xs" c="dimmed">
                      (likely {Math.round(c.lower80)}–{Math.round(c.upper80)})
                    </Text>
                  </Text>
                  <Text size="xs" c="dimmed">
                    {reasonLabel(c.adjustReason)}
                    {c.adjustComment ? ` · “${c.adjustComment}”` : ''}
                  </Text>
                  {isReviewable && (
                    <Group gap="xs" mt={6} grow>
                      {cellActions(c, 'sm', 'Change')}
                    </Group>
                  )}
                </Paper>
              ))}
            </Stack>
          ) : (
            <DataTable
              fz="sm"
              verticalSpacing={6}
              minWidth={760}
              scrollLabel={`Forecast cells of ${dealer.name}`}
              rows={dealer.cells}
              rowKey={(c) => `${c.modelLine}|${c.month}`}
              columns={[
                { header: 'Model line', isSticky: true, cell: (c) => c.modelLineName },
                { header: 'Month', isNowrap: true, cell: (c) => formatMonth(c.month) },
                {
                  header: 'Our estimate (likely)',
                  align: 'right',
                  isNowrap: true,
                  cell: (c) => (
                    <>
                      {formatInt(Math.round(c.baseline))}{' '}
                      <Text span size="xs" c="dimmed">
                        ({Math.round(c.lower80)}–{Math.round(c.upper80)})
                      </Text>
                    </>
                  ),
                },
                {
                  header: 'Dealer',
                  align: 'right',
                  td: (c) => ({
                    fw: 700,
                    c:
                      c.adjusted !== null && (c.adjusted < c.lower80 || c.adjusted > c.upper80)
                        ? 'red.7'
                        : undefined,
                  }),
                  cell: (c) => c.adjusted ?? '–',
                },
                {
                  header: 'Why',
                  cell: (c) => (
                    <>
                      <Text size="sm">{reasonLabel(c.adjustReason)}</Text>
                      {c.adjustComment && (
                        <Text size="xs" c="dimmed" lineClamp={2}>
                          “{c.adjustComment}”
                        </Text>
                      )}
                      {c.adjustedBy && (
                        <Text size="xs" c="dimmed">
                          {actorName(c.adjustedBy)}
                        </Text>
                      )}
                    </>
                  ),
                },
                {
                  header: 'Agreed',
                  align: 'right',
                  cell: (c) => formatInt(Math.round(c.consensus)),
                },
                {
                  header: 'Status',
                  th: { miw: 120 },
                  cell: (c) => (
                    <>
                      <Badge
                        size="sm"
                        variant="light"
                        color={reviewColor(c.reviewStatus, 'orange')}
                      >
                        {c.reviewStatus}
                      </Badge>
                      {c.overrideReason && (
                        <Text size="xs" c="dimmed" lineClamp={2}>
                          {c.overrideReason}
                        </Text>
                      )}
                    </>
                  ),
                },
                isReviewable && {
                  key: 'actions',
                  cell: (c) => (
                    <Group gap={4} wrap="nowrap">
                      {cellActions(c, 'compact-xs', 'Override')}
                    </Group>
                  ),
                },
              ]}
            />
          )}
          <FormError error={accept.error} />
          <Group gap="xs">
            {isReviewable && dealer.pendingCells > 0 && (
              <Button
                size={isPhone ? 'sm' : 'xs'}
                color="teal"
                loading={accept.isPending}
                onClick={() => accept.mutate({})}
              >
                Accept all {dealer.pendingCells} pending
              </Button>
            )}
            <Button
              size="xs"
              variant="default"
              component={Link}
              to={`/forecasts/cycles/${cycleId}/dealers/${encodeURIComponent(dealer.code)}`}
            >
              Open the grid
            </Button>
          </Group>
        </Stack>
      </Accordion.Panel>
      {overriding && (
        <OverrideDialog
          cycleId={cycleId}
          dealer={dealer}
          cell={overriding}
          onClose={() => setOverriding(null)}
        />
      )}
    </Accordion.Item>
  );
}

function OverrideDialog({
  cycleId,
  dealer,
  cell,
  onClose,
}: {
  cycleId: number;
  dealer: ReviewDealer;
  cell: ReviewCell;
  onClose: () => void;
}) {
  const o = useCellOverride({
    cycleId,
    dealerCode: dealer.code,
    cell,
    initial: cell.override ?? Math.round(cell.baseline),
    missingReason: 'Say why, so the dealer knows',
    onSaved: onClose,
  });
  return (
    <Modal
      opened
      onClose={onClose}
      title={`Override ${cell.modelLineName}, ${formatMonth(cell.month)}`}
    >
      <form noValidate onSubmit={o.onSubmit}>
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            {dealer.name} changed our estimate of {formatInt(Math.round(cell.baseline))} to{' '}
            {cell.adjusted ?? '–'} ({reasonLabel(cell.adjustReason)}). Your number becomes the
            agreed forecast.
          </Text>
          <NumberInput
            label="Vehicles"
            value={o.value}
            onChange={o.setValue}
            allowDecimal={false}
            error={o.valueError}
            data-autofocus
          />
          <TextInput
            label="Reason"
            value={o.reason}
            onChange={(e) => o.setReason(e.currentTarget.value)}
            error={o.reasonError}
          />
          <FormError error={o.override.error} problems={o.rest} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" color="grape" loading={o.override.isPending}>
              Override
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function formatSigned(n: number): string {
  return n > 0 ? `+${formatInt(n)}` : n < 0 ? `−${formatInt(-n)}` : '±0';
}

function statusColor(c: ReviewCell): string {
  return reviewColor(c.reviewStatus, 'orange');
}

function statusLabel(c: ReviewCell): string {
  return c.reviewStatus === 'pending' ? 'waiting' : c.reviewStatus;
}
