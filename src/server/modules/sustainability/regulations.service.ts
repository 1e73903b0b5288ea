/** Regulations as versioned data, the SKUs' environmental data and the CO2 ledger per VIN. */
import { AppError, notFound } from '../../../shared/errors';
import type { Regulation, RegulationDocument } from '../../../shared/schemas/sustainability';
import type { Actor } from '../../auth/actor';
import { marketFilterOf, type SustainabilityContext } from './sustainability-context';

export function createRegulationsService(ctx: SustainabilityContext) {
  const { deps, repo, current, toRegulation, regulationOf } = ctx;
  return {
    async findRegulations({ market }: { actor: Actor; market?: string }) {
      const rows = await repo.findRegulations(market);
      const today = deps.today();
      const currents = new Set<string>();
      const out: Regulation[] = [];
      for (const r of rows) {
        const isCurrent =
          !currents.has(r.market) &&
          current(
            rows.filter((x) => x.market === r.market),
            today,
          ) === r;
        if (isCurrent) currents.add(r.market);
        out.push(toRegulation(r, isCurrent));
      }
      return { items: out };
    },

    async createRegulation({
      actor,
      data,
    }: {
      actor: Actor;
      data: { market: string; effectiveFrom: string; document: RegulationDocument };
    }) {
      const versionNo = await repo.insertRegulation({ ...data, createdBy: actor.name });
      const rows = await repo.findRegulations(data.market);
      return toRegulation(
        rows.find((r) => r.versionNo === versionNo)!,
        current(rows, deps.today()) === rows.find((r) => r.versionNo === versionNo),
      );
    },

    async findVehicleData(_: { actor: Actor }) {
      const rows = await repo.findVehicleData();
      return { items: rows.map(({ modelLineId: _id, skuId: _sku, ...r }) => r) };
    },

    async updateVehicleData({
      sku,
      data,
    }: {
      actor: Actor;
      sku: string;
      data: {
        co2GramsPerKm?: number;
        massKg?: number | null;
        electricRangeKm?: number | null;
        batteryKwh?: string | null;
      };
    }) {
      const rows = await repo.findVehicleData();
      const row = rows.find((r) => r.sku === sku);
      if (!row) throw notFound('SKU', sku);
      const co2 = data.co2GramsPerKm ?? row.co2GramsPerKm;
      if ((row.powertrain === 'BEV' || row.powertrain === 'FCEV') && co2 !== 0)
        throw new AppError('VALIDATION_FAILED', 'A zero-emission SKU emits 0 g/km', {
          problems: [
            {
              path: 'body.co2GramsPerKm',
              code: 'zev_co2',
              message: `a ${row.powertrain} emits 0 g/km`,
            },
          ],
        });
      await repo.updateVehicleData(sku, data);
      const after = (await repo.findVehicleData()).find((r) => r.sku === sku)!;
      const { modelLineId: _id, skuId: _sku, ...rest } = after;
      return rest;
    },

    async findLedger({
      actor,
      market,
      year,
      dealer,
      limit,
      offset,
    }: {
      actor: Actor;
      market: string;
      year?: number;
      dealer?: string;
      limit: number;
      offset: number;
    }) {
      const reg = await regulationOf(market);
      const dealerId = dealer
        ? (await deps.network.getDealerRef({ actor, code: dealer })).id
        : undefined;
      const page = await repo.findLedger(actor.scope, marketFilterOf(reg.document), {
        year,
        dealerId,
        limit,
        offset,
      });
      return { market, ...page };
    },
  };
}
