/**
 * The lines of a draft or an amendment: per line a target (model line, SKU or product group) and
 * either a total spread evenly or by the dealer's seasonality, or a plan per period in an
 * editable grid. Shared by the draft editor and the amendment editor. Server problems arrive as
 * field keys such as `lines[0].planned[2].quantity` and show on the line, the field or the cell.
 */
import { useState } from 'react';
import {
  ActionIcon,
  Button,
  Group,
  NumberInput,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Tooltip,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import type { AgreementLineInput, AgreementTerms } from '../../../shared/schemas/agreements';
import { formatInt } from '../../format';
import type { FieldErrors } from '../../forms';
import { useModelLines, useSkus } from '../../queries';
import { IconPlus } from '../icons';
import { IconTrash } from './agreement-bits';
import { formatPeriod, TARGET_KIND_LABELS, type TargetKind } from './agreement-labels';
import { useProductGroups } from './agreement-queries';

export type LineDraft = {
  key: string;
  kind: TargetKind;
  code: string;
  /** The label of the chosen target, kept so a picker can show it before its options load. */
  label: string;
  mode: 'total' | 'grid';
  total: number | '';
  spread: 'even' | 'seasonal';
  /** Per period index; missing periods count as 0. */
  planned: number[];
};

/** What the planning help shows on a line: the prior year per period and a suggest action. */
export type LinePlanningHelp = {
  priorYear?: (number | null)[];
  priorYearTotal?: number | null;
  onSuggest: () => void;
};

let nextKey = 1;
function newKey(): string {
  nextKey += 1;
  return `line-${nextKey}`;
}

export function emptyLine(): LineDraft {
  return {
    key: newKey(),
    kind: 'model_line',
    code: '',
    label: '',
    mode: 'total',
    total: '',
    spread: 'even',
    planned: [],
  };
}

/** The lines of saved terms, each as an editable grid. */
export function linesFromTerms(terms: AgreementTerms): LineDraft[] {
  return terms.lines.map((l) => ({
    key: newKey(),
    kind: l.target.kind,
    code: l.target.code,
    label: l.target.label,
    mode: 'grid',
    total: l.plannedQuantities.reduce((s, q) => s + q, 0),
    spread: 'even',
    planned: [...l.plannedQuantities],
  }));
}

/** Whole units spread as evenly as possible, earlier periods taking the remainder. */
export function spreadEvenly(total: number, count: number): number[] {
  if (count <= 0) return [];
  const base = Math.floor(total / count);
  const left = total - base * count;
  return Array.from({ length: count }, (_, i) => base + (i < left ? 1 : 0));
}

/** The request body's `lines`. */
export function toLineInputs(lines: LineDraft[], periods: string[]): AgreementLineInput[] {
  return lines.map((l) => {
    const target = { kind: l.kind, code: l.code };
    if (l.mode === 'grid')
      return {
        target,
        spread: 'even' as const,
        planned: periods.map((period, i) => ({ period, quantity: l.planned[i] ?? 0 })),
      };
    return { target, total: l.total === '' ? 0 : l.total, spread: l.spread };
  });
}

/** Server problem paths (`body.lines.0.total`, `body.lines[0].planned[2].period`) as field keys
 * (`lines[0].total`, `lines[0].planned[2].period`). */
export function normalizeProblemPath(path: string): string {
  return path.replace(/^(body|amendment)\.?/, '').replace(/\.(\d+)(?=\.|$|\[)/g, '[$1]');
}

const LINE_FIELD =
  /^lines\[\d+\](\.target(\.code|\.kind)?|\.total|\.spread|\.planned(\[\d+\](\.\w+)?)?)?$/;

/** Whether the editor shows a problem with this key next to a field. */
export function isLineField(key: string): boolean {
  return LINE_FIELD.test(key);
}

function errorFor(errors: FieldErrors, keys: string[]): string | undefined {
  for (const key of keys) if (errors[key]) return errors[key];
  return undefined;
}

function cellError(errors: FieldErrors, line: number, period: number): string | undefined {
  const prefix = `lines[${line}].planned[${period}]`;
  for (const [key, message] of Object.entries(errors))
    if (key === prefix || key.startsWith(`${prefix}.`)) return message;
  return undefined;
}

function TargetPicker({
  line,
  error,
  onChange,
}: {
  line: LineDraft;
  error?: string;
  onChange: (changes: Partial<LineDraft>) => void;
}) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const modelLines = useModelLines();
  const productGroups = useProductGroups(line.kind === 'product_group');
  const skus = useSkus({ q: debounced || undefined, limit: 50, offset: 0 });
  let options: { value: string; label: string }[];
  if (line.kind === 'model_line')
    options = (modelLines.data ?? []).map((m) => ({
      value: m.code,
      label: `${m.name} (${m.code})`,
    }));
  else if (line.kind === 'product_group')
    options = (productGroups.data ?? []).map((g) => ({
      value: g.code,
      label: `${g.name} (${g.skuCount} SKUs)`,
    }));
  else
    options = (skus.data?.items ?? []).map((s) => ({
      value: s.code,
      label: `${s.code} · ${s.name}`,
    }));
  if (line.code && !options.some((o) => o.value === line.code))
    options = [{ value: line.code, label: line.label || line.code }, ...options];
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" style={{ alignItems: 'start' }}>
      <SegmentedControl
        size="xs"
        value={line.kind}
        onChange={(value) => onChange({ kind: value as TargetKind, code: '', label: '' })}
        data={(Object.keys(TARGET_KIND_LABELS) as TargetKind[]).map((k) => ({
          value: k,
          label: TARGET_KIND_LABELS[k],
        }))}
        aria-label="Target kind"
        fullWidth
      />
      <Select
        aria-label={TARGET_KIND_LABELS[line.kind]}
        placeholder={
          line.kind === 'sku'
            ? 'Search SKUs'
            : line.kind === 'product_group' && productGroups.data?.length === 0
              ? 'No product groups defined'
              : `Pick a ${TARGET_KIND_LABELS[line.kind].toLowerCase()}`
        }
        data={options}
        value={line.code || null}
        onChange={(value, option) =>
          onChange({ code: value ?? '', label: option?.label ?? value ?? '' })
        }
        searchable
        searchValue={line.kind === 'sku' ? search : undefined}
        onSearchChange={line.kind === 'sku' ? setSearch : undefined}
        filter={line.kind === 'sku' ? ({ options: all }) => all : undefined}
        nothingFoundMessage="Nothing found"
        error={error}
        data-testid="target-code"
      />
    </SimpleGrid>
  );
}

