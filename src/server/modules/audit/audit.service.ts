import { requirePermission, type Actor } from '../../auth/actor';
import type { Db } from '../../db/db';
import type { AuditQuery } from '../../../shared/schemas/audit';
import { createAuditRepository } from './audit.repository';

export function createAuditService(deps: { db: Db }) {
  const repo = createAuditRepository(deps.db);
  return {
    /** The audit log, newest first (administrators only). */
    async findEntries({ actor, filter }: { actor: Actor; filter: AuditQuery }) {
      requirePermission(actor, 'users:manage');
      const { items, total } = await repo.find(filter);
      return { items, total, limit: filter.limit, offset: filter.offset };
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
