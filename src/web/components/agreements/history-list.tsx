/** The agreement's events, newest first: who did what, from which status to which, and why. */
import { Text, Timeline } from '@mantine/core';
import type { Agreement } from '../../../shared/schemas/agreements';
import { formatDateTime, personName } from '../../format';
import { STATUS_LABELS } from './agreement-labels';
import type { AgreementStatus } from '../../../shared/schemas/agreements';

function statusLabel(status: string | null): string {
  return status ? (STATUS_LABELS[status as AgreementStatus] ?? status) : '';
}

function actionLabel(action: string): string {
  const text = action.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function HistoryList({ events }: { events: Agreement['events'] }) {
  const newestFirst = [...events].reverse();
  return (
    <Timeline bulletSize={14} lineWidth={2} active={0} data-testid="history">
      {newestFirst.map((e, i) => (
        <Timeline.Item
          key={`${e.at}-${i}`}
          title={
            <Text size="sm" fw={600}>
              {actionLabel(e.action)}
              {e.fromStatus !== e.toStatus && e.toStatus && (
                <Text span size="sm" c="dimmed" fw={400}>
                  {' '}
                  · {e.fromStatus ? `${statusLabel(e.fromStatus)} → ` : ''}
                  {statusLabel(e.toStatus)}
                </Text>
              )}
            </Text>
          }
        >
          <Text size="xs" c="dimmed">
            {personName(e.actor)} · {formatDateTime(e.at)}
          </Text>
          {e.comment && (
            <Text size="sm" fs="italic" mt={2}>
              “{e.comment}”
            </Text>
          )}
        </Timeline.Item>
      ))}
    </Timeline>
  );
}
