import { z } from 'zod';
import { isoTimestamp, page, pagingQuery, rowId } from './common';

export const AUDIT_KINDS = [
  'sign_in.succeeded',
  'sign_in.failed',
  'sign_in.limited',
  'user.created',
  'user.updated',
  'user.disabled',
  'user.enabled',
  'user.password_reset',
  'api_key.created',
  'api_key.revoked',
  'bank_account.changed',
  'webhook_subscription.created',
  'webhook_subscription.updated',
  'webhook_subscription.enabled',
  'webhook_subscription.disabled',
  'webhook_subscription.secret_rotated',
  'webhook_subscription.deleted',
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** A kind, or the group before its dot (`sign_in`, `user`, `api_key`). */
export const auditKindFilter = z.enum([
  ...AUDIT_KINDS,
  'sign_in',
  'user',
  'api_key',
  'bank_account',
  'webhook_subscription',
]);

export const auditQuerySchema = pagingQuery.extend({
  kind: auditKindFilter.optional(),
  /** a user id: entries where the user acted or was the account concerned */
  user: rowId.optional(),
  from: isoTimestamp.optional(),
  to: isoTimestamp.optional(),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

export const auditEntrySchema = z
  .object({
    id: z.string(),
    at: z.string(),
    kind: z.enum(AUDIT_KINDS),
    actorUserId: z.number().int().nullable(),
    actorApiKeyId: z.number().int().nullable(),
    actorName: z.string().nullable(),
    userId: z.number().int().nullable(),
    userName: z.string().nullable(),
    apiKeyId: z.number().int().nullable(),
    apiKeyName: z.string().nullable(),
    email: z.string().nullable(),
    address: z.string().nullable(),
    userAgent: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditPageSchema = page(auditEntrySchema);
export type AuditPage = z.infer<typeof auditPageSchema>;
