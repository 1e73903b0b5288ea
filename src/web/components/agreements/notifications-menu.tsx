/**
 * The bell for the shell header: what waits for the signed-in user's action (GET
 * /notifications), each a link to the agreement. Refreshes every minute and after every
 * agreement action.
 */
import { Link } from 'react-router-dom';
import { ActionIcon, Indicator, Menu, ScrollArea, Stack, Text } from '@mantine/core';
import { formatDateTime } from '../../format';
import { IconBell } from './agreement-bits';
import { useNotifications } from './agreement-queries';

export function NotificationsMenu() {
  const notifications = useNotifications();
  const items = notifications.data ?? [];
  const count = items.length;
  return (
    <Menu position="bottom-end" width={320} shadow="md" withinPortal>
      <Menu.Target>
        <Indicator
          label={count > 9 ? '9+' : count}
          size={16}
          color="red"
          disabled={count === 0}
          offset={4}
        >
          <ActionIcon
            variant="subtle"
            color="gray"
            size="lg"
            aria-label={count > 0 ? `Notifications (${count} waiting)` : 'Notifications'}
            data-testid="notifications-bell"
          >
            <IconBell size={20} />
          </ActionIcon>
        </Indicator>
      </Menu.Target>
      <Menu.Dropdown data-testid="notifications-menu">
        <Menu.Label>Waiting for you</Menu.Label>
        {notifications.isError ? (
          <Text size="sm" c="red.7" px="sm" py={6}>
            Could not load notifications.
          </Text>
        ) : notifications.isPending ? (
          <Text size="sm" c="dimmed" px="sm" py={6}>
            Loading…
          </Text>
        ) : count === 0 ? (
          <Text size="sm" c="dimmed" px="sm" py={6}>
            Nothing waits for your action.
          </Text>
        ) : (
          <ScrollArea.Autosize mah={360} type="auto">
            <Stack gap={0}>
              {items.map((n) => (
                <Menu.Item key={n.id} component={Link} to={n.link}>
                  <div>
                    <Text size="sm" lh={1.3}>
                      {n.message}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {formatDateTime(n.createdAt)}
                    </Text>
                  </div>
                </Menu.Item>
              ))}
            </Stack>
          </ScrollArea.Autosize>
        )}
      </Menu.Dropdown>
    </Menu>
  );
}
