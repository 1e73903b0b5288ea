/**
 * Program tier risks (issue 14 §1): per running incentive program, how likely the dealer is to
 * reach each tier by the window's end and what the units that reach it add — a card on the
 * dealer home ("Tier 2 of Aura first half: 62 % likely; 6 more Aura units lift it to 80 %
 * (+$5,350.00)") and a section of the risk board, by the next tier's expected missed money.
 */
import { Badge, Button, Group, Paper, Progress, Skeleton, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import type { ProgramRisk, ProgramRiskList } from '../../../shared/schemas/program-risk';
import { api } from '../../api';
import { SeriesLines } from '../charts';
import { formatDate, formatInt, formatMoney } from '../../format';
import { DataTable } from '../data-table';
import { Section } from '../page-header';
import { QueryError } from '../query-state';
import { useCan } from '../../session';
import { CalibrationNote } from './calibration-note';
import { sharedCalibration } from './calibration-groups';
import { ON_TRACK, programBoardRows, shownSteps, wholeAmount } from './program-board';
import { DriverList, driverLabel, mainDriver } from './driver-list';
import { insightsKey } from './insights-queries';
import { windowText } from './program-window';
import { pct, probabilityColor } from './outlook-card';
import { BorderedCard } from '../bordered-card';

export function useProgramRisks(dealerCode: string | null) {
  return useQuery({
    queryKey: [...insightsKey, 'program-risks', dealerCode],
    queryFn: ({ signal }) =>
      dealerCode === null
        ? api.get<ProgramRiskList>('/insights/program-risks', { limit: 100 }, signal)
        : api.get<ProgramRiskList>(
            `/insights/dealers/${encodeURIComponent(dealerCode)}/program-risks`,
            undefined,
            signal,
          ),
  });
}

const axisWord = (r: ProgramRisk) =>
  r.axis === 'bev_units' ? 'BEVs' : r.axis === 'revenue' ? r.currency : 'units';

const amount = (r: ProgramRisk, v: number) =>
  r.axis === 'revenue'
    ? formatMoney(v.toFixed(2), r.currency, { isCompact: true })
    : formatInt(Math.round(v));

const TIER_COLORS = ['blue.6', 'teal.6', 'grape.6', 'orange.6', 'cyan.6', 'pink.6'];

/** Each tier's probability over the window, one point per day computed (from the second on). */
function ProgramRiskHistory({ r }: { r: ProgramRisk }) {
  if (r.history.length < 2) return null;
  const data = r.history.map((h) => ({
    day: formatDate(h.day),
    ...Object.fromEntries(h.probabilities.map((p, k) => [`tier${k + 1}`, Math.round(p * 100)])),
  }));
  return (
    <SeriesLines
      testId="program-risk-history"
      data={data}
      dataKey="day"
      heights={[120, 140]}
      valueFormatter={(v) => `${v} %`}
      yAxisProps={{ domain: [0, 100] }}
      series={r.tiers.map((t, k) => ({
        name: `tier${t.tier}`,
        label: `Tier ${t.tier} (%)`,
        color: TIER_COLORS[k % TIER_COLORS.length]!,
      }))}
    />
  );
}

/** The tier's drivers say "tier" where the agreements' say "plan". */
const TIER_LABELS = {
  plan_vs_run_rate: 'Tier vs. your last 12 months',
  availability: 'Stock and pipeline',
};

type Tier = ProgramRisk['tiers'][number];

/** A driver's figure on the axis, signed: + widens the gap to the tier, − closes it. */
const signed = (r: ProgramRisk, v: number) => {
  const sign = v > 0.05 ? '+' : v < -0.05 ? '−' : '';
  const a = Math.abs(v);
  if (r.axis === 'revenue')
    return `${sign}${formatMoney(a.toFixed(2), r.currency, { isCompact: true })}`;
  return `${sign}${Number.isInteger(a) ? formatInt(a) : a.toFixed(1)}`;
};

/** The tier's main reason, in words: "pace so far (+4 units)" (null: no driver widens the gap). */
function mainReason(r: ProgramRisk, t: Tier): string | null {
  const main = mainDriver(t.drivers);
  if (!main) return null;
  return `${driverLabel(main.kind, TIER_LABELS).toLowerCase()} (${signed(r, main.units)} ${axisWord(r)})`;
}

function WindowBadge({ r }: { r: ProgramRisk }) {
  const w = windowText(r);
  return (
    <Stack gap={0} align="flex-end" style={{ flexShrink: 0 }}>
      <Badge variant="light" size="sm" data-testid="program-window">
        {w.months}
      </Badge>
      {w.label && (
        <Text size="10px" c="dimmed" data-testid="program-window-label">
          {w.label}
        </Text>
      )}
    </Stack>
  );
}

/**
 * Why the expected outcome misses (or passes) the tier: the drivers on the axis, adding up to
 * the gap between the tier's threshold and the expected outcome (a lagging line and the dealer's
 * own forecast are shown apart, dimmed: they are not in the sum).
 */
function TierDrivers({ r, t }: { r: ProgramRisk; t: Tier }) {
  if (t.threshold === null || t.drivers.length === 0) return null;
  const gap = t.threshold - r.expected;
  return (
    <Stack gap={4} mt={4} data-testid="program-tier-drivers">
      <Text size="xs" fw={600}>
        {gap > 0
          ? `Expected ${signed(r, gap).slice(1)} ${axisWord(r)} short of tier ${t.tier}, because:`
          : `Expected ${signed(r, -gap).slice(1)} ${axisWord(r)} past tier ${t.tier}:`}
      </Text>
      <DriverList
        drivers={t.drivers}
        format={(v) => signed(r, v)}
        size="xs"
        testId="program-tier-driver"
        labels={TIER_LABELS}
      />
    </Stack>
  );
}

/** The tier to talk about: the lowest one not reached (null: the top tier is reached). */
const nextTier = (r: ProgramRisk) => r.tiers.find((t) => !t.reached) ?? null;

function ProgramOutlookItem({ r }: { r: ProgramRisk }) {
  const tier = nextTier(r);
  const [isWhyOpen, setWhyOpen] = useState(false);
  const canAct = useCan('agreements:write');
  const main = tier ? mainReason(r, tier) : null;
  return (
    <div data-testid="program-outlook-item">
      <Group justify="space-between" wrap="nowrap" gap="xs">
        <Text size="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
          {tier ? (
            <>
              <Text span fw={700} c={`${probabilityColor(tier.probability)}.8`}>
                {pct(tier.probability)}
              </Text>{' '}
              likely to reach tier {tier.tier} of {r.programName}
            </>
          ) : (
            <>Top tier of {r.programName} reached</>
          )}
        </Text>
        <WindowBadge r={r} />
      </Group>
      <Group gap={4} mt={4} wrap="nowrap" aria-label="tiers">
        {r.tiers.map((t) => (
          <Progress
            key={t.tier}
            value={t.probability * 100}
            color={t.reached ? 'teal' : probabilityColor(t.probability)}
            size="sm"
            style={{ flex: 1 }}
            aria-label={`tier ${t.tier}: ${pct(t.probability)}`}
          />
        ))}
      </Group>
      <Text size="xs" c="dimmed" mt={4}>
        {amount(r, r.toDate)} {axisWord(r)} so far, about {amount(r, r.expected)} expected (80 %:{' '}
        {amount(r, r.lower80)}–{amount(r, r.upper80)})
        {tier?.threshold != null && (
          <>
            {' '}
            · tier {tier.tier} at {amount(r, tier.threshold)}
          </>
        )}{' '}
        · {formatMoney(r.earned, r.currency)} earned · as of {formatDate(r.asOf)}
      </Text>
      <CalibrationNote calibration={r.calibration} testId="program-risk-calibration" />
      {tier && tier.drivers.length > 0 && (
        <>
          <Group gap="xs" mt={4} wrap="nowrap">
            {main && (
              <Text size="xs" style={{ flex: 1, overflowWrap: 'anywhere' }}>
                Main reason: {main}
              </Text>
            )}
            <Button
              size="compact-xs"
              variant="subtle"
              onClick={() => setWhyOpen((o) => !o)}
              aria-expanded={isWhyOpen}
              data-testid="program-tier-why"
            >
              {isWhyOpen ? 'Hide why' : 'Why?'}
            </Button>
          </Group>
          {isWhyOpen && <TierDrivers r={r} t={tier} />}
        </>
      )}
      <ProgramRiskHistory r={r} />
      <TierSteps r={r} size="sm" canAct={canAct} />
    </div>
  );
}

/** The dealer home's card: each running program the dealer is in. */
export function ProgramOutlookCard({ dealerCode }: { dealerCode: string }) {
  const risks = useProgramRisks(dealerCode);
  if (risks.isPending)
    return (
      <Paper withBorder radius="md" p="md">
        <Skeleton h={60} />
      </Paper>
    );
  if (risks.isError)
    return (
      <QueryError
        error={risks.error}
        title="Could not load your incentive outlook"
        onRetry={() => void risks.refetch()}
      />
    );
  const items = risks.data.items;
  if (items.length === 0) return null;
  return (
    <BorderedCard data-testid="program-outlook-card">
      <Title order={2} size="h4" mb="xs">
        Incentive tiers
      </Title>
      <Stack gap="sm">
        {[...items]
          .sort((a, b) => a.programName.localeCompare(b.programName))
          .map((r) => (
            <ProgramOutlookItem key={r.programCode} r={r} />
          ))}
      </Stack>
    </BorderedCard>
  );
}

/**
 * A row's suggested steps: the next tier's first, then a higher tier's worth more (named "one above
 * tier 1, the next": program-board.ts `shownSteps`), each with its money and, for those who act,
 * its own Log button.
 */
function TierSteps({ r, size, canAct }: { r: ProgramRisk; size: 'xs' | 'sm'; canAct: boolean }) {
  return shownSteps(r).map((step, i) => (
    <div key={i} data-testid="program-tier-step">
      <Text size={size} mt={4} style={{ overflowWrap: 'anywhere' }}>
        {step.text.replace(/ \(\+[^)]*\)/, '')}
        {step.amount && (
          <Text span size={size} fw={600} c="teal.8">
            {' '}
            (+{formatMoney(step.amount, r.currency)})
          </Text>
        )}
      </Text>
      {canAct && <LogTierStep r={r} text={step.text} />}
    </div>
  ));
}

