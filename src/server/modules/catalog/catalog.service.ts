import { AppError, notFound } from '../../../shared/errors';
import { dec, formatMinor } from '../../../shared/money';
import type { Sku, SkuFilter } from '../../../shared/schemas/catalog';
import type { Actor } from '../../auth/actor';
import type { Db } from '../../db/db';
import { translateUnique } from '../../db/errors';
import { createCatalogRepository, type NewSkuRow } from './catalog.repository';
import { checkMsrpDecimals, createSkuPricesService } from './prices.service';
import { createPricesRepository } from './prices.repository';

/** A new SKU as the request gives it: its model line by code. */
type SkuInput = Omit<NewSkuRow, 'modelLineId'> & { modelLineCode: string };

/** The catalog is shared by the whole network: every signed-in actor may read it. */
export function createCatalogService(deps: { db: Db; today: () => string }) {
  const repo = createCatalogRepository(deps.db);
  const prices = createSkuPricesService(deps);
  /** The SKU with the price valid today, in the network currency's minor unit. */
  async function sku(code: string): Promise<Sku | null> {
    const row = await repo.getSku(code, deps.today());
    return row ? view(row) : null;
  }
  return {
    ...prices,

    findModelLines(_: { actor: Actor }) {
      return repo.findModelLines();
    },

    async createModelLine({
      data,
    }: {
      actor: Actor;
      data: { code: string; name: string; segment: string; salesEndOn?: string | null };
    }) {
      await translateUnique('Model line', data.code, () => repo.insertModelLine(data), 'body.code');
    },

    async updateModelLine({
      code,
      data,
    }: {
      actor: Actor;
      code: string;
      data: { name?: string; segment?: string; status?: string; salesEndOn?: string | null };
    }) {
      if ((await repo.updateModelLine(code, data)) === 0) throw notFound('Model line', code);
    },

    async findSkus({ filter }: { actor: Actor; filter: SkuFilter }) {
      const { items, total } = await repo.findSkus(filter, deps.today());
      return { items: items.map(view), total };
    },

    async getSku({ code }: { actor: Actor; code: string }) {
      const found = await sku(code);
      if (!found) throw notFound('SKU', code);
      return found;
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
      checkMsrpDecimals(
        data.msrp,
        await createPricesRepository(deps.db).findNetworkCurrency(),
        'body.msrp',
      );
      // A trigger (migration 0011) makes the MSRP the SKU's first price, valid since always.
      await translateUnique(
        'SKU',
        data.code,
        () => repo.insertSku({ ...data, modelLineId }),
        'body.code',
      );
      return (await sku(data.code))!;
    },

    async updateSku({
      code,
      data,
    }: {
      actor: Actor;
      code: string;
      data: Partial<Omit<SkuInput, 'code' | 'modelLineCode' | 'powertrain'>> & { status?: string };
    }) {
      const before = await sku(code);
      if (!before) throw notFound('SKU', code);
      // The MSRP has a history: the same price passes (a form sends every field), a new one
      // goes through POST /skus/{code}/prices, valid from a date after today.
      if (data.msrp !== undefined && !dec(data.msrp).eq(before.msrp)) {
        const message = `the MSRP has a price history: add a new price valid from a date after today with POST /api/v1/skus/${code}/prices (past prices are never rewritten)`;
        throw new AppError('VALIDATION_FAILED', `body.msrp: ${message}`, {
          problems: [{ path: 'body.msrp', code: 'price_has_history', message }],
        });
      }
      await repo.updateSku(code, data);
      return (await sku(code))!;
    },
  };
}

function view(row: Sku & { currency: string }): Sku {
  const { currency, ...rest } = row;
  return { ...rest, msrp: formatMinor(row.msrp, currency) };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
