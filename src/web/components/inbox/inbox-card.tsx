/**
 * "Needs your attention": the attention inbox on each home page (dealer home, dealer group's
 * dealers list, network overview). Each item is a link to the page where it is done; actions
 * first, then by due date. A dealer group sees its totals per kind above the list.
 */
import { Link } from 'react-router-dom';
import { Badge, Group, Skeleton, Stack, Text, Title, UnstyledButton } from '@mantine/core';
import type { InboxItem, InboxKind } from '../../../shared/schemas/inbox';
import { formatDate } from '../../format';
import { IconChevronRight } from '../icons';
import { QueryError } from '../query-state';
import { useInbox } from './inbox-queries';
import { BorderedCard } from '../bordered-card';

/** Short names of the kinds, for the group totals. */
export const INBOX_KIND_LABELS: Record<InboxKind, string> = {
  agreement_proposed: 'proposals to accept',
  amendment_proposed: 'amendments to accept',
  forecast_window: 'forecasts to adjust',
  tier_within_reach: 'units to the next tiers',
  dispute_answered: 'disputes answered',
  claim_decided: 'claims decided',
  forecast_review: 'adjustments to review',
  agreement_at_risk: 'agreements at risk',
  dispute_ageing: 'disputes ageing',
  period_to_close: 'periods to close',
  statements_to_approve: 'statements to approve',
  batch_to_build: 'statements to pay',
  batch_to_pay: 'batches to mark paid',
  agreement_to_approve: 'agreements to approve',
  amendment_to_approve: 'amendments to approve',
};

/** How many items the card lists before "and N more". */
const SHOWN = 8;

/** The server's texts name days as YYYY-MM-DD: shown in the locale's format, as elsewhere. */
export function localDays(text: string): string {
  return text.replace(/\b\d{4}-\d{2}-\d{2}\b/g, (day) => formatDate(day));
}

/** "by Apr 25, 2026", or "overdue since …" once the day has passed. */
export function dueText(dueOn: string, asOf: string | undefined): string {
  return asOf !== undefined && dueOn < asOf
    ? `overdue since ${formatDate(dueOn)}`
    : `by ${formatDate(dueOn)}`;
}

export function InboxItemRow({ item, asOf }: { item: InboxItem; asOf?: string }) {
  return (
    <UnstyledButton
      component={Link}
      to={item.link}
      data-testid="inbox-item"
      data-kind={item.kind}
      p="sm"
      style={{
        display: 'block',
        minHeight: 44,
        borderTop: '1px solid var(--mantine-color-default-border)',
      }}
    >
      <Group gap="sm" wrap="nowrap" align="flex-start" justify="space-between">
        <div style={{ minWidth: 0 }}>
          <Group gap={6} wrap="wrap">
            <Badge size="xs" variant="light" color={item.severity === 'action' ? 'orange' : 'gray'}>
              {item.severity === 'action' ? 'To do' : 'For info'}
            </Badge>
            {item.dueOn && (
              <Text
                size="xs"
                c={
                  asOf !== undefined && item.dueOn < asOf
                    ? 'red.7'
                    : item.severity === 'action'
                      ? 'orange.8'
                      : 'dimmed'
                }
                fw={600}
              >
                {dueText(item.dueOn, asOf)}
              </Text>
            )}
          </Group>
          <Text size="sm" fw={600} mt={4} lh={1.3} style={{ overflowWrap: 'anywhere' }}>
            {localDays(item.title)}
          </Text>
          <Text size="xs" c="dimmed" lh={1.35} style={{ overflowWrap: 'anywhere' }}>
            {localDays(item.detail)}
          </Text>
        </div>
        <IconChevronRight size={18} style={{ flexShrink: 0, marginTop: 4, opacity: 0.5 }} />
      </Group>
    </UnstyledButton>
  );
}

export function InboxCard() {
  const inbox = useInbox();
  const items = inbox.data?.items ?? [];
  const totals = inbox.data?.groupTotals ?? null;
  return (
    <BorderedCard data-testid="inbox-card">
      <Group justify="space-between" mb="xs" wrap="nowrap">
        <Title order={2} size="h4">
          Needs your attention
        </Title>
        {inbox.data && (
          <Badge color={inbox.data.count > 0 ? 'orange' : 'gray'} variant="filled">
            {inbox.data.count} to do
          </Badge>
        )}
      </Group>
      {inbox.isPending ? (
        <Stack gap="xs">
          <Skeleton h={48} />
          <Skeleton h={48} />
        </Stack>
      ) : inbox.isError ? (
        <QueryError
          error={inbox.error}
          title="Could not load your inbox"
          onRetry={() => void inbox.refetch()}
        />
      ) : items.length === 0 ? (
        <Text size="sm" c="dimmed">
          Nothing needs you today.
        </Text>
      ) : (
        <Stack gap={2}>
          {totals && totals.length > 0 && (
            <Group gap={6} mb={6} data-testid="inbox-group-totals">
              <Text size="xs" c="dimmed">
                Across your dealers:
              </Text>
              {totals.map((t) => (
                <Badge key={t.kind} size="sm" variant="outline" color="gray">
                  {t.count} {INBOX_KIND_LABELS[t.kind]}
                </Badge>
              ))}
            </Group>
          )}
          {items.slice(0, SHOWN).map((item, i) => (
            <InboxItemRow
              key={`${item.kind}-${item.link}-${i}`}
              item={item}
              asOf={inbox.data?.asOf}
            />
          ))}
          {items.length > SHOWN && (
            <Text size="xs" c="dimmed" px="sm">
              and {items.length - SHOWN} more in the bell at the top
            </Text>
          )}
        </Stack>
      )}
    </BorderedCard>
  );
}
