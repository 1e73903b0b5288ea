/**
 * One cell of a dealer's grid: baseline and intervals, the dealer's adjustment, the region's
 * override, the consensus, the actual once it arrives, the signals that moved the baseline and
 * every edit (who, from, to, why). Dealers adjust here inside the window; reviewers accept or
 * override. Server problems are shown next to the field they concern.
 */
import { useState } from 'react';
import {
  Badge,
  Button,
  Divider,
  Group,
  NumberInput,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
  Timeline,
} from '@mantine/core';
import type { DealerGrid } from '../../../shared/schemas/forecasts';
import { apiFieldErrors } from '../../forms';
import { formatDate, formatDateTime, formatInt, formatMonthLong } from '../../format';
import { FormError } from '../form-error';
import { useCellOverride } from './use-cell-override';
import { ReasonSelect, cellChange } from './adjust-fields';
import { actorName, reasonLabel, reviewColor } from './forecast-labels';
import type { GridCell } from './forecast-grid';
import { useAcceptCells, useAdjustCells } from './forecast-queries';

type Line = DealerGrid['lines'][number];

const whole = (v: number) => formatInt(Math.round(v));

/** A signal's effect in whole vehicles ("less than one" when it rounds to nothing). */
function vehicles(effect: number): string {
  const n = Math.round(Math.abs(effect));
  return n === 0 ? 'less than one vehicle' : `${formatInt(n)} vehicle${n === 1 ? '' : 's'}`;
}

function Figure({ label, value, hint }: { label: string; value: React.ReactNode; hint?: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text fw={700} size="lg" lh={1.3} component="div">
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </div>
  );
}

const EDIT_LABELS = { adjust: 'Adjusted', override: 'Overridden', accept: 'Accepted' } as const;

