/**
 * The bell for the shell header: the attention inbox (GET /inbox), the same list as the "Needs
 * your attention" card of the home page. The badge counts the items that ask for an action; the
 * menu lists every item, each a link to where it is done. (GET /notifications stays for
 * compatibility: the inbox computes the same agreement hand-overs live.)
 */
import { Link } from 'react-router-dom';
import { ActionIcon, Badge, Group, Indicator, Menu, ScrollArea, Stack, Text } from '@mantine/core';
import { dueText, localDays } from '../inbox/inbox-card';
import { useInbox } from '../inbox/inbox-queries';
import { IconBell } from './agreement-bits';

export function NotificationsMenu() {
  const inbox = useInbox();
  const items = inbox.data?.items ?? [];
  const count = inbox.data?.count ?? 0;
  return (
    <Menu position="bottom-end" width={340} shadow="md" withinPortal>
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
            aria-label={
              count > 0 ? `Needs your attention (${count} to do)` : 'Needs your attention'
            }
            data-testid="notifications-bell"
          >
            <IconBell size={20} />
          </ActionIcon>
        </Indicator>
      </Menu.Target>
      <Menu.Dropdown data-testid="notifications-menu">
        <Menu.Label>Needs your attention</Menu.Label>
        {inbox.isError ? (
          <Text size="sm" c="red.7" px="sm" py={6}>
            Could not load your inbox.
          </Text>
        ) : inbox.isPending ? (
          <Text size="sm" c="dimmed" px="sm" py={6}>
            Loading…
          </Text>
        ) : items.length === 0 ? (
          <Text size="sm" c="dimmed" px="sm" py={6}>
            Nothing needs you today.
          </Text>
        ) : (
          <ScrollArea.Autosize mah={400} type="auto">
            <Stack gap={0}>
              {items.map((n, i) => (
                <Menu.Item
                  key={`${n.kind}-${n.link}-${i}`}
                  component={Link}
                  to={n.link}
                  data-testid="bell-item"
                >
                  <div>
                    <Group gap={6}>
                      {n.severity === 'action' && (
                        <Badge size="xs" variant="light" color="orange">
                          To do
                        </Badge>
                      )}
                      {n.dueOn && (
                        <Text size="xs" c="dimmed">
                          {dueText(n.dueOn, inbox.data?.asOf)}
                        </Text>
                      )}
                    </Group>
                    <Text size="sm" lh={1.3}>
                      {localDays(n.title)}
                    </Text>
                    <Text size="xs" c="dimmed" lh={1.3}>
                      {localDays(n.detail)}
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
