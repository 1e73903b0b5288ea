/**
 * The navigation, in one list. Each item says which permission it needs (and optionally who else
 * must not see it); the shell shows only what the signed-in role can use. Later capabilities add
 * their entries here (Agreements, Incentives and Forecasts go in the "plan" section) together
 * with their routes in app.tsx.
 */
import type { ComponentType } from 'react';
import type { Me } from '../shared/schemas/accounts';
import type { Permission } from '../shared/permissions';
import {
  IconCar,
  IconHome,
  IconInbox,
  IconKey,
  IconList,
  IconSettings,
  IconStore,
  IconTags,
  IconUsers,
} from './components/icons';
import { isDealerUser } from './session';
import { IconLeaf } from './pages/sustainability/leaf-icon';
import { IconFileContract } from './components/agreements/agreement-bits';
import { IconGift } from './components/incentives/incentive-icons';
import { IconChecklist, IconTarget, IconTrendUp } from './components/forecasts/forecast-icons';

export type NavSection = 'network' | 'plan' | 'data' | 'admin';

export type NavItem = {
  key: string;
  label: string | ((me: Me) => string);
  /** Where the link goes; may depend on the actor (a dealer's own page). */
  to: string | ((me: Me) => string);
  icon: ComponentType<{ size?: number }>;
  section: NavSection;
  /** The permission the page needs (the API checks it again). */
  permission?: Permission;
  /** An extra condition, e.g. OEM users only. */
  isVisible?: (me: Me) => boolean;
  /** Also active on these path prefixes. */
  activePrefixes?: string[];
};

export const NAV_SECTIONS: { key: NavSection; label: string }[] = [
  { key: 'network', label: 'Network' },
  { key: 'plan', label: 'Plan' },
  { key: 'data', label: 'Data' },
  { key: 'admin', label: 'Administration' },
];

function ownDealerCodes(me: Me): string[] {
  return me.scope.dealerCodes ?? [];
}

