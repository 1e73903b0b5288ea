/**
 * The SQL of allocation runs (issue 16): runs, settings, the dealers the formula reads, the
 * COPY of a round's results and the rows of a round's ledger document. Run creation and what-if
 * are in allocation-runs.service.ts, dealer decisions and re-allocation in
 * allocation-decisions.service.ts, the formula's side in allocation-compute.ts.
 */
import { notFound } from '../../../shared/errors';
import type { AllocationSettings } from '../../../shared/schemas/availability';
import type { Queryable } from '../../db/db';
import type { AllocationFormula, DealerTier } from './allocation';

export type RunRow = {
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

export const RUN_SELECT = `select r.id, r.code, to_char(r.month, 'YYYY-MM') as month, r.model_line_id, ml.code as ml_code, ml.name as ml_name,
  r.status, r.supply, r.formula, r.round, r.accept_until::text as accept_until, r.created_by,
  to_char(r.published_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as published_at
  from allocation_runs r join model_lines ml on ml.id = r.model_line_id`;

export async function loadRun(q: Pick<Queryable, 'query'>, code: string): Promise<RunRow> {
  const { rows } = await q.query<RunRow>(`${RUN_SELECT} where r.code = $1`, [code]);
  if (!rows[0]) throw notFound('Allocation run', code);
  return rows[0];
}

export async function selectSettings(q: Pick<Queryable, 'query'>): Promise<AllocationSettings> {
  const { rows } = await q.query<AllocationSettings>(
    `select weight_turn_and_earn::float8 as "weightTurnAndEarn", weight_days_supply::float8 as "weightDaysSupply",
       weight_commitment::float8 as "weightCommitment", turn_and_earn_days as "turnAndEarnDays",
       target_days_supply as "targetDaysSupply", cap_standard as "capStandard", cap_plus as "capPlus",
       cap_premier as "capPremier", bev_requires_ev_certification as "bevRequiresEvCertification",
       accept_window_days as "acceptWindowDays" from allocation_settings`,
  );
  return rows[0]!;
}

export async function saveSettings(
  q: Pick<Queryable, 'query'>,
  s: AllocationSettings,
  updatedBy: string,
) {
  await q.query(
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
      updatedBy,
    ],
  );
}

/** Every dealer in code order with its allocation profile (the formula's dealer list). */
export async function findAllocationDealers(q: Pick<Queryable, 'query'>) {
  const { rows } = await q.query<{
    id: number;
    code: string;
    status: string;
    is_ev_certified: boolean | null;
    tier: DealerTier | null;
  }>(
    `select d.id, d.code, d.status, p.is_ev_certified, p.tier from dealers d
     left join dealer_allocation_profiles p on p.dealer_id = d.id order by d.code`,
  );
  return rows;
}

/** Dealers' names, and the names of the given SKUs in code order. */
export async function findResultNames(q: Pick<Queryable, 'query'>, skuIds: number[]) {
  const [names, skus] = await Promise.all([
    q.query<{ id: number; name: string }>('select id, name from dealers'),
    q.query<{ id: number; name: string }>(
      'select id, name from skus where id = any($1::int[]) order by code',
      [skuIds],
    ),
  ]);
  return { names: names.rows, skus: skus.rows };
}

/**
 * Writes a round by COPY (as the system: COPY refuses tables under row-level security): its
 * result rows, its dealers' inputs (`lines` give CSV lines of the columns below, in chunks), and
 * its supply and bases on the run.
 */
export async function insertResults(
  q: Queryable,
  round: {
    runId: number;
    round: number;
    results: Iterable<string>;
    dealerInputs: Iterable<string>;
    bases: unknown;
  },
) {
  await q.copyFrom(
    'copy allocation_results (run_id, round, dealer_id, sku_id, formula_units, units, share, quota, basis, rounding) from stdin with (format csv)',
    round.results,
  );
  await q.copyFrom(
    'copy allocation_dealer_inputs (run_id, round, dealer_id, inputs) from stdin with (format csv)',
    round.dealerInputs,
  );
  await q.query(
    'update allocation_runs set round_bases = round_bases || jsonb_build_object($2::text, $3::jsonb) where id = $1',
    [round.runId, round.round, JSON.stringify(round.bases)],
  );
}

