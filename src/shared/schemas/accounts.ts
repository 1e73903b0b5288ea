import { z } from 'zod';
import { ROLES, PERMISSIONS } from '../permissions';
import { code } from './common';

/** Password length bounds (NIST SP 800-63B: at least 8, we ask 12; long passphrases welcome). */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export const roleSchema = z.enum(ROLES);

export const scopeSchema = z
  .object({
    kind: z.enum(['network', 'region', 'dealers']),
    label: z.string(),
    dealerCodes: z.array(z.string()).optional(),
    regionCode: z.string().optional(),
  })
  .meta({ id: 'Scope' });

export const meSchema = z
  .object({
    kind: z.enum(['user', 'api_key']),
    id: z.number().int(),
    name: z.string(),
    role: roleSchema,
    permissions: z.array(z.enum(PERMISSIONS)),
    scope: scopeSchema,
    csrfToken: z.string().nullable(),
  })
  .meta({ id: 'Me' });
export type Me = z.infer<typeof meSchema>;

export const loginSchema = z.object({
  email: z.string().min(3).max(200),
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
});

/** Where a user or key may look: a region (regional managers) or a dealer / dealer group. */
const scopeInput = {
  regionCode: code.nullable().default(null),
  dealerCode: code.nullable().default(null),
  dealerGroupCode: code.nullable().default(null),
};

export const userSchema = z
  .object({
    id: z.number().int(),
    email: z.string(),
    name: z.string(),
    role: roleSchema,
    regionCode: z.string().nullable(),
    dealerCode: z.string().nullable(),
    dealerGroupCode: z.string().nullable(),
    isActive: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof userSchema>;

/**
 * A new password: length first (NIST SP 800-63B), no composition rules. The server also refuses
 * common, repetitive and context passwords (src/server/modules/auth/password-policy.ts).
 */
const newPassword = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `at most ${PASSWORD_MAX_LENGTH} characters`);

export const userCreateSchema = z.object({
  email: z.email().max(200),
  name: z.string().min(1).max(120),
  password: newPassword,
  role: roleSchema.exclude(['integration']),
  ...scopeInput,
});
export const userUpdateSchema = z
  .object({
    name: z.string().min(1).max(120),
    password: newPassword,
    isActive: z.boolean(),
  })
  .partial();

export const apiKeySchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    prefix: z.string(),
    role: roleSchema,
    regionCode: z.string().nullable(),
    dealerCode: z.string().nullable(),
    dealerGroupCode: z.string().nullable(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKey = z.infer<typeof apiKeySchema>;

export const apiKeyCreateSchema = z.object({
  name: z.string().min(1).max(120),
  role: roleSchema,
  ...scopeInput,
});
export const apiKeyCreatedSchema = apiKeySchema
  .extend({ key: z.string().describe('shown once; store it now') })
  .meta({ id: 'ApiKeyCreated' });
