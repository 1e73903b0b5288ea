import { AppError } from '../../shared/errors';
import { hasPermission, type Permission, type Role } from '../../shared/permissions';

/** Which dealers an actor may see. Resolved once per request from the user or key. */
export type Scope =
  | { kind: 'network' }
  | { kind: 'region'; regionId: number; regionCode: string; path: string }
  | { kind: 'dealers'; dealerIds: number[]; dealerCodes: string[]; label: string };

export type Actor = {
  kind: 'user' | 'api_key';
  /** user id or API key id */
  id: number;
  name: string;
  role: Role;
  scope: Scope;
  /** set for cookie sessions: writes must echo it in the x-csrf-token header */
  csrfToken: string | null;
};

/** The system itself (CLI, seeding, jobs): the whole network. */
export const SYSTEM_ACTOR: Actor = {
  kind: 'user',
  id: 0,
  name: 'system',
  role: 'oem_admin',
  scope: { kind: 'network' },
  csrfToken: null,
};

export function requirePermission(actor: Actor, permission: Permission): void {
  if (!hasPermission(actor.role, permission)) {
    throw new AppError('FORBIDDEN', `Your role (${actor.role}) may not ${permission}`, {
      permission,
    });
  }
}

/**
 * Appends the scope condition on a dealers table alias to `params` and returns the SQL fragment.
 * Every repository query on tenant data goes through here.
 */
export function scopeSql(scope: Scope, dealerAlias: string, params: unknown[]): string {
  switch (scope.kind) {
    case 'network':
      return 'true';
    case 'region':
      // starts_with, not LIKE: `_` and `%` in a region code are characters, not wildcards
      params.push(scope.path);
      return `${dealerAlias}.region_id in (select id from regions where starts_with(path, $${params.length}))`;
    case 'dealers':
      params.push(scope.dealerIds);
      return `${dealerAlias}.id = any($${params.length}::int[])`;
  }
}

/** Same as scopeSql but on a dealer id column (no join to dealers needed for dealer scopes). */
export function scopeDealerIdSql(scope: Scope, dealerIdColumn: string, params: unknown[]): string {
  switch (scope.kind) {
    case 'network':
      return 'true';
    case 'region':
      params.push(scope.path);
      return `${dealerIdColumn} in (select d.id from dealers d join regions r on r.id = d.region_id where starts_with(r.path, $${params.length}))`;
    case 'dealers':
      params.push(scope.dealerIds);
      return `${dealerIdColumn} = any($${params.length}::int[])`;
  }
}

export function isDealerScoped(actor: Actor): boolean {
  return actor.scope.kind === 'dealers';
}
