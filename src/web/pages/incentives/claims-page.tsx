/**
 * Claims of a program: a dealer submits one (or a CSV of several) and sees each check that passed
 * or failed; the OEM approves or rejects validated claims with a reason.
 */
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import {
  Badge,
  Button,
  FileButton,
  Group,
  List,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { api } from '../../api';
import { FormError } from '../../components/form-error';
import { CommentDialog } from '../../components/form-kit';
import { apiFieldErrors } from '../../forms';
import { PageHeader, Section } from '../../components/page-header';
import { Empty, QueryError, TableSkeleton } from '../../components/query-state';
import { DealerPicker } from '../../components/scope-picker';
import { IncentiveTabs } from '../../components/incentives/incentive-tabs';
import { CLAIM_STATUS_COLORS, definitionOf } from '../../components/incentives/incentive-labels';
import {
  useClaims,
  useIncentiveInvalidation,
  useProgram,
  usePrograms,
  type ClaimView,
} from '../../components/incentives/incentive-queries';
import { dealerLabel, formatDate } from '../../format';
import { isDealerUser, useCan, useMe } from '../../session';

export function ClaimsPage() {
  const [params, setParams] = useSearchParams();
  const programs = usePrograms();
  const published = (programs.data ?? []).filter((p) => p.status !== 'draft');
  const code = params.get('program') ?? published[0]?.code ?? null;
  const canSubmit = useCan('claims:write');
  return (
    <Stack gap="lg" data-testid="claims-page">
      <div>
        <PageHeader
          title="Claims"
          description="Programs paid on claims count a delivery only once its claim is approved"
        />
        <IncentiveTabs />
        <Select
          label="Program"
          data={published.map((p) => ({ value: p.code, label: p.name }))}
          value={code}
          onChange={(v) => v && setParams({ program: v }, { replace: true })}
          allowDeselect={false}
          maw={420}
        />
      </div>
      {programs.isError && <QueryError error={programs.error} />}
      {code && canSubmit && <ClaimForm programCode={code} />}
      {code && <ClaimsList programCode={code} />}
    </Stack>
  );
}

const CLAIM_FIELDS = ['vin', 'sku', 'deliveredOn', 'evidenceName', 'dealerCode'] as const;

function ClaimForm({ programCode }: { programCode: string }) {
  const me = useMe();
  const program = useProgram(programCode);
  const def = program.data ? definitionOf(program.data) : null;
  const own = me.scope.dealerCodes ?? [];
  const [dealerCode, setDealerCode] = useState<string | null>(
    isDealerUser(me) ? (own[0] ?? null) : null,
  );
  const [vin, setVin] = useState('');
  const [sku, setSku] = useState('');
  const [deliveredOn, setDeliveredOn] = useState('');
  const [evidenceName, setEvidenceName] = useState('');
  const [csv, setCsv] = useState<string | null>(null);
  const invalidate = useIncentiveInvalidation();
  const mutation = useMutation({
    mutationFn: (body: unknown) =>
      api.post<{ items: ClaimView[] }>(`/programs/${encodeURIComponent(programCode)}/claims`, body),
    onSuccess: () => {
      setCsv(null);
      void invalidate();
    },
  });
  const { errors, rest } = apiFieldErrors(mutation.error, CLAIM_FIELDS);
  return (
    <Section
      title="Submit a claim"
      description={
        def && !def.requiresClaim
          ? 'This program pays without claims; a claim here is only checked.'
          : 'The VIN, the SKU and the delivery date; each claim is checked against the sales feed at once.'
      }
    >
      <Paper withBorder p={{ base: 'sm', sm: 'md' }}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            mutation.mutate(
              csv !== null
                ? { dealerCode, csv }
                : {
                    dealerCode,
                    vin: vin.trim(),
                    sku: sku.trim(),
                    deliveredOn,
                    evidenceName: evidenceName.trim() || undefined,
                  },
            );
          }}
        >
          <Stack gap="sm">
            {!isDealerUser(me) && <DealerPicker value={dealerCode} onChange={setDealerCode} />}
            {isDealerUser(me) && own.length > 1 && (
              <Select label="Dealer" data={own} value={dealerCode} onChange={setDealerCode} />
            )}
            {csv === null ? (
              <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} spacing="xs">
                <TextInput
                  label="VIN"
                  value={vin}
                  onChange={(e) => setVin(e.currentTarget.value)}
                  error={errors.vin}
                  maxLength={17}
                  required
                />
                <TextInput
                  label="SKU"
                  value={sku}
                  onChange={(e) => setSku(e.currentTarget.value)}
                  error={errors.sku}
                  required
                />
                <TextInput
                  label="Delivered on"
                  type="date"
                  value={deliveredOn}
                  onChange={(e) => setDeliveredOn(e.currentTarget.value)}
                  error={errors.deliveredOn}
                  required
                />
                <TextInput
                  label="Evidence (file name)"
                  value={evidenceName}
                  onChange={(e) => setEvidenceName(e.currentTarget.value)}
                  error={errors.evidenceName}
                />
              </SimpleGrid>
            ) : (
              <Textarea
                label="CSV (vin,sku,deliveryDate[,evidence])"
                value={csv}
                onChange={(e) => setCsv(e.currentTarget.value)}
                autosize
                minRows={3}
                maxRows={10}
              />
            )}
            <Group gap="xs">
              <Button type="submit" loading={mutation.isPending} disabled={!dealerCode}>
                Submit
              </Button>
              {csv === null ? (
                <FileButton
                  accept=".csv,text/csv"
                  onChange={(file) => {
                    if (file) void file.text().then(setCsv);
                  }}
                >
                  {(props) => (
                    <Button variant="default" {...props}>
                      Upload CSV
                    </Button>
                  )}
                </FileButton>
              ) : (
                <Button variant="default" onClick={() => setCsv(null)}>
                  One claim instead
                </Button>
              )}
            </Group>
            <FormError
              error={Object.keys(errors).length > 0 && rest.length === 0 ? null : mutation.error}
              problems={rest}
            />
            {mutation.data && <ClaimResults claims={mutation.data.items} />}
          </Stack>
        </form>
      </Paper>
    </Section>
  );
}

