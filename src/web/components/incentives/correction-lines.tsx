/**
 * The correction lines of a statement (docs/incentives.md, "Late rows after settlement"): what
 * earlier, settled periods owe for rows stored after their close, grouped by the period they
 * belong to, each naming the line of that period's statement it corrects.
 */
import { Group, Paper, Stack, Text } from '@mantine/core';
import type { StatementLineView } from '../../../shared/schemas/incentives';
import { Section } from '../page-header';
import { formatMoney, sumDecimals } from '../../format';
import { CORRECTION_REASON_LABELS, formatSettlementPeriod } from './incentive-labels';

export function CorrectionLines({
  lines,
  currency,
}: {
  lines: StatementLineView[];
  currency: string;
}) {
  const corrections = lines.filter((l) => l.kind === 'correction');
  if (corrections.length === 0) return null;
  const byPeriod = new Map<string, StatementLineView[]>();
  for (const l of corrections) {
    const key = l.correctsPeriod ?? '';
    byPeriod.set(key, [...(byPeriod.get(key) ?? []), l]);
  }
  return (
    <Section
      title={`Corrections for settled periods (${corrections.length})`}
      description="Rows stored after their period was closed or approved that still count there, and vehicles another dealer's delivery moved: the difference that period's statement would have had, paid here"
    >
      <Stack gap="sm" data-testid="statement-corrections">
        {[...byPeriod].map(([period, list]) => (
          <Paper withBorder p="xs" key={period} data-period={period}>
            <Group justify="space-between" mb={4}>
              <Text size="sm" fw={700}>
                {period ? formatSettlementPeriod(period) : 'Earlier period'}
              </Text>
              <Text size="sm" fw={700}>
                {formatMoney(sumDecimals(list.map((l) => l.amount)), currency)}
              </Text>
            </Group>
            <Stack gap={2}>
              {list.map((l) => (
                <Group key={l.lineNo} justify="space-between" wrap="nowrap" align="flex-start">
                  <Text size="xs" data-reason={l.correctionReason ?? undefined}>
                    {l.correctionReason?.startsWith('vin_') ? (
                      <Text span size="xs" fw={600}>
                        {CORRECTION_REASON_LABELS[l.correctionReason]}
                        {l.vin ? ` (${l.vin})` : ''} ·{' '}
                      </Text>
                    ) : null}
                    Line {l.lineNo}
                    {l.correctsLineNo ? ` (corrects line ${l.correctsLineNo})` : ''}
                    {l.transactionId ? ` · transaction ${l.transactionId}` : ''} · {l.explanation}
                  </Text>
                  <Text size="xs" fw={600} style={{ whiteSpace: 'nowrap' }}>
                    {formatMoney(l.amount, currency)}
                  </Text>
                </Group>
              ))}
            </Stack>
          </Paper>
        ))}
      </Stack>
    </Section>
  );
}