export function CellDetail({
  grid,
  line,
  cell,
  canAdjust,
  canReview,
  onSaved,
  onFailed,
}: {
  grid: DealerGrid;
  line: Line;
  cell: GridCell;
  canAdjust: boolean;
  canReview: boolean;
  onSaved: () => void;
  onFailed: () => void;
}) {
  const isOpen = grid.cycle.status === 'adjusting' || grid.cycle.status === 'review';
  return (
    <Stack gap="md" data-testid="cell-detail">
      <div>
        <Text fw={700} size="lg">
          {line.modelLine.name}
        </Text>
        <Text size="sm" c="dimmed">
          {formatMonthLong(cell.month)} · {grid.dealer.name}
        </Text>
      </div>
      <SimpleGrid cols={{ base: 2, xs: 3 }} spacing="sm">
        <Figure
          label="Forecast"
          value={formatInt(Math.round(cell.consensus))}
          hint={consensusSource(cell)}
        />
        <Figure
          label="Our estimate"
          value={whole(cell.baseline)}
          hint="from your sales history and your region"
        />
        <Figure
          label="Actual"
          value={cell.actual === null ? '–' : formatInt(cell.actual)}
          hint={cell.actual === null ? 'not yet known' : 'vehicles delivered'}
        />
        <Figure
          label="Likely range"
          value={`${formatInt(Math.round(cell.lower80))}–${formatInt(Math.round(cell.upper80))}`}
          hint="8 times in 10"
        />
        <Figure
          label="Wide range"
          value={`${formatInt(Math.round(cell.lower95))}–${formatInt(Math.round(cell.upper95))}`}
          hint="19 times in 20"
        />
        <Figure
          label="Review"
          value={
            <Badge variant="light" color={reviewColor(cell.reviewStatus, 'gray')}>
              {cell.adjusted === null && cell.override === null
                ? 'no change'
                : cell.reviewStatus === 'pending'
                  ? 'waiting for the region'
                  : cell.reviewStatus}
            </Badge>
          }
        />
      </SimpleGrid>

      {(cell.adjusted !== null || cell.override !== null) && (
        <Paper withBorder p="sm" radius="md">
          <Stack gap={6}>
            {cell.adjusted !== null && (
              <Text size="sm">
                <Text span fw={700} c="orange.8">
                  Dealer: {cell.adjusted}
                </Text>{' '}
                — {reasonLabel(cell.adjustReason)}
                {cell.adjustComment ? `: “${cell.adjustComment}”` : ''}
              </Text>
            )}
            {cell.override !== null && (
              <Text size="sm">
                <Text span fw={700} c="grape.8">
                  Region: {cell.override}
                </Text>{' '}
                — {cell.overrideReason}
              </Text>
            )}
          </Stack>
        </Paper>
      )}

      <div>
        <Text fw={600} size="sm" mb={4}>
          What moved our estimate
        </Text>
        {cell.signals.length === 0 ? (
          <Text size="sm" c="dimmed">
            Nothing special: the estimate follows your sales history and your region’s.
          </Text>
        ) : (
          <Stack gap={4}>
            {cell.signals.map((s) => (
              <Text size="sm" key={s.signal} data-testid="cell-signal">
                <Text span fw={700} c={s.effect >= 0 ? 'teal.8' : 'red.8'}>
                  Electric cars {s.effect >= 0 ? 'add' : 'take away'} {vehicles(s.effect)}
                </Text>{' '}
                — {s.note}
              </Text>
            ))}
          </Stack>
        )}
      </div>

      {canAdjust && (
        <>
          <Divider />
          {grid.cycle.isAdjustable ? (
            <AdjustForm
              key={`${line.modelLine.code}|${cell.month}`}
              grid={grid}
              line={line}
              cell={cell}
              onSaved={onSaved}
              onFailed={onFailed}
            />
          ) : (
            <Text size="sm" c="dimmed">
              The adjustment window is closed (
              {grid.cycle.status === 'adjusting'
                ? `it ended ${formatDate(grid.cycle.adjustUntil)}`
                : grid.cycle.status}
              ).
            </Text>
          )}
        </>
      )}
      {canReview && isOpen && (
        <>
          <Divider />
          <ReviewForm
            key={`r${line.modelLine.code}|${cell.month}`}
            grid={grid}
            line={line}
            cell={cell}
            onSaved={onSaved}
          />
        </>
      )}

      <Divider />
      <div>
        <Text fw={600} size="sm" mb={6}>
          Edit history
        </Text>
        {cell.edits.length === 0 ? (
          <Text size="sm" c="dimmed">
            Nobody has changed this cell.
          </Text>
        ) : (
          <Timeline bulletSize={14} lineWidth={2} data-testid="cell-edits">
            {cell.edits.map((e, i) => (
              <Timeline.Item
                key={i}
                title={
                  <Text size="sm" fw={600}>
                    {EDIT_LABELS[e.kind]} by {actorName(e.actor)}
                  </Text>
                }
              >
                <Text size="sm">
                  {e.from === null ? '–' : whole(e.from)} → {e.to === null ? '–' : whole(e.to)}
                  {e.reason ? ` · ${reasonLabel(e.reason)}` : ''}
                </Text>
                {e.comment && (
                  <Text size="sm" c="dimmed">
                    “{e.comment}”
                  </Text>
                )}
                <Text size="xs" c="dimmed">
                  {formatDateTime(e.at)}
                </Text>
              </Timeline.Item>
            ))}
          </Timeline>
        )}
      </div>
    </Stack>
  );
}

function consensusSource(cell: GridCell): string {
  if (cell.override !== null) return "the region's override";
  if (cell.adjusted !== null) return "the dealer's adjustment";
  return 'the baseline';
}

/** Maps a problem of `body.cells.0.<field>` (one cell per request) to the form's fields. */
function cellProblems(error: unknown) {
  const { errors, rest } = apiFieldErrors(error, [
    'cells.0.value',
    'cells.0.reason',
    'cells.0.comment',
  ]);
  return {
    value: errors['cells.0.value'],
    reason: errors['cells.0.reason'],
    comment: errors['cells.0.comment'],
    rest,
  };
}

