/**
 * Allocation runs (issue 16): the OEM enters a month's supply per SKU of a model line, the
 * formula (allocation.ts, weights from the settings) allocates it, the OEM overrides with a
 * reason, publishes (the ledger records formula, inputs, results and overrides), dealers accept
 * or decline within the window, and declined units go round again by the same formula.
 *
 * This file: settings, what-if, run creation, overrides and publishing, and the run as the API
 * shows it. Dealer decisions and re-allocation: allocation-decisions.service.ts; the formula's
 * side: allocation-compute.ts; SQL: allocation-run.repository.ts.
 */
import { AppError, notFound } from '../../../shared/errors';
import type { AllocationSettings } from '../../../shared/schemas/availability';
import { isDealerScoped, type Actor } from '../../auth/actor';
import type { Db, Queryable } from '../../db/db';
import { systemDb } from '../../db/scope';
import type { LedgerService } from '../ledger/ledger.service';
import { compute, formulaOf, storedRound, resultRows, type Computed } from './allocation-compute';
import {
  findRound,
  findRoundDealerInputs,
  findRoundResults,
  findRunBases,
  insertResults,
  countResults,
  loadRun,
  resultPageParams,
  roundDigests,
  runSummary,
  type SkuSummary,
  RUN_SELECT,
  saveSettings,
  selectSettings,
  type RunRow,
} from './allocation-run.repository';
import { findAllocationResults, type AvailabilityService } from './availability.service';

export type AllocationDeps = {
  db: Db;
  ledger: LedgerService;
  availability: AvailabilityService;
  today: () => string;
};

export const actorLabel = (a: Actor) => `${a.kind}:${a.id}:${a.name}`;

export function requireOem(actor: Actor) {
  if (isDealerScoped(actor))
    throw new AppError('FORBIDDEN', 'Allocation runs are the OEM’s to manage');
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The SKUs of a supply, checked: known, not repeated, of the model line. */
export async function resolveSupply(
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
  if (problems.length) throw new AppError('VALIDATION_FAILED', problems[0]!.message, { problems });
  return {
    modelLine: ml.rows[0]!,
    items: supply.map((s) => ({
      ...s,
      id: byCode.get(s.sku)!.id,
      isBev: byCode.get(s.sku)!.powertrain === 'BEV',
    })),
  };
}

type SummaryRow = Omit<SkuSummary, 'sku'> & { sku: string | null };
const ZERO = {
  allocated: 0,
  accepted: 0,
  declined: 0,
  dealersServed: 0,
  overrides: 0,
  excluded: 0,
  results: 0,
};

/** The run's totals per SKU (in the supply's order) and of the model line, from its summary rows. */
export function summaryOf(supply: { sku: string; units: number }[], rows: SummaryRow[]) {
  const bySku = new Map(rows.filter((r) => r.sku !== null).map((r) => [r.sku!, r]));
  const totals = supply.map((s) => {
    const { sku: _sku, results: _results, ...t } = bySku.get(s.sku) ?? { ...ZERO, sku: s.sku };
    return { sku: s.sku, supply: s.units, ...t };
  });
  const { sku: _sku, ...line } = rows.find((r) => r.sku === null) ?? { ...ZERO, sku: null };
  return { totals, summary: { supply: supply.reduce((n, s) => n + s.units, 0), ...line } };
}

/** The summary rows of a computed round (a what-if, or a run just created), as `runSummary`'s. */
export function computedSummary(c: Computed): SummaryRow[] {
  const served = new Set<number>();
  const rows: SummaryRow[] = c.items.map((item, k) => {
    const out = c.outs[k]!;
    let dealersServed = 0;
    let excluded = 0;
    for (let i = 0; i < c.dealers.length; i++) {
      if (out.units[i]! > 0) {
        dealersServed++;
        served.add(i);
      }
      if (c.excluded[k]?.has(i) || out.rounding(i) === 'i') excluded++;
    }
    return {
      ...ZERO,
      sku: item.sku,
      allocated: out.allocated,
      dealersServed,
      excluded,
      results: c.dealers.length,
    };
  });
  const sum = (key: 'allocated' | 'excluded' | 'results') => rows.reduce((n, r) => n + r[key], 0);
  rows.push({
    ...ZERO,
    sku: null,
    allocated: sum('allocated'),
    dealersServed: served.size,
    excluded: sum('excluded'),
    results: sum('results'),
  });
  return rows;
}

const scopeOf = (actor: Actor) =>
  isDealerScoped(actor) ? (actor.scope as { dealerIds: number[] }).dealerIds : null;

/**
 * A run as the API gives it: its head and summary (the rows are read by page, `findResults`); a
 * dealer sees a published run only, summed over its own results.
 */
export async function view(db: Pick<Db, 'query'>, actor: Actor, run: RunRow) {
  const scoped = scopeOf(actor);
  if (scoped && run.status !== 'published') throw notFound('Allocation run', run.code);
  const rows = await runSummary(db, run.id, scoped);
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
    ...summaryOf(run.supply, rows),
    createdBy: run.created_by,
    publishedAt: run.published_at,
  };
}

