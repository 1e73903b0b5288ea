/**
 * Finance: close a settlement period (statements stored for approval), approve statements on the
 * program page (four eyes), build a payout batch of approved statements, export it for accounts
 * payable, and mark it paid. There is no list of batches in the API: batches built here are
 * remembered in this browser, and any batch opens by its code.
 */
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { api } from '../../api';
import { FormError } from '../../components/form-error';
import { IconDownload } from '../../components/icons';
import { PageHeader, Section } from '../../components/page-header';
import { QueryError, TableSkeleton } from '../../components/query-state';
import { IncentiveTabs } from '../../components/incentives/incentive-tabs';
import {
  definitionOf,
  formatSettlementPeriod,
  periodOfDate,
  settlementPeriods,
} from '../../components/incentives/incentive-labels';
import {
  useIncentiveInvalidation,
  usePayoutBatch,
  useProgram,
  usePrograms,
  type PayoutBatchView,
} from '../../components/incentives/incentive-queries';
import { formatDateTime, formatMoney } from '../../format';
import { useSettings } from '../../queries';

const STORAGE_KEY = 'forecourt.payoutBatches';

function rememberedBatches(): string[] {
  try {
    const value = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]') as unknown;
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

export function PayoutsPage() {
  const [params, setParams] = useSearchParams();
  const batchCode = params.get('batch');
  const [remembered, setRemembered] = useState(rememberedBatches);
  const remember = (code: string) => {
    const next = [code, ...remembered.filter((c) => c !== code)].slice(0, 20);
    localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    setRemembered(next);
  };
  return (
    <Stack gap="lg" data-testid="payouts-page">
      <div>
        <PageHeader
          title="Settlement and payouts"
          description="Close a period, approve its statements, pay the approved ones in a batch"
        />
        <IncentiveTabs />
      </div>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <ClosePeriod />
        <BuildBatch
          onBuilt={(b) => {
            remember(b.code);
            setParams({ batch: b.code }, { replace: true });
          }}
        />
      </SimpleGrid>
      <Section title="Payout batch">
        <Group gap="xs" align="flex-end">
          <Select
            label="Batches built here"
            placeholder={remembered.length ? 'Choose a batch' : 'None yet'}
            data={remembered}
            value={batchCode}
            onChange={(v) => v && setParams({ batch: v }, { replace: true })}
            w={240}
          />
          <OpenByCode onOpen={(c) => setParams({ batch: c }, { replace: true })} />
        </Group>
        {batchCode && <BatchView code={batchCode} />}
      </Section>
    </Stack>
  );
}

function OpenByCode({ onOpen }: { onOpen: (code: string) => void }) {
  const [code, setCode] = useState('');
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (code.trim()) onOpen(code.trim());
      }}
    >
      <Group gap="xs" align="flex-end">
        <TextInput
          label="Or open by code"
          value={code}
          onChange={(e) => setCode(e.currentTarget.value)}
          w={200}
        />
        <Button type="submit" variant="default">
          Open
        </Button>
      </Group>
    </form>
  );
}

function ClosePeriod() {
  const programs = usePrograms();
  const settings = useSettings();
  const [code, setCode] = useState<string | null>(null);
  const program = useProgram(code ?? '');
  const fy = settings.data?.fiscalYearStartMonth ?? 1;
  const periods = program.data ? settlementPeriods(definitionOf(program.data), fy) : [];
  const [period, setPeriod] = useState<string | null>(null);
  const today = new Date().toISOString().slice(0, 10);
  const chosen = period ?? (periods.length ? periodOfDate(periods, today, fy) : null);
  const invalidate = useIncentiveInvalidation();
  const mutation = useMutation({
    mutationFn: () =>
      api.post<{ statements: number; totalAmountDue: string; period: string }>(
        `/programs/${encodeURIComponent(code!)}/periods/close`,
        { period: chosen },
      ),
    onSuccess: () => void invalidate(),
  });
  const currency = program.data ? definitionOf(program.data).currency : 'USD';
  return (
    <Section
      title="1. Close a period"
      description="After its cut-off; the statements are stored for approval"
    >
      <Paper withBorder p="md">
        <Stack gap="xs">
          <Select
            label="Program"
            data={(programs.data ?? [])
              .filter((p) => p.status === 'published')
              .map((p) => ({ value: p.code, label: p.name }))}
            value={code}
            onChange={(v) => {
              setCode(v);
              setPeriod(null);
            }}
          />
          <Select
            label="Settlement period"
            data={periods.map((p) => ({ value: p, label: formatSettlementPeriod(p) }))}
            value={chosen}
            onChange={setPeriod}
            disabled={!code}
          />
          <Group>
            <Button
              onClick={() => mutation.mutate()}
              loading={mutation.isPending}
              disabled={!code || !chosen}
            >
              Close period
            </Button>
          </Group>
          <FormError error={mutation.error} />
          {mutation.data && (
            <Alert color="teal" variant="light">
              {mutation.data.statements} statements closed,{' '}
              {formatMoney(mutation.data.totalAmountDue, currency)} due.{' '}
              <Anchor
                component={Link}
                to={`/programs/${encodeURIComponent(code!)}?period=${encodeURIComponent(mutation.data.period)}`}
              >
                Approve them on the program page
              </Anchor>{' '}
              (someone other than the program’s author).
            </Alert>
          )}
        </Stack>
      </Paper>
    </Section>
  );
}

