/** The open amendment of an active agreement: its diff and the decisions this user may take. */
import { useState } from 'react';
import { Badge, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import type { Agreement } from '../../../shared/schemas/agreements';
import { api } from '../../api';
import { formatDateTime } from '../../format';
import { isDealerUser, useCan, useMe } from '../../session';
import { useAgreementInvalidation } from './agreement-queries';
import { ChangesView } from './changes-view';
import { AgreementDecisionDialog } from './decision-dialog';

type Decision = 'accept' | 'approve' | 'reject';

const LABELS: Record<Decision, string> = {
  accept: 'Accept amendment',
  approve: 'Approve amendment',
  reject: 'Reject amendment',
};

export function PendingRevision({
  agreement,
  onReload,
}: {
  agreement: Agreement;
  onReload: () => void;
}) {
  const me = useMe();
  const canAccept = useCan('agreements:accept');
  const canApprove = useCan('agreements:approve');
  const invalidate = useAgreementInvalidation();
  const [open, setOpen] = useState<Decision | null>(null);
  const revision = agreement.pendingRevision;
  const decide = useMutation({
    mutationFn: ({ decision, comment }: { decision: Decision; comment: string }) =>
      api.post<Agreement>(
        `/agreements/${agreement.id}/revisions/${revision?.id ?? 0}/${decision}`,
        comment ? { comment } : {},
      ),
    onSuccess: async (saved) => {
      setOpen(null);
      await invalidate(saved);
    },
  });
  if (!revision) return null;
  const isDealer = isDealerUser(me);
  const decisions: Decision[] = [];
  if (revision.status === 'proposed' && canAccept) decisions.push('accept');
  if (revision.status === 'accepted' && canApprove) decisions.push('approve');
  if (isDealer ? canAccept : canApprove) decisions.push('reject');
  const waitingFor =
    revision.status === 'proposed'
      ? 'Waiting for the dealer to accept'
      : revision.status === 'accepted'
        ? 'Accepted by the dealer; waiting for OEM approval'
        : revision.status;
  return (
    <Paper
      withBorder
      p={{ base: 'sm', sm: 'md' }}
      data-testid="pending-revision"
      style={{
        borderColor: 'var(--mantine-color-yellow-5)',
        background: 'var(--mantine-color-yellow-light)',
      }}
    >
      <Stack gap="sm">
        <Title order={3} fz={{ base: 17, sm: 19 }}>
          Pending amendment
        </Title>
        <Group gap="xs">
          <Badge color="yellow" variant="filled" size="sm">
            {waitingFor}
          </Badge>
          <Text size="xs" c="dimmed">
            Opened {formatDateTime(revision.createdAt)}
          </Text>
        </Group>
        {revision.comment && (
          <Text size="sm" fs="italic">
            “{revision.comment}”
          </Text>
        )}
        <Text size="sm">
          The current values stay in force until the dealer accepts and the OEM approves. Struck
          through: today’s plan; bold: the proposed plan.
        </Text>
        <ChangesView changes={revision.changes} terms={[revision.terms, agreement.terms]} />
        {decisions.length > 0 && (
          <Group gap="xs">
            {decisions.map((d) => (
              <Button
                key={d}
                size="sm"
                color={d === 'reject' ? 'red' : 'teal'}
                variant={d === 'reject' ? 'light' : 'filled'}
                onClick={() => {
                  decide.reset();
                  setOpen(d);
                }}
              >
                {LABELS[d]}
              </Button>
            ))}
          </Group>
        )}
      </Stack>
      {open && (
        <AgreementDecisionDialog
          title={`${LABELS[open]}: ${agreement.code}`}
          description={
            open === 'reject'
              ? 'The amendment is discarded; the current values stay.'
              : open === 'accept'
                ? 'The OEM approves the amendment next; then it replaces the current values.'
                : 'The amended plan replaces the current one and a new version is recorded in the ledger.'
          }
          confirmLabel={LABELS[open]}
          color={open === 'reject' ? 'red' : 'teal'}
          isCommentRequired={open === 'reject'}
          isPending={decide.isPending}
          error={decide.error}
          onConfirm={(comment) => decide.mutate({ decision: open, comment })}
          onClose={() => setOpen(null)}
          onReload={() => {
            setOpen(null);
            onReload();
          }}
        />
      )}
    </Paper>
  );
}
