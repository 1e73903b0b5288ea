/**
 * Dealers' bank details for payouts (issue 15): OEM finance picks a dealer, sees its account in
 * full and sets it (IBAN + BIC or US routing + account); every change is recorded in the ledger
 * and the audit log by the API. Other readers see the account masked.
 */
import { useState } from 'react';
import {
  Alert,
  Button,
  Group,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { BankAccountView } from '../../../shared/schemas/payments';
import { api, isApiError } from '../../api';
import { FormError } from '../../components/form-error';
import { IconCheck } from '../../components/icons';
import { PageHeader } from '../../components/page-header';
import { QueryError } from '../../components/query-state';
import { formatDateTime } from '../../format';
import { useDealers } from '../../queries';
import { useMe } from '../../session';

type Scheme = 'iban' | 'us_aba';

function useBankAccount(code: string | null) {
  return useQuery({
    queryKey: ['bank-account', code],
    queryFn: ({ signal }) =>
      api.get<BankAccountView>(
        `/dealers/${encodeURIComponent(code ?? '')}/bank-account`,
        {},
        signal,
      ),
    enabled: code !== null,
    retry: false,
  });
}

function CurrentAccount({ account }: { account: BankAccountView }) {
  const rows: [string, string | null][] =
    account.scheme === 'iban'
      ? [
          ['Account holder', account.accountHolder],
          ['IBAN', account.iban],
          ['BIC', account.bic],
          ['Currency', account.currency],
        ]
      : [
          ['Account holder', account.accountHolder],
          ['Routing number (ABA)', account.routingNumber],
          ['Account number', account.accountNumber],
          ['Currency', account.currency],
        ];
  return (
    <Paper withBorder p="md" data-testid="bank-account">
      <Table>
        <Table.Tbody>
          {rows.map(([label, value]) => (
            <Table.Tr key={label}>
              <Table.Th w="40%">{label}</Table.Th>
              <Table.Td style={{ wordBreak: 'break-all' }}>{value ?? '—'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text size="xs" c="dimmed" mt="xs">
        {account.isMasked ? 'Shown masked. ' : ''}Last changed {formatDateTime(account.updatedAt)}
      </Text>
    </Paper>
  );
}

function AccountForm({
  dealerCode,
  current,
}: {
  dealerCode: string;
  current: BankAccountView | null;
}) {
  const queryClient = useQueryClient();
  const [scheme, setScheme] = useState<Scheme>(current?.scheme ?? 'iban');
  const [holder, setHolder] = useState(current?.accountHolder ?? '');
  const [iban, setIban] = useState(current?.isMasked ? '' : (current?.iban ?? ''));
  const [bic, setBic] = useState(current?.bic ?? '');
  const [routing, setRouting] = useState(current?.routingNumber ?? '');
  const [account, setAccount] = useState(current?.isMasked ? '' : (current?.accountNumber ?? ''));
  const [currency, setCurrency] = useState(
    current?.currency ?? (scheme === 'iban' ? 'EUR' : 'USD'),
  );
  const save = useMutation({
    mutationFn: () =>
      api.put<BankAccountView>(
        `/dealers/${encodeURIComponent(dealerCode)}/bank-account`,
        scheme === 'iban'
          ? { scheme, accountHolder: holder, iban, bic, currency }
          : {
              scheme,
              accountHolder: holder,
              routingNumber: routing,
              accountNumber: account,
              currency,
            },
      ),
    onSuccess: (saved) => queryClient.setQueryData(['bank-account', dealerCode], saved),
  });
  const problems = isApiError(save.error) ? save.error.problems : [];
  const fieldError = (field: string) =>
    problems.find((p) => p.path === `body.${field}`)?.message ?? null;
  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <SegmentedControl
          value={scheme}
          onChange={(v) => setScheme(v as Scheme)}
          data={[
            { value: 'iban', label: 'IBAN' },
            { value: 'us_aba', label: 'US account' },
          ]}
        />
        <TextInput
          label="Account holder"
          value={holder}
          onChange={(e) => setHolder(e.currentTarget.value)}
        />
        {scheme === 'iban' ? (
          <>
            <TextInput
              label="IBAN"
              value={iban}
              onChange={(e) => setIban(e.currentTarget.value)}
              error={fieldError('iban')}
            />
            <TextInput
              label="BIC"
              value={bic}
              onChange={(e) => setBic(e.currentTarget.value)}
              error={fieldError('bic')}
            />
          </>
        ) : (
          <>
            <TextInput
              label="Routing number (ABA)"
              value={routing}
              onChange={(e) => setRouting(e.currentTarget.value)}
              error={fieldError('routingNumber')}
            />
            <TextInput
              label="Account number"
              value={account}
              onChange={(e) => setAccount(e.currentTarget.value)}
              error={fieldError('accountNumber')}
            />
          </>
        )}
        <TextInput
          label="Currency"
          value={currency}
          maxLength={3}
          onChange={(e) => setCurrency(e.currentTarget.value.toUpperCase())}
        />
        <FormError error={save.error} />
        {save.isSuccess && (
          <Alert color="teal" variant="light" icon={<IconCheck />}>
            Saved, and recorded in the ledger and the audit log.
          </Alert>
        )}
        <Group justify="flex-end">
          <Button loading={save.isPending} onClick={() => save.mutate()}>
            Save bank details
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

export function BankDetailsPage() {
  const me = useMe();
  const isFinance = me.scope.kind === 'network' && me.permissions.includes('payouts:manage');
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 250);
  const [code, setCode] = useState<string | null>(null);
  const dealers = useDealers({ q: q || undefined, limit: 50, offset: 0 });
  const account = useBankAccount(code);
  const isMissing = isApiError(account.error) && account.error.status === 404;
  return (
    <>
      <PageHeader
        title="Bank details"
        description="Where each dealer's incentive payouts are paid (pain.001 credit transfers). Only OEM finance sees and changes them in full."
      />
      <Stack gap="md" maw={640}>
        <Select
          data-testid="dealer-select"
          label="Dealer"
          placeholder="Type a dealer’s name or code"
          data={(dealers.data?.items ?? []).map((d) => ({
            value: d.code,
            label: `${d.name} (${d.code})`,
          }))}
          searchable
          searchValue={search}
          onSearchChange={setSearch}
          filter={({ options }) => options}
          value={code}
          onChange={setCode}
          nothingFoundMessage={dealers.isFetching ? 'Searching…' : 'No dealer found'}
        />
        {code !== null && account.isSuccess && <CurrentAccount account={account.data} />}
        {code !== null && isMissing && (
          <Alert color="yellow" variant="light" data-testid="no-bank-account">
            No bank details yet: payout files for this dealer are refused until they are set.
          </Alert>
        )}
        {code !== null && account.isError && !isMissing && (
          <QueryError error={account.error} onRetry={() => void account.refetch()} />
        )}
        {code !== null && isFinance && (account.isSuccess || isMissing) && (
          <AccountForm key={code} dealerCode={code} current={account.data ?? null} />
        )}
      </Stack>
    </>
  );
}
