/**
 * What an amendment (or a new version) changes: per line added / removed / changed, and for each
 * changed period the old value → the new one. Compact on phones: each line is a card with a
 * sideways-scrolling row of periods.
 */
import { Badge, Group, Paper, Stack, Table, Text } from '@mantine/core';
import type { AgreementTerms } from '../../../shared/schemas/agreements';
import { formatInt } from '../../format';
import {
  formatPeriod,
  formatSigned,
  TARGET_KIND_LABELS,
  type TargetKind,
} from './agreement-labels';
import type { LineChange } from './agreement-queries';

const CHANGE_COLORS: Record<LineChange['change'], string> = {
  added: 'teal',
  removed: 'red',
  changed: 'blue',
};

const CHANGE_LABELS: Record<LineChange['change'], string> = {
  added: 'Line added',
  removed: 'Line removed',
  changed: 'Changed',
};

/** "model_line ML-MESA" → "Mesa (model line ML-MESA)" using the terms' labels. */
function targetName(target: string, terms: AgreementTerms[]): { name: string; detail: string } {
  const [kind = '', code = ''] = target.split(' ');
  for (const t of terms) {
    const line = t.lines.find((l) => l.target.kind === kind && l.target.code === code);
    if (line)
      return {
        name: line.target.label,
        detail: `${TARGET_KIND_LABELS[line.target.kind]} · ${code}`,
      };
  }
  const kindLabel = TARGET_KIND_LABELS[kind as TargetKind] ?? kind;
  return { name: code || target, detail: kindLabel };
}

function sum(values: (number | null)[]): number {
  return values.reduce<number>((s, v) => s + (v ?? 0), 0);
}

function ChangeCard({ change, terms }: { change: LineChange; terms: AgreementTerms[] }) {
  const { name, detail } = targetName(change.target, terms);
  const before = sum(change.periods.map((p) => p.from));
  const after = sum(change.periods.map((p) => p.to));
  const shown =
    change.change === 'changed'
      ? change.periods
      : change.periods.filter((p) => (p.from ?? p.to) !== 0);
  return (
    <Paper withBorder p="sm" data-testid="line-change" data-change={change.change}>
      <Group justify="space-between" gap="xs" align="flex-start">
        <div style={{ minWidth: 0 }}>
          <Group gap={6}>
            <Badge size="sm" variant="light" color={CHANGE_COLORS[change.change]}>
              {CHANGE_LABELS[change.change]}
            </Badge>
            <Text fw={600} size="sm">
              {name}
            </Text>
          </Group>
          <Text size="xs" c="dimmed">
            Line {change.lineNo} · {detail}
          </Text>
        </div>
        <Text size="sm" c="dimmed">
          {change.change === 'added'
            ? `${formatInt(after)} units`
            : change.change === 'removed'
              ? `${formatInt(before)} units`
              : `${formatSigned(after - before)} units in the changed periods`}
        </Text>
      </Group>
      {shown.length > 0 && (
        <div style={{ overflowX: 'auto', marginTop: 6 }}>
          <Table
            fz="sm"
            withRowBorders={false}
            style={{ whiteSpace: 'nowrap', width: 'auto' }}
            verticalSpacing={2}
          >
            <Table.Thead>
              <Table.Tr>
                {shown.map((p) => (
                  <Table.Th key={p.period} ta="center" fw={500} c="dimmed" fz="xs">
                    {formatPeriod(p.period)}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              <Table.Tr>
                {shown.map((p) => (
                  <Table.Td key={p.period} ta="center">
                    {p.from !== null && (
                      <Text
                        span
                        size="sm"
                        c="dimmed"
                        td={
                          p.to !== null || change.change === 'removed' ? 'line-through' : undefined
                        }
                      >
                        {formatInt(p.from)}
                      </Text>
                    )}
                    {p.from !== null && p.to !== null && (
                      <Text span size="sm" c="dimmed">
                        {' → '}
                      </Text>
                    )}
                    {p.to !== null && (
                      <Text
                        span
                        size="sm"
                        fw={700}
                        c={p.from === null ? 'teal.8' : p.to > p.from ? 'teal.8' : 'red.8'}
                      >
                        {formatInt(p.to)}
                      </Text>
                    )}
                  </Table.Td>
                ))}
              </Table.Tr>
            </Table.Tbody>
          </Table>
        </div>
      )}
    </Paper>
  );
}

export function ChangesView({
  changes,
  terms,
}: {
  changes: LineChange[];
  /** Where the target labels come from (old and new terms). */
  terms: AgreementTerms[];
}) {
  if (changes.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No change to the planned quantities.
      </Text>
    );
  return (
    <Stack gap="xs" data-testid="changes">
      {changes.map((c) => (
        <ChangeCard key={`${c.change}-${c.lineNo}-${c.target}`} change={c} terms={terms} />
      ))}
    </Stack>
  );
}
