/**
 * Sustainability → Regulations: every market's versions (targets, window, premium, pools; ZEV
 * shares with their status). A new version is entered as its JSON document (sustainability:write).
 */
import { useState } from 'react';
import { Badge, Button, Code, Group, Paper, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api';
import { PageHeader } from '../../components/page-header';
import { DataTable } from '../../components/data-table';
import { Empty, QueryError, TableSkeleton } from '../../components/query-state';
import { formatDate } from '../../format';
import { useCan } from '../../session';
import type { Regulation } from '../../../shared/schemas/sustainability';
import { useRegulations } from './sustainability-queries';

function summary(r: Regulation): string {
  const d = r.document;
  if (d.kind === 'eu_fleet_co2')
    return `${d.targets.map((t) => `${t.fromYear}${t.toYear ? `–${t.toYear}` : '+'}: ${t.gPerKm} g/km`).join(' · ')}; ${d.premiumPerGPerKm} ${d.currency} per g/km per car${d.averagingWindows.length ? `; averaged ${d.averagingWindows.map((w) => `${w.fromYear}–${w.toYear}`).join(', ')}` : ''}`;
  return `${d.requirements[0]?.modelYear}–${d.requirements[d.requirements.length - 1]?.modelYear}: ${d.requirements[0]?.percent}–${d.requirements[d.requirements.length - 1]?.percent} % ZEV; ${d.states.length} states`;
}

export function RegulationsPage() {
  const list = useRegulations();
  const canWrite = useCan('sustainability:write');
  return (
    <Stack>
      <PageHeader
        title="Regulations"
        description="CO2 and ZEV rules as versioned data: a change is a new version with its effective date."
      />
      {list.error && <QueryError error={list.error} />}
      {!list.data ? (
        <TableSkeleton />
      ) : (
        <DataTable
          striped
          minWidth={560}
          scrollLabel="Regulations"
          rows={list.data.items}
          rowKey={(r) => `${r.market}-${r.versionNo}`}
          empty={<Empty title="No regulations yet" />}
          columns={[
            {
              header: 'Market',
              cell: (r) => (
                <>
                  <Text fw={600}>{r.market}</Text>
                  <Text size="xs" c="dimmed">
                    {r.document.name}
                  </Text>
                </>
              ),
            },
            {
              header: 'Version',
              isNowrap: true,
              cell: (r) => (
                <>
                  v{r.versionNo} {r.isCurrent && <Badge variant="light">current</Badge>}
                </>
              ),
            },
            { header: 'From', isNowrap: true, cell: (r) => formatDate(r.effectiveFrom) },
            {
              header: 'Rules',
              cell: (r) => (
                <>
                  <Text size="sm">{summary(r)}</Text>
                  {r.document.kind === 'us_zev' && (
                    <Text size="xs" c="orange.8">
                      {r.document.statusNote}
                    </Text>
                  )}
                </>
              ),
            },
          ]}
        />
      )}
      {canWrite && list.data && <NewVersion items={list.data.items} />}
    </Stack>
  );
}

function NewVersion({ items }: { items: Regulation[] }) {
  const client = useQueryClient();
  const [market, setMarket] = useState('EU');
  const [from, setFrom] = useState('');
  const base = items.find((r) => r.market === market && r.isCurrent);
  const [text, setText] = useState('');
  const save = useMutation({
    mutationFn: () =>
      api.post('/sustainability/regulations', {
        market,
        effectiveFrom: from,
        document: JSON.parse(text || JSON.stringify(base?.document ?? {})) as unknown,
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['sustainability'] }),
  });
  return (
    <Paper withBorder p="md" radius="md">
      <Stack>
        <Text fw={600}>New version</Text>
        <Group grow>
          <TextInput
            label="Market"
            value={market}
            onChange={(e) => setMarket(e.currentTarget.value.toUpperCase())}
          />
          <TextInput
            label="Effective from"
            placeholder="YYYY-MM-DD"
            value={from}
            onChange={(e) => setFrom(e.currentTarget.value)}
          />
        </Group>
        <Textarea
          label="Document (JSON)"
          description={
            <>
              Starts from the current version; see <Code>docs/sustainability.md</Code>
            </>
          }
          autosize
          minRows={6}
          maxRows={18}
          value={text || JSON.stringify(base?.document ?? {}, null, 2)}
          onChange={(e) => setText(e.currentTarget.value)}
          styles={{ input: { fontFamily: 'monospace', fontSize: 12 } }}
        />
        {save.error && <QueryError error={save.error} title="Not saved" />}
        <Group justify="flex-end">
          <Button onClick={() => save.mutate()} loading={save.isPending} disabled={!from}>
            Add version
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
