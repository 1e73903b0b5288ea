/**
 * Dealers' bank details for payouts (issue 15): OEM finance picks a dealer, sees its account in
 * full and sets it (IBAN + BIC or US routing + account); every change is recorded in the ledger
 * and the audit log by the API. Other readers see the account masked.
 */
import { useState, type FormEvent } from 'react';
import { Alert, Button, Group, Paper, SegmentedControl, Stack, Text } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { bankAccountInputSchema, type BankAccountView } from '../../../shared/schemas/payments';
import { api, isApiError } from '../../api';
import { DataTable } from '../../components/data-table';
import { FormError } from '../../components/form-error';
import { DealerPicker, TextField, useForm, useFormSave, valuesOf } from '../../components/form-kit';
import { IconCheck } from '../../components/icons';
import { PageHeader } from '../../components/page-header';
import { QueryError } from '../../components/query-state';
import { formatDateTime } from '../../format';
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
      <DataTable
        isBare
        isHeadless
        rows={rows}
        rowKey={([label]) => label}
        columns={[
          { header: 'Detail', isRowHeader: true, width: '40%', cell: ([label]) => label },
          {
            header: 'Value',
            td: () => ({ style: { wordBreak: 'break-all' } }),
            cell: ([, value]) => value ?? '—',
          },
        ]}
      />
      <Text size="xs" c="dimmed" mt="xs">
        {account.isMasked ? 'Shown masked. ' : ''}Last changed {formatDateTime(account.updatedAt)}
      </Text>
    </Paper>
  );
}

const FIELDS = [
  'scheme',
  'accountHolder',
  'iban',
  'bic',
  'routingNumber',
  'accountNumber',
  'currency',
] as const;

/** The account's values to edit: a masked number is typed anew, never sent back masked. */
function initialValues(current: BankAccountView | null) {
  const shown = current?.isMasked ? { ...current, iban: null, accountNumber: null } : current;
  return valuesOf(shown ?? undefined, FIELDS, { scheme: 'iban' as Scheme, currency: 'EUR' });
}

function AccountForm({
  dealerCode,
  current,
}: {
  dealerCode: string;
  current: BankAccountView | null;
}) {
  const queryClient = useQueryClient();
  const form = useForm(() => initialValues(current), FIELDS);
  const save = useFormSave(form, {
    send: (body) =>
      api.put<BankAccountView>(`/dealers/${encodeURIComponent(dealerCode)}/bank-account`, body),
    invalidates: [],
    onSaved: (saved) => queryClient.setQueryData(['bank-account', dealerCode], saved),
  });
  const { values } = form;
  function submit(event: FormEvent) {
    event.preventDefault();
    const { scheme, accountHolder, iban, bic, routingNumber, accountNumber } = values;
    const currency = values.currency.trim().toUpperCase();
    const body = form.check(
      bankAccountInputSchema,
      scheme === 'iban'
        ? { scheme, accountHolder, iban, bic, currency }
        : { scheme, accountHolder, routingNumber, accountNumber, currency },
    );
    if (body) save.mutate(body);
  }
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} noValidate>
      <Stack gap="sm">
        <SegmentedControl
          value={values.scheme}
          onChange={(v) => form.set('scheme', v as Scheme)}
          data={[
            { value: 'iban', label: 'IBAN' },
            { value: 'us_aba', label: 'US account' },
          ]}
        />
        <TextField form={form} name="accountHolder" label="Account holder" />
        {values.scheme === 'iban' ? (
          <>
            <TextField form={form} name="iban" label="IBAN" />
            <TextField form={form} name="bic" label="BIC" />
          </>
        ) : (
          <>
            <TextField form={form} name="routingNumber" label="Routing number (ABA)" />
            <TextField form={form} name="accountNumber" label="Account number" />
          </>
        )}
        <TextField
          form={form}
          name="currency"
          label="Currency"
          maxLength={3}
          styles={{ input: { textTransform: 'uppercase' } }}
        />
        <FormError error={save.error} problems={form.rest} />
        {save.isSuccess && (
          <Alert color="teal" variant="light" icon={<IconCheck />}>
            Saved, and recorded in the ledger and the audit log.
          </Alert>
        )}
        <Group justify="flex-end">
          <Button type="submit" loading={save.isPending}>
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
  const [code, setCode] = useState<string | null>(null);
  const account = useBankAccount(code);
  const isMissing = isApiError(account.error) && account.error.status === 404;
  return (
    <>
      <PageHeader
        title="Bank details"
        description="Where each dealer's incentive payouts are paid (pain.001 credit transfers). Only OEM finance sees and changes them in full."
      />
      <Stack gap="md" maw={640}>
        <DealerPicker
          data-testid="dealer-select"
          placeholder="Type a dealer’s name or code"
          value={code}
          onChange={setCode}
          isRequired={false}
          isActiveOnly={false}
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
