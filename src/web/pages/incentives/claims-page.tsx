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
  Text,
  Textarea,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { api } from '../../api';
import { FormError } from '../../components/form-error';
import { CommentDialog, DateField, TextField, useForm } from '../../components/form-kit';
import { DataTable, QueryView } from '../../components/data-table';
import { Section } from '../../components/page-header';
import { Empty, QueryError, TableSkeleton } from '../../components/query-state';
import { DealerPicker } from '../../components/scope-picker';
import { IncentivePage } from '../../components/incentives/incentive-tabs';
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
import { QuerySelect } from '../../components/query-select';

export function ClaimsPage() {
  const [params, setParams] = useSearchParams();
  const programs = usePrograms();
  const published = (programs.data ?? []).filter((p) => p.status !== 'draft');
  const code = params.get('program') ?? published[0]?.code ?? null;
  const canSubmit = useCan('claims:write');
  return (
    <IncentivePage
      testId="claims-page"
      title="Claims"
      description="Programs paid on claims count a delivery only once its claim is approved"
      under={
        <QuerySelect
          query={programs}
          label="Program"
          data={published.map((p) => ({ value: p.code, label: p.name }))}
          value={code}
          onChange={(v) => v && setParams({ program: v }, { replace: true })}
          allowDeselect={false}
          maw={420}
        />
      }
    >
      {programs.isError && <QueryError error={programs.error} />}
      {code && canSubmit && <ClaimForm programCode={code} />}
      {code && <ClaimsList programCode={code} />}
    </IncentivePage>
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
  const form = useForm({ vin: '', sku: '', deliveredOn: '', evidenceName: '' }, CLAIM_FIELDS);
  const [csv, setCsv] = useState<string | null>(null);
  const invalidate = useIncentiveInvalidation();
  const mutation = useMutation({
    mutationFn: (body: unknown) =>
      api.post<{ items: ClaimView[] }>(`/programs/${encodeURIComponent(programCode)}/claims`, body),
    onSuccess: () => {
      setCsv(null);
      form.fail(null);
      void invalidate();
    },
    onError: form.fail,
  });
  const { values, errors, rest } = form;
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
                    vin: values.vin.trim(),
                    sku: values.sku.trim(),
                    deliveredOn: values.deliveredOn,
                    evidenceName: values.evidenceName.trim() || undefined,
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
                <TextField form={form} name="vin" label="VIN" maxLength={17} required />
                <TextField form={form} name="sku" label="SKU" required />
                <DateField form={form} name="deliveredOn" label="Delivered on" required />
                <TextField form={form} name="evidenceName" label="Evidence (file name)" />
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
      <QueryView
        query={claims}
        loading={<TableSkeleton rows={3} />}
        isEmpty={(d) => d.length === 0}
        empty={<Empty title="No claims yet" />}
      >
        {(items) => (
          <DataTable
            testId="claims-table"
            minWidth={720}
            verticalSpacing={6}
            fz="sm"
            rows={items}
            rowKey={(c) => c.id}
            columns={[
              { header: 'Dealer', cell: (c) => dealerLabel(c) },
              {
                header: 'VIN · SKU',
                cell: (c) => (
                  <>
                    <Text size="sm" ff="monospace">
                      {c.vin}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {c.sku}
                    </Text>
                  </>
                ),
              },
              { header: 'Delivered', cell: (c) => formatDate(c.deliveredOn) },
              {
                header: 'Status',
                cell: (c) => (
                  <Badge color={CLAIM_STATUS_COLORS[c.status]} variant="light">
                    {c.status}
                  </Badge>
                ),
              },
              {
                header: 'Checks / reason',
                cell: (c) =>
                  c.decisionReason ? (
                    <Text size="sm">{c.decisionReason}</Text>
                  ) : (
                    <ClaimChecks claim={c} />
                  ),
              },
              canReview && {
                key: 'decide',
                cell: (c) =>
                  c.status === 'validated' && (
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
                  ),
              },
            ]}
          />
        )}
      </QueryView>
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
      commentField="reason"
      minRows={2}
      onConfirm={(reason, clear) => mutation.mutate(reason, { onSuccess: clear })}
      confirmLabel={verb}
      isPending={mutation.isPending}
      error={mutation.error}
    />
  );
}