export type ResultFilter = {
  sku?: string;
  dealer?: string;
  q?: string;
  round?: number;
  allocatedOnly?: boolean;
  limit: number;
  offset: number;
};

/** The document the ledger records for a run's round, rebuilt from the stored rows. */
export async function roundDocument(q: Pick<Queryable, 'query'>, code: string, round: number) {
  const run = await loadRun(q, code);
  const r = await findRound(q, run.id, round);
  if (!r) return null;
  const head = {
    run: run.code,
    month: run.month,
    modelLine: run.ml_code,
    round,
    supply: r.supply,
    acceptUntil: r.accept_until,
    formula: run.formula,
  };
  const bases = async () =>
    (await findRunBases(q, [run.id]))[0]?.round_bases[String(round)] ?? null;
  // Since migration 0040: the results and the dealers' inputs by their digests, computed in the
  // database (allocation-run.repository.ts `roundDigests` says what text is hashed).
  if (r.document_format === 2) {
    const digests = await roundDigests(q, run.id, round);
    return {
      ...head,
      bases: await bases(),
      resultCount: digests.result_count,
      resultsSha256: digests.results,
      dealersSha256: digests.dealers,
    };
  }
  // Format 1, rounds published before: the document lists the rows, as it did when recorded.
  const rows = await findRoundResults(q, run.id, round);
  // A round stored before migration 0036 kept each result's inputs and sentence: its document
  // lists them as it did when it was recorded.
  if (rows.some((x) => x.inputs !== null)) {
    const results = rows.map(({ share: _s, quota: _q, basis: _b, rounding: _r, ...rest }) => rest);
    return { ...head, results };
  }
  // Between 0036 and 0040: each dealer's inputs once, the round's bases, and per result its
  // numbers (the sentence is derived from these; allocation-explain.ts).
  const results = rows.map(({ inputs: _i, explanation: _e, ...rest }) => rest);
  return {
    ...head,
    bases: await bases(),
    dealers: await findRoundDealerInputs(q, run.id, round),
    results,
  };
}

