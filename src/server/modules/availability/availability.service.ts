/**
 * Product availability (issue 16): the vehicle pipeline feed by VIN (its ingest in
 * pipeline-ingest.ts), the current state per VIN,
 * a dealer's stock and pipeline with days' supply, and the OEM's supply vs demand. Allocation
 * runs are in allocation.service.ts.
 */
import { getOrAdd } from '../../../shared/collections';
import { AppError, notFound } from '../../../shared/errors';
import { isDealerScoped, scopeSql, type Actor } from '../../auth/actor';
import type { Db } from '../../db/db';
import {
  createAvailabilityRepository,
  type PositionRow,
  type VehicleFilter,
} from './availability.repository';
import { resultPageFilter, resultPageParams } from './allocation-run.repository';
import { explainStoredRows, type StoredResultRow } from './allocation-explain';
import { daysSupply } from './days-supply';
import { createPipelineIngest } from './pipeline-ingest';

export function createAvailabilityService(deps: {
  db: Db;
  today: () => string;
  /** the pipeline ingest's threshold and error hook (tests make it small; pipeline-ingest.ts) */
  refreshAfterCommitEvents?: number;
  onRefreshError?: (error: unknown) => void;
  segmentChars?: number;
}) {
  const repo = createAvailabilityRepository();
  const db = deps.db;

  async function dealerIdsInScope(actor: Actor): Promise<Set<number> | null> {
    if (actor.scope.kind === 'network') return null;
    if (actor.scope.kind === 'dealers') return new Set(actor.scope.dealerIds);
    const params: unknown[] = [];
    const { rows } = await db.query<{ id: number }>(
      `select d.id from dealers d where ${scopeSql(actor.scope, 'd', params)}`,
      params,
    );
    return new Set(rows.map((r) => r.id));
  }

  async function dealerRef(actor: Actor, code: string) {
    const params: unknown[] = [code];
    const { rows } = await db.query<{ id: number; code: string; name: string; status: string }>(
      `select d.id, d.code, d.name, d.status from dealers d where d.code = $1 and ${scopeSql(actor.scope, 'd', params)}`,
      params,
    );
    if (!rows[0]) throw notFound('Dealer', code);
    return rows[0];
  }

  const pipeline = createPipelineIngest({
    db,
    dealerIdsInScope,
    ...(deps.refreshAfterCommitEvents === undefined
      ? {}
      : { refreshAfterCommitEvents: deps.refreshAfterCommitEvents }),
    ...(deps.onRefreshError === undefined ? {} : { onRefreshError: deps.onRefreshError }),
    ...(deps.segmentChars === undefined ? {} : { segmentChars: deps.segmentChars }),
  });

  return {
    dealerRef,
    ...pipeline,

    async findVehicles({ actor, filter }: { actor: Actor; filter: VehicleFilter }) {
      return repo.findVehicles(db, actor.scope, deps.today(), filter);
    },

    async getVehicle({ actor, vin }: { actor: Actor; vin: string }) {
      const vehicle = await repo.getVehicle(db, actor.scope, deps.today(), vin.toUpperCase());
      if (!vehicle) throw notFound('Vehicle', vin);
      const { dealerId, ...rest } = vehicle;
      const [history, delivery] = await Promise.all([
        repo.vehicleHistory(db, dealerId, vehicle.vin),
        repo.deliveryOf(db, dealerId, vehicle.vin),
      ]);
      return { ...rest, history, delivery };
    },

    /** A dealer's stock and pipeline per model line and SKU, with days' supply. */
    async getDealerAvailability({ actor, dealerCode }: { actor: Actor; dealerCode: string }) {
      const dealer = await dealerRef(actor, dealerCode);
      const today = deps.today();
      const month = `${today.slice(0, 7)}-01`;
      const [positions, pending, expected, pipeline, profile, catalog, allocations] =
        await Promise.all([
          repo.positions(db, today, [dealer.id], null),
          repo.pendingAllocation(db, [dealer.id], null),
          repo.expectedDaily(db, today, [dealer.id], null),
          repo.pipelineOf(db, dealer.id, today),
          db.query<{ is_ev_certified: boolean; tier: 'standard' | 'plus' | 'premier' }>(
            'select is_ev_certified, tier from dealer_allocation_profiles where dealer_id = $1',
            [dealer.id],
          ),
          db.query<{
            id: number;
            code: string;
            name: string;
            ml_id: number;
            ml_code: string;
            ml_name: string;
            powertrain: string;
            status: string;
          }>(
            `select s.id, s.code, s.name, ml.id as ml_id, ml.code as ml_code, ml.name as ml_name, s.powertrain, s.status
           from skus s join model_lines ml on ml.id = s.model_line_id where ml.status = 'active' order by ml.name, s.code`,
          ),
          findAllocationResults(db, { dealerId: dealer.id, month }),
        ]);
      const skuById = new Map(catalog.rows.map((s) => [s.id, s]));
      const posBySku = new Map<number, PositionRow>(positions.map((p) => [p.sku_id, p]));
      const pendingBySku = new Map(pending.map((p) => [p.sku_id, p.units]));
      const expectedByLine = new Map(expected.map((e) => [e.model_line_id, e]));
      type Line = {
        code: string;
        name: string;
        id: number;
        skus: {
          sku: string;
          name: string;
          stock: number;
          inTransit: number;
          inBuild: number;
          onOrder: number;
          pendingAllocation: number;
        }[];
        ageSum: number;
        oldest: number | null;
        nextEta: string | null;
      };
      const emptyLine = (sku: { ml_code: string; ml_name: string; ml_id: number }): Line => ({
        code: sku.ml_code,
        name: sku.ml_name,
        id: sku.ml_id,
        skus: [],
        ageSum: 0,
        oldest: null,
        nextEta: null,
      });
      const lines = new Map<number, Line>();
      for (const skuId of new Set([...posBySku.keys(), ...pendingBySku.keys()])) {
        const sku = skuById.get(skuId);
        if (!sku) continue;
        const line = getOrAdd(lines, sku.ml_id, () => emptyLine(sku));
        const p = posBySku.get(skuId);
        line.skus.push({
          sku: sku.code,
          name: sku.name,
          stock: p?.stock ?? 0,
          inTransit: p?.in_transit ?? 0,
          inBuild: p?.in_build ?? 0,
          onOrder: p?.on_order ?? 0,
          pendingAllocation: pendingBySku.get(skuId) ?? 0,
        });
        if (p) {
          line.ageSum += p.age_sum;
          if (p.oldest !== null) line.oldest = Math.max(line.oldest ?? 0, p.oldest);
          if (p.next_eta && (!line.nextEta || p.next_eta < line.nextEta)) line.nextEta = p.next_eta;
        }
      }
      for (const e of expected) {
        if (lines.has(e.model_line_id)) continue;
        const sku = catalog.rows.find((s) => s.ml_id === e.model_line_id);
        if (sku && e.daily > 0) lines.set(e.model_line_id, emptyLine(sku));
      }
      const modelLines = [...lines.values()]
        .map((line) => {
          const sum = (k: 'stock' | 'inTransit' | 'inBuild' | 'onOrder' | 'pendingAllocation') =>
            line.skus.reduce((s, x) => s + x[k], 0);
          const position = {
            stock: sum('stock'),
            inTransit: sum('inTransit'),
            inBuild: sum('inBuild'),
            onOrder: sum('onOrder'),
            pendingAllocation: sum('pendingAllocation'),
          };
          const e = expectedByLine.get(line.id);
          const daily = e ? Math.round(e.daily * 1000) / 1000 : 0;
          return {
            modelLineCode: line.code,
            modelLineName: line.name,
            ...position,
            averageStockAgeDays:
              position.stock > 0 ? Math.round((line.ageSum / position.stock) * 10) / 10 : null,
            oldestStockDays: line.oldest,
            expectedDailySales: daily,
            expectedBasis: e ? e.basis : ('none' as const),
            ...daysSupply({ position, expectedDailySales: daily, today, nextEta: line.nextEta }),
            nextEta: line.nextEta,
            skus: line.skus.sort((a, b) => a.sku.localeCompare(b.sku)),
          };
        })
        .sort((a, b) => a.modelLineName.localeCompare(b.modelLineName));
      const allocatedSkus = new Map<string, number>();
      for (const a of allocations)
        allocatedSkus.set(a.sku, (allocatedSkus.get(a.sku) ?? 0) + a.units);
      const constrained = await db.query<{ code: string }>(
        `select distinct x ->> 'sku' as code from allocation_runs r, jsonb_array_elements(r.supply) x
         where r.status = 'published' and r.month = $1`,
        [month],
      );
      const constrainedSet = new Set(constrained.rows.map((r) => r.code));
      return {
        dealerCode: dealer.code,
        dealerName: dealer.name,
        today,
        isEvCertified: profile.rows[0]?.is_ev_certified ?? false,
        tier: profile.rows[0]?.tier ?? 'standard',
        modelLines,
        pipeline,
        allocations,
        orderable: catalog.rows
          .filter((s) => s.status === 'active')
          .map((s) => ({
            sku: s.code,
            name: s.name,
            modelLineCode: s.ml_code,
            powertrain: s.powertrain,
            isAllocated: constrainedSet.has(s.code),
            allocatedUnits: constrainedSet.has(s.code) ? (allocatedSkus.get(s.code) ?? 0) : null,
          })),
      };
    },

    async setDealerProfile({
      actor,
      dealerCode,
      data,
    }: {
      actor: Actor;
      dealerCode: string;
      data: { isEvCertified?: boolean; tier?: 'standard' | 'plus' | 'premier' };
    }) {
      if (isDealerScoped(actor))
        throw new AppError('FORBIDDEN', 'Only the OEM sets allocation attributes');
      const dealer = await dealerRef(actor, dealerCode);
      const { rows } = await db.query<{
        isEvCertified: boolean;
        tier: 'standard' | 'plus' | 'premier';
      }>(
        `insert into dealer_allocation_profiles (dealer_id, is_ev_certified, tier) values ($1, coalesce($2, false), coalesce($3, 'standard'))
         on conflict (dealer_id) do update set is_ev_certified = coalesce($2, dealer_allocation_profiles.is_ev_certified),
           tier = coalesce($3, dealer_allocation_profiles.tier), updated_at = now()
         returning is_ev_certified as "isEvCertified", tier`,
        [dealer.id, data.isEvCertified ?? null, data.tier ?? null],
      );
      return rows[0]!;
    },

    /** The network's supply vs demand per model line for a month (in the actor's scope). */
    async getSupplyDemand({ actor, month }: { actor: Actor; month?: string }) {
      const today = deps.today();
      const m = month ?? today.slice(0, 7);
      const asOf = m === today.slice(0, 7) ? today : `${m}-15`;
      const ids = await dealerIdsInScope(actor);
      const dealerIds = ids ? [...ids] : null;
      const [positions, expected, commitments, allocated, lines] = await Promise.all([
        repo.positions(db, today, dealerIds, null),
        repo.expectedDaily(db, asOf, dealerIds, null),
        repo.openCommitments(db, today, null, dealerIds),
        db.query<{ model_line_id: number; units: number }>(
          `select r.model_line_id, sum(x.units)::int as units from allocation_results x join allocation_runs r on r.id = x.run_id
           where r.status = 'published' and r.month = $1 and ($2::int[] is null or x.dealer_id = any($2::int[])) group by r.model_line_id`,
          [`${m}-01`, dealerIds],
        ),
        db.query<{ id: number; code: string; name: string }>(
          `select ml.id, ml.code, ml.name from model_lines ml where ml.status = 'active' order by ml.name`,
        ),
      ]);
      const skuLine = await db.query<{ id: number; model_line_id: number }>(
        'select id, model_line_id from skus',
      );
      const lineOf = new Map(skuLine.rows.map((s) => [s.id, s.model_line_id]));
      const days = new Date(Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)), 0)).getUTCDate();
      const bases = new Set(expected.map((e) => e.basis));
      return {
        month: m,
        basis: bases.has('consensus') ? 'forecast consensus' : bases.size ? 'recent sales' : 'none',
        modelLines: lines.rows.map((line) => {
          const pos = positions.filter((p) => lineOf.get(p.sku_id) === line.id);
          const sum = (k: 'stock' | 'in_transit' | 'in_build' | 'on_order') =>
            pos.reduce((s, p) => s + p[k], 0);
          return {
            modelLineCode: line.code,
            modelLineName: line.name,
            forecast:
              Math.round(
                expected
                  .filter((e) => e.model_line_id === line.id)
                  .reduce((s, e) => s + e.daily, 0) *
                  days *
                  10,
              ) / 10,
            orders: sum('on_order') + sum('in_build'),
            inTransit: sum('in_transit'),
            stock: sum('stock'),
            openCommitments: commitments
              .filter((c) => c.model_line_id === line.id)
              .reduce((s, c) => s + c.units, 0),
            allocated: allocated.rows.find((a) => a.model_line_id === line.id)?.units ?? 0,
          };
        }),
      };
    },
  };
}

