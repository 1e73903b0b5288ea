/**
 * The dealer's commitments next to its forecast: for each active agreement, every line's plan and
 * actual in the periods still open, and what the dealer now expects to deliver
 * (PUT /agreements/{id}/expectations). Expectations sit next to the plan and never change it; the
 * OEM sees them in the agreement's progress.
 */
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Anchor, Button, Group, NumberInput, Paper, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { AgreementProgress } from '../../../shared/schemas/agreements';
import { api } from '../../api';
import { formatInt } from '../../format';
import {
  agreementKeys,
  useAgreementProgress,
  useAgreements,
} from '../agreements/agreement-queries';
import { formatPeriod } from '../agreements/agreement-labels';
import { DataTable, type Column } from '../data-table';
import { FormError } from '../form-error';
import { Section } from '../page-header';

export function AgreementExpectations({
  dealerCode,
  canEdit,
}: {
  dealerCode: string;
  canEdit: boolean;
}) {
  const list = useAgreements({ dealer: dealerCode, status: 'active', limit: 5, offset: 0 });
  const items = list.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <Section
      title="Your commitments"
      description="What you expect to deliver against your agreement in the periods still open. The plan stays as agreed; the OEM sees your expectation next to it."
    >
      <Stack gap="sm" data-testid="agreement-expectations">
        {items.map((a) => (
          <AgreementExpectationTable key={a.id} id={a.id} code={a.code} canEdit={canEdit} />
        ))}
      </Stack>
    </Section>
  );
}

function AgreementExpectationTable({
  id,
  code,
  canEdit,
}: {
  id: number;
  code: string;
  canEdit: boolean;
}) {
  const progress = useAgreementProgress(id);
  const queryClient = useQueryClient();
  // edits keyed `${lineNo}|${period}`; absent = unchanged
  const [edits, setEdits] = useState<Map<string, number | null>>(new Map());
  const save = useMutation({
    mutationFn: () =>
      api.put<AgreementProgress>(`/agreements/${id}/expectations`, {
        items: [...edits].map(([key, expectedQuantity]) => {
          const [lineNo, period] = key.split('|');
          return { lineNo: Number(lineNo), period, expectedQuantity };
        }),
      }),
    onSuccess: (fresh) => {
      queryClient.setQueryData(agreementKeys.progress(id), fresh);
      setEdits(new Map());
    },
  });
  const p = progress.data;
  if (!p) return null;
  // open periods: the one under way and those after it
  const started = p.totals.periods.map((x) => x.isElapsed).lastIndexOf(true);
  const from = Math.max(0, started);
  const open = p.periods.slice(from);
  if (open.length === 0) return null;
  return (
    <Paper withBorder p="sm" radius="md">
      <Group justify="space-between" mb="xs">
        <Anchor component={Link} to={`/agreements/${id}`} fw={700} size="sm">
          {code}
        </Anchor>
        {canEdit && (
          <Button
            size="xs"
            disabled={edits.size === 0}
            loading={save.isPending}
            onClick={() => save.mutate()}
          >
            Save expectations
          </Button>
        )}
      </Group>
      {save.isError && <FormError error={save.error} />}
      <DataTable
        isBare
        withTableBorder
        withColumnBorders
        verticalSpacing={4}
        minWidth={140 + open.length * 124}
        scrollLabel={`Expectations of ${code}`}
        rows={p.lines}
        rowKey={(line) => line.lineNo}
        columns={[
          {
            header: 'Line',
            isSticky: true,
            cell: (line) => (
              <Text size="sm" fw={600}>
                {line.target.label}
              </Text>
            ),
          },
          ...open.map((period, k): Column<(typeof p.lines)[number]> => ({
            header: formatPeriod(period),
            key: period,
            align: 'right',
            th: { miw: 120 },
            cell: (line) => {
              const cell = line.periods[from + k]!;
              const key = `${line.lineNo}|${period}`;
              const value = edits.has(key) ? edits.get(key)! : cell.expectedQuantity;
              return (
                <>
                  <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                    plan {formatInt(cell.plannedQuantity)} · so far {formatInt(cell.actualQuantity)}
                  </Text>
                  {canEdit ? (
                    <NumberInput
                      aria-label={`Expected ${line.target.label} ${period}`}
                      size="xs"
                      min={0}
                      allowDecimal={false}
                      allowNegative={false}
                      placeholder={String(cell.plannedQuantity)}
                      value={value ?? ''}
                      onChange={(v) =>
                        setEdits((prev) => new Map(prev).set(key, v === '' ? null : Number(v)))
                      }
                    />
                  ) : (
                    <Text size="sm" fw={600}>
                      {value === null ? '—' : formatInt(value)}
                    </Text>
                  )}
                </>
              );
            },
          })),
        ]}
      />
    </Paper>
  );
}
