import { Alert, Stack } from '@mantine/core';
import type { Problem } from '../../shared/errors';
import { IconAlert } from './icons';
import { ProblemList } from './problem-list';
import { errorMessage } from './query-state';

/** The message of a rejected request, and the problems the form could not put on a field. */
export function FormError({ error, problems = [] }: { error: unknown; problems?: Problem[] }) {
  if (!error) return null;
  return (
    <Alert color="red" variant="light" icon={<IconAlert />} role="alert" data-testid="form-error">
      <Stack gap={4}>
        <div>{errorMessage(error)}</div>
        {problems.length > 0 && <ProblemList problems={problems} />}
      </Stack>
    </Alert>
  );
}