/** Published allocation results of a dealer (or a run), with names: shared with allocation.service. */
export async function findAllocationResults(
  db: Pick<Db, 'query'>,
  filter: {
    dealerId?: number;
    month?: string;
    runId?: number;
    dealerIds?: number[] | null;
    includeDraft?: boolean;
    /** a page of a run's results (allocation-runs.service.ts `findResults`) */
    sku?: string;
    dealerCode?: string;
    q?: string;
    round?: number;
    allocatedOnly?: boolean;
    limit?: number;
    offset?: number;
  },
) {
  const { rows } = await db.query<
    {
      run: string;
      round: number;
      month: string;
      modelLineCode: string;
      dealerCode: string;
      dealerName: string;
      sku: string;
      skuName: string;
      formulaUnits: number;
      units: number;
      overrideReason: string | null;
      decision: 'pending' | 'accepted' | 'declined' | 'expired';
      acceptedUnits: number;
      acceptUntil: string | null;
      dealerId: number;
    } & Omit<StoredResultRow, 'dealerInputs'>
  >(
    `select r.code as run, x.round, to_char(r.month, 'YYYY-MM') as month, ml.code as "modelLineCode", d.code as "dealerCode", d.name as "dealerName",
       s.code as sku, s.name as "skuName", x.formula_units as "formulaUnits", x.units, x.override_reason as "overrideReason", x.inputs,
       x.explanation, x.decision, x.accepted_units as "acceptedUnits", r.accept_until::text as "acceptUntil",
       x.run_id as "runId", x.dealer_id as "dealerId", s.powertrain, x.share, x.quota, x.basis, x.rounding
     from allocation_results x join allocation_runs r on r.id = x.run_id join dealers d on d.id = x.dealer_id
     join skus s on s.id = x.sku_id join model_lines ml on ml.id = r.model_line_id
     where ($1::int is null or x.dealer_id = $1) and ($2::date is null or r.month = $2) and ($3::int is null or r.id = $3)
       and ($4::int[] is null or x.dealer_id = any($4::int[])) and ($5::boolean or r.status = 'published')
       and ($1::int is null or x.units > 0 or x.formula_units > 0)
       and ${resultPageFilter(6)}
     order by r.code, x.round, d.code, s.code limit $11 offset $12`,
    [
      filter.dealerId ?? null,
      filter.month ?? null,
      filter.runId ?? null,
      filter.dealerIds ?? null,
      filter.includeDraft ?? false,
      ...resultPageParams(filter),
      filter.limit ?? null,
      filter.offset ?? 0,
    ],
  );
  // Each dealer's inputs of a round once (a run's view would otherwise parse the same document
  // once per SKU: 640,000 times at 4,000 dealers × 160 SKUs).
  const rounds = new Map<string, { runId: number; round: number; dealerIds: Set<number> }>();
  for (const r of rows) {
    if (r.explanation !== null) continue;
    const key = `${r.runId}:${r.round}`;
    let entry = rounds.get(key);
    if (!entry) rounds.set(key, (entry = { runId: r.runId, round: r.round, dealerIds: new Set() }));
    entry.dealerIds.add(r.dealerId);
  }
  const inputs = new Map<string, Record<string, unknown>>();
  if (rounds.size) {
    const found = await db.query<{
      run_id: number;
      round: number;
      dealer_id: number;
      inputs: Record<string, unknown>;
    }>(
      `select a.run_id, a.round, a.dealer_id, a.inputs from allocation_dealer_inputs a
       join unnest($1::int[], $2::int[]) k(run_id, round) on k.run_id = a.run_id and k.round = a.round
       where a.dealer_id = any($3::int[])`,
      [
        [...rounds.values()].map((k) => k.runId),
        [...rounds.values()].map((k) => k.round),
        [...new Set([...rounds.values()].flatMap((k) => [...k.dealerIds]))],
      ],
    );
    for (const a of found.rows) inputs.set(`${a.run_id}:${a.round}:${a.dealer_id}`, a.inputs);
  }
  return explainStoredRows(
    db,
    rows.map(({ dealerId, ...r }) => ({
      ...r,
      dealerInputs: inputs.get(`${r.runId}:${r.round}:${dealerId}`) ?? null,
    })),
  );
}

export type AvailabilityService = ReturnType<typeof createAvailabilityService>;
