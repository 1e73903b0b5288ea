/** A dealer's own agreements as cards: status, term, attainment, and what waits for the dealer. */
import { Link } from 'react-router-dom';
import { Group, Paper, SimpleGrid, Stack, Text, UnstyledButton } from '@mantine/core';
import type { AgreementSummary } from '../../../shared/schemas/agreements';
import { formatInt, formatPercent } from '../../format';
import { AgreementStatusBadge, AttainmentBar } from './agreement-bits';
import { attainmentColor, formatSigned, formatTermShort } from './agreement-labels';
import type { AppNotification } from './agreement-queries';

function waitingText(a: AgreementSummary, notes: AppNotification[]): string | null {
  const note = notes.find((n) => n.link === `/agreements/${a.id}`);
  if (note) return note.message;
  if (a.status === 'proposed') return 'Proposed to you: review and accept, or send back';
  return null;
}

export function DealerAgreementCards({
  items,
  notifications,
}: {
  items: AgreementSummary[];
  notifications: AppNotification[];
}) {
  return (
    <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm" data-testid="agreement-cards">
      {items.map((a) => {
        const waiting = waitingText(a, notifications);
        const hasProgress = a.plannedToDate > 0 || a.actualToDate > 0;
        const projectedColor = attainmentColor(a.projectedAttainmentPct);
        return (
          <UnstyledButton
            key={a.id}
            component={Link}
            to={`/agreements/${a.id}`}
            data-agreement={a.code}
            data-dealer-code={a.dealerCode}
          >
            <Paper
              withBorder
              p="md"
              h="100%"
              style={waiting ? { borderColor: 'var(--mantine-color-yellow-5)' } : undefined}
            >
              <Stack gap={8}>
                <Group justify="space-between" gap="xs" wrap="nowrap">
                  <div style={{ minWidth: 0 }}>
                    <Text fw={700} truncate>
                      {a.dealerName}
                    </Text>
                    <Text size="xs" c="dimmed">
                      <Text span ff="monospace" size="xs">
                        {a.code}
                      </Text>{' '}
                      · {formatTermShort(a.startMonth, a.endMonth)} · {a.lineCount} lines
                    </Text>
                  </div>
                  <div style={{ flexShrink: 0 }}>
                    <AgreementStatusBadge status={a.status} />
                  </div>
                </Group>
                {waiting && (
                  <Text
                    size="sm"
                    fw={600}
                    c="orange.9"
                    bg="yellow.1"
                    px="xs"
                    py={4}
                    style={{ borderRadius: 'var(--mantine-radius-sm)' }}
                    data-testid="waits-for-you"
                  >
                    {waiting}
                  </Text>
                )}
                {hasProgress ? (
                  <>
                    <AttainmentBar pct={a.attainmentPct} width="100%" label="to date" />
                    <Group justify="space-between" gap="xs">
                      <Text size="xs" c="dimmed">
                        {formatInt(a.actualToDate)} of {formatInt(a.plannedToDate)} · gap{' '}
                        <Text span size="xs" fw={600} c={a.gap < 0 ? 'red.8' : 'teal.8'}>
                          {formatSigned(a.gap)}
                        </Text>
                      </Text>
                      <Text size="xs" c="dimmed">
                        projected{' '}
                        <Text
                          span
                          size="xs"
                          fw={600}
                          c={projectedColor === 'gray' ? 'dimmed' : `${projectedColor}.8`}
                        >
                          {formatInt(a.projectedTotal)} ({formatPercent(a.projectedAttainmentPct)})
                        </Text>
                      </Text>
                    </Group>
                  </>
                ) : (
                  <Text size="sm" c="dimmed">
                    {formatInt(a.plannedTotal)} units planned over the term
                  </Text>
                )}
              </Stack>
            </Paper>
          </UnstyledButton>
        );
      })}
    </SimpleGrid>
  );
}
