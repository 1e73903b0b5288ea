/**
 * A dealer's progress in one program (earned to date, tier reached, what the next tier needs and
 * adds, the tiers as a ladder, progress across the window), and the what-if form that asks the
 * server's engine "if I deliver 5 more of this model line".
 */
import { useState } from 'react';
import { Link } from 'react-router-dom';
import {
  Alert,
  Anchor,
  Badge,
  Box,
  Group,
  Select,
  SimpleGrid,
  Stack,
  Text,
  ThemeIcon,
} from '@mantine/core';
import type { ProgramDefinition } from '../../../shared/schemas/program';
import { formatDate } from '../../format';
import { POWERTRAIN_OPTIONS } from '../../labels';
import { useModelLines } from '../../queries';
import { IconCheck } from '../icons';
import { ChartSkeleton } from '../query-state';
import {
  BENEFIT_LABELS,
  MEASURE_LABELS,
  formatAmount,
  formatMeasure,
  formatSettlementPeriod,
  formatTierValue,
  isPercentMeasure,
} from './incentive-labels';
import {
  ModelLineSelect,
  MoreUnitsInput,
  PowertrainSelect,
  quantityOf,
  useWhatIf,
  WhatIfPanel,
} from './what-if-panel';
import {
  statementFileUrl,
  useProgram,
  useStatement,
  whatIf,
  type ProgressView,
  type WhatIfResult,
} from './incentive-queries';
import { ProgressChart, progressSeries } from './progress-chart';
import { definitionOf } from './incentive-labels';
import { BorderedCard } from '../bordered-card';

/** "BEVs" for programs counting battery-electric units, else "units". */
function unitNoun(progress: ProgressView, def: ProgramDefinition | null, n: number): string {
  const isBev =
    progress.measure === 'ev_share' ||
    (def?.qualifying.powertrains.length === 1 && def.qualifying.powertrains[0] === 'BEV');
  if (isBev) return n === 1 ? 'BEV' : 'BEVs';
  return n === 1 ? 'unit' : 'units';
}

function windowPhrase(def: ProgramDefinition | null): string {
  if (!def) return '';
  if (def.measurementPeriod === 'quarter') return ' this quarter';
  if (def.measurementPeriod === 'month') return ' this month';
  return ' before the program ends';
}

/** The sentence a dealer acts on: "7 more BEVs this quarter earn you $14,000 more". */
export function nextStepMessage(progress: ProgressView, def: ProgramDefinition | null): string {
  if (!progress.eligible) return progress.message;
  if (!progress.nextTier) {
    return `Top tier reached: ${formatAmount(progress.earned, progress.currency)} earned so far.`;
  }
  if (
    def?.requiresClaim &&
    (progress.measureValue === null || Number(progress.measureValue) === 0)
  ) {
    return 'Paid on claims: submit a claim for each qualifying delivery to start earning.';
  }
  const units = progress.needed?.units ?? null;
  if (units !== null && units > 0 && progress.nextTierAdds !== null) {
    return `${units} more ${unitNoun(progress, def, units)}${windowPhrase(def)} earn you ${formatAmount(progress.nextTierAdds, progress.currency)} more.`;
  }
  return progress.note ?? progress.message;
}

/** The tiers, lowest first, the reached one marked, and a bar of the measure against them. */
export function TierLadder({ progress, def }: { progress: ProgressView; def: ProgramDefinition }) {
  const tiers = def.tiers;
  const value = progress.measureValue === null ? 0 : Number(progress.measureValue);
  const top = Math.max(Number(tiers[tiers.length - 1]?.from ?? 1) * 1.15, value * 1.05, 1);
  const reachedIndex = tiers.findLastIndex((t) => progress.tierReached === t.from);
  return (
    <Stack gap={6} data-testid="tier-ladder">
      <Box pos="relative" h={14} mt={4} aria-hidden>
        <Box
          pos="absolute"
          inset={0}
          style={{ borderRadius: 7, background: 'var(--mantine-color-gray-2)' }}
        />
        <Box
          pos="absolute"
          top={0}
          bottom={0}
          left={0}
          w={`${Math.min(100, (value / top) * 100)}%`}
          style={{
            borderRadius: 7,
            background: `var(--mantine-color-${reachedIndex >= 0 ? 'teal' : 'blue'}-6)`,
          }}
        />
        {tiers.map((t) => (
          <Box
            key={t.from}
            pos="absolute"
            top={-3}
            bottom={-3}
            w={2}
            left={`${Math.min(100, (Number(t.from) / top) * 100)}%`}
            style={{ background: 'var(--mantine-color-dark-4)' }}
          />
        ))}
      </Box>
      <Stack gap={2} component="ol" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
        {tiers.map((t, i) => {
          const isReached = i <= reachedIndex;
          const isCurrent = i === reachedIndex;
          return (
            <Group
              key={t.from}
              component="li"
              gap={6}
              wrap="nowrap"
              data-reached={isReached}
              c={isReached ? undefined : 'dimmed'}
            >
              <ThemeIcon
                size={16}
                radius="xl"
                variant={isReached ? 'filled' : 'light'}
                color={isReached ? 'teal' : 'gray'}
              >
                {isReached ? <IconCheck size={11} /> : <Text size="9px">{i + 1}</Text>}
              </ThemeIcon>
              <Text size="sm" fw={isCurrent ? 700 : 400}>
                From {formatMeasure(progress.measure, t.from, progress.currency)}:{' '}
                {formatTierValue(def.benefit, t.value, progress.currency)}
              </Text>
            </Group>
          );
        })}
      </Stack>
    </Stack>
  );
}

