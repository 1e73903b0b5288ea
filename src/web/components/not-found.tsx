/** A record page's "not found" (404, or outside the reader's scope) with the way back to its list. */
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { Button } from '@mantine/core';
import { IconArrowLeft } from './icons';
import { Empty } from './query-state';

export function NotFound({
  testId,
  title,
  description,
  backTo,
  backLabel,
}: {
  testId?: string;
  title: string;
  description: ReactNode;
  backTo: string;
  backLabel: string;
}) {
  return (
    <div data-testid={testId}>
      <Empty
        title={title}
        description={description}
        action={
          <Button
            component={Link}
            to={backTo}
            variant="light"
            leftSection={<IconArrowLeft size={16} />}
          >
            {backLabel}
          </Button>
        }
      />
    </div>
  );
}