function ClaimChecks({ claim }: { claim: ClaimView }) {
  return (
    <List size="xs" spacing={0}>
      {claim.checks.map((c) => (
        <List.Item key={c.check} c={c.ok ? 'teal.8' : 'red.8'}>
          {c.ok ? '✓' : '✗'} {c.message}
        </List.Item>
      ))}
    </List>
  );
}

function ClaimResults({ claims }: { claims: ClaimView[] }) {
  return (
    <Stack gap="xs" data-testid="claim-results">
      {claims.map((c) => (
        <Paper withBorder p="xs" key={c.id}>
          <Group gap="xs">
            <Text size="sm" fw={700} ff="monospace">
              {c.vin}
            </Text>
            <Badge color={CLAIM_STATUS_COLORS[c.status]} variant="light">
              {c.status === 'validated' ? 'passed the checks' : c.status}
            </Badge>
          </Group>
          <ClaimChecks claim={c} />
        </Paper>
      ))}
    </Stack>
  );
}

function ClaimsList({ programCode }: { programCode: string }) {
  const claims = useClaims(programCode);
  const canReview = useCan('claims:review');
  const [deciding, setDeciding] = useState<{
    claim: ClaimView;
    decision: 'approve' | 'reject';
  } | null>(null);
  return (
    <Section
      title="Claims submitted"
      description="Newest last; each with its checks and the decision"
    >
      {claims.isError ? (
        <QueryError error={claims.error} onRetry={() => void claims.refetch()} />
      ) : claims.isPending ? (
        <TableSkeleton rows={3} />
      ) : claims.data.length === 0 ? (
        <Empty title="No claims yet" />
      ) : (
        <Paper withBorder style={{ overflow: 'hidden' }}>
          <Table.ScrollContainer minWidth={720}>
            <Table data-testid="claims-table" verticalSpacing={6} fz="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Dealer</Table.Th>
                  <Table.Th>VIN · SKU</Table.Th>
                  <Table.Th>Delivered</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Checks / reason</Table.Th>
                  {canReview && <Table.Th />}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {claims.data.map((c) => (
                  <Table.Tr key={c.id}>
                    <Table.Td>{dealerLabel(c)}</Table.Td>
                    <Table.Td>
                      <Text size="sm" ff="monospace">
                        {c.vin}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {c.sku}
                      </Text>
                    </Table.Td>
                    <Table.Td>{formatDate(c.deliveredOn)}</Table.Td>
                    <Table.Td>
                      <Badge color={CLAIM_STATUS_COLORS[c.status]} variant="light">
                        {c.status}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      {c.decisionReason ? (
                        <Text size="sm">{c.decisionReason}</Text>
                      ) : (
                        <ClaimChecks claim={c} />
                      )}
                    </Table.Td>
                    {canReview && (
                      <Table.Td>
                        {c.status === 'validated' && (
                          <Group gap={4} wrap="nowrap">
                            <Button
                              size="compact-xs"
                              color="teal"
                              onClick={() => setDeciding({ claim: c, decision: 'approve' })}
                            >
                              Approve
                            </Button>
                            <Button
                              size="compact-xs"
                              variant="default"
                              onClick={() => setDeciding({ claim: c, decision: 'reject' })}
                            >
                              Reject
                            </Button>
                          </Group>
                        )}
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
      <DecisionDialog value={deciding} onClose={() => setDeciding(null)} />
    </Section>
  );
}

function DecisionDialog({
  value,
  onClose,
}: {
  value: { claim: ClaimView; decision: 'approve' | 'reject' } | null;
  onClose: () => void;
}) {
  const invalidate = useIncentiveInvalidation();
  const mutation = useMutation({
    mutationFn: (reason: string) =>
      api.post(`/claims/${value!.claim.id}/decision`, { decision: value!.decision, reason }),
    onSuccess: () => {
      void invalidate();
      onClose();
    },
  });
  const verb = value?.decision === 'approve' ? 'Approve' : 'Reject';
  return (
    <CommentDialog
      isOpen={value !== null}
      onClose={onClose}
      title={value ? `${verb} claim ${value.claim.vin}` : ''}
      commentLabel="Reason"
      minRows={2}
      onConfirm={(reason, clear) => mutation.mutate(reason, { onSuccess: clear })}
      confirmLabel={verb}
      isPending={mutation.isPending}
      error={mutation.error}
    />
  );
}
