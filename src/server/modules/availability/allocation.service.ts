/**
 * Over 800 lines for now, and not for a good reason: one run's whole lifecycle (create, what-if,
 * override, publish, decide, reallocate, export) shares the run loader and the COPY writers here.
 * The split to make next is by concern: run creation and what-if, overrides and publishing, dealer
 * decisions and reallocation, each with its SQL in allocation.repository.ts.
 *
 * Allocation runs (issue 16): the OEM enters a month's supply per SKU of a model line, the
 * formula (allocation.ts, weights from the settings) allocates it, the OEM overrides with a
 * reason, publishes (the ledger records formula, inputs, results and overrides), dealers accept
 * or decline within the window, and declined units go round again by the same formula.
 */
import { createHash } from 'node:crypto';
import { AppError, notFound } from '../../../shared/errors';
import type { AllocationSettings } from '../../../shared/schemas/availability';
import { isDealerScoped, type Actor } from '../../auth/actor';
import { csvField, type Db, type Queryable } from '../../db/db';
import { systemDb } from '../../db/scope';
import { canonicalJson } from '../ledger/canonical-json';
import type { LedgerService } from '../ledger/ledger.service';
import {
  allocateSku,
  prepareDealers,
  type AllocationFormula,
  type DealerAllocationInput,
  type DealerTier,
  type SkuAllocation,
} from './allocation';
import { createAvailabilityRepository } from './availability.repository';
import { findAllocationResults, type AvailabilityService } from './availability.service';
import { daysBetween } from './days-supply';

export const FORMULA_TEXT =
  "share = weighted mean of (dealer's part of recent retail sales of the model line [turn-and-earn], " +
  "dealer's part of the units short of the target days' supply, dealer's part of open agreement commitments), " +
  'over eligible dealers (active; BEVs only to EV-certified dealers when the rule is on; tier cap > 0); ' +
  'a part whose total is 0 drops out and the weights are renormalised; quota = supply × share, capped per tier ' +
  '(the excess re-shared); whole units by largest remainder (ties by dealer code). docs/availability.md';

type RunRow = {
  id: number;
  code: string;
  month: string;
  model_line_id: number;
  ml_code: string;
  ml_name: string;
  status: 'draft' | 'published';
  supply: { sku: string; units: number }[];
  formula: AllocationFormula & { acceptWindowDays: number; text: string };
  round: number;
  accept_until: string | null;
  created_by: string;
  published_at: string | null;
};

