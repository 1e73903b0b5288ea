import { randomBytes } from 'node:crypto';
import { AppError, notFound, type Problem } from '../../../shared/errors';
import { isDealerRole, OEM_ROLES, type Role } from '../../../shared/permissions';
import type { Actor } from '../../auth/actor';
import type { Db } from '../../db/db';
import { translateUnique } from '../../db/errors';
import { hashPassword, randomToken, sha256 } from '../auth/auth.service';
import { checkPassword } from '../auth/password-policy';
import { recordAudit } from '../audit/audit.repository';
import { createAccountsRepository } from './accounts.repository';

/** The scope codes given, for the audit log (only those set). */
function scopeDetails(codes: Partial<ScopeCodes>): Record<string, string> {
  return Object.fromEntries(
    Object.entries({
      regionCode: codes.regionCode,
      dealerCode: codes.dealerCode,
      dealerGroupCode: codes.dealerGroupCode,
    }).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

type ScopeCodes = {
  regionCode: string | null;
  dealerCode: string | null;
  dealerGroupCode: string | null;
};

/** Checks that a role and its scope fit together and that the codes exist. */
function scopeProblems(
  role: Role,
  codes: ScopeCodes,
  ids: { regionId: number | null; dealerId: number | null; dealerGroupId: number | null },
): Problem[] {
  const problems: Problem[] = [];
  if (codes.regionCode && ids.regionId === null) {
    problems.push({
      path: 'body.regionCode',
      code: 'unknown_region',
      message: `Region ${codes.regionCode} does not exist`,
    });
  }
  if (codes.dealerCode && ids.dealerId === null) {
    problems.push({
      path: 'body.dealerCode',
      code: 'unknown_dealer',
      message: `Dealer ${codes.dealerCode} does not exist`,
    });
  }
  if (codes.dealerGroupCode && ids.dealerGroupId === null) {
    problems.push({
      path: 'body.dealerGroupCode',
      code: 'unknown_dealer_group',
      message: `Dealer group ${codes.dealerGroupCode} does not exist`,
    });
  }
  const dealerScoped = Boolean(codes.dealerCode) || Boolean(codes.dealerGroupCode);
  if (codes.dealerCode && codes.dealerGroupCode) {
    problems.push({
      path: 'body.dealerGroupCode',
      code: 'scope_conflict',
      message: 'Give a dealer or a dealer group, not both',
    });
  }
  if (isDealerRole(role) && !dealerScoped) {
    problems.push({
      path: 'body.dealerCode',
      code: 'scope_required',
      message: `Role ${role} needs a dealerCode or dealerGroupCode`,
    });
  }
  if ((OEM_ROLES as readonly string[]).includes(role) && dealerScoped) {
    problems.push({
      path: 'body.dealerCode',
      code: 'scope_not_allowed',
      message: `OEM role ${role} cannot be limited to a dealer`,
    });
  }
  if (role === 'regional_manager' && !codes.regionCode) {
    problems.push({
      path: 'body.regionCode',
      code: 'scope_required',
      message: 'A regional manager needs a regionCode',
    });
  }
  if (codes.regionCode && dealerScoped) {
    problems.push({
      path: 'body.regionCode',
      code: 'scope_conflict',
      message: 'Give a region or a dealer, not both',
    });
  }
  return problems;
}

export function createAccountsService(deps: {
  db: Db;
  /** resolves once credential changes committed so far are in effect in this process (auth) */
  settleCredentials?: () => Promise<void>;
}) {
  const settle = deps.settleCredentials ?? (() => Promise.resolve());
  const repo = createAccountsRepository(deps.db);

  async function checkScope(role: Role, codes: ScopeCodes) {
    const ids = await repo.resolveScopeIds(codes);
    const problems = scopeProblems(role, codes, ids);
    if (problems.length)
      throw new AppError('VALIDATION_FAILED', problems.map((p) => p.message).join('; '), {
        problems,
      });
    return ids;
  }

  return {
    findUsers(_: { actor: Actor }) {
      return repo.findUsers();
    },

    async createUser({
      actor,
      data,
    }: {
      actor: Actor;
      data: { email: string; name: string; password: string; role: Role } & ScopeCodes;
    }) {
      checkPassword(data.password, { context: [data.email, data.name] });
      const ids = await checkScope(data.role, data);
      const passwordHash = await hashPassword(data.password);
      const id = await translateUnique(
        'User',
        data.email,
        () =>
          deps.db.transaction(async (tx) => {
            const userId = await createAccountsRepository(tx).insertUser({
              email: data.email.toLowerCase(),
              name: data.name,
              passwordHash,
              role: data.role,
              ...ids,
            });
            await recordAudit(tx, {
              kind: 'user.created',
              actor,
              userId,
              email: data.email.toLowerCase(),
              details: { role: data.role, ...scopeDetails(data) },
            });
            return userId;
          }),
        'body.email',
      );
      return (await repo.getUser(id))!;
    },

    async updateUser({
      actor,
      id,
      data,
    }: {
      actor: Actor;
      id: number;
      data: { name?: string; password?: string; isActive?: boolean };
    }) {
      if (data.password !== undefined) checkPassword(data.password, { context: [data.name] });
      if (actor.kind === 'user' && actor.id === id && data.isActive === false) {
        throw new AppError('BAD_REQUEST', 'You cannot deactivate yourself');
      }
      const passwordHash = data.password ? await hashPassword(data.password) : undefined;
      await deps.db.transaction(async (tx) => {
        const count = await createAccountsRepository(tx).updateUser(id, {
          name: data.name,
          passwordHash,
          isActive: data.isActive,
        });
        if (count === 0) throw notFound('User', String(id));
        if (data.name !== undefined)
          await recordAudit(tx, {
            kind: 'user.updated',
            actor,
            userId: id,
            details: { name: data.name },
          });
        if (passwordHash) await recordAudit(tx, { kind: 'user.password_reset', actor, userId: id });
        if (data.isActive !== undefined)
          await recordAudit(tx, {
            kind: data.isActive ? 'user.enabled' : 'user.disabled',
            actor,
            userId: id,
          });
      });
      // a deactivated user's or a reset password's sessions end before this answers
      await settle();
      return (await repo.getUser(id))!;
    },

    findApiKeys(_: { actor: Actor }) {
      return repo.findApiKeys();
    },

    /** Creates a key `fc_<prefix>_<secret>`; only its SHA-256 is stored, the key is returned once. */
    async createApiKey({
      actor,
      data,
    }: {
      actor: Actor;
      data: { name: string; role: Role } & ScopeCodes;
    }) {
      const ids = await checkScope(data.role, data);
      const prefix = randomBytes(6)
        .toString('base64url')
        .toLowerCase()
        .replace(/[^a-z0-9]/g, '0')
        .slice(0, 8);
      const key = `fc_${prefix}_${randomToken(24)}`;
      const id = await deps.db.transaction(async (tx) => {
        const keyId = await createAccountsRepository(tx).insertApiKey({
          name: data.name,
          prefix,
          keyHash: sha256(key),
          role: data.role,
          createdBy: actor.kind === 'user' && actor.id > 0 ? actor.id : null,
          ...ids,
        });
        await recordAudit(tx, {
          kind: 'api_key.created',
          actor,
          apiKeyId: keyId,
          details: { name: data.name, prefix, role: data.role, ...scopeDetails(data) },
        });
        return keyId;
      });
      return { ...(await repo.getApiKey(id))!, key };
    },

    async revokeApiKey({ actor, id }: { actor: Actor; id: number }) {
      await deps.db.transaction(async (tx) => {
        if ((await createAccountsRepository(tx).revokeApiKey(id)) === 0)
          throw notFound('API key', String(id));
        await recordAudit(tx, { kind: 'api_key.revoked', actor, apiKeyId: id });
      });
      await settle();
      return (await repo.getApiKey(id))!;
    },
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