/** Logs the row's incentive_tier intervention (who, when, the tier and its probability now). */
function LogTierStep({ r, text }: { r: ProgramRisk; text: string }) {
  const client = useQueryClient();
  const log = useMutation({
    mutationFn: () =>
      api.post('/insights/interventions', {
        dealerCode: r.dealerCode,
        programCode: r.programCode,
        kind: 'incentive_tier',
        note: text,
      }),
    onSuccess: () =>
      client.invalidateQueries({ queryKey: [...insightsKey, 'interventions', r.dealerCode] }),
  });
  return (
    <Button
      size="compact-xs"
      variant="light"
      mt={4}
      loading={log.isPending}
      disabled={log.isSuccess}
      onClick={() => log.mutate()}
      data-testid="program-risk-log"
    >
      {log.isSuccess ? 'Logged' : 'Log'}
    </Button>
  );
}

/** The risk board's section: dealer × program by the next tier's expected missed money. */
export function ProgramRiskSection() {
  const risks = useProgramRisks(null);
  const canAct = useCan('agreements:write');
  if (risks.isError) return <QueryError error={risks.error} onRetry={() => void risks.refetch()} />;
  const items = risks.data?.items ?? [];
  if (items.length === 0) return null;
  const { shown, hasOnTrack } = programBoardRows(items);
  // One note when every row used the same calibration (the usual case), else one per row.
  const shared = sharedCalibration(shown);
  return (
    <Section
      title="Incentive tiers at risk"
      description="Each eligible dealer in each running program: the next tier's probability by the end of the window and the money it would add, largest expected miss first."
    >
      {shared && (
        <CalibrationNote
          calibration={shared}
          prefix="Tier probabilities: "
          testId="program-risk-board-calibration"
        />
      )}
      {shown.length > 0 && (
        <DataTable
          fz="sm"
          verticalSpacing={6}
          minWidth={320}
          testId="program-risk-board"
          rows={shown}
          rowKey={(r) => `${r.programCode}/${r.dealerCode}`}
          columns={[
            {
              header: 'Dealer · program',
              cell: (r) => {
                const tier = nextTier(r);
                const reason = tier ? mainReason(r, tier) : null;
                const w = windowText(r);
                return (
                  <>
                    <Link to={`/dealers/${encodeURIComponent(r.dealerCode)}`}>{r.dealerName}</Link>
                    <Text size="xs" c="dimmed">
                      {r.programName} · {w.months}
                      {w.label ? ` (${w.label})` : ''}
                    </Text>
                    {reason && (
                      <Text size="xs" c="dimmed">
                        main reason: {reason}
                      </Text>
                    )}
                    {!shared && (
                      <CalibrationNote
                        calibration={r.calibration}
                        testId="program-risk-board-calibration"
                      />
                    )}
                    <TierSteps r={r} size="xs" canAct={canAct} />
                  </>
                );
              },
            },
            {
              header: 'Next tier',
              align: 'right',
              cell: (r) => {
                const tier = nextTier(r);
                return tier ? (
                  <>
                    <Text
                      size="sm"
                      fw={600}
                      c={`${probabilityColor(tier.probability)}.8`}
                      style={{ whiteSpace: 'nowrap' }}
                    >
                      {pct(tier.probability)}
                    </Text>
                    <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                      tier {tier.tier}
                    </Text>
                  </>
                ) : null;
              },
            },
            {
              header: 'Expected miss',
              align: 'right',
              isNowrap: true,
              cell: (r) => <MissAmount r={r} />,
            },
          ]}
        />
      )}
      {shown.length === 0 && (
        <Text size="sm" c="dimmed" data-testid="program-risk-none">
          No tier at risk: every dealer is on track for its next tier or has reached its top one.
        </Text>
      )}
      {hasOnTrack && shown.length > 0 && (
        <Text size="xs" c="dimmed" data-testid="program-risk-on-track">
          Not listed: dealers whose next tier is at least {Math.round(ON_TRACK * 100)} % likely, or
          whose top tier is reached.
        </Text>
      )}
    </Section>
  );
}

/** The next tier's expected missed money in whole units ("< $1" below one). */
function MissAmount({ r }: { r: ProgramRisk }) {
  const { value, isBelowOne } = wholeAmount(r.shortfallMoney);
  const text = formatMoney(value, r.currency, { isCompact: true });
  return <>{isBelowOne ? `< ${text}` : text}</>;
}
