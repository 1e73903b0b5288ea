/** The incentive area's own navigation: progress, programs, claims, disputes, payouts by role. */
import { useLocation, useNavigate } from 'react-router-dom';
import type { ReactNode } from 'react';
import { Stack, Tabs } from '@mantine/core';
import { PageHeader } from '../page-header';
import type { Permission } from '../../../shared/permissions';
import { can, isDealerUser, useMe } from '../../session';

type Tab = { value: string; label: string; permission: Permission; isOemOnly?: boolean };

const TABS: Tab[] = [
  { value: '/incentives', label: 'Progress', permission: 'programs:read' },
  { value: '/programs', label: 'Programs', permission: 'programs:read', isOemOnly: true },
  { value: '/incentives/claims', label: 'Claims', permission: 'programs:read' },
  { value: '/incentives/disputes', label: 'Disputes', permission: 'statements:read' },
  { value: '/incentives/payouts', label: 'Payouts', permission: 'payouts:manage' },
];

export function IncentiveTabs() {
  const me = useMe();
  const location = useLocation();
  const navigate = useNavigate();
  const tabs = TABS.filter((t) => can(me, t.permission) && !(t.isOemOnly && isDealerUser(me)));
  const active =
    [...tabs]
      .sort((a, b) => b.value.length - a.value.length)
      .find((t) => location.pathname === t.value || location.pathname.startsWith(`${t.value}/`))
      ?.value ?? null;
  return (
    <Tabs value={active} onChange={(v) => v && navigate(v)} mb="md" data-testid="incentive-tabs">
      <Tabs.List style={{ flexWrap: 'wrap' }}>
        {tabs.map((t) => (
          <Tabs.Tab key={t.value} value={t.value}>
            {t.label}
          </Tabs.Tab>
        ))}
      </Tabs.List>
    </Tabs>
  );
}

/**
 * A page of the incentive area: its header with the area's tabs (and what stands under them, a
 * picker or a filter), then the page's body.
 */
export function IncentivePage({
  testId,
  title,
  description,
  actions,
  under,
  children,
}: {
  testId: string;
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  /** Under the tabs: the page's picker or filter. */
  under?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Stack gap="lg" data-testid={testId}>
      <div>
        <PageHeader title={title} description={description} actions={actions} />
        <IncentiveTabs />
        {under}
      </div>
      {children}
    </Stack>
  );
}
