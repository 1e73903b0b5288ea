/**
 * What stands between an agreement and its next step, in words: other agreements it overlaps (with
 * the two ways out) and, once accepted, who approves it when the reader cannot (four eyes).
 */
import { Alert, Anchor, List, Text } from '@mantine/core';
import { Link } from 'react-router-dom';
import type { Agreement } from '../../../shared/schemas/agreements';
import { formatMonth } from '../../format';

export function AgreementNotices({ agreement }: { agreement: Agreement }) {
  const { overlaps, approval } = agreement;
  return (
    <>
      {overlaps.length > 0 && (
        <Alert
          color="orange"
          variant="light"
          title="This agreement overlaps another one"
          data-testid="agreement-overlaps"
        >
          <List size="sm" spacing={4}>
            {overlaps.map((o) => {
              const after = o.suggestions.find((s) => s.action === 'start_after');
              return (
                <List.Item key={o.agreementId}>
                  <Anchor component={Link} to={`/agreements/${o.agreementId}`}>
                    {o.code}
                  </Anchor>{' '}
                  ({o.status}) already commits {o.skus.slice(0, 4).join(', ')}
                  {o.skus.length > 4 ? ` and ${o.skus.length - 4} more` : ''} from{' '}
                  {formatMonth(o.fromMonth)} to {formatMonth(o.toMonth)}. Amend{' '}
                  <Anchor component={Link} to={`/agreements/${o.agreementId}/edit`}>
                    {o.code}
                  </Anchor>{' '}
                  instead
                  {after && 'startMonth' in after
                    ? `, or start this one in ${formatMonth(after.startMonth)} or later`
                    : ''}
                  .
                </List.Item>
              );
            })}
          </List>
          <Text size="xs" c="dimmed" mt={6}>
            It cannot be proposed while it overlaps.
          </Text>
        </Alert>
      )}
      {approval && !approval.canApprove && approval.reason && (
        <Alert color="blue" variant="light" title="Waiting for approval" data-testid="approval-why">
          {approval.reason}
        </Alert>
      )}
    </>
  );
}