function PeriodGrid({
  line,
  index,
  periods,
  errors,
  onChange,
  priorYear,
}: {
  line: LineDraft;
  index: number;
  periods: string[];
  errors: FieldErrors;
  onChange: (planned: number[]) => void;
  priorYear?: (number | null)[];
}) {
  return (
    <div style={{ overflowX: 'auto' }} aria-label="Plan per period, scrolls sideways">
      <Group gap={6} wrap="nowrap" pb={4} align="flex-start">
        {periods.map((p, j) => (
          <NumberInput
            key={p}
            label={formatPeriod(p)}
            aria-label={`Line ${index + 1}, ${formatPeriod(p)}`}
            value={line.planned[j] ?? 0}
            onChange={(value) => {
              const next = periods.map((_, k) => line.planned[k] ?? 0);
              next[j] = typeof value === 'number' ? Math.max(0, Math.round(value)) : 0;
              onChange(next);
            }}
            min={0}
            allowDecimal={false}
            allowNegative={false}
            hideControls
            size="xs"
            w={64}
            styles={{
              input: { textAlign: 'right' },
              label: { fontSize: 11, whiteSpace: 'nowrap' },
            }}
            error={cellError(errors, index, j)}
            description={
              priorYear ? `PY ${priorYear[j] === null ? '–' : formatInt(priorYear[j]!)}` : undefined
            }
            inputWrapperOrder={['label', 'input', 'description', 'error']}
            data-testid="period-input"
          />
        ))}
      </Group>
    </div>
  );
}

