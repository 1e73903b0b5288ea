/**
 * The allocation formula's side of a run (issue 16): the per-dealer inputs read from the
 * database, one round computed column-wise by allocation.ts, and the rows read from it (objects
 * for the API, COPY text for the repository). No writes here.
 */
import type { AllocationSettings } from '../../../shared/schemas/availability';
import { csvField, type Queryable } from '../../db/db';
import {
  allocateSku,
  DECLINED_EARLIER,
  prepareDealers,
  type AllocationFormula,
  type BasisSums,
  type DealerAllocationInput,
  type SkuAllocation,
} from './allocation';
import { findAllocationDealers, findResultNames } from './allocation-run.repository';
import { createAvailabilityRepository } from './availability.repository';

export const FORMULA_TEXT =
  "share = weighted mean of (dealer's part of recent retail sales of the model line [turn-and-earn], " +
  "dealer's part of the units short of the target days' supply, dealer's part of open agreement commitments), " +
  'over eligible dealers (active; BEVs only to EV-certified dealers when the rule is on; tier cap > 0); ' +
  'a part whose total is 0 drops out and the weights are renormalised; quota = supply × share, capped per tier ' +
  '(the excess re-shared); whole units by largest remainder (ties by dealer code). docs/availability.md';

const repo = createAvailabilityRepository();