export function ProgramProgressCard({
  progress,
  dealerCode,
  canReadStatements,
}: {
  progress: ProgressView;
  dealerCode: string;
  canReadStatements: boolean;
}) {
  const program = useProgram(progress.programCode);
  const def = program.data ? definitionOf(program.data) : null;
  const statement = useStatement(
    progress.programCode,
    dealerCode,
    progress.period,
    canReadStatements &&
      (progress.measure === 'units' || progress.measure === 'agreement_attainment'),
  );
  const series =
    statement.data && def ? progressSeries(statement.data, progress.measure, progress.asOf) : null;
  const message = nextStepMessage(progress, def);
  const isTop = progress.eligible && !progress.nextTier;
  return (
    <BorderedCard data-testid="program-progress" data-program={progress.programCode}>
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start" gap="xs">
          <div style={{ minWidth: 0, flex: '1 1 200px' }}>
            <Text fw={700} size="lg" lh={1.25} style={{ overflowWrap: 'anywhere' }}>
              {progress.programName}
            </Text>
            <Text size="xs" c="dimmed">
              {formatSettlementPeriod(progress.period)} · {formatDate(progress.window.start)} –{' '}
              {formatDate(progress.window.end)}
            </Text>
          </div>
          <Badge variant="light" color={progress.eligible ? 'blue' : 'gray'}>
            {MEASURE_LABELS[progress.measure as keyof typeof MEASURE_LABELS] ?? progress.measure}
          </Badge>
        </Group>

        <SimpleGrid cols={{ base: 2, xs: 3 }} spacing="xs">
          <Fig label="Earned to date" testId="earned">
            {formatAmount(progress.earned, progress.currency)}
          </Fig>
          <Fig label={isPercentMeasure(progress.measure) ? 'Measure' : 'So far'}>
            {progress.measureValue === null
              ? '–'
              : progress.measure === 'units'
                ? `${formatMeasure('units', progress.measureValue, progress.currency, { withUnit: false })} ${unitNoun(progress, def, Number(progress.measureValue))}`
                : formatMeasure(progress.measure, progress.measureValue, progress.currency)}
          </Fig>
          <Fig label="Tier reached">
            {progress.tierReached === null
              ? 'None yet'
              : def
                ? `${def.tiers.findIndex((t) => t.from === progress.tierReached) + 1} of ${def.tiers.length}`
                : progress.tierReached}
          </Fig>
        </SimpleGrid>

        <Alert
          variant="light"
          color={!progress.eligible ? 'gray' : isTop ? 'teal' : 'blue'}
          p="xs"
          data-testid="next-step"
        >
          <Text size="sm" fw={600}>
            {message}
          </Text>
          {progress.nextTier && progress.needed && progress.eligible && (
            <Text size="xs" c="dimmed" mt={2}>
              Next tier from{' '}
              {formatMeasure(progress.measure, progress.nextTier.from, progress.currency)}
              {def
                ? `: ${formatTierValue(def.benefit, progress.nextTier.value, progress.currency)}`
                : ''}
              {progress.measureNote ? ` · ${progress.measureNote}` : ''}
            </Text>
          )}
          {!progress.nextTier && progress.measureNote && (
            <Text size="xs" c="dimmed" mt={2}>
              {progress.measureNote}
            </Text>
          )}
        </Alert>

        {def && <TierLadder progress={progress} def={def} />}
        {statement.isPending && statement.fetchStatus !== 'idle' ? (
          <ChartSkeleton h={180} />
        ) : series && def && series.total > 0 ? (
          <ProgressChart series={series} tiers={def.tiers} measure={progress.measure} />
        ) : null}

        <Group gap="md" justify="space-between">
          <Text size="xs" c="dimmed">
            {def ? `${BENEFIT_LABELS[def.benefit]}, ${def.tierMode}` : ''}
            {progress.amountDue !== progress.earned
              ? ` · due now ${formatAmount(progress.amountDue, progress.currency)}`
              : ''}
          </Text>
          {canReadStatements && (
            <Group gap="sm">
              {def?.requiresClaim && (
                <Anchor
                  component={Link}
                  size="sm"
                  to={`/incentives/claims?program=${encodeURIComponent(progress.programCode)}`}
                >
                  Claims
                </Anchor>
              )}
              <Anchor
                component={Link}
                size="sm"
                to={`/programs/${encodeURIComponent(progress.programCode)}/statements/${encodeURIComponent(dealerCode)}?period=${encodeURIComponent(progress.period)}`}
              >
                Statement
              </Anchor>
              <Anchor
                size="sm"
                href={statementFileUrl(progress.programCode, dealerCode, progress.period, 'pdf')}
                target="_blank"
                rel="noopener"
              >
                PDF
              </Anchor>
            </Group>
          )}
        </Group>
      </Stack>
    </BorderedCard>
  );
}

