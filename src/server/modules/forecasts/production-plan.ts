/**
 * The demand plan as production planning imports it (issue 15): plant × SKU × month, whole
 * units, with the interval. Built from the locked consensus of `getDemandPlan` (model line × SKU
 * × region × month, in thousandths): the regions are summed per plant × SKU × month and the
 * thousandths apportioned to whole units by largest remainder, so the units add up to the plan's
 * total rounded once. Interval bounds are summed over the regions (wider than the true interval of
 * the sum: regions' errors are not perfectly correlated). The plant of a SKU comes from the
 * `production_plants` setting (SKU, else its model line, else the default).
 */
import type { DemandPlanRow } from '../../../shared/schemas/forecasts';
import type {
  ProductionPlan,
  ProductionPlanRow,
  ProductionPlants,
} from '../../../shared/schemas/production-plan';
import { requirePermission, type Actor } from '../../auth/actor';
import type { Db } from '../../db/db';
import { exportCell } from '../../http/csv-export';
import { AppError } from '../../../shared/errors';

const round3 = (v: number) => Math.round(v * 1000) / 1000;

export function plantOf(plants: ProductionPlants, sku: string, modelLine: string): string {
  return plants.bySku[sku] ?? plants.byModelLine[modelLine] ?? plants.defaultPlant;
}

/** Plant × SKU × month rows from the demand plan's rows (pure). */
export function toProductionRows(
  rows: readonly DemandPlanRow[],
  plants: ProductionPlants,
): ProductionPlanRow[] {
  const groups = new Map<string, ProductionPlanRow & { thousandths: number }>();
  for (const r of rows) {
    const plant = plantOf(plants, r.sku, r.modelLine);
    const key = `${plant}|${r.sku}|${r.month}`;
    const g = groups.get(key) ?? {
      plant,
      sku: r.sku,
      modelLine: r.modelLine,
      powertrain: r.powertrain,
      month: r.month,
      periodStart: `${r.month}-01`,
      quantity: 0,
      thousandths: 0,
      lower80: 0,
      upper80: 0,
      lower95: 0,
      upper95: 0,
    };
    g.thousandths += Math.round(r.quantity * 1000);
    g.lower80 += r.lower80;
    g.upper80 += r.upper80;
    g.lower95 += r.lower95;
    g.upper95 += r.upper95;
    groups.set(key, g);
  }
  const list = [...groups.values()].sort((a, b) =>
    a.plant !== b.plant
      ? a.plant < b.plant
        ? -1
        : 1
      : a.sku !== b.sku
        ? a.sku < b.sku
          ? -1
          : 1
        : a.month < b.month
          ? -1
          : 1,
  );
  // whole units per month by largest remainder: each month's units sum to its total rounded
  const byMonth = new Map<string, typeof list>();
  for (const g of list) byMonth.set(g.month, [...(byMonth.get(g.month) ?? []), g]);
  for (const month of byMonth.values()) {
    const total = Math.round(month.reduce((a, g) => a + g.thousandths, 0) / 1000);
    const floors = month.map((g) => Math.floor(g.thousandths / 1000));
    let left = total - floors.reduce((a, b) => a + b, 0);
    const order = month
      .map((g, i) => ({ i, rest: g.thousandths - floors[i]! * 1000 }))
      .sort((a, b) => b.rest - a.rest || a.i - b.i);
    for (const { i } of order) {
      if (left <= 0) break;
      floors[i]! += 1;
      left -= 1;
    }
    month.forEach((g, i) => (g.quantity = floors[i]!));
  }
  return list.map(({ thousandths: _t, ...g }) => ({
    ...g,
    lower80: round3(g.lower80),
    upper80: round3(g.upper80),
    lower95: round3(g.lower95),
    upper95: round3(g.upper95),
  }));
}

export const PRODUCTION_PLAN_CSV_COLUMNS = [
  'plant',
  'sku',
  'modelLine',
  'powertrain',
  'month',
  'periodStart',
  'quantity',
  'lower80',
  'upper80',
  'lower95',
  'upper95',
] as const;

export function productionPlanCsv(plan: ProductionPlan): string {
  const lines = plan.rows.map((r) =>
    PRODUCTION_PLAN_CSV_COLUMNS.map((c) => exportCell(r[c])).join(','),
  );
  return [PRODUCTION_PLAN_CSV_COLUMNS.join(','), ...lines].join('\n') + '\n';
}

export function createProductionPlanService(deps: {
  db: Db;
  getDemandPlan: (o: { actor: Actor; id: number }) => Promise<{
    cycleId: number;
    cycleMonth: string;
    status: string;
    rows: DemandPlanRow[];
  }>;
}) {
  async function plants(): Promise<ProductionPlants> {
    const { rows } = await deps.db.query<{ plants: ProductionPlants }>(
      'select production_plants as plants from settings limit 1',
    );
    return rows[0]!.plants;
  }
  return {
    async getProductionPlan({ actor, id }: { actor: Actor; id: number }): Promise<ProductionPlan> {
      requirePermission(actor, 'forecasts:read');
      const plan = await deps.getDemandPlan({ actor, id });
      return {
        cycleId: plan.cycleId,
        cycleMonth: plan.cycleMonth,
        version: `DP-${plan.cycleMonth}`,
        status: plan.status,
        rows: toProductionRows(plan.rows, await plants()),
      };
    },

    async getPlants({ actor }: { actor: Actor }) {
      requirePermission(actor, 'forecasts:read');
      return plants();
    },

    async updatePlants({ actor, data }: { actor: Actor; data: ProductionPlants }) {
      requirePermission(actor, 'forecasts:manage');
      if (actor.scope.kind !== 'network') {
        throw new AppError('FORBIDDEN', 'Only the OEM (network scope) may set production plants');
      }
      await deps.db.query('update settings set production_plants = $1::jsonb, updated_at = now()', [
        JSON.stringify(data),
      ]);
      return plants();
    },
  };
}

export type ProductionPlanService = ReturnType<typeof createProductionPlanService>;
