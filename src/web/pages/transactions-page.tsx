/**
 * The actuals feed: a filterable list, CSV export of the same filter, and (transactions:write) a
 * CSV upload that is accepted whole or rejected with every problem by row.
 */
import { useState } from 'react';
import {
  Alert,
  Anchor,
  Button,
  Collapse,
  FileInput,
  Group,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { IngestResult } from '../../shared/schemas/transactions';
import { api, apiUrl, isApiError } from '../api';
import { IconCheck, IconUpload } from '../components/icons';
import { DownloadButton } from '../components/download-button';
import { FilterBar } from '../components/filter-bar';
import { dateFilter, filterSelect, queryValues } from '../components/list-filters';
import { ModelLineFilter, useListQuery } from '../components/list-query';
import { PageHeader, Section } from '../components/page-header';
import { Pager } from '../components/pager';
import { ProblemList } from '../components/problem-list';
import { Empty, QueryError, TableSkeleton, errorMessage } from '../components/query-state';
import { TransactionsTable } from '../components/transactions-table';
import { formatInt } from '../format';
import { KIND_OPTIONS } from '../labels';
import { useTransactions } from '../queries';
import { isDealerUser, useCan, useMe } from '../session';

const PAGE_SIZE = 50;
const CSV_HEADER = 'kind,dealerCode,sku,vin,quantity,amount,currency,occurredOn,source,externalId';
const CSV_EXAMPLE = 'retail_delivery,D0001,SKU-CODE,,1,41250.00,USD,2026-03-14,dms,EXAMPLE-1';
const TEXT_FILTERS = ['dealer', 'sku', 'vin'] as const;

function UploadCard() {
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const upload = useMutation({
    mutationFn: (f: File) => api.upload<IngestResult>('/transactions', f, 'text/csv'),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['transactions'] });
      await queryClient.invalidateQueries({ queryKey: ['dealer-actuals'] });
      await queryClient.invalidateQueries({ queryKey: ['dealer'] });
      await queryClient.invalidateQueries({ queryKey: ['region-totals'] });
    },
  });
  const template = `data:text/csv;charset=utf-8,${encodeURIComponent(`${CSV_HEADER}\n${CSV_EXAMPLE}\n`)}`;
  const error = upload.error;
  return (
    <Paper withBorder p="md" data-testid="upload-card">
      <Stack gap="sm">
        <Text size="sm">
          Upload a CSV with the header{' '}
          <code style={{ overflowWrap: 'anywhere' }}>{CSV_HEADER}</code>. A file with any invalid
          row is rejected whole, with every problem listed; rows already received (same source and
          externalId) count as duplicates and change nothing.{' '}
          <Anchor href={template} download="transactions-template.csv" size="sm">
            Download a template
          </Anchor>
        </Text>
        <Group align="flex-end" gap="xs" wrap="wrap">
          <FileInput
            label="CSV file"
            placeholder="Choose a .csv file"
            accept=".csv,text/csv"
            value={file}
            onChange={(f) => {
              setFile(f);
              upload.reset();
            }}
            clearable
            style={{ flex: '1 1 240px' }}
          />
          <Button
            leftSection={<IconUpload size={16} />}
            disabled={!file}
            loading={upload.isPending}
            onClick={() => file && upload.mutate(file)}
          >
            Upload
          </Button>
        </Group>
        {upload.data && (
          <Alert
            color="teal"
            variant="light"
            icon={<IconCheck />}
            title="Batch accepted"
            data-testid="upload-result"
          >
            {formatInt(upload.data.received)} rows received: {formatInt(upload.data.inserted)} new,{' '}
            {formatInt(upload.data.duplicates)} duplicates, for {formatInt(upload.data.dealers)}{' '}
            dealers (batch {upload.data.batchId}).
            {!upload.data.rolledUp &&
              ' The rows are stored; monthly actuals and agreement progress include them within seconds.'}
          </Alert>
        )}
        {error && (
          <Alert
            color="red"
            variant="light"
            title="Nothing was stored"
            role="alert"
            data-testid="upload-error"
          >
            <Stack gap="xs">
              <Text size="sm">{errorMessage(error)}</Text>
              {isApiError(error) && error.problems.length > 0 && (
                <>
                  <Text size="sm" fw={600}>
                    {formatInt(error.problems.length)} problem
                    {error.problems.length === 1 ? '' : 's'} to fix:
                  </Text>
                  <ProblemList problems={error.problems} />
                </>
              )}
            </Stack>
          </Alert>
        )}
      </Stack>
    </Paper>
  );
}

