import { useState, type FormEvent } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router-dom';
import {
  Alert,
  Anchor,
  Box,
  Button,
  Center,
  Collapse,
  Paper,
  Stack,
  Table,
  Text,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { isApiError } from '../api';
import { PasswordField, TextField, useForm } from '../components/form-kit';
import { IconAlert, IconChevronDown, IconChevronRight } from '../components/icons';
import { Logo } from '../components/app-layout';
import { homePath, useSession } from '../session';

const DEMO_PASSWORD = 'forecourt-demo';

const DEMO_LOGINS: { email: string; who: string }[] = [
  { email: 'admin@forecourt.test', who: 'OEM administrator' },
  { email: 'channel@forecourt.test', who: 'Channel manager' },
  { email: 'region@forecourt.test', who: 'Regional manager (one region)' },
  { email: 'finance@forecourt.test', who: 'OEM finance' },
  { email: 'analyst@forecourt.test', who: 'Analyst (read-only)' },
  { email: 'dealer@forecourt.test', who: 'Dealer principal' },
  { email: 'sales@forecourt.test', who: 'Dealer sales manager' },
  { email: 'dealerfinance@forecourt.test', who: 'Dealer finance' },
  { email: 'dealer2@forecourt.test', who: 'Principal of another dealer' },
  { email: 'group@forecourt.test', who: 'Dealer group principal' },
];

type LocationState = { from?: string } | null;

export function LoginPage() {
  const { me, signIn, endReason } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as LocationState)?.from;
  const form = useForm({ email: '', password: '' }, ['email', 'password']);
  const { email, password } = form.values;
  const [error, setError] = useState<string | null>(null);
  const [isSubmitting, setSubmitting] = useState(false);
  const [isHintOpen, hint] = useDisclosure(false);

  if (me && !isSubmitting)
    return <Navigate to={from && from !== '/login' ? from : homePath(me)} replace />;

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (!email.trim() || !password) {
      setError('Enter your e-mail address and password.');
      return;
    }
    setSubmitting(true);
    try {
      const signedIn = await signIn(email.trim(), password);
      navigate(from && from !== '/login' ? from : homePath(signedIn), { replace: true });
    } catch (err) {
      if (isApiError(err) && err.code === 'INVALID_CREDENTIALS') {
        setError('Wrong e-mail address or password.');
      } else if (isApiError(err)) {
        setError(err.message);
      } else {
        setError('Could not sign in. Try again.');
      }
    } finally {
      setSubmitting(false);
    }
  }

  function fillDemo(demoEmail: string) {
    form.set('email', demoEmail);
    form.set('password', DEMO_PASSWORD);
    setError(null);
  }

  return (
    <Center mih="100vh" p="md" bg="gray.0">
      <Box w="100%" maw={420}>
        <Center mb="lg">
          <Logo />
        </Center>
        <Paper withBorder shadow="sm" p={{ base: 'lg', sm: 'xl' }} radius="md">
          <Title order={1} fz={22} mb={4}>
            Sign in
          </Title>
          <Text size="sm" c="dimmed" mb="md">
            The OEM console and the dealer portal.
          </Text>
          {endReason === 'expired' && !error && (
            <Alert color="yellow" variant="light" mb="md" data-testid="session-expired">
              Your session has ended. Sign in again to continue.
            </Alert>
          )}
          {endReason === 'signed-out' && !error && (
            <Alert color="blue" variant="light" mb="md">
              You are signed out.
            </Alert>
          )}
          <form onSubmit={onSubmit} noValidate>
            <Stack gap="sm">
              <TextField
                form={form}
                name="email"
                label="E-mail"
                type="email"
                autoComplete="username"
                required
                autoFocus
              />
              <PasswordField
                form={form}
                name="password"
                label="Password"
                autoComplete="current-password"
                required
              />
              {error && (
                <Alert
                  color="red"
                  variant="light"
                  icon={<IconAlert />}
                  role="alert"
                  data-testid="login-error"
                >
                  {error}
                </Alert>
              )}
              <Button type="submit" loading={isSubmitting} fullWidth mt="xs">
                Sign in
              </Button>
            </Stack>
          </form>
        </Paper>

        <Paper withBorder p="sm" mt="md" radius="md">
          <UnstyledButton onClick={hint.toggle} w="100%" aria-expanded={isHintOpen}>
            <Text size="sm" fw={600} style={{ display: 'flex', alignItems: 'center', gap: 6 }}>
              {isHintOpen ? <IconChevronDown size={14} /> : <IconChevronRight size={14} />}
              Demo logins
            </Text>
          </UnstyledButton>
          <Collapse expanded={isHintOpen}>
            <Text size="xs" c="dimmed" mt="xs">
              Every demo user has the password <code>{DEMO_PASSWORD}</code>. Tap one to fill in the
              form.
            </Text>
            <Table fz="xs" mt={4} verticalSpacing={4}>
              <Table.Tbody>
                {DEMO_LOGINS.map((login) => (
                  <Table.Tr key={login.email}>
                    <Table.Td>
                      <Anchor
                        component="button"
                        type="button"
                        size="xs"
                        onClick={() => fillDemo(login.email)}
                      >
                        {login.email}
                      </Anchor>
                    </Table.Td>
                    <Table.Td c="dimmed">{login.who}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Collapse>
        </Paper>
      </Box>
    </Center>
  );
}
