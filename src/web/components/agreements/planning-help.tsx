/**
 * Planning help (GET /agreements/planning-help and /agreements/:id/planning-help): the editor's
 * "Suggest from history and forecast" with a "scale by %" input, and the comparison a dealer sees
 * when it reviews a proposal (plan vs prior year vs forecast per period).
 */
import { useState } from 'react';
import { Button, Group, NumberInput, Paper, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { PlanningHelp } from '../../../shared/schemas/planning-help';
import { api, isApiError } from '../../api';
import { formatInt } from '../../format';
import { DataTable } from '../data-table';
import { formatPeriod } from './agreement-labels';
import type { LineDraft } from './line-editor';

export type PlanningLine = PlanningHelp['lines'][number];

/** The suggestion scaled by `pct` percent, each period rounded half up to whole units. */
export function scaleSuggestion(line: PlanningLine, pct: number): number[] {
  return line.periods.map((p) =>
    Math.max(0, Math.floor((p.suggested * (100 + pct) * 2 + 100) / 200)),
  );
}

const BASIS_LABEL = { consensus: 'forecast', history: 'prior year × trend', none: 'no data' };

export function usePlanningHelp(term: {
  dealerCode: string;
  startMonth: string;
  months: number | '';
  frequency: 'monthly' | 'quarterly';
}) {
  const [help, setHelp] = useState<PlanningHelp | null>(null);
  const [scalePct, setScalePct] = useState<number>(0);
  const [error, setError] = useState<string | null>(null);
  const [isLoading, setLoading] = useState(false);

  /** Fetches the help for `lines` and returns it (null when it cannot be asked yet). */
  async function load(lines: LineDraft[]): Promise<PlanningHelp | null> {
    const targets = lines.filter((l) => l.code).map((l) => `${l.kind}:${l.code}`);
    if (!term.dealerCode || term.months === '' || targets.length === 0) {
      setError('Choose a dealer, a term and a product first');
      return null;
    }
    setLoading(true);
    setError(null);
    try {
      const next = await api.get<PlanningHelp>('/agreements/planning-help', {
        dealerCode: term.dealerCode,
        startMonth: term.startMonth,
        months: String(term.months),
        frequency: term.frequency,
        target: targets.join(','),
      });
      setHelp(next);
      return next;
    } catch (e) {
      setError(isApiError(e) ? e.message : 'Could not load the planning help');
      return null;
    } finally {
      setLoading(false);
    }
  }

  /** The help line of a draft line, if loaded for the same target and term. */
  function lineOf(line: LineDraft, periods: string[]): PlanningLine | undefined {
    if (!help || help.periods.join() !== periods.join()) return undefined;
    return help.lines.find((l) => l.target.kind === line.kind && l.target.code === line.code);
  }

  /** Lines with the (scaled) suggestion filled in as a plan per period; `only` limits it to one line. */
  async function suggest(lines: LineDraft[], only?: number): Promise<LineDraft[] | null> {
    const got = await load(only === undefined ? lines : [lines[only]!]);
    if (!got) return null;
    return lines.map((l, i) => {
      if (only !== undefined && i !== only) return l;
      const h = got.lines.find((x) => x.target.kind === l.kind && x.target.code === l.code);
      if (!h) return l;
      const planned = scaleSuggestion(h, scalePct);
      return { ...l, mode: 'grid', planned, total: planned.reduce((s, q) => s + q, 0) };
    });
  }

  return { help, scalePct, setScalePct, error, isLoading, lineOf, suggest };
}

export function PlanningHelpBar({
  scalePct,
  onScale,
  onSuggestAll,
  isLoading,
  error,
}: {
  scalePct: number;
  onScale: (pct: number) => void;
  onSuggestAll: () => void;
  isLoading: boolean;
  error: string | null;
}) {
  return (
    <Paper withBorder p="sm" data-testid="planning-help-bar">
      <Group gap="xs" align="flex-end" wrap="wrap">
        <Button size="xs" variant="light" onClick={onSuggestAll} loading={isLoading}>
          Suggest from history and forecast
        </Button>
        <NumberInput
          label="Scale by %"
          aria-label="Scale the suggestion by percent"
          value={scalePct}
          onChange={(v) =>
            onScale(typeof v === 'number' ? Math.max(-100, Math.min(500, Math.round(v))) : 0)
          }
          allowDecimal={false}
          suffix=" %"
          size="xs"
          w={100}
        />
        <Text size="xs" c="dimmed" style={{ flex: '1 1 240px' }}>
          Each period: the forecast consensus where a locked cycle covers it, else last year’s units
          × the dealer’s 12-month trend; then scaled and rounded to whole units.
        </Text>
      </Group>
      {error && (
        <Text size="sm" c="red.7" role="alert" mt="xs">
          {error}
        </Text>
      )}
    </Paper>
  );
}

/** Plan vs prior year vs forecast per period, for the agreement page (the dealer reviewing). */
export function PlanningComparison({ agreementId }: { agreementId: number }) {
  const q = useQuery({
    queryKey: ['agreements', agreementId, 'planning-help'],
    queryFn: ({ signal }) =>
      api.get<PlanningHelp>(`/agreements/${agreementId}/planning-help`, undefined, signal),
  });
  if (!q.data) return null;
  const dash = (v: number | null | undefined) =>
    v === null || v === undefined ? '–' : formatInt(v);
  return (
    <div data-testid="planning-comparison">
      {q.data.lines.map((l) => (
        <Paper withBorder p="sm" mb="xs" key={`${l.target.kind}:${l.target.code}`}>
          <Text fw={700} size="sm" mb={4}>
            {l.target.label}{' '}
            <Text span size="xs" c="dimmed">
              trend ×{l.trend.factor}; suggested = forecast where a locked cycle covers the period,
              else prior year × trend
            </Text>
          </Text>
          <DataTable
            isBare
            striped
            withTableBorder
            fz="xs"
            minWidth={360}
            rows={l.periods}
            rowKey={(p) => p.period}
            columns={[
              {
                header: 'Period',
                isNowrap: true,
                cell: (p) => formatPeriod(p.period),
                footer: 'Total',
              },
              {
                header: 'Plan',
                align: 'right',
                cell: (_, i) => dash(l.planned?.[i]),
                footer: dash(l.planned?.reduce((s, x) => s + x, 0)),
              },
              {
                header: 'Prior year',
                align: 'right',
                cell: (p) => dash(p.priorYear),
                footer: dash(l.totals.priorYear),
              },
              {
                header: 'Forecast',
                align: 'right',
                cell: (p) => dash(p.consensus),
                footer: dash(l.totals.consensus),
              },
              {
                header: 'Suggested',
                align: 'right',
                td: (p) => ({ title: `from ${BASIS_LABEL[p.basis]}` }),
                cell: (p) => (p.basis === 'none' ? '–' : formatInt(p.suggested)),
                footer: formatInt(l.totals.suggested),
              },
            ]}
          />
        </Paper>
      ))}
    </div>
  );
}