export const NAV_ITEMS: NavItem[] = [
  {
    key: 'overview',
    label: 'Network overview',
    to: '/overview',
    icon: IconHome,
    section: 'network',
    permission: 'transactions:read',
    isVisible: (me) => !isDealerUser(me),
  },
  {
    key: 'my-dealer',
    label: 'My dealership',
    to: (me) => `/dealers/${encodeURIComponent(ownDealerCodes(me)[0] ?? '')}`,
    icon: IconHome,
    section: 'network',
    permission: 'network:read',
    isVisible: (me) => isDealerUser(me) && ownDealerCodes(me).length === 1,
  },
  {
    key: 'dealers',
    label: (me) => (isDealerUser(me) ? 'My dealers' : 'Dealers'),
    to: '/dealers',
    icon: IconStore,
    section: 'network',
    permission: 'network:read',
    isVisible: (me) => !isDealerUser(me) || ownDealerCodes(me).length !== 1,
    activePrefixes: ['/dealers/'],
  },
  // Plan: Incentives and Forecasts will be added here by their issues.
  {
    key: 'agreements',
    label: (me) => (isDealerUser(me) ? 'My agreements' : 'Agreements'),
    to: '/agreements',
    icon: IconFileContract,
    section: 'plan',
    permission: 'agreements:read',
  },
  {
    // One entry for the whole incentive area: programs, claims, disputes and payouts are tabs
    // inside it (components/incentives/incentive-tabs.tsx). OEM users land on the programs.
    key: 'incentives',
    label: (me) => (isDealerUser(me) ? 'My incentives' : 'Incentives'),
    to: (me) => (isDealerUser(me) ? '/incentives' : '/programs'),
    icon: IconGift,
    section: 'plan',
    permission: 'programs:read',
    activePrefixes: ['/incentives', '/programs'],
  },
  {
    key: 'insights-risks',
    label: (me) => (isDealerUser(me) ? 'My outlook' : 'Commitment risk'),
    to: '/insights/risks',
    icon: IconTarget,
    section: 'plan',
    permission: 'agreements:read',
  },
  {
    key: 'insights-performance',
    label: 'High performers',
    to: '/insights/performance',
    icon: IconTrendUp,
    section: 'plan',
    permission: 'agreements:read',
    isVisible: (me) => !isDealerUser(me),
  },
  {
    key: 'insights-integrity',
    label: 'Integrity',
    to: '/insights/integrity',
    icon: IconChecklist,
    section: 'plan',
    permission: 'claims:review',
  },
  {
    key: 'forecasts',
    label: (me) => (isDealerUser(me) ? 'My forecast' : 'Forecasts'),
    to: '/forecasts/cycles',
    icon: IconTrendUp,
    section: 'plan',
    permission: 'forecasts:read',
  },
  {
    key: 'forecast-review',
    label: 'Forecast review',
    to: '/forecasts/review',
    icon: IconChecklist,
    section: 'plan',
    permission: 'forecasts:review',
  },
  {
    key: 'forecast-accuracy',
    label: 'Forecast accuracy',
    to: '/forecasts/accuracy',
    icon: IconTarget,
    section: 'plan',
    permission: 'forecasts:read',
    isVisible: (me) => !isDealerUser(me),
  },
  {
    key: 'availability',
    label: (me) => (isDealerUser(me) ? 'Availability' : 'Supply and demand'),
    to: '/availability',
    icon: IconCar,
    section: 'plan',
    permission: 'availability:read',
    activePrefixes: ['/availability/dealers/'],
  },
  {
    key: 'allocation',
    label: 'Allocation runs',
    to: '/allocation',
    icon: IconList,
    section: 'plan',
    permission: 'allocation:manage',
  },
  {
    key: 'sustainability',
    label: 'Sustainability',
    to: '/sustainability',
    icon: IconLeaf,
    section: 'plan',
    permission: 'sustainability:read',
  },
  {
    key: 'connected',
    label: 'Connected vehicles',
    to: '/connected',
    icon: IconCar,
    section: 'network',
    permission: 'connected:read',
  },
  {
    key: 'model-lines',
    label: 'Model lines',
    to: '/catalog/model-lines',
    icon: IconCar,
    section: 'data',
    permission: 'catalog:read',
  },
  {
    key: 'skus',
    label: 'SKUs',
    to: '/catalog/skus',
    icon: IconTags,
    section: 'data',
    permission: 'catalog:read',
  },
  {
    key: 'vehicle-data',
    label: 'Vehicle data',
    to: '/sustainability/vehicle-data',
    icon: IconLeaf,
    section: 'data',
    permission: 'sustainability:read',
  },
  {
    key: 'regulations',
    label: 'Regulations',
    to: '/sustainability/regulations',
    icon: IconLeaf,
    section: 'data',
    permission: 'sustainability:read',
    isVisible: (me) => !isDealerUser(me),
  },
  {
    key: 'transactions',
    label: 'Transactions',
    to: '/transactions',
    icon: IconList,
    section: 'data',
    permission: 'transactions:read',
  },
  {
    key: 'users',
    label: 'Users',
    to: '/admin/users',
    icon: IconUsers,
    section: 'admin',
    permission: 'users:manage',
  },
  {
    key: 'api-keys',
    label: 'API keys',
    to: '/admin/api-keys',
    icon: IconKey,
    section: 'admin',
    permission: 'apikeys:manage',
  },
  {
    key: 'audit-log',
    label: 'Audit log',
    to: '/admin/audit-log',
    icon: IconList,
    section: 'admin',
    permission: 'users:manage',
  },
  {
    key: 'webhooks',
    label: 'Webhooks',
    to: '/admin/webhooks',
    icon: IconInbox,
    section: 'admin',
    permission: 'webhooks:manage',
  },
  {
    key: 'bank-details',
    label: 'Bank details',
    to: '/payments/bank-details',
    icon: IconKey,
    section: 'admin',
    permission: 'payouts:manage',
    isVisible: (me) => !isDealerUser(me),
  },
  {
    key: 'settings',
    label: 'Settings',
    to: '/admin/settings',
    icon: IconSettings,
    section: 'admin',
    permission: 'settings:write',
  },
];

export type ResolvedNavItem = Omit<NavItem, 'label' | 'to'> & { label: string; to: string };

/** The items this actor may see, with labels and links resolved. */
export function navItemsFor(me: Me): ResolvedNavItem[] {
  return NAV_ITEMS.filter(
    (item) =>
      (!item.permission || me.permissions.includes(item.permission)) &&
      (item.isVisible?.(me) ?? true),
  ).map((item) => ({
    ...item,
    label: typeof item.label === 'function' ? item.label(me) : item.label,
    to: typeof item.to === 'function' ? item.to(me) : item.to,
  }));
}