export function formulaOf(s: AllocationSettings) {
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

/** The per-dealer inputs of the formula for a model line (model-line level; docs/availability.md). */
export async function dealerInputs(
  q: Queryable,
  today: string,
  modelLineId: number,
  formula: AllocationFormula,
) {
  const [dealers, sales, expected, positions, pending, commitments] = await Promise.all([
    findAllocationDealers(q),
    repo.recentSales(q, today, formula.turnAndEarnDays, modelLineId),
    repo.expectedDaily(q, today, null, modelLineId),
    repo.positions(q, today, null, modelLineId),
    repo.pendingAllocation(q, null, modelLineId),
    repo.openCommitments(q, today, modelLineId),
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
  return dealers.map((d) => ({
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

export type Item = { sku: string; id: number; units: number; isBev: boolean };
export type DealerInput = Awaited<ReturnType<typeof dealerInputs>>[number];
/**
 * A computed round, column-wise: one `SkuAllocation` per item over the same dealers (in code
 * order). The rows (item × dealer) are read from it as they are needed: objects for a what-if,
 * COPY text for a run; 4,000 dealers × 160 SKUs is 640,000 rows.
 */
export type Computed = {
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
  /** the distinct eligibility bases of the round, and the one each item was allocated under */
  bases: BasisSums[];
  basisAt: number[];
};

export async function compute(
  q: Queryable,
  today: string,
  modelLineId: number,
  items: Item[],
  formula: AllocationFormula,
  excludedKeys: Set<string> = new Set(),
): Promise<Computed> {
  const dealers = await dealerInputs(q, today, modelLineId, formula);
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
  const bases: BasisSums[] = [];
  const basisAt = outs.map((out) => {
    const at = bases.indexOf(out.basis);
    return at >= 0 ? at : bases.push(out.basis) - 1;
  });
  return { dealers, items, outs, excluded, inputsHead, caps: prepared.caps, need, bases, basisAt };
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
const round2 = (x: number) => Math.round(x * 100) / 100;

/** The inputs recorded with the result of dealer `i` for item `k`, as JSON. */
export function inputsJson(c: Computed, k: number, i: number): string {
  const out = c.outs[k]!;
  return `${c.inputsHead[i]},"share":${round6(out.share[i]!)},"quota":${round2(out.quota[i]!)},"cap":${c.caps[i] ?? null}}`;
}

export function explanationOf(c: Computed, k: number, i: number): string {
  return c.excluded[k]?.has(i) ? DECLINED_EARLIER : c.outs[k]!.explanation(i);
}

/**
 * The round's rows as COPY lines for `insertResults`, one chunk per SKU: units, share, quota,
 * basis and rounding; the inputs and the sentence are derived on read (allocation-explain.ts).
 */
export function* resultCopyLines(c: Computed, runId: number, round: number) {
  const head = `${runId},${round},`;
  for (let k = 0; k < c.items.length; k++) {
    const out = c.outs[k]!;
    const tail = `,${c.basisAt[k]},`;
    const excluded = c.excluded[k];
    const skuId = c.items[k]!.id;
    let chunk = '';
    for (let i = 0; i < c.dealers.length; i++) {
      const u = out.units[i]!;
      const rounding = excluded?.has(i) ? 'x' : out.rounding(i);
      chunk += `${head}${c.dealers[i]!.id},${skuId},${u},${u},${out.share[i]!},${out.quota[i]!}${tail}${rounding}\n`;
    }
    yield chunk;
  }
}

/** Each dealer's inputs of the round as COPY lines for `insertDealerInputs`. */
export function* dealerInputCopyLines(c: Computed, runId: number, round: number) {
  const head = `${runId},${round},`;
  let chunk = '';
  for (let i = 0; i < c.dealers.length; i++)
    chunk += `${head}${c.dealers[i]!.id},${csvField(`${c.inputsHead[i]}}`)}\n`;
  yield chunk;
}

/** What the round's sentences quote beyond the dealers' inputs: its supply and its bases. */
export function roundBasesOf(c: Computed): RoundBases {
  return {
    supply: Object.fromEntries(c.items.map((item) => [item.sku, item.units])),
    bases: c.bases,
  };
}

/** A computed round as `insertResults` writes it. */
export function storedRound(c: Computed, runId: number, round: number) {
  return {
    runId,
    round,
    results: resultCopyLines(c, runId, round),
    dealerInputs: dealerInputCopyLines(c, runId, round),
    bases: roundBasesOf(c),
  };
}

export type RoundBases = { supply: Record<string, number>; bases: BasisSums[] };

/**
 * A page of the round's rows as the API gives them, dealer by dealer in SKU code order (as a
 * stored run's `findAllocationResults` orders them), filtered as a stored run's results page is
 * (SKU, dealer code, search in the dealer's code or name, with units only). Only the page's rows
 * are built.
 */
export async function resultRows(
  q: Pick<Queryable, 'query'>,
  c: Computed,
  meta: { run: string; month: string; modelLineCode: string },
  filter: {
    sku?: string;
    dealer?: string;
    q?: string;
    allocatedOnly?: boolean;
    limit: number;
    offset: number;
  },
) {
  const { names, skus } = await findResultNames(
    q,
    c.items.map((i) => i.id),
  );
  const nameOf = new Map(names.map((n) => [n.id, n.name]));
  const skuName = new Map(skus.map((s) => [s.id, s.name]));
  const itemAt = new Map(c.items.map((item, k) => [item.id, k]));
  const skuOrder = skus.map((s) => itemAt.get(s.id)!);
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
  const search = filter.q?.toLowerCase();
  const dealerMatches = (i: number) => {
    const d = c.dealers[i]!;
    if (filter.dealer && d.input.dealerCode !== filter.dealer) return false;
    if (!search) return true;
    const name = nameOf.get(d.id) ?? '';
    return d.input.dealerCode.toLowerCase().includes(search) || name.toLowerCase().includes(search);
  };
  const pageSkus = skuOrder.filter((k) => !filter.sku || c.items[k]!.sku === filter.sku);
  const rows: ReturnType<typeof row>[] = [];
  let total = 0;
  const end = filter.offset + filter.limit;
  for (let i = 0; i < c.dealers.length; i++) {
    if (!dealerMatches(i)) continue;
    for (const k of pageSkus) {
      if (filter.allocatedOnly && !(c.outs[k]!.units[i]! > 0)) continue;
      if (total >= filter.offset && total < end) rows.push(row(k, i));
      total++;
    }
  }
  return { items: rows, total, limit: filter.limit, offset: filter.offset };
}