const RUN_SELECT = `select r.id, r.code, to_char(r.month, 'YYYY-MM') as month, r.model_line_id, ml.code as ml_code, ml.name as ml_name,
  r.status, r.supply, r.formula, r.round, r.accept_until::text as accept_until, r.created_by,
  to_char(r.published_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as published_at
  from allocation_runs r join model_lines ml on ml.id = r.model_line_id`;

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export function createAllocationService(deps: {
  db: Db;
  ledger: LedgerService;
  availability: AvailabilityService;
  today: () => string;
}) {
  const { db } = deps;
  const repo = createAvailabilityRepository();
  const actorLabel = (a: Actor) => `${a.kind}:${a.id}:${a.name}`;

  function requireOem(actor: Actor) {
    if (isDealerScoped(actor))
      throw new AppError('FORBIDDEN', 'Allocation runs are the OEM’s to manage');
  }

  async function getSettings(q: Pick<Queryable, 'query'> = db): Promise<AllocationSettings> {
    const { rows } = await q.query<AllocationSettings>(
      `select weight_turn_and_earn::float8 as "weightTurnAndEarn", weight_days_supply::float8 as "weightDaysSupply",
         weight_commitment::float8 as "weightCommitment", turn_and_earn_days as "turnAndEarnDays",
         target_days_supply as "targetDaysSupply", cap_standard as "capStandard", cap_plus as "capPlus",
         cap_premier as "capPremier", bev_requires_ev_certification as "bevRequiresEvCertification",
         accept_window_days as "acceptWindowDays" from allocation_settings`,
    );
    return rows[0]!;
  }

  function formulaOf(s: AllocationSettings) {
    return {
      weights: {
        turnAndEarn: s.weightTurnAndEarn,
        daysSupply: s.weightDaysSupply,
        commitment: s.weightCommitment,
      },
      turnAndEarnDays: s.turnAndEarnDays,
      targetDaysSupply: s.targetDaysSupply,
      caps: { standard: s.capStandard, plus: s.capPlus, premier: s.capPremier },
      bevRequiresEvCertification: s.bevRequiresEvCertification,
      acceptWindowDays: s.acceptWindowDays,
      text: FORMULA_TEXT,
    };
  }

  async function resolveSupply(
    q: Queryable,
    modelLine: string,
    supply: { sku: string; units: number }[],
  ) {
    const ml = await q.query<{ id: number; code: string; name: string }>(
      'select id, code, name from model_lines where code = $1',
      [modelLine],
    );
    if (!ml.rows[0])
      throw new AppError('VALIDATION_FAILED', `Model line ${modelLine} does not exist`, {
        problems: [{ path: 'body.modelLine', code: 'unknown', message: 'unknown model line' }],
      });
    const skus = await q.query<{
      id: number;
      code: string;
      powertrain: string;
      model_line_id: number;
    }>('select id, code, powertrain, model_line_id from skus where code = any($1::text[])', [
      supply.map((s) => s.sku),
    ]);
    const byCode = new Map(skus.rows.map((s) => [s.code, s]));
    const seen = new Set<string>();
    const problems = supply.flatMap((s, i) => {
      const sku = byCode.get(s.sku);
      const path = `body.supply.${i}.sku`;
      if (seen.has(s.sku))
        return [{ path, code: 'repeated', message: `SKU ${s.sku} is listed twice` }];
      seen.add(s.sku);
      if (!sku) return [{ path, code: 'unknown', message: `SKU ${s.sku} does not exist` }];
      if (sku.model_line_id !== ml.rows[0]!.id)
        return [
          {
            path,
            code: 'other_model_line',
            message: `SKU ${s.sku} is not of model line ${modelLine}`,
          },
        ];
      return [];
    });
    if (problems.length)
      throw new AppError('VALIDATION_FAILED', problems[0]!.message, { problems });
    return {
      modelLine: ml.rows[0]!,
      items: supply.map((s) => ({
        ...s,
        id: byCode.get(s.sku)!.id,
        isBev: byCode.get(s.sku)!.powertrain === 'BEV',
      })),
    };
  }

  /** The per-dealer inputs of the formula for a model line (model-line level; docs/availability.md). */
  async function dealerInputs(q: Queryable, modelLineId: number, formula: AllocationFormula) {
    const today = deps.today();
    const [dealers, sales, expected, positions, pending, commitments] = await Promise.all([
      q.query<{
        id: number;
        code: string;
        status: string;
        is_ev_certified: boolean | null;
        tier: DealerTier | null;
      }>(
        `select d.id, d.code, d.status, p.is_ev_certified, p.tier from dealers d
         left join dealer_allocation_profiles p on p.dealer_id = d.id order by d.code`,
      ),
      repo.recentSales(q, today, formula.turnAndEarnDays, modelLineId),
      repo.expectedDaily(q, today, null, modelLineId),
      repo.positions(q, today, null, modelLineId),
      repo.pendingAllocation(q, null, modelLineId),
      repo.openCommitments(q, modelLineId),
    ]);
    const salesOf = new Map(sales.map((r) => [r.dealer_id, r.units]));
    const dailyOf = new Map(expected.map((r) => [r.dealer_id, r]));
    const onHand = new Map<number, number>();
    for (const p of positions)
      onHand.set(
        p.dealer_id,
        (onHand.get(p.dealer_id) ?? 0) + p.stock + p.in_transit + p.in_build + p.on_order,
      );
    for (const p of pending) onHand.set(p.dealer_id, (onHand.get(p.dealer_id) ?? 0) + p.units);
    const commitOf = new Map(commitments.map((c) => [c.dealer_id, c.units]));
    return dealers.rows.map((d) => ({
      id: d.id,
      input: {
        dealerCode: d.code,
        isActive: d.status === 'active',
        isEvCertified: d.is_ev_certified ?? false,
        tier: d.tier ?? 'standard',
        recentSales: Math.max(0, salesOf.get(d.id) ?? 0),
        expectedDailySales: Math.round((dailyOf.get(d.id)?.daily ?? 0) * 1000) / 1000,
        onHand: onHand.get(d.id) ?? 0,
        openCommitment: commitOf.get(d.id) ?? 0,
      } satisfies DealerAllocationInput,
      basis: dailyOf.get(d.id)?.basis ?? 'none',
    }));
  }

  type Item = { sku: string; id: number; units: number; isBev: boolean };
  type DealerInput = Awaited<ReturnType<typeof dealerInputs>>[number];
  /**
   * A computed round, column-wise: one `SkuAllocation` per item over the same dealers (in code
   * order). The rows (item × dealer) are read from it as they are needed: objects for a what-if,
   * COPY text for a run; 4,000 dealers × 160 SKUs is 640,000 rows.
   */
  type Computed = {
    dealers: DealerInput[];
    items: Item[];
    outs: SkuAllocation[];
    excluded: (Set<number> | null)[];
    /** each dealer's inputs as JSON without its closing brace (the per-SKU fields follow) */
    inputsHead: string[];
    /** each dealer's tier cap (null: none) */
    caps: (number | null)[];
    /** each dealer's need, rounded to hundredths as recorded */
    need: number[];
  };

  async function compute(
    q: Queryable,
    modelLineId: number,
    items: Item[],
    formula: AllocationFormula,
    excludedKeys: Set<string> = new Set(),
  ): Promise<Computed> {
    const dealers = await dealerInputs(q, modelLineId, formula);
    const prepared = prepareDealers(
      dealers.map((d) => d.input),
      formula,
    );
    const excluded = items.map((item) => {
      if (excludedKeys.size === 0) return null;
      const set = new Set<number>();
      dealers.forEach((d, i) => {
        if (excludedKeys.has(`${d.id}/${item.id}`)) set.add(i);
      });
      return set.size > 0 ? set : null;
    });
    const outs = items.map((item, k) => allocateSku(prepared, item.units, item.isBev, excluded[k]));
    const need = dealers.map((_, i) => Math.round(prepared.need[i]! * 100) / 100);
    const inputsHead = dealers.map((d, i) =>
      JSON.stringify({ ...d.input, expectedBasis: d.basis, need: need[i] }).slice(0, -1),
    );
    return { dealers, items, outs, excluded, inputsHead, caps: prepared.caps, need };
  }

  const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
  const round2 = (x: number) => Math.round(x * 100) / 100;

  /** The inputs recorded with the result of dealer `i` for item `k`, as JSON. */
  function inputsJson(c: Computed, k: number, i: number): string {
    const out = c.outs[k]!;
    return `${c.inputsHead[i]},"share":${round6(out.share[i]!)},"quota":${round2(out.quota[i]!)},"cap":${c.caps[i] ?? null}}`;
  }

  function explanationOf(c: Computed, k: number, i: number): string {
    return c.excluded[k]?.has(i)
      ? 'No units: the dealer declined this SKU in an earlier round.'
      : c.outs[k]!.explanation(i);
  }

  /** Writes the round's rows by COPY (as the system: COPY refuses tables under row-level security). */
  async function insertResults(q: Queryable, runId: number, round: number, c: Computed) {
    const head = `${runId},${round},`;
    await q.copyFrom(
      'copy allocation_results (run_id, round, dealer_id, sku_id, formula_units, units, inputs, explanation) from stdin with (format csv)',
      (function* () {
        for (let k = 0; k < c.items.length; k++) {
          const out = c.outs[k]!;
          const skuId = c.items[k]!.id;
          let chunk = '';
          for (let i = 0; i < c.dealers.length; i++) {
            const u = out.units[i]!;
            chunk += `${head}${c.dealers[i]!.id},${skuId},${u},${u},${csvField(inputsJson(c, k, i))},${csvField(explanationOf(c, k, i))}\n`;
          }
          yield chunk;
        }
      })(),
    );
  }

  function totalsOf(c: Computed) {
    return c.items.map((item, k) => ({
      sku: item.sku,
      supply: item.units,
      allocated: c.outs[k]!.allocated,
      accepted: 0,
      declined: 0,
    }));
  }

  /**
   * The round's rows as the API gives them: SKU by SKU in the dealers' code order (a what-if), or
   * dealer by dealer in SKU code order (a stored run, as `findAllocationResults` orders them).
   */
  async function resultRows(
    q: Pick<Queryable, 'query'>,
    c: Computed,
    meta: { run: string; month: string; modelLineCode: string; byDealer: boolean },
  ) {
    const [names, skus] = await Promise.all([
      q.query<{ id: number; name: string }>('select id, name from dealers'),
      q.query<{ id: number; name: string }>(
        'select id, name from skus where id = any($1::int[]) order by code',
        [c.items.map((i) => i.id)],
      ),
    ]);
    const nameOf = new Map(names.rows.map((n) => [n.id, n.name]));
    const skuName = new Map(skus.rows.map((s) => [s.id, s.name]));
    const itemAt = new Map(c.items.map((item, k) => [item.id, k]));
    const skuOrder = skus.rows.map((s) => itemAt.get(s.id)!);
    const row = (k: number, i: number) => {
      const out = c.outs[k]!;
      const d = c.dealers[i]!;
      const item = c.items[k]!;
      return {
        run: meta.run,
        round: 0,
        month: meta.month,
        modelLineCode: meta.modelLineCode,
        dealerCode: d.input.dealerCode,
        dealerName: nameOf.get(d.id) ?? d.input.dealerCode,
        sku: item.sku,
        skuName: skuName.get(item.id) ?? item.sku,
        formulaUnits: out.units[i]!,
        units: out.units[i]!,
        overrideReason: null,
        // a literal, not a spread: spreading 640,000 objects costs seconds
        inputs: {
          dealerCode: d.input.dealerCode,
          isActive: d.input.isActive,
          isEvCertified: d.input.isEvCertified,
          tier: d.input.tier,
          recentSales: d.input.recentSales,
          expectedDailySales: d.input.expectedDailySales,
          onHand: d.input.onHand,
          openCommitment: d.input.openCommitment,
          expectedBasis: d.basis,
          need: c.need[i],
          share: round6(out.share[i]!),
          quota: round2(out.quota[i]!),
          cap: c.caps[i] ?? null,
        } as Record<string, unknown>,
        explanation: explanationOf(c, k, i),
        decision: 'pending' as const,
        acceptedUnits: 0,
        acceptUntil: null,
      };
    };
    const rows: ReturnType<typeof row>[] = [];
    if (meta.byDealer) {
      for (let i = 0; i < c.dealers.length; i++) for (const k of skuOrder) rows.push(row(k, i));
    } else {
      for (let k = 0; k < c.items.length; k++)
        for (let i = 0; i < c.dealers.length; i++) rows.push(row(k, i));
    }
    return rows;
  }

  async function loadRun(q: Pick<Queryable, 'query'>, code: string): Promise<RunRow> {
    const { rows } = await q.query<RunRow>(`${RUN_SELECT} where r.code = $1`, [code]);
    if (!rows[0]) throw notFound('Allocation run', code);
    return rows[0];
  }

  async function view(actor: Actor, run: RunRow) {
    const scoped = isDealerScoped(actor)
      ? (actor.scope as { dealerIds: number[] }).dealerIds
      : null;
    const results = await findAllocationResults(db, {
      runId: run.id,
      dealerIds: scoped,
      includeDraft: !scoped,
    });
    if (scoped && run.status !== 'published') throw notFound('Allocation run', run.code);
    // one pass over the results (a run holds dealers × SKUs rows)
    const sums = new Map<string, { allocated: number; accepted: number; declined: number }>();
    for (const s of run.supply) sums.set(s.sku, { allocated: 0, accepted: 0, declined: 0 });
    for (const r of results) {
      const t = sums.get(r.sku);
      if (!t) continue;
      if (r.round === 0) t.allocated += r.units;
      t.accepted += r.acceptedUnits;
      if (r.decision !== 'pending') t.declined += r.units - r.acceptedUnits;
    }
    const totals = run.supply.map((s) => ({ sku: s.sku, supply: s.units, ...sums.get(s.sku)! }));
    return {
      code: run.code,
      month: run.month,
      modelLineCode: run.ml_code,
      modelLineName: run.ml_name,
      status: run.status,
      round: run.round,
      acceptUntil: run.accept_until,
      supply: run.supply,
      formula: run.formula as unknown as Record<string, unknown>,
      totals,
      results,
      createdBy: run.created_by,
      publishedAt: run.published_at,
    };
  }

  /** The document the ledger records for a run's round, rebuilt from the stored rows. */
  async function roundDocument(q: Pick<Queryable, 'query'>, code: string, round: number) {
    const run = await loadRun(q, code);
    const r = await q.query<{ supply: unknown; accept_until: string }>(
      'select supply, accept_until::text as accept_until from allocation_rounds where run_id = $1 and round = $2',
      [run.id, round],
    );
    if (!r.rows[0]) return null;
    const results = await q.query<Record<string, unknown>>(
      `select d.code as "dealerCode", s.code as sku, x.formula_units as "formulaUnits", x.units, x.override_reason as "overrideReason",
         x.inputs, x.explanation from allocation_results x join dealers d on d.id = x.dealer_id join skus s on s.id = x.sku_id
       where x.run_id = $1 and x.round = $2 order by d.code, s.code`,
      [run.id, round],
    );
    return {
      run: run.code,
      month: run.month,
      modelLine: run.ml_code,
      round,
      supply: r.rows[0].supply,
      acceptUntil: r.rows[0].accept_until,
      formula: run.formula,
      results: results.rows,
    };
  }

  return {
    getSettings: async ({ actor }: { actor: Actor }) => {
      void actor;
      return getSettings();
    },

    async updateSettings({ actor, data }: { actor: Actor; data: Partial<AllocationSettings> }) {
      requireOem(actor);
      const s = { ...(await getSettings()), ...data };
      if (s.weightTurnAndEarn + s.weightDaysSupply + s.weightCommitment <= 0)
        throw new AppError('VALIDATION_FAILED', 'At least one weight must be above 0', {
          problems: [
            { path: 'body.weightTurnAndEarn', code: 'all_zero', message: 'all weights are 0' },
          ],
        });
      await db.query(
        `update allocation_settings set weight_turn_and_earn = $1, weight_days_supply = $2, weight_commitment = $3,
           turn_and_earn_days = $4, target_days_supply = $5, cap_standard = $6, cap_plus = $7, cap_premier = $8,
           bev_requires_ev_certification = $9, accept_window_days = $10, updated_by = $11, updated_at = now()`,
        [
          s.weightTurnAndEarn,
          s.weightDaysSupply,
          s.weightCommitment,
          s.turnAndEarnDays,
          s.targetDaysSupply,
          s.capStandard,
          s.capPlus,
          s.capPremier,
          s.bevRequiresEvCertification,
          s.acceptWindowDays,
          actorLabel(actor),
        ],
      );
      return getSettings();
    },

    /** The run the formula would give, without saving it (settings may be tried out). */
    async whatIf({
      actor,
      data,
    }: {
      actor: Actor;
      data: {
        month: string;
        modelLine: string;
        supply: { sku: string; units: number }[];
        settings?: Partial<AllocationSettings>;
      };
    }) {
      requireOem(actor);
      const { modelLine, items } = await resolveSupply(db, data.modelLine, data.supply);
      const formula = formulaOf({ ...(await getSettings()), ...data.settings });
      const computed = await compute(db, modelLine.id, items, formula);
      return {
        code: 'what-if',
        month: data.month,
        modelLineCode: modelLine.code,
        modelLineName: modelLine.name,
        status: 'what_if' as const,
        round: 0,
        acceptUntil: null,
        supply: data.supply,
        formula: formula as unknown as Record<string, unknown>,
        totals: totalsOf(computed),
        results: await resultRows(db, computed, {
          run: 'what-if',
          month: data.month,
          modelLineCode: modelLine.code,
          byDealer: false,
        }),
        createdBy: actorLabel(actor),
        publishedAt: null,
      };
    },

    async createRun({
      actor,
      data,
    }: {
      actor: Actor;
      data: { month: string; modelLine: string; supply: { sku: string; units: number }[] };
    }) {
      requireOem(actor);
      // As the system: the results go in by COPY, which PostgreSQL refuses into a table under
      // row-level security; the actor is the OEM (above).
      const made = await systemDb(db).transaction(async (tx) => {
        const { modelLine, items } = await resolveSupply(tx, data.modelLine, data.supply);
        const formula = formulaOf(await getSettings(tx));
        const n = await tx.query<{ n: number }>(
          'select count(*)::int + 1 as n from allocation_runs where model_line_id = $1 and month = $2',
          [modelLine.id, `${data.month}-01`],
        );
        const code = `AL-${data.month}-${modelLine.code}-${n.rows[0]!.n}`;
        const run = await tx.query<{ id: number }>(
          `insert into allocation_runs (code, month, model_line_id, supply, formula, created_by) values ($1, $2, $3, $4, $5, $6) returning id`,
          [
            code,
            `${data.month}-01`,
            modelLine.id,
            JSON.stringify(data.supply),
            JSON.stringify(formula),
            actorLabel(actor),
          ],
        );
        const computed = await compute(tx, modelLine.id, items, formula);
        await insertResults(tx, run.rows[0]!.id, 0, computed);
        // The new draft as `getRun` would read it back, from the rows just written (reading
        // 640,000 of them back would cost more than writing them).
        return {
          code,
          month: data.month,
          modelLineCode: modelLine.code,
          modelLineName: modelLine.name,
          status: 'draft' as const,
          round: 0,
          acceptUntil: null,
          supply: data.supply,
          formula: JSON.parse(JSON.stringify(formula)) as Record<string, unknown>,
          totals: totalsOf(computed),
          results: await resultRows(tx, computed, {
            run: code,
            month: data.month,
            modelLineCode: modelLine.code,
            byDealer: true,
          }),
          createdBy: actorLabel(actor),
          publishedAt: null as string | null,
        };
      });
      return made;
    },

    async findRuns({
      actor,
      filter,
    }: {
      actor: Actor;
      filter: { month?: string; modelLine?: string };
    }) {
      const { rows } = await db.query<RunRow>(
        `${RUN_SELECT} where ($1::date is null or r.month = $1) and ($2::text is null or ml.code = $2)
           and ($3::boolean or r.status = 'published') order by r.month desc, r.code desc limit 200`,
        [
          filter.month ? `${filter.month}-01` : null,
          filter.modelLine ?? null,
          !isDealerScoped(actor),
        ],
      );
      return Promise.all(
        rows.map(async (r) => {
          const { results: _results, formula: _formula, ...rest } = await view(actor, r);
          return rest;
        }),
      );
    },

    async getRun({ actor, code }: { actor: Actor; code: string }) {
      return view(actor, await loadRun(db, code));
    },

    async overrideResult({
      actor,
      code,
      data,
    }: {
      actor: Actor;
      code: string;
      data: { dealerCode: string; sku: string; units: number; reason: string };
    }) {
      requireOem(actor);
      await db.transaction(async (tx) => {
        const run = await loadRun(tx, code);
        if (run.status !== 'draft')
          throw new AppError('INVALID_TRANSITION', 'A published run cannot be overridden');
        const { rows } = await tx.query<{ dealer_id: number; sku_id: number; eligible: boolean }>(
          `select x.dealer_id, x.sku_id, not (x.explanation like 'No units:%') as eligible from allocation_results x
           join dealers d on d.id = x.dealer_id join skus s on s.id = x.sku_id
           where x.run_id = $1 and x.round = 0 and d.code = $2 and s.code = $3`,
          [run.id, data.dealerCode, data.sku],
        );
        const row = rows[0];
        if (!row) throw notFound('Allocation result', `${data.dealerCode}/${data.sku}`);
        if (!row.eligible && data.units > 0)
          throw new AppError(
            'UNPROCESSABLE',
            `${data.dealerCode} is not eligible for ${data.sku}`,
            {
              problems: [
                {
                  path: 'body.units',
                  code: 'ineligible',
                  message: 'an ineligible dealer gets no units',
                },
              ],
            },
          );
        await tx.query(
          `update allocation_results set units = $4, override_reason = $5 where run_id = $1 and round = 0 and dealer_id = $2 and sku_id = $3`,
          [run.id, row.dealer_id, row.sku_id, data.units, data.reason],
        );
        const supply = run.supply.find((s) => s.sku === data.sku)!.units;
        const total = await tx.query<{ n: number }>(
          'select coalesce(sum(units), 0)::int as n from allocation_results where run_id = $1 and round = 0 and sku_id = $2',
          [run.id, row.sku_id],
        );
        if (total.rows[0]!.n > supply)
          throw new AppError(
            'UNPROCESSABLE',
            `The override would allocate ${total.rows[0]!.n} units of ${data.sku}, more than the supply of ${supply}`,
            {
              problems: [
                { path: 'body.units', code: 'over_supply', message: 'more than the supply' },
              ],
            },
          );
      });
      return view(actor, await loadRun(db, code));
    },

    async publishRun({ actor, code }: { actor: Actor; code: string }) {
      requireOem(actor);
      await db.transaction(async (tx) => {
        const run = await loadRun(tx, code);
        if (run.status !== 'draft')
          throw new AppError('INVALID_TRANSITION', `Run ${code} is already published`);
        const acceptUntil = addDays(deps.today(), run.formula.acceptWindowDays);
        await tx.query(
          `update allocation_runs set status = 'published', accept_until = $2, published_by = $3, published_at = now() where id = $1`,
          [run.id, acceptUntil, actorLabel(actor)],
        );
        await tx.query(
          'insert into allocation_rounds (run_id, round, supply, accept_until, published_by) values ($1, 0, $2, $3, $4)',
          [run.id, JSON.stringify(run.supply), acceptUntil, actorLabel(actor)],
        );
        await deps.ledger.append(tx, {
          entityType: 'allocation_run',
          entityId: `${code}#0`,
          action: 'published',
          payload: await roundDocument(tx, code, 0),
          actor: actorLabel(actor),
        });
      });
      return view(actor, await loadRun(db, code));
    },

    /** A dealer accepts part or all of its units per SKU; the rest is declined. */
    async decide({
      actor,
      code,
      data,
    }: {
      actor: Actor;
      code: string;
      data: { dealerCode?: string; decisions: { sku: string; acceptedUnits: number }[] };
    }) {
      const dealerCode =
        data.dealerCode ??
        (actor.scope.kind === 'dealers' && actor.scope.dealerCodes.length === 1
          ? actor.scope.dealerCodes[0]!
          : null);
      if (!dealerCode)
        throw new AppError('VALIDATION_FAILED', 'Name the dealer (dealerCode)', {
          problems: [{ path: 'body.dealerCode', code: 'required', message: 'required' }],
        });
      const dealer = await deps.availability.dealerRef(actor, dealerCode);
      const run = await loadRun(db, code);
      if (run.status !== 'published') throw notFound('Allocation run', code);
      const today = deps.today();
      if (run.accept_until && today > run.accept_until)
        throw new AppError(
          'INVALID_TRANSITION',
          `The window to accept closed on ${run.accept_until}`,
        );
      await db.transaction(async (tx) => {
        for (const [i, d] of data.decisions.entries()) {
          const { rows } = await tx.query<{ sku_id: number; units: number; decision: string }>(
            `select x.sku_id, x.units, x.decision from allocation_results x join skus s on s.id = x.sku_id
             where x.run_id = $1 and x.round = $2 and x.dealer_id = $3 and s.code = $4`,
            [run.id, run.round, dealer.id, d.sku],
          );
          const row = rows[0];
          const path = `body.decisions.${i}`;
          if (!row || row.units === 0)
            throw new AppError(
              'VALIDATION_FAILED',
              `No units of ${d.sku} were allocated to ${dealerCode} in this round`,
              {
                problems: [
                  { path: `${path}.sku`, code: 'not_allocated', message: 'not allocated' },
                ],
              },
            );
          if (row.decision !== 'pending')
            throw new AppError('INVALID_TRANSITION', `${d.sku} was already ${row.decision}`);
          if (d.acceptedUnits > row.units)
            throw new AppError(
              'VALIDATION_FAILED',
              `At most ${row.units} units of ${d.sku} can be accepted`,
              {
                problems: [
                  {
                    path: `${path}.acceptedUnits`,
                    code: 'too_many',
                    message: `at most ${row.units}`,
                  },
                ],
              },
            );
          await tx.query(
            `update allocation_results set decision = $5, accepted_units = $6, decided_by = $7, decided_at = now()
             where run_id = $1 and round = $2 and dealer_id = $3 and sku_id = $4`,
            [
              run.id,
              run.round,
              dealer.id,
              row.sku_id,
              d.acceptedUnits > 0 ? 'accepted' : 'declined',
              d.acceptedUnits,
              actorLabel(actor),
            ],
          );
          // Accepted units become orders in the pipeline (an order number in the VIN column
          // until the plant assigns the vehicle's VIN).
          const vins: string[] = [];
          for (let n = 1; n <= d.acceptedUnits; n++) {
            const externalId = `${code}/${run.round}/${dealerCode}/${d.sku}/${n}`;
            const vin = `A${createHash('sha256').update(externalId).digest('hex').slice(0, 16).toUpperCase()}`;
            vins.push(vin);
            await tx.query(
              `insert into vehicle_events (dealer_id, vin, event, occurred_on, sku_id, order_type, options, source, external_id, batch_row)
               values ($1, $2, 'ordered', $3, $4, 'dealer', '{}', 'allocation', $5, $6) on conflict do nothing`,
              [dealer.id, vin, today, row.sku_id, externalId, n],
            );
          }
          if (vins.length) {
            await repo.refreshVehicles(
              tx,
              `dealer_id = ${dealer.id} and vin in (${vins.map((v) => `'${v}'`).join(',')})`,
            );
            await tx.query(
              'update vehicles set allocation_run_id = $1 where dealer_id = $2 and vin = any($3::text[])',
              [run.id, dealer.id, vins],
            );
          }
        }
      });
      return view(actor, await loadRun(db, code));
    },

    /**
     * Puts the declined units (and those left undecided past the window) back into the pool and
     * allocates them by the same formula, without the dealers that declined them; a new round
     * recorded in the ledger.
     */
    async reallocate({ actor, code }: { actor: Actor; code: string }) {
      requireOem(actor);
      // as the system for the COPY of the new round's rows (see createRun); the actor is the OEM
      await systemDb(db).transaction(async (tx) => {
        const run = await loadRun(tx, code);
        if (run.status !== 'published')
          throw new AppError('INVALID_TRANSITION', 'Publish the run first');
        const today = deps.today();
        if (run.accept_until && today > run.accept_until)
          await tx.query(
            `update allocation_results set decision = 'expired', decided_at = now() where run_id = $1 and round = $2 and decision = 'pending' and units > 0`,
            [run.id, run.round],
          );
        const pool = await tx.query<{
          sku_id: number;
          sku: string;
          powertrain: string;
          units: number;
        }>(
          `select x.sku_id, s.code as sku, s.powertrain, sum(x.units - x.accepted_units)::int as units from allocation_results x join skus s on s.id = x.sku_id
           where x.run_id = $1 and x.decision in ('accepted', 'declined', 'expired') and not x.returned and x.units > x.accepted_units
           group by x.sku_id, s.code, s.powertrain order by s.code`,
          [run.id],
        );
        if (pool.rows.length === 0)
          throw new AppError('INVALID_TRANSITION', 'No declined units to re-allocate');
        const declined = await tx.query<{ dealer_id: number; sku_id: number }>(
          `select dealer_id, sku_id from allocation_results where run_id = $1 and decision in ('declined', 'expired', 'accepted') and units > accepted_units`,
          [run.id],
        );
        await tx.query(
          `update allocation_results set returned = true where run_id = $1 and decision in ('accepted', 'declined', 'expired') and units > accepted_units`,
          [run.id],
        );
        const round = run.round + 1;
        const items = pool.rows.map((p) => ({
          sku: p.sku,
          id: p.sku_id,
          units: p.units,
          isBev: p.powertrain === 'BEV',
        }));
        const computed = await compute(
          tx,
          run.model_line_id,
          items,
          run.formula,
          new Set(declined.rows.map((d) => `${d.dealer_id}/${d.sku_id}`)),
        );
        await insertResults(tx, run.id, round, computed);
        const acceptUntil = addDays(today, run.formula.acceptWindowDays);
        await tx.query('update allocation_runs set round = $2, accept_until = $3 where id = $1', [
          run.id,
          round,
          acceptUntil,
        ]);
        await tx.query(
          'insert into allocation_rounds (run_id, round, supply, accept_until, published_by) values ($1, $2, $3, $4, $5)',
          [
            run.id,
            round,
            JSON.stringify(items.map((i) => ({ sku: i.sku, units: i.units }))),
            acceptUntil,
            actorLabel(actor),
          ],
        );
        await deps.ledger.append(tx, {
          entityType: 'allocation_run',
          entityId: `${code}#${round}`,
          action: 'reallocated',
          payload: await roundDocument(tx, code, round),
          actor: actorLabel(actor),
        });
      });
      return view(actor, await loadRun(db, code));
    },

    /** The ledger's document loader: the round's document rebuilt from the live rows. */
    async ledgerDocument(q: Queryable, entityId: string): Promise<string | null> {
      const at = entityId.lastIndexOf('#');
      if (at < 0) return null;
      try {
        const doc = await roundDocument(q, entityId.slice(0, at), Number(entityId.slice(at + 1)));
        return doc ? canonicalJson(doc) : null;
      } catch {
        return null;
      }
    },

    daysUntilClose(run: { acceptUntil: string | null }) {
      return run.acceptUntil ? daysBetween(deps.today(), run.acceptUntil) : null;
    },
  };
}

export type AllocationService = ReturnType<typeof createAllocationService>;