function LineCard({
  line,
  index,
  periods,
  errors,
  canRemove,
  onChange,
  onRemove,
  help,
}: {
  line: LineDraft;
  index: number;
  periods: string[];
  errors: FieldErrors;
  canRemove: boolean;
  onChange: (changes: Partial<LineDraft>) => void;
  onRemove: () => void;
  help?: LinePlanningHelp;
}) {
  const at = `lines[${index}]`;
  const gridTotal = periods.reduce((s, _, j) => s + (line.planned[j] ?? 0), 0);
  const lineError = errorFor(errors, [at, `${at}.target`, `${at}.planned`]);
  return (
    <Paper withBorder p="sm" data-testid="line-editor" data-line={index}>
      <Stack gap="xs">
        <Group justify="space-between" gap="xs">
          <Text fw={700} size="sm">
            Line {index + 1}
            {line.label ? (
              <Text span c="dimmed" size="sm" fw={400}>
                {' '}
                · {line.label}
              </Text>
            ) : null}
          </Text>
          <Tooltip label={canRemove ? 'Remove this line' : 'An agreement needs at least one line'}>
            <ActionIcon
              variant="subtle"
              color="red"
              onClick={onRemove}
              disabled={!canRemove}
              aria-label={`Remove line ${index + 1}`}
            >
              <IconTrash size={16} />
            </ActionIcon>
          </Tooltip>
        </Group>
        <TargetPicker
          line={line}
          error={errorFor(errors, [`${at}.target.code`, `${at}.target.kind`])}
          onChange={onChange}
        />
        <Group gap="xs" align="flex-end" wrap="wrap">
          <SegmentedControl
            size="xs"
            value={line.mode}
            onChange={(value) => {
              if (value === 'grid' && line.mode === 'total')
                onChange({
                  mode: 'grid',
                  planned: spreadEvenly(line.total === '' ? 0 : line.total, periods.length),
                });
              else if (value === 'total' && line.mode === 'grid')
                onChange({ mode: 'total', total: gridTotal });
            }}
            data={[
              { value: 'total', label: 'Total + spread' },
              { value: 'grid', label: 'Per period' },
            ]}
            aria-label="How to plan this line"
          />
          {line.mode === 'total' ? (
            <>
              <NumberInput
                aria-label={`Line ${index + 1} total units`}
                placeholder="Total units"
                value={line.total}
                onChange={(value) =>
                  onChange({
                    total: typeof value === 'number' ? Math.max(0, Math.round(value)) : '',
                  })
                }
                min={0}
                allowDecimal={false}
                allowNegative={false}
                w={130}
                size="xs"
                error={errorFor(errors, [`${at}.total`])}
              />
              <Select
                aria-label={`Line ${index + 1} spread`}
                size="xs"
                w={190}
                value={line.spread}
                onChange={(value) =>
                  onChange({ spread: value === 'seasonal' ? 'seasonal' : 'even' })
                }
                data={[
                  { value: 'even', label: 'Spread evenly' },
                  { value: 'seasonal', label: 'Spread by seasonality' },
                ]}
                allowDeselect={false}
                error={errorFor(errors, [`${at}.spread`])}
              />
            </>
          ) : (
            <Text size="xs" c="dimmed" data-testid="line-total">
              {formatInt(gridTotal)} units over {periods.length} periods
              {help?.priorYearTotal !== undefined && help.priorYearTotal !== null
                ? ` · prior year ${formatInt(help.priorYearTotal)}`
                : ''}
            </Text>
          )}
          {help && (
            <Button
              size="xs"
              variant="subtle"
              onClick={help.onSuggest}
              disabled={!line.code}
              aria-label={`Suggest line ${index + 1} from history and forecast`}
            >
              Suggest from history and forecast
            </Button>
          )}
        </Group>
        {line.mode === 'total' && line.spread === 'seasonal' && (
          <Text size="xs" c="dimmed">
            Seasonal: weighted by the dealer’s last 24 months of this product. Save, then switch to
            “Per period” to adjust single periods.
          </Text>
        )}
        {line.mode === 'grid' && (
          <PeriodGrid
            line={line}
            index={index}
            periods={periods}
            errors={errors}
            onChange={(planned) => onChange({ planned })}
            priorYear={help?.priorYear}
          />
        )}
        {lineError && (
          <Text size="sm" c="red.7" role="alert">
            {lineError}
          </Text>
        )}
      </Stack>
    </Paper>
  );
}

export function LineEditor({
  lines,
  periods,
  errors,
  onChange,
  onFieldEdited,
  helpFor,
}: {
  lines: LineDraft[];
  periods: string[];
  errors: FieldErrors;
  onChange: (lines: LineDraft[]) => void;
  /** Clears the problems of a line once it is edited. */
  onFieldEdited?: (prefix: string) => void;
  /** Planning help per line (the draft editor only). */
  helpFor?: (line: LineDraft, index: number) => LinePlanningHelp;
}) {
  return (
    <Stack gap="xs" data-testid="lines-editor">
      {lines.map((line, i) => (
        <LineCard
          key={line.key}
          line={line}
          index={i}
          periods={periods}
          errors={errors}
          canRemove={lines.length > 1}
          help={helpFor?.(line, i)}
          onChange={(changes) => {
            onChange(lines.map((l, k) => (k === i ? { ...l, ...changes } : l)));
            onFieldEdited?.(`lines[${i}]`);
          }}
          onRemove={() => {
            onChange(lines.filter((_, k) => k !== i));
            onFieldEdited?.('lines');
          }}
        />
      ))}
      <Group>
        <Button
          variant="light"
          size="xs"
          leftSection={<IconPlus size={14} />}
          onClick={() => onChange([...lines, emptyLine()])}
        >
          Add line
        </Button>
      </Group>
    </Stack>
  );
}
