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
  Select,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import type { CycleAdjustments } from '../../../shared/schemas/forecasts';
import { apiFieldErrors } from '../../forms';
import { FormError } from '../../components/form-error';
import {
  STATUS_COLORS,
  STATUS_LABELS,
  actorName,
  cycleTitle,
  reasonLabel,
} from '../../components/forecasts/forecast-labels';
import {
  useAcceptCells,
  useCurrentCycle,
  useCycleAdjustments,
  useOverrideCells,
} from '../../components/forecasts/forecast-queries';
import { PageHeader } from '../../components/page-header';
import { Empty, QueryError, TableSkeleton } from '../../components/query-state';
import { formatDate, formatInt, formatMonth } from '../../format';

type ReviewDealer = CycleAdjustments['dealers'][number];
type ReviewCell = ReviewDealer['cells'][number];

export function ForecastReviewPage() {
  const [params, setParams] = useSearchParams();
  const { cycles, current } = useCurrentCycle();
  const chosen = Number(params.get('cycle')) || current?.id || 0;
  const cycle = cycles.data?.find((c) => c.id === chosen) ?? null;
  const isReviewable = cycle?.status === 'adjusting' || cycle?.status === 'review';
  const list = useCycleAdjustments(chosen, chosen > 0);
  const dealers = list.data?.dealers ?? [];
  const pending = dealers.reduce((s, d) => s + d.pendingCells, 0);
  return (
    <Stack gap="lg" data-testid="forecast-review-page">
      <PageHeader
        title="Forecast review"
        description="Dealers’ adjustments to the statistical baseline: accept them, or override a number with a reason"
        actions={
          <Select
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
            <DealerReview key={d.code} cycleId={chosen} dealer={d} isReviewable={isReviewable} />
          ))}
        </Accordion>
      )}
    </Stack>
  );
}

function DealerReview({
  cycleId,
  dealer,
  isReviewable,
}: {
  cycleId: number;
  dealer: ReviewDealer;
  isReviewable: boolean;
}) {
  const accept = useAcceptCells(cycleId, dealer.code);
  const [overriding, setOverriding] = useState<ReviewCell | null>(null);
  return (
    <Accordion.Item value={dealer.code} data-dealer={dealer.code}>
      <Accordion.Control>
        <Group justify="space-between" wrap="wrap" gap="xs" pr="xs">
          <div style={{ minWidth: 0 }}>
            <Text fw={600} truncate>
              {dealer.name}
            </Text>
            <Text size="xs" c="dimmed">
              {dealer.code} · {dealer.regionCode} · baseline{' '}
              {formatInt(Math.round(dealer.baseline))} → consensus{' '}
              {formatInt(Math.round(dealer.consensus))}
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
          <Paper withBorder radius="sm" style={{ overflow: 'hidden' }}>
            <Table.ScrollContainer minWidth={760}>
              <Table fz="sm" verticalSpacing={6}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Model line</Table.Th>
                    <Table.Th>Month</Table.Th>
                    <Table.Th ta="right">Baseline (80 %)</Table.Th>
                    <Table.Th ta="right">Dealer</Table.Th>
                    <Table.Th>Why</Table.Th>
                    <Table.Th ta="right">Consensus</Table.Th>
                    <Table.Th miw={120}>Status</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {dealer.cells.map((c) => {
                    const isOutside =
                      c.adjusted !== null && (c.adjusted < c.lower80 || c.adjusted > c.upper80);
                    return (
                      <Table.Tr key={`${c.modelLine}|${c.month}`}>
                        <Table.Td>{c.modelLineName}</Table.Td>
                        <Table.Td>{formatMonth(c.month)}</Table.Td>
                        <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                          {c.baseline.toFixed(1)}{' '}
                          <Text span size="xs" c="dimmed">
                            ({Math.round(c.lower80)}–{Math.round(c.upper80)})
                          </Text>
                        </Table.Td>
                        <Table.Td ta="right" fw={700} c={isOutside ? 'red.7' : undefined}>
                          {c.adjusted ?? '–'}
                        </Table.Td>
                        <Table.Td>
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
                        </Table.Td>
                        <Table.Td ta="right">{formatInt(Math.round(c.consensus))}</Table.Td>
                        <Table.Td>
                          <Badge
                            size="sm"
                            variant="light"
                            color={
                              c.reviewStatus === 'overridden'
                                ? 'grape'
                                : c.reviewStatus === 'accepted'
                                  ? 'teal'
                                  : 'orange'
                            }
                          >
                            {c.reviewStatus}
                          </Badge>
                          {c.overrideReason && (
                            <Text size="xs" c="dimmed" lineClamp={2}>
                              {c.overrideReason}
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td>
                          {isReviewable && (
                            <Group gap={4} wrap="nowrap">
                              {c.adjusted !== null && c.reviewStatus !== 'accepted' && (
                                <Button
                                  size="compact-xs"
                                  variant="light"
                                  color="teal"
                                  onClick={() =>
                                    accept.mutate({
                                      cells: [{ modelLine: c.modelLine, month: c.month }],
                                    })
                                  }
                                >
                                  Accept
                                </Button>
                              )}
                              <Button
                                size="compact-xs"
                                variant="light"
                                color="grape"
                                onClick={() => setOverriding(c)}
                              >
                                Override
                              </Button>
                            </Group>
                          )}
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
          <FormError error={accept.error} />
          <Group gap="xs">
            {isReviewable && dealer.pendingCells > 0 && (
              <Button
                size="xs"
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
  const override = useOverrideCells(cycleId, dealer.code);
  const [value, setValue] = useState<number | string>(cell.override ?? Math.round(cell.baseline));
  const [reason, setReason] = useState('');
  const [local, setLocal] = useState<string | null>(null);
  const { errors, rest } = apiFieldErrors(override.error, ['cells.0.value', 'cells.0.reason']);
  return (
    <Modal
      opened
      onClose={onClose}
      title={`Override ${cell.modelLineName}, ${formatMonth(cell.month)}`}
    >
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (!reason.trim()) {
            setLocal('Say why, so the dealer knows');
            return;
          }
          override.mutate(
            {
              cells: [
                {
                  modelLine: cell.modelLine,
                  month: cell.month,
                  value: Number(value),
                  reason: reason.trim(),
                },
              ],
            },
            { onSuccess: onClose },
          );
        }}
      >
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            {dealer.name} adjusted the baseline {cell.baseline.toFixed(1)} to {cell.adjusted ?? '–'}{' '}
            ({reasonLabel(cell.adjustReason)}). The override becomes the consensus.
          </Text>
          <NumberInput
            label="Vehicles"
            value={value}
            onChange={setValue}
            allowDecimal={false}
            error={errors['cells.0.value']}
            data-autofocus
          />
          <TextInput
            label="Reason"
            value={reason}
            onChange={(e) => {
              setReason(e.currentTarget.value);
              setLocal(null);
            }}
            error={local ?? errors['cells.0.reason']}
          />
          <FormError error={override.error} problems={rest} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" color="grape" loading={override.isPending}>
              Override
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