function Fig({
  label,
  children,
  testId,
}: {
  label: string;
  children: React.ReactNode;
  testId?: string;
}) {
  return (
    <div style={{ minWidth: 0 }} data-testid={testId}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={700} lh={1.2}>
        {label}
      </Text>
      <Text fz={{ base: 18, sm: 20 }} fw={700} lh={1.3} style={{ overflowWrap: 'anywhere' }}>
        {children}
      </Text>
    </div>
  );
}

const WHAT_IF_FIELDS = ['programCode', 'quantity', 'modelLine', 'powertrain', 'sku'] as const;

/** "If I deliver 5 more of this model line": the same engine with hypothetical units. */
export function WhatIfForm({
  dealerCode,
  programs,
}: {
  dealerCode: string;
  programs: ProgressView[];
}) {
  const modelLines = useModelLines();
  const [programCode, setProgramCode] = useState<string | null>(programs[0]?.programCode ?? null);
  const [modelLine, setModelLine] = useState<string | null>(null);
  const [powertrain, setPowertrain] = useState<string | null>(null);
  const [quantity, setQuantity] = useState<number | string>(5);
  const what = useWhatIf(WHAT_IF_FIELDS, () =>
    whatIf(dealerCode, {
      programCode,
      modelLine: modelLine ?? undefined,
      powertrain: powertrain ?? undefined,
      quantity: quantityOf(quantity),
    }),
  );
  const { errors } = what;
  const lineOptions = (modelLines.data ?? [])
    .filter((m) => m.status === 'active')
    .map((m) => ({ value: m.code, label: `${m.name} (${m.code})` }));
  const chosenLine = (modelLines.data ?? []).find((m) => m.code === modelLine);
  const powertrainOptions = POWERTRAIN_OPTIONS.filter(
    (o) => !chosenLine || chosenLine.powertrains.includes(o.value),
  );
  return (
    <WhatIfPanel
      whatIf={what}
      testId="what-if"
      cols={{ base: 1, sm: 2, lg: 4 }}
      submitLabel="Calculate"
      isDisabled={!programCode || !modelLine}
      answer={(result) => (
        <WhatIfAnswer
          result={result}
          quantity={Number(quantity)}
          lineName={chosenLine?.name ?? modelLine ?? ''}
          powertrain={powertrain}
        />
      )}
      fields={
        <>
          <Select
            label="Program"
            data={programs.map((p) => ({ value: p.programCode, label: p.programName }))}
            value={programCode}
            onChange={setProgramCode}
            error={errors.programCode}
            allowDeselect={false}
            required
          />
          <MoreUnitsInput
            value={quantity}
            onChange={setQuantity}
            min={-10000}
            max={10000}
            error={errors.quantity}
          />
          <ModelLineSelect
            query={modelLines}
            placeholder="Choose a model line"
            data={lineOptions}
            value={modelLine}
            onChange={(v) => {
              setModelLine(v);
              setPowertrain(null);
            }}
            errors={errors}
            required
          />
          <PowertrainSelect
            data={powertrainOptions}
            value={powertrain}
            onChange={setPowertrain}
            error={errors.powertrain}
          />
        </>
      }
    />
  );
}

function WhatIfAnswer({
  result,
  quantity,
  lineName,
  powertrain,
}: {
  result: WhatIfResult;
  quantity: number;
  lineName: string;
  powertrain: string | null;
}) {
  const { before, after } = result;
  const currency = after.currency;
  const added = Number(result.addedEarned);
  return (
    <Alert
      variant="light"
      color={added > 0 ? 'teal' : added < 0 ? 'red' : 'gray'}
      data-testid="what-if-answer"
      title={
        added === 0
          ? `${quantity} more ${lineName}${powertrain ? ` ${powertrain}` : ''} would not change what you earn`
          : `${quantity} more ${lineName}${powertrain ? ` ${powertrain}` : ''} would ${added > 0 ? 'add' : 'take away'} ${formatAmount(result.addedEarned.replace(/^-/, ''), currency)}`
      }
    >
      <Stack gap={2}>
        <Text size="sm">
          Earned {formatAmount(before.earned, currency)} → {formatAmount(after.earned, currency)}
          {' · '}
          {formatMeasure(before.measure, before.measureValue, currency)} →{' '}
          {formatMeasure(after.measure, after.measureValue, currency)}
        </Text>
        <Text size="sm">
          Tier {before.tierReached === null ? 'none' : `from ${before.tierReached}`} →{' '}
          {after.tierReached === null ? 'none' : `from ${after.tierReached}`}
          {after.nextTier && after.eligible ? ` · then: ${nextStepMessage(after, null)}` : ''}
        </Text>
      </Stack>
    </Alert>
  );
}