function BuildBatch({ onBuilt }: { onBuilt: (batch: PayoutBatchView) => void }) {
  const programs = usePrograms();
  const [code, setCode] = useState<string | null>(null);
  const [glAccount, setGlAccount] = useState('2150-INCENTIVES');
  const invalidate = useIncentiveInvalidation();
  const mutation = useMutation({
    mutationFn: () =>
      api.post<PayoutBatchView>('/payouts', { programCode: code ?? undefined, glAccount }),
    onSuccess: (batch) => {
      void invalidate();
      onBuilt(batch);
    },
  });
  return (
    <Section
      title="3. Build a payout batch"
      description="Every approved, unpaid statement (of one program, or all)"
    >
      <Paper withBorder p="md">
        <Stack gap="xs">
          <Select
            label="Program"
            placeholder="Every program"
            data={(programs.data ?? []).map((p) => ({ value: p.code, label: p.name }))}
            value={code}
            onChange={setCode}
            clearable
          />
          <TextInput
            label="GL account"
            value={glAccount}
            onChange={(e) => setGlAccount(e.currentTarget.value)}
          />
          <Group>
            <Button
              onClick={() => mutation.mutate()}
              loading={mutation.isPending}
              disabled={!glAccount.trim()}
            >
              Build batch
            </Button>
          </Group>
          <FormError error={mutation.error} />
        </Stack>
      </Paper>
    </Section>
  );
}

function BatchView({ code }: { code: string }) {
  const batch = usePayoutBatch(code);
  const invalidate = useIncentiveInvalidation();
  const paid = useMutation({
    mutationFn: () => api.post<PayoutBatchView>(`/payouts/${encodeURIComponent(code)}/paid`),
    onSuccess: () => void invalidate(),
  });
  if (batch.isError) return <QueryError error={batch.error} />;
  if (batch.isPending) return <TableSkeleton rows={3} />;
  const b = batch.data;
  return (
    <Stack gap="xs" data-testid="payout-batch">
      <Group justify="space-between">
        <Group gap="xs">
          <Text fw={700} ff="monospace">
            {b.code}
          </Text>
          <Badge color={b.status === 'paid' ? 'green' : 'blue'} variant="light">
            {b.status}
          </Badge>
          <Text size="sm" c="dimmed">
            {formatDateTime(b.createdAt)} · {b.items.length} payments ·{' '}
            {b.totals.map((t) => formatMoney(t.amount, t.currency)).join(' + ') || 'nothing to pay'}
          </Text>
        </Group>
        <Group gap="xs">
          <Button
            component="a"
            href={`/api/v1/payouts/${encodeURIComponent(b.code)}/export`}
            download
            variant="default"
            size="xs"
            leftSection={<IconDownload size={14} />}
          >
            Export CSV
          </Button>
          {b.status !== 'paid' && (
            <Button size="xs" color="teal" onClick={() => paid.mutate()} loading={paid.isPending}>
              Mark paid
            </Button>
          )}
        </Group>
      </Group>
      <FormError error={paid.error} />
      <Paper withBorder style={{ overflow: 'hidden' }}>
        <Table.ScrollContainer minWidth={640}>
          <Table fz="sm" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Dealer</Table.Th>
                <Table.Th>ERP vendor</Table.Th>
                <Table.Th>Program · period</Table.Th>
                <Table.Th>Reference</Table.Th>
                <Table.Th ta="right">Amount</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {b.items.map((i) => (
                <Table.Tr key={i.reference}>
                  <Table.Td>{i.dealerName}</Table.Td>
                  <Table.Td ff="monospace">{i.erpVendorId ?? '–'}</Table.Td>
                  <Table.Td>
                    {i.programCode} · {formatSettlementPeriod(i.period)}
                  </Table.Td>
                  <Table.Td ff="monospace">{i.reference}</Table.Td>
                  <Table.Td ta="right" fw={600}>
                    {formatMoney(i.amount, i.currency)}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
    </Stack>
  );
}