/** A round's supply, window and ledger document format as published (null: no such round). */
export async function findRound(q: Pick<Queryable, 'query'>, runId: number, round: number) {
  const r = await q.query<{ supply: unknown; accept_until: string; document_format: number }>(
    'select supply, accept_until::text as accept_until, document_format from allocation_rounds where run_id = $1 and round = $2',
    [runId, round],
  );
  return r.rows[0] ?? null;
}

/** A round's results as its ledger document lists them (inputs and explanation: rows before 0036). */
export async function findRoundResults(q: Pick<Queryable, 'query'>, runId: number, round: number) {
  const results = await q.query<Record<string, unknown>>(
    `select d.code as "dealerCode", s.code as sku, x.formula_units as "formulaUnits", x.units, x.override_reason as "overrideReason",
       x.inputs, x.explanation, x.share, x.quota, x.basis, x.rounding
     from allocation_results x join dealers d on d.id = x.dealer_id join skus s on s.id = x.sku_id
     where x.run_id = $1 and x.round = $2 order by d.code, s.code`,
    [runId, round],
  );
  return results.rows;
}

/**
 * The digests a round's ledger document (format 2) records, computed in the database in one pass
 * each: the lowercase hex SHA-256 of the UTF-8 text made of one line per row, joined by "\n", in
 * byte order of the codes (collation "C"):
 * - results: per dealer × SKU the JSON array [dealerCode, sku, formulaUnits, units,
 *   overrideReason, share, quota, basis, rounding] as PostgreSQL writes a jsonb (share and quota
 *   as the text of their double precision, so no digit is lost);
 * - dealers: per dealer the JSON array [dealerCode, inputs] (the stored inputs as jsonb text).
 * An empty set hashes the empty text. Any change to a stored number, reason or input changes it.
 */
export async function roundDigests(q: Pick<Queryable, 'query'>, runId: number, round: number) {
  const { rows } = await q.query<{ results: string; result_count: number; dealers: string }>(
    `select
       (select encode(sha256(convert_to(coalesce(string_agg(jsonb_build_array(d.code, s.code, x.formula_units, x.units,
                 x.override_reason, x.share::text, x.quota::text, x.basis, x.rounding)::text, E'\n'
                 order by d.code collate "C", s.code collate "C"), ''), 'UTF8')), 'hex')
          from allocation_results x join dealers d on d.id = x.dealer_id join skus s on s.id = x.sku_id
         where x.run_id = $1 and x.round = $2) as results,
       (select count(*)::int from allocation_results where run_id = $1 and round = $2) as result_count,
       (select encode(sha256(convert_to(coalesce(string_agg(jsonb_build_array(d.code, a.inputs)::text, E'\n'
                 order by d.code collate "C"), ''), 'UTF8')), 'hex')
          from allocation_dealer_inputs a join dealers d on d.id = a.dealer_id
         where a.run_id = $1 and a.round = $2) as dealers`,
    [runId, round],
  );
  return rows[0]!;
}

/** A round's dealers' inputs in dealer code order. */
export async function findRoundDealerInputs(
  q: Pick<Queryable, 'query'>,
  runId: number,
  round: number,
) {
  const { rows } = await q.query<{ dealerCode: string; inputs: Record<string, unknown> }>(
    `select d.code as "dealerCode", a.inputs from allocation_dealer_inputs a join dealers d on d.id = a.dealer_id
     where a.run_id = $1 and a.round = $2 order by d.code`,
    [runId, round],
  );
  return rows;
}

