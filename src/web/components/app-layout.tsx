import { Suspense } from 'react';
import { Link, Outlet, useLocation } from 'react-router-dom';
import {
  AppShell,
  Avatar,
  Badge,
  Box,
  Burger,
  Group,
  Menu,
  NavLink,
  ScrollArea,
  Stack,
  Text,
  UnstyledButton,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { NAV_SECTIONS, navItemsFor, type ResolvedNavItem } from '../nav-items';
import { isDealerUser, roleLabel, useMe, useSession } from '../session';
import { IconChevronDown, IconLogout } from './icons';
import { PageSkeleton } from './query-state';
import { NotificationsMenu } from './agreements/notifications-menu';
import { useLiveUpdates } from '../live';

function initials(name: string): string {
  return name
    .replace(/\(.*\)/, '')
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]!.toUpperCase())
    .join('');
}

function isActive(item: ResolvedNavItem, pathname: string): boolean {
  if (pathname === item.to) return true;
  if (item.to !== '/' && pathname.startsWith(`${item.to}/`)) return true;
  return (item.activePrefixes ?? []).some((prefix) => pathname.startsWith(prefix));
}

export function Logo() {
  return (
    <Group gap={8} wrap="nowrap">
      <Box
        w={28}
        h={28}
        bg="blue.7"
        c="white"
        style={{
          borderRadius: 7,
          display: 'grid',
          placeItems: 'center',
          fontWeight: 800,
          fontSize: 16,
        }}
        aria-hidden="true"
      >
        F
      </Box>
      <Text fw={700} size="lg">
        Forecourt
      </Text>
    </Group>
  );
}

function UserMenu() {
  const me = useMe();
  const { signOut } = useSession();
  return (
    <Menu position="bottom-end" width={260} shadow="md">
      <Menu.Target>
        <UnstyledButton aria-label="Account menu" data-testid="user-menu">
          <Group gap={8} wrap="nowrap">
            <Avatar color="blue" radius="xl" size={32}>
              {initials(me.name)}
            </Avatar>
            <Box visibleFrom="sm" style={{ lineHeight: 1.2 }}>
              <Text size="sm" fw={600} truncate maw={200}>
                {me.name}
              </Text>
              <Text size="xs" c="dimmed" truncate maw={200}>
                {roleLabel(me.role)}
              </Text>
            </Box>
            <IconChevronDown size={14} />
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Box px="sm" py={6}>
          <Text size="sm" fw={600}>
            {me.name}
          </Text>
          <Text size="xs" c="dimmed">
            {roleLabel(me.role)}
          </Text>
          <Group gap={6} mt={6}>
            <Badge variant="light" size="sm" color={isDealerUser(me) ? 'teal' : 'blue'}>
              {me.scope.kind === 'network'
                ? 'Whole network'
                : me.scope.kind === 'region'
                  ? `Region ${me.scope.label}`
                  : me.scope.label}
            </Badge>
          </Group>
        </Box>
        <Menu.Divider />
        <Menu.Item leftSection={<IconLogout size={16} />} onClick={() => void signOut()}>
          Sign out
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

export function AppLayout() {
  const me = useMe();
  const [isNavOpen, nav] = useDisclosure(false);
  const { pathname } = useLocation();
  const items = navItemsFor(me);
  useLiveUpdates(Boolean(me));

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !isNavOpen } }}
      padding={{ base: 'sm', sm: 'lg' }}
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={isNavOpen}
              onClick={nav.toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={isNavOpen ? 'Close navigation' : 'Open navigation'}
            />
            <Link
              to="/"
              onClick={nav.close}
              style={{ color: 'inherit', textDecoration: 'none' }}
              aria-label="Forecourt home"
            >
              <Logo />
            </Link>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <NotificationsMenu />
            <UserMenu />
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="xs" aria-label="Main navigation">
        <AppShell.Section grow component={ScrollArea}>
          <Stack gap="md">
            {NAV_SECTIONS.map((section) => {
              const sectionItems = items.filter((item) => item.section === section.key);
              if (sectionItems.length === 0) return null;
              return (
                <div key={section.key}>
                  <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" mb={4}>
                    {section.label}
                  </Text>
                  {sectionItems.map((item) => (
                    <NavLink
                      key={item.key}
                      component={Link}
                      to={item.to}
                      label={item.label}
                      leftSection={<item.icon size={18} />}
                      active={isActive(item, pathname)}
                      onClick={nav.close}
                      style={{ borderRadius: 6 }}
                    />
                  ))}
                </div>
              );
            })}
          </Stack>
        </AppShell.Section>
        <AppShell.Section>
          <Text size="xs" c="dimmed" px="sm" py={4}>
            Signed in as {me.name}
          </Text>
        </AppShell.Section>
      </AppShell.Navbar>

      <AppShell.Main bg="gray.0">
        <Box maw={1400} mx="auto">
          <Suspense fallback={<PageSkeleton />}>
            <Outlet />
          </Suspense>
        </Box>
      </AppShell.Main>
    </AppShell>
  );
}
