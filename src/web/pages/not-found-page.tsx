import { Link } from 'react-router-dom';
import { Button } from '@mantine/core';
import { Empty } from '../components/query-state';

export function NotFoundPage() {
  return (
    <Empty
      title="Page not found"
      description="There is nothing at this address."
      action={
        <Button component={Link} to="/" variant="light">
          Go to your home page
        </Button>
      }
    />
  );
}

export function NoAccessPage() {
  return (
    <Empty
      title="Not available for your role"
      description="Your role does not include this page. Ask an administrator if you need it."
      action={
        <Button component={Link} to="/" variant="light">
          Go to your home page
        </Button>
      }
    />
  );
}
