import { AppError, notFound } from '../../../shared/errors';
import { REGION_CODE_PATTERN, type DealerFilter } from '../../../shared/schemas/network';
import type { Actor } from '../../auth/actor';
import type { Db } from '../../db/db';
import { translateUnique } from '../../db/errors';
import { createNetworkRepository } from './network.repository';

export function createNetworkService(deps: { db: Db }) {
  const repo = createNetworkRepository(deps.db);

  async function resolveRegion(code: string, path: string) {
    const region = await repo.getRegionByCode(code);
    if (!region) {
      throw new AppError('VALIDATION_FAILED', `Region ${code} does not exist`, {
        problems: [{ path, code: 'unknown_region', message: `Region ${code} does not exist` }],
      });
    }
    return region;
  }

  async function resolveGroup(code: string | null | undefined, path: string) {
    if (code === undefined) return undefined;
    if (code === null) return null;
    const id = await repo.getDealerGroupId(code);
    if (id === null) {
      throw new AppError('VALIDATION_FAILED', `Dealer group ${code} does not exist`, {
        problems: [
          { path, code: 'unknown_dealer_group', message: `Dealer group ${code} does not exist` },
        ],
      });
    }
    return id;
  }

  return {
    findRegions({ actor }: { actor: Actor }) {
      return repo.findRegions(actor.scope);
    },

    async createRegion({
      data,
    }: {
      actor: Actor;
      data: { code: string; name: string; parentCode: string | null };
    }) {
      if (!REGION_CODE_PATTERN.test(data.code) || data.code.length > 40) {
        const message = 'a region code is letters, digits and inner "-" only';
        throw new AppError('VALIDATION_FAILED', `body.code: ${message}`, {
          problems: [{ path: 'body.code', code: 'invalid_region_code', message }],
        });
      }
      const parent = data.parentCode
        ? await resolveRegion(data.parentCode, 'body.parentCode')
        : null;
      const path = `${parent?.path ?? '/'}${data.code}/`;
      await translateUnique('Region', data.code, () =>
        repo.insertRegion({ code: data.code, name: data.name, parentId: parent?.id ?? null, path }),
      );
    },

    async updateRegion({
      code,
      data,
    }: {
      actor: Actor;
      code: string;
      data: { name?: string; isActive?: boolean };
    }) {
      if ((await repo.updateRegion(code, data)) === 0) throw notFound('Region', code);
    },

    findDealerGroups({ actor }: { actor: Actor }) {
      return actor.scope.kind === 'network'
        ? repo.findAllDealerGroups()
        : repo.findDealerGroups(actor.scope);
    },

    async createDealerGroup({ data }: { actor: Actor; data: { code: string; name: string } }) {
      await translateUnique('Dealer group', data.code, () => repo.insertDealerGroup(data));
    },

    async updateDealerGroup({
      code,
      data,
    }: {
      actor: Actor;
      code: string;
      data: { name?: string; isActive?: boolean };
    }) {
      if ((await repo.updateDealerGroup(code, data)) === 0) throw notFound('Dealer group', code);
    },

    findDealers({ actor, filter }: { actor: Actor; filter: DealerFilter }) {
      return repo.findDealers(actor.scope, filter);
    },

    async getDealer({ actor, code }: { actor: Actor; code: string }) {
      const dealer = await repo.getDealer(actor.scope, code);
      if (!dealer) throw notFound('Dealer', code);
      return dealer;
    },

    /** The dealer's internal reference, if the actor may see it; NOT_FOUND otherwise (no leak). */
    async getDealerRef({ actor, code }: { actor: Actor; code: string }) {
      const ref = await repo.getDealerRef(actor.scope, code);
      if (!ref) throw notFound('Dealer', code);
      return ref;
    },

    async createDealer({
      actor,
      data,
    }: {
      actor: Actor;
      data: {
        code: string;
        name: string;
        regionCode: string;
        dealerGroupCode: string | null;
        stateProvince: string;
        city: string | null;
        country: string;
        erpVendorId: string | null;
      };
    }) {
      const region = await resolveRegion(data.regionCode, 'body.regionCode');
      if (actor.scope.kind === 'region' && !region.path.startsWith(actor.scope.path)) {
        throw new AppError('FORBIDDEN', `Region ${data.regionCode} is outside your region`);
      }
      const dealerGroupId =
        (await resolveGroup(data.dealerGroupCode, 'body.dealerGroupCode')) ?? null;
      await translateUnique(
        'Dealer',
        data.code,
        () => repo.insertDealer({ ...data, regionId: region.id, dealerGroupId }),
        'body.code',
      );
      return repo.getDealer(actor.scope, data.code);
    },

    async updateDealer({
      actor,
      code,
      data,
    }: {
      actor: Actor;
      code: string;
      data: {
        name?: string;
        regionCode?: string;
        dealerGroupCode?: string | null;
        stateProvince?: string;
        city?: string | null;
        country?: string;
        erpVendorId?: string | null;
        status?: 'active' | 'inactive';
      };
    }) {
      const ref = await repo.getDealerRef(actor.scope, code);
      if (!ref) throw notFound('Dealer', code);
      const region = data.regionCode
        ? await resolveRegion(data.regionCode, 'body.regionCode')
        : undefined;
      if (region && actor.scope.kind === 'region' && !region.path.startsWith(actor.scope.path)) {
        throw new AppError('FORBIDDEN', `Region ${data.regionCode} is outside your region`);
      }
      const dealerGroupId = await resolveGroup(data.dealerGroupCode, 'body.dealerGroupCode');
      await repo.updateDealer(ref.id, {
        name: data.name,
        regionId: region?.id,
        dealerGroupId,
        stateProvince: data.stateProvince,
        city: data.city,
        country: data.country,
        erpVendorId: data.erpVendorId,
        status: data.status,
      });
      return repo.getDealer(actor.scope, code);
    },

    getSettings() {
      return repo.getSettings();
    },

    async updateSettings({ data }: { actor: Actor; data: { fiscalYearStartMonth: number } }) {
      await repo.updateSettings(data);
      return repo.getSettings();
    },
  };
}

export type NetworkService = ReturnType<typeof createNetworkService>;
