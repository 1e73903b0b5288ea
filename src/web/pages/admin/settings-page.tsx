import { useState } from 'react';
import { Alert, Button, Group, Paper, Select, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api';
import { FormError } from '../../components/form-error';
import { IconCheck } from '../../components/icons';
import { PageHeader } from '../../components/page-header';
import { PageSkeleton, QueryError } from '../../components/query-state';
import { MONTH_NAMES } from '../../format';
import { useSettings, type Settings } from '../../queries';

function SettingsForm({ settings }: { settings: Settings }) {
  const queryClient = useQueryClient();
  const [month, setMonth] = useState(String(settings.fiscalYearStartMonth));
  const save = useMutation({
    mutationFn: (fiscalYearStartMonth: number) =>
      api.put<Settings>('/settings', { fiscalYearStartMonth }),
    onSuccess: (saved) => queryClient.setQueryData(['settings'], saved),
  });
  const isChanged = Number(month) !== settings.fiscalYearStartMonth;
  const startIndex = Number(month) - 1;
  const endName = MONTH_NAMES[(startIndex + 11) % 12];
  return (
    <Paper withBorder p="md" maw={560}>
      <Stack gap="sm">
        <Select
          label="Fiscal year starts in"
          description="Periods are months, rolled up to fiscal quarters and years"
          data={MONTH_NAMES.map((name, i) => ({ value: String(i + 1), label: name }))}
          value={month}
          onChange={(v) => {
            if (v) setMonth(v);
            save.reset();
          }}
          allowDeselect={false}
        />
        <Text size="sm" c="dimmed">
          A fiscal year runs {MONTH_NAMES[startIndex]} to {endName} and is named by the calendar
          year in which it ends.
        </Text>
        <Text size="sm">
          Currency: <b>{settings.currency}</b>
        </Text>
        <FormError error={save.error} />
        {save.isSuccess && !isChanged && (
          <Alert color="teal" variant="light" icon={<IconCheck />}>
            Saved.
          </Alert>
        )}
        <Group justify="flex-end">
          <Button
            disabled={!isChanged}
            loading={save.isPending}
            onClick={() => save.mutate(Number(month))}
          >
            Save
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

export function SettingsPage() {
  const settings = useSettings();
  return (
    <>
      <PageHeader title="Settings" description="The fiscal calendar of the network." />
      {settings.isError ? (
        <QueryError error={settings.error} onRetry={() => void settings.refetch()} />
      ) : settings.isPending ? (
        <PageSkeleton />
      ) : (
        <SettingsForm settings={settings.data} />
      )}
    </>
  );
}