/** The runs' formulas and per-round supply and bases (what stored results' sentences quote). */
export async function findRunBases(q: Pick<Queryable, 'query'>, runIds: number[]) {
  const { rows } = await q.query<{
    id: number;
    formula: AllocationFormula;
    round_bases: Record<string, unknown>;
  }>('select id, formula, round_bases from allocation_runs where id = any($1::int[])', [runIds]);
  return rows;
}

export type SkuSummary = {
  sku: string;
  allocated: number;
  accepted: number;
  declined: number;
  dealersServed: number;
  overrides: number;
  excluded: number;
  results: number;
};

/**
 * A run's summary in one aggregate over its results (the run's view returns this, not the rows):
 * per SKU and, in the row with `sku` null, the model line (dealers served counted once across
 * SKUs). `dealerIds`: only these dealers' rows (a dealer's view).
 */
export async function runSummary(
  q: Pick<Queryable, 'query'>,
  runId: number,
  dealerIds: number[] | null,
) {
  const { rows } = await q.query<Omit<SkuSummary, 'sku'> & { sku: string | null }>(
    `select s.code as sku,
       coalesce(sum(x.units) filter (where x.round = 0), 0)::int as allocated,
       coalesce(sum(x.accepted_units), 0)::int as accepted,
       coalesce(sum(x.units - x.accepted_units) filter (where x.decision <> 'pending'), 0)::int as declined,
       count(distinct x.dealer_id) filter (where x.units > 0)::int as "dealersServed",
       count(*) filter (where x.override_reason is not null)::int as overrides,
       count(*) filter (where x.round = 0 and (x.rounding in ('i', 'x') or x.explanation like 'No units:%'))::int as excluded,
       count(*)::int as results
     from allocation_results x join skus s on s.id = x.sku_id
     where x.run_id = $1 and ($2::int[] is null or x.dealer_id = any($2::int[]))
     group by grouping sets ((s.code), ())`,
    [runId, dealerIds],
  );
  return rows;
}

/** How many of a run's results a page's filters (availability.service.ts) match. */
export async function countResults(
  q: Pick<Queryable, 'query'>,
  runId: number,
  dealerIds: number[] | null,
  pageParams: unknown[],
) {
  const { rows } = await q.query<{ n: number }>(
    `select count(*)::int as n from allocation_results x join dealers d on d.id = x.dealer_id join skus s on s.id = x.sku_id
     where x.run_id = $1 and ($2::int[] is null or x.dealer_id = any($2::int[])) and ${resultPageFilter(3)}`,
    [runId, dealerIds, ...pageParams],
  );
  return rows[0]!.n;
}

/**
 * The filters of a page of a run's results, as parameters $n to $n+4 (`resultPageParams`): SKU,
 * dealer code, search in the dealer's code or name, round, allocated only. Over `x`
 * (allocation_results), `d` (dealers) and `s` (skus).
 */
export function resultPageFilter(n: number) {
  const [sku, dealer, q, round, allocated] = [n, n + 1, n + 2, n + 3, n + 4].map((i) => `$${i}`);
  return `(${sku}::text is null or s.code = ${sku}) and (${dealer}::text is null or d.code = ${dealer})
       and (${q}::text is null or d.code ilike '%' || ${q} || '%' or d.name ilike '%' || ${q} || '%')
       and (${round}::int is null or x.round = ${round})
       and (not ${allocated}::boolean or x.units > 0 or x.formula_units > 0 or x.override_reason is not null)`;
}

export function resultPageParams(f: {
  sku?: string;
  dealerCode?: string;
  q?: string;
  round?: number;
  allocatedOnly?: boolean;
}) {
  // the search is a plain substring: LIKE's wildcards in it are taken literally
  const q = f.q ? f.q.replace(/[\\%_]/g, (c) => `\\${c}`) : null;
  return [f.sku ?? null, f.dealerCode ?? null, q, f.round ?? null, f.allocatedOnly ?? false];
}
