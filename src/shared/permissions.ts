/**
 * Roles and permissions. Every route declares one permission (or `public`); the role of the
 * authenticated user or API key must grant it. Scope (which dealers) is checked separately in the
 * services: see src/server/auth/scope.ts.
 */
export const OEM_ROLES = [
  'oem_admin',
  'channel_manager',
  'regional_manager',
  'finance',
  'analyst',
] as const;
export const DEALER_ROLES = ['dealer_principal', 'dealer_sales', 'dealer_finance'] as const;
/** `integration` is for API keys of ERP / DMS feeds. */
export const ROLES = [...OEM_ROLES, ...DEALER_ROLES, 'integration'] as const;

export type OemRole = (typeof OEM_ROLES)[number];
export type DealerRole = (typeof DEALER_ROLES)[number];
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'network:read',
  'network:write',
  'catalog:read',
  'catalog:write',
  'settings:write',
  'users:manage',
  'apikeys:manage',
  'transactions:read',
  'transactions:write',
  'jobs:read',
  'agreements:read',
  'agreements:write',
  'agreements:accept',
  'agreements:approve',
  'ledger:verify',
  'programs:read',
  'programs:write',
  'programs:approve',
  'statements:read',
  'claims:write',
  'claims:review',
  'disputes:write',
  'disputes:resolve',
  'payouts:manage',
  'forecasts:read',
  'forecasts:adjust',
  'forecasts:review',
  'forecasts:manage',
  'webhooks:manage',
  'availability:read',
  'pipeline:write',
  'allocation:manage',
  'allocation:decide',
  'sustainability:read',
  'sustainability:write',
  'connected:read',
  'connected:write',
  'market:write',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ_ALL: Permission[] = [
  'network:read',
  'catalog:read',
  'transactions:read',
  'jobs:read',
  'agreements:read',
  'ledger:verify',
  'programs:read',
  'statements:read',
  'forecasts:read',
  'availability:read',
  'sustainability:read',
  'connected:read',
];

/** The dealer's own acts: no OEM role performs them, not even the administrator. */
export const DEALER_ONLY: readonly Permission[] = ['agreements:accept', 'allocation:decide'];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  oem_admin: PERMISSIONS.filter((p) => !DEALER_ONLY.includes(p)),
  channel_manager: [
    ...READ_ALL,
    'network:write',
    'catalog:write',
    'transactions:write',
    'agreements:write',
    'agreements:approve',
    'programs:write',
    'claims:review',
    'disputes:resolve',
    'forecasts:review',
    'forecasts:manage',
    'pipeline:write',
    'allocation:manage',
    'sustainability:write',
    'connected:write',
    'market:write',
  ],
  regional_manager: [...READ_ALL, 'agreements:write', 'forecasts:review', 'disputes:resolve'],
  finance: [...READ_ALL, 'programs:approve', 'claims:review', 'disputes:resolve', 'payouts:manage'],
  analyst: READ_ALL,
  dealer_principal: [
    ...READ_ALL,
    'agreements:accept',
    'claims:write',
    'disputes:write',
    'forecasts:adjust',
    'allocation:decide',
    'connected:write',
  ],
  dealer_sales: [
    'network:read',
    'catalog:read',
    'transactions:read',
    'agreements:read',
    'programs:read',
    'forecasts:read',
    'forecasts:adjust',
    'availability:read',
    'allocation:decide',
    'sustainability:read',
    'connected:read',
  ],
  dealer_finance: [
    'network:read',
    'catalog:read',
    'transactions:read',
    'agreements:read',
    'programs:read',
    'statements:read',
    'claims:write',
    'disputes:write',
    'sustainability:read',
  ],
  integration: [
    'network:read',
    'catalog:read',
    'transactions:read',
    'transactions:write',
    'jobs:read',
    'availability:read',
    'pipeline:write',
    'connected:write',
    'market:write',
  ],
};

export function isDealerRole(role: Role): role is DealerRole {
  return (DEALER_ROLES as readonly string[]).includes(role);
}

export function hasPermission(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/**
 * What a route needs: a permission, any one of several (a step either side may take, e.g.
 * rejecting an amendment), any signed-in actor, or nothing.
 */
export type RouteAccess = Permission | { anyOf: Permission[] } | 'authenticated' | 'public';

/** Whether a role passes a route's declared access (other than 'public'/'authenticated'). */
export function roleMeets(role: Role, access: Permission | { anyOf: Permission[] }): boolean {
  return typeof access === 'string'
    ? hasPermission(role, access)
    : access.anyOf.some((p) => hasPermission(role, p));
}