function AdjustForm({
  grid,
  line,
  cell,
  onSaved,
  onFailed,
}: {
  grid: DealerGrid;
  line: Line;
  cell: GridCell;
  onSaved: () => void;
  onFailed: () => void;
}) {
  const adjust = useAdjustCells(grid.cycle.id, grid.dealer.code);
  const [value, setValue] = useState<number | string>(cell.adjusted ?? Math.round(cell.baseline));
  const [reason, setReason] = useState<string | null>(cell.adjustReason);
  const [comment, setComment] = useState(cell.adjustComment ?? '');
  const [local, setLocal] = useState<{ value?: string; reason?: string }>({});
  const server = cellProblems(adjust.error);
  return (
    <form
      noValidate
      data-testid="adjust-form"
      onSubmit={(event) => {
        event.preventDefault();
        const problems: { value?: string; reason?: string } = {};
        if (value === '' || value === null) problems.value = 'Enter the number of vehicles';
        if (!reason) problems.reason = 'Choose why you change the number';
        setLocal(problems);
        if (problems.value || problems.reason) return;
        adjust.mutate(
          {
            cells: [cellChange(line, cell.month, Number(value), reason, comment)],
          },
          { onSuccess: onSaved, onError: onFailed },
        );
      }}
    >
      <Stack gap="sm">
        <Text fw={600} size="sm">
          Your adjustment
        </Text>
        <Group grow align="flex-start" gap="sm" wrap="wrap">
          <NumberInput
            label="Vehicles"
            name="value"
            value={value}
            onChange={(v) => {
              setValue(v);
              setLocal((l) => ({ ...l, value: undefined }));
            }}
            allowDecimal={false}
            error={local.value ?? server.value}
            miw={120}
          />
          <ReasonSelect
            grid={grid}
            value={reason}
            onChange={(v) => {
              setReason(v);
              setLocal((l) => ({ ...l, reason: undefined }));
            }}
            error={local.reason ?? server.reason}
            miw={160}
            comboboxProps={{ withinPortal: true, zIndex: 400 }}
          />
        </Group>
        <Textarea
          label="Comment (optional)"
          name="comment"
          value={comment}
          onChange={(e) => setComment(e.currentTarget.value)}
          error={server.comment}
          autosize
          minRows={2}
          maxLength={2000}
          placeholder="What do you know that the statistics do not?"
        />
        <FormError error={adjust.error} problems={server.rest} />
        <Group justify="flex-end">
          <Button type="submit" loading={adjust.isPending}>
            Save adjustment
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function ReviewForm({
  grid,
  line,
  cell,
  onSaved,
}: {
  grid: DealerGrid;
  line: Line;
  cell: GridCell;
  onSaved: () => void;
}) {
  const accept = useAcceptCells(grid.cycle.id, grid.dealer.code);
  const target = [{ modelLine: line.modelLine.code, month: cell.month }];
  const o = useCellOverride({
    cycleId: grid.cycle.id,
    dealerCode: grid.dealer.code,
    cell: target[0]!,
    initial: Math.round(cell.consensus),
    missingReason: 'Say why you override',
    onSaved,
  });
  return (
    <Stack gap="sm" data-testid="review-form">
      <Text fw={600} size="sm">
        Regional review
      </Text>
      {cell.adjusted !== null && cell.reviewStatus !== 'accepted' && (
        <Group>
          <Button
            variant="light"
            color="teal"
            loading={accept.isPending}
            onClick={() => accept.mutate({ cells: target }, { onSuccess: onSaved })}
          >
            Accept the dealer’s {cell.adjusted}
          </Button>
        </Group>
      )}
      <FormError error={accept.error} />
      <form noValidate onSubmit={o.onSubmit}>
        <Group align="flex-start" gap="sm" wrap="wrap">
          <NumberInput
            label="Override"
            value={o.value}
            onChange={o.setValue}
            allowDecimal={false}
            error={o.valueError}
            w={110}
          />
          <TextInput
            label="Reason"
            value={o.reason}
            onChange={(e) => o.setReason(e.currentTarget.value)}
            error={o.reasonError}
            style={{ flex: '1 1 180px' }}
          />
        </Group>
        <FormError error={o.override.error} problems={o.rest} />
        <Group justify="flex-end" mt="xs">
          <Button type="submit" variant="light" color="grape" loading={o.override.isPending}>
            Override
          </Button>
        </Group>
      </form>
    </Stack>
  );
}
