import { Link } from 'react-router-dom';
import { Button } from '@mantine/core';
import { Empty } from '../components/query-state';

/** A page that shows nothing but why, with the way back to the home page. */
function DeadEnd({ title, description }: { title: string; description: string }) {
  return (
    <Empty
      title={title}
      description={description}
      action={
        <Button component={Link} to="/" variant="light">
          Go to your home page
        </Button>
      }
    />
  );
}

export function NotFoundPage() {
  return <DeadEnd title="Page not found" description="There is nothing at this address." />;
}

export function NoAccessPage() {
  return (
    <DeadEnd
      title="Not available for your role"
      description="Your role does not include this page. Ask an administrator if you need it."
    />
  );
}
