import { AppError, notFound } from '../../../shared/errors';
import type { SkuFilter } from '../../../shared/schemas/catalog';
import type { Actor } from '../../auth/actor';
import type { Db } from '../../db/db';
import { translateUnique } from '../../db/errors';
import { createCatalogRepository } from './catalog.repository';

type SkuInput = {
  code: string;
  modelLineCode: string;
  name: string;
  trim: string;
  powertrain: string;
  segment: string;
  msrp: string;
  co2GramsPerKm: number;
  launchDate: string;
};

/** The catalog is shared by the whole network: every signed-in actor may read it. */
export function createCatalogService(deps: { db: Db }) {
  const repo = createCatalogRepository(deps.db);
  return {
    findModelLines(_: { actor: Actor }) {
      return repo.findModelLines();
    },

    async createModelLine({
      data,
    }: {
      actor: Actor;
      data: { code: string; name: string; segment: string };
    }) {
      await translateUnique('Model line', data.code, () => repo.insertModelLine(data));
    },

    async updateModelLine({
      code,
      data,
    }: {
      actor: Actor;
      code: string;
      data: { name?: string; segment?: string; status?: string };
    }) {
      if ((await repo.updateModelLine(code, data)) === 0) throw notFound('Model line', code);
    },

    findSkus({ filter }: { actor: Actor; filter: SkuFilter }) {
      return repo.findSkus(filter);
    },

    async getSku({ code }: { actor: Actor; code: string }) {
      const sku = await repo.getSku(code);
      if (!sku) throw notFound('SKU', code);
      return sku;
    },

    async createSku({ data }: { actor: Actor; data: SkuInput }) {
      const modelLineId = await repo.getModelLineId(data.modelLineCode);
      if (modelLineId === null) {
        throw new AppError('VALIDATION_FAILED', `Model line ${data.modelLineCode} does not exist`, {
          problems: [
            {
              path: 'body.modelLineCode',
              code: 'unknown_model_line',
              message: `Model line ${data.modelLineCode} does not exist`,
            },
          ],
        });
      }
      if (data.powertrain === 'BEV' && data.co2GramsPerKm !== 0) {
        throw new AppError('VALIDATION_FAILED', 'A BEV has 0 g/km tailpipe CO2', {
          problems: [
            {
              path: 'body.co2GramsPerKm',
              code: 'bev_co2',
              message: 'A BEV has 0 g/km tailpipe CO2',
            },
          ],
        });
      }
      await translateUnique('SKU', data.code, () => repo.insertSku({ ...data, modelLineId }));
      return (await repo.getSku(data.code))!;
    },

    async updateSku({
      code,
      data,
    }: {
      actor: Actor;
      code: string;
      data: Partial<Omit<SkuInput, 'code' | 'modelLineCode' | 'powertrain'>> & { status?: string };
    }) {
      if ((await repo.updateSku(code, data)) === 0) throw notFound('SKU', code);
      return (await repo.getSku(code))!;
    },
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
