import { dec, sumDec } from '../../../shared/money';
import { addMonths, monthRange } from '../../../shared/months';
import type { Actor } from '../../auth/actor';
import type { Db } from '../../db/db';
import { notFound } from '../../../shared/errors';
import type { NetworkService } from '../network/network.service';
import { createActualsRepository, kindsOf, type ActualsKind } from './actuals.repository';
import { createDealerHomeCache, type DealerHomeCache, type HomeDealer } from './dealer-home-cache';

export function createActualsService(deps: {
  db: Db;
  network: NetworkService;
  /** the dealer home's cache (shared with the transactions list); one of its own otherwise */
  homeCache?: DealerHomeCache;
}) {
  const repo = createActualsRepository(deps.db);
  const homeCache = deps.homeCache ?? createDealerHomeCache(deps.db);

  async function window(from?: string, to?: string, latest?: () => Promise<string | null>) {
    const end =
      to ?? (await (latest ?? repo.latestMonth)()) ?? new Date().toISOString().slice(0, 7);
    const start = from ?? addMonths(end, -23);
    return { start, end, months: monthRange(start, end) };
  }

  const service = {
    /** A dealer's monthly actuals by model line: the dealer home and the OEM's dealer page. */
    async getDealerMonthly({
      actor,
      dealerCode,
      from,
      to,
      kind,
    }: {
      actor: Actor;
      dealerCode: string;
      from?: string;
      to?: string;
      kind: ActualsKind;
    }) {
      // the dealer's visibility, its home stamp and the latest month in one statement
      const dealer = await homeCache.find(actor.scope, dealerCode);
      if (!dealer) throw notFound('Dealer', dealerCode);
      return service.getHomeDealerMonthly({ dealer, dealerCode, from, to, kind });
    },

    /** The same, for a dealer whose visibility the caller checked (the dealer home's one read). */
    async getHomeDealerMonthly({
      dealer,
      dealerCode,
      from,
      to,
      kind,
    }: {
      dealer: HomeDealer;
      dealerCode: string;
      from?: string;
      to?: string;
      kind: ActualsKind;
    }) {
      const { start, end } = await window(from, to, async () => dealer.latestMonth);
      return homeCache.read(dealer, `actuals|${kind}|${start}|${end}`, () =>
        dealerMonthly(dealerCode, dealer.id, kind, start, end),
      );
    },

    /** Totals by region (children of `regionCode`, or the top of the tree) and month. */
    async getRegionTotals({
      actor,
      regionCode,
      from,
      to,
      kind,
    }: {
      actor: Actor;
      regionCode?: string;
      from?: string;
      to?: string;
      kind: ActualsKind;
    }) {
      let parentPath: string | null = null;
      if (regionCode) {
        const regions = await deps.network.findRegions({ actor });
        const region = regions.find((r) => r.code === regionCode);
        if (!region) throw notFound('Region', regionCode);
        parentPath = region.path;
      }
      const { start, end, months } = await window(from, to);
      const [rows, counts] = await Promise.all([
        repo.regionMonthly(actor.scope, parentPath, kindsOf(kind), start, end),
        repo.regionDealerCounts(actor.scope, parentPath),
      ]);
      const index = new Map(months.map((m, i) => [m, i]));
      const regions = counts.map((c) => ({
        code: c.code,
        name: c.name,
        dealerCount: c.dealers,
        quantities: months.map(() => 0),
        total: 0,
        amounts: [] as string[],
        bev: 0,
      }));
      const byCode = new Map(regions.map((r) => [r.code, r]));
      for (const r of rows) {
        const region = byCode.get(r.code);
        const i = index.get(r.month);
        if (!region || i === undefined) continue;
        region.quantities[i] = r.quantity;
        region.total += r.quantity;
        region.amounts.push(r.amount);
        region.bev += r.bev;
      }
      return {
        months,
        regions: regions
          .filter((r) => r.dealerCount > 0 || r.total !== 0)
          .map((r) => ({
            code: r.code,
            name: r.name,
            dealerCount: r.dealerCount,
            quantities: r.quantities,
            total: r.total,
            amount: sumDec(r.amounts).toFixed(2),
            bevShare: r.total > 0 ? Number(dec(r.bev).div(r.total).times(100).toFixed(1)) : null,
          })),
      };
    },
  };

  /** A dealer's monthly actuals by model line over [start, end] (the dealer already checked). */
  async function dealerMonthly(
    dealerCode: string,
    dealerId: number,
    kind: ActualsKind,
    start: string,
    end: string,
  ) {
    const months = monthRange(start, end);
    const rows = await repo.dealerMonthly(dealerId, kindsOf(kind), start, end);
    const index = new Map(months.map((m, i) => [m, i]));
    const lines = new Map<string, { code: string; name: string; quantities: number[] }>();
    const totals = months.map((month) => ({
      month,
      quantity: 0,
      amounts: [] as string[],
      bev: 0,
    }));
    for (const r of rows) {
      const i = index.get(r.month);
      if (i === undefined) continue;
      let line = lines.get(r.model_line);
      if (!line) {
        line = { code: r.model_line, name: r.name, quantities: months.map(() => 0) };
        lines.set(r.model_line, line);
      }
      line.quantities[i] = r.quantity;
      const t = totals[i]!;
      t.quantity += r.quantity;
      t.amounts.push(r.amount);
      t.bev += r.bev;
    }
    return {
      dealerCode: dealerCode,
      months,
      modelLines: [...lines.values()].sort((a, b) => sum(b.quantities) - sum(a.quantities)),
      totals: totals.map((t) => ({
        month: t.month,
        quantity: t.quantity,
        amount: sumDec(t.amounts).toFixed(2),
      })),
      bevShare: totals.map((t) =>
        t.quantity > 0 ? Number(dec(t.bev).div(t.quantity).times(100).toFixed(1)) : null,
      ),
    };
  }

  return service;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

export type ActualsService = ReturnType<typeof createActualsService>;