export function createAllocationRunsService(deps: AllocationDeps) {
  const { db } = deps;
  return {
    getSettings: async ({ actor }: { actor: Actor }) => {
      void actor;
      return selectSettings(db);
    },

    async updateSettings({ actor, data }: { actor: Actor; data: Partial<AllocationSettings> }) {
      requireOem(actor);
      const s = { ...(await selectSettings(db)), ...data };
      if (s.weightTurnAndEarn + s.weightDaysSupply + s.weightCommitment <= 0)
        throw new AppError('VALIDATION_FAILED', 'At least one weight must be above 0', {
          problems: [
            { path: 'body.weightTurnAndEarn', code: 'all_zero', message: 'all weights are 0' },
          ],
        });
      await saveSettings(db, s, actorLabel(actor));
      return selectSettings(db);
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
        results?: Omit<ResultFilter, 'round'>;
      };
    }) {
      requireOem(actor);
      // the formula reads the vehicles: none of a committed batch may be missing from them
      await deps.availability.vehiclesCurrent();
      const { modelLine, items } = await resolveSupply(db, data.modelLine, data.supply);
      const formula = formulaOf({ ...(await selectSettings(db)), ...data.settings });
      const computed = await compute(db, deps.today(), modelLine.id, items, formula);
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
        ...summaryOf(data.supply, computedSummary(computed)),
        results: await resultRows(
          db,
          computed,
          { run: 'what-if', month: data.month, modelLineCode: modelLine.code },
          data.results ?? { limit: 50, offset: 0 },
        ),
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
      await deps.availability.vehiclesCurrent(); // as for a what-if
      // As the system: the results go in by COPY, which PostgreSQL refuses into a table under
      // row-level security; the actor is the OEM (above).
      const made = await systemDb(db).transaction(async (tx) => {
        // statements over the whole network that run once: no JIT compilation
        await tx.query('set local jit = off');
        const { modelLine, items } = await resolveSupply(tx, data.modelLine, data.supply);
        const formula = formulaOf(await selectSettings(tx));
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
        const computed = await compute(tx, deps.today(), modelLine.id, items, formula);
        await insertResults(tx, storedRound(computed, run.rows[0]!.id, 0));
        // The new draft as `getRun` would read it back, summed from the computed round (reading
        // 640,000 rows back would cost more than writing them); its rows are read by page.
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
          ...summaryOf(data.supply, computedSummary(computed)),
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
          const { formula: _formula, ...rest } = await view(db, actor, r);
          return rest;
        }),
      );
    },

    async getRun({ actor, code }: { actor: Actor; code: string }) {
      return view(db, actor, await loadRun(db, code));
    },

    /**
     * A page of a run's results with their inputs and sentences, filtered; in the order of
     * round, dealer code and SKU code. A dealer sees only its own rows of a published run.
     */
    async findResults({
      actor,
      code,
      filter,
    }: {
      actor: Actor;
      code: string;
      filter: ResultFilter;
    }) {
      const run = await loadRun(db, code);
      const scoped = scopeOf(actor);
      if (scoped && run.status !== 'published') throw notFound('Allocation run', run.code);
      const f = { ...filter, dealerCode: filter.dealer };
      const [items, total] = await Promise.all([
        findAllocationResults(db, { runId: run.id, dealerIds: scoped, includeDraft: true, ...f }),
        countResults(db, run.id, scoped, resultPageParams(f)),
      ]);
      return { items, total, limit: filter.limit, offset: filter.offset };
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
          `select x.dealer_id, x.sku_id, coalesce(x.rounding not in ('i', 'x'), not (x.explanation like 'No units:%')) as eligible from allocation_results x
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
      return view(db, actor, await loadRun(db, code));
    },

    async publishRun({ actor, code }: { actor: Actor; code: string }) {
      requireOem(actor);
      await db.transaction(async (tx) => {
        // the digests read every result of the round once: no JIT compilation
        await tx.query('set local jit = off');
        const run = await loadRun(tx, code);
        if (run.status !== 'draft')
          throw new AppError('INVALID_TRANSITION', `Run ${code} is already published`);
        const acceptUntil = addDays(deps.today(), run.formula.acceptWindowDays);
        await tx.query(
          `update allocation_runs set status = 'published', accept_until = $2, published_by = $3, published_at = now() where id = $1`,
          [run.id, acceptUntil, actorLabel(actor)],
        );
        await tx.query(
          'insert into allocation_rounds (run_id, round, supply, accept_until, published_by, document_format) values ($1, 0, $2, $3, $4, 2)',
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
      return view(db, actor, await loadRun(db, code));
    },
  };
}