export function TransactionsPage() {
  const me = useMe();
  const canWrite = useCan('transactions:write');
  const list = useListQuery();
  const { params, setParams, update, offset } = list;
  const [isUploadOpen, setUploadOpen] = useState(false);
  const [texts, setTexts] = useState(() =>
    Object.fromEntries(TEXT_FILTERS.map((k) => [k, params.get(k) ?? ''])),
  );
  const ownDealers = isDealerUser(me) ? (me.scope.dealerCodes ?? []) : null;

  const base = queryValues(params, ['dealer', 'sku', 'modelLine', 'kind', 'from', 'to', 'vin']);
  const transactions = useTransactions({ ...base, limit: PAGE_SIZE, offset });

  const updateText = useDebouncedCallback(
    (key: string, value: string) => update({ [key]: value.trim() }),
    400,
  );

  function textInput(key: (typeof TEXT_FILTERS)[number], label: string, placeholder: string) {
    return (
      <TextInput
        aria-label={label}
        placeholder={placeholder}
        value={texts[key] ?? ''}
        onChange={(e) => {
          const value = e.currentTarget.value;
          setTexts((t) => ({ ...t, [key]: value }));
          updateText(key, value);
        }}
      />
    );
  }

  const activeCount = Object.values(base).filter(Boolean).length;
  const filters = (
    <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="xs">
      {ownDealers && ownDealers.length > 0
        ? ownDealers.length > 1
          ? filterSelect(list, 'dealer', 'Dealer', 'All my dealers', ownDealers)
          : null
        : textInput('dealer', 'Dealer code', 'Dealer code')}
      {textInput('sku', 'SKU', 'SKU code')}
      <ModelLineFilter value={params.get('modelLine')} onChange={(v) => update({ modelLine: v })} />
      {filterSelect(list, 'kind', 'Kind', 'All kinds', KIND_OPTIONS)}
      {dateFilter(list, 'from', 'From date', 'From')}
      {dateFilter(list, 'to', 'To date', 'To')}
      {textInput('vin', 'VIN', 'VIN')}
      <Button
        variant="subtle"
        disabled={activeCount === 0}
        onClick={() => {
          setTexts({ dealer: '', sku: '', vin: '' });
          setParams(new URLSearchParams(), { replace: true });
        }}
      >
        Clear filters
      </Button>
    </SimpleGrid>
  );

  return (
    <>
      <PageHeader
        title="Transactions"
        description="The actuals feed: orders, invoices, retail deliveries, registrations and unwinds."
        actions={
          <>
            <DownloadButton href={apiUrl('/transactions/export', base)} download="transactions.csv">
              Export CSV
            </DownloadButton>
            {canWrite && (
              <Button
                leftSection={<IconUpload size={16} />}
                onClick={() => setUploadOpen((o) => !o)}
                aria-expanded={isUploadOpen}
              >
                Upload CSV
              </Button>
            )}
          </>
        }
      />
      <Stack gap="md">
        {canWrite && (
          <Collapse expanded={isUploadOpen}>
            <Section title="Upload transactions">
              <UploadCard />
            </Section>
          </Collapse>
        )}
        <FilterBar filters={filters} activeCount={activeCount} />
        {transactions.isError ? (
          <QueryError error={transactions.error} onRetry={() => void transactions.refetch()} />
        ) : transactions.isPending ? (
          <TableSkeleton rows={10} />
        ) : transactions.data.items.length === 0 ? (
          <Empty
            title={activeCount ? 'No transactions match' : 'No transactions yet'}
            description={
              activeCount
                ? 'Try other filters.'
                : 'Transactions arrive through the API, the CSV upload or the command line.'
            }
          />
        ) : (
          <TransactionsTable
            items={transactions.data.items}
            isDimmed={transactions.isPlaceholderData}
            showDealer={!ownDealers || ownDealers.length > 1}
          />
        )}
        {transactions.data && transactions.data.total > 0 && (
          <Pager
            total={transactions.data.total}
            limit={PAGE_SIZE}
            offset={offset}
            onOffsetChange={(o) => update({ offset: o ? String(o) : null })}
            noun="transactions"
          />
        )}
      </Stack>
    </>
  );
}
