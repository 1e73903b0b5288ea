/** The baseline job's progress bar, polled while the job runs. */
import { Progress, Stack, Text } from '@mantine/core';
import type { ForecastCycle } from '../../../shared/schemas/forecasts';
import { useCan } from '../../session';
import { useJob } from './forecast-queries';

/** OEM users with jobs:read see the job's progress; others see that it runs. */
export function BaselineProgress({ cycle }: { cycle: ForecastCycle }) {
  const canReadJobs = useCan('jobs:read');
  const job = useJob(cycle.baselineJobId, canReadJobs && cycle.status === 'open');
  if (cycle.baselineError)
    return (
      <Text size="sm" c="red.7">
        Baseline failed: {cycle.baselineError}
      </Text>
    );
  if (cycle.status !== 'open') return null;
  const progress = job.data?.progress ?? 0;
  return (
    <Stack gap={2} data-testid="baseline-progress" miw={160}>
      <Progress value={progress} animated striped size="md" aria-label="Baseline progress" />
      <Text size="xs" c="dimmed">
        {job.data
          ? `${Math.round(progress)} % · ${job.data.message ?? job.data.status}`
          : 'Building the baseline…'}
      </Text>
    </Stack>
  );
}
