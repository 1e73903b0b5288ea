/**
 * The allocation formula (docs/availability.md publishes it): pure, no database. One call
 * allocates the supply of one SKU over the network's dealers.
 *
 * 1. Eligibility: an inactive dealer, or a dealer that is not EV-certified for a BEV (when the
 *    rule is on), or a dealer whose tier cap is 0, gets nothing.
 * 2. Share of each eligible dealer = the weighted mean of three parts, each the dealer's part of
 *    the eligible dealers' total: turn-and-earn (retail sales of the model line in the last
 *    `turnAndEarnDays`), need (units short of the target days' supply: max(0, target × expected
 *    daily sales − units on hand and coming)) and open agreement commitments. A part whose total
 *    is 0 (or whose weight is 0) drops out and the other weights are renormalised; when every part
 *    drops out the eligible dealers share equally.
 * 3. Quota = supply × share. A quota above the dealer's tier cap is set to the cap and the excess
 *    is shared again among the others in proportion to their shares (repeated until none is over).
 * 4. Largest remainder: each dealer gets the whole part of its quota; the units left go one each
 *    to the dealers with the largest fractional parts (ties: dealer code order), never past a cap.
 *    The units add up to the supply exactly, unless the eligible dealers' caps hold fewer (the
 *    rest is reported as unallocated).
 */

export type DealerTier = 'standard' | 'plus' | 'premier';
export const DEALER_TIERS: readonly DealerTier[] = ['standard', 'plus', 'premier'];

export type AllocationFormula = {
  weights: { turnAndEarn: number; daysSupply: number; commitment: number };
  turnAndEarnDays: number;
  targetDaysSupply: number;
  caps: Record<DealerTier, number | null>;
  bevRequiresEvCertification: boolean;
};

export type DealerAllocationInput = {
  dealerCode: string;
  isActive: boolean;
  isEvCertified: boolean;
  tier: DealerTier;
  /** retail sales of the model line in the turn-and-earn window (units) */
  recentSales: number;
  /** expected retail sales per day (forecast consensus, else recent sales) */
  expectedDailySales: number;
  /** stock + in transit + in build + unfilled allocation (units) */
  onHand: number;
  /** open agreement commitment still to be met (units) */
  openCommitment: number;
};

export type DealerAllocation = {
  dealerCode: string;
  isEligible: boolean;
  /** why a dealer is not eligible (null when it is) */
  ineligibleReason: string | null;
  need: number;
  share: number;
  quota: number;
  cap: number | null;
  units: number;
  explanation: string;
};

export type AllocationOutcome = {
  supply: number;
  allocated: number;
  unallocated: number;
  /** the parts that took part, with their renormalised weights */
  parts: { turnAndEarn: number; daysSupply: number; commitment: number };
  dealers: DealerAllocation[];
};

export function ineligibility(
  d: DealerAllocationInput,
  isBev: boolean,
  formula: AllocationFormula,
): string | null {
  if (!d.isActive) return 'the dealer is not active';
  if (isBev && formula.bevRequiresEvCertification && !d.isEvCertified)
    return 'BEVs go only to EV-certified dealers';
  if (formula.caps[d.tier] === 0) return `the ${d.tier} tier's cap is 0 units`;
  return null;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * What one eligibility (BEV or not, which dealers are excluded) fixes for every SKU allocated
 * under it: the shares, the parts and their renormalised weights. A run computes it once per
 * eligibility, not once per SKU; the sentences' shared middles are built on first use.
 */
type Basis = BasisSums & {
  reasons: (string | null)[];
  share: Float64Array;
  eligible: Int32Array;
  /** "x% of recent sales (weight …), … gives a share of y%" per dealer, built lazily */
  why: (string | undefined)[];
};

/**
 * The network totals and renormalised weights of one eligibility basis: with a dealer's inputs
 * and share, all its sentence quotes (a stored run keeps these per round; see `explainResult`).
 */
export type BasisSums = {
  wT: number;
  wD: number;
  wC: number;
  wSum: number;
  sumSales: number;
  sumNeed: number;
  sumCommit: number;
  parts: AllocationOutcome['parts'];
};

/** The dealers' inputs prepared once for any number of SKUs (see `allocateMany`). */
export type PreparedDealers = {
  dealers: DealerAllocationInput[];
  formula: AllocationFormula;
  need: Float64Array;
  caps: (number | null)[];
  /** position of each dealer in dealer-code order (the largest remainder's tie-break) */
  codeRank: Int32Array;
  bases: Map<string, Basis>;
};

/** Units short of the target days' supply: max(0, target × expected daily sales − on hand). */
export function needOf(d: DealerAllocationInput, formula: AllocationFormula): number {
  return Math.max(
    0,
    formula.targetDaysSupply * Math.max(0, d.expectedDailySales) - Math.max(0, d.onHand),
  );
}

export function prepareDealers(
  dealers: DealerAllocationInput[],
  formula: AllocationFormula,
): PreparedDealers {
  const n = dealers.length;
  const need = new Float64Array(n);
  for (let i = 0; i < n; i++) need[i] = needOf(dealers[i]!, formula);
  const byCode = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
    dealers[a]!.dealerCode < dealers[b]!.dealerCode
      ? -1
      : dealers[a]!.dealerCode > dealers[b]!.dealerCode
        ? 1
        : a - b,
  );
  const codeRank = new Int32Array(n);
  byCode.forEach((i, rank) => (codeRank[i] = rank));
  return {
    dealers,
    formula,
    need,
    caps: dealers.map((d) => formula.caps[d.tier] ?? null),
    codeRank,
    bases: new Map(),
  };
}

function basisOf(p: PreparedDealers, isBev: boolean, excluded: ReadonlySet<number> | null): Basis {
  const key = excluded && excluded.size > 0 ? null : isBev ? 'bev' : 'other';
  const cached = key ? p.bases.get(key) : undefined;
  if (cached) return cached;
  const { dealers, formula, need } = p;
  const n = dealers.length;
  const reasons = dealers.map((d, i) =>
    excluded?.has(i)
      ? ineligibility({ ...d, isActive: false }, isBev, formula)
      : ineligibility(d, isBev, formula),
  );
  let sumSales = 0;
  let sumNeed = 0;
  let sumCommit = 0;
  let eligibleCount = 0;
  for (let i = 0; i < n; i++) {
    if (reasons[i] !== null) continue;
    eligibleCount += 1;
    sumSales += Math.max(0, dealers[i]!.recentSales);
    sumNeed += need[i]!;
    sumCommit += Math.max(0, dealers[i]!.openCommitment);
  }
  const w = formula.weights;
  const wT = sumSales > 0 ? Math.max(0, w.turnAndEarn) : 0;
  const wD = sumNeed > 0 ? Math.max(0, w.daysSupply) : 0;
  const wC = sumCommit > 0 ? Math.max(0, w.commitment) : 0;
  const wSum = wT + wD + wC;
  const share = new Float64Array(n);
  const eligible = new Int32Array(eligibleCount);
  for (let i = 0, k = 0; i < n; i++) {
    if (reasons[i] !== null) continue;
    eligible[k++] = i;
    const d = dealers[i]!;
    if (wSum === 0) {
      share[i] = 1 / eligibleCount;
      continue;
    }
    const t = wT > 0 ? Math.max(0, d.recentSales) / sumSales : 0;
    const nd = wD > 0 ? need[i]! / sumNeed : 0;
    const c = wC > 0 ? Math.max(0, d.openCommitment) / sumCommit : 0;
    share[i] = (wT * t + wD * nd + wC * c) / wSum;
  }
  const basis: Basis = {
    reasons,
    share,
    eligible,
    wT,
    wD,
    wC,
    wSum,
    sumSales,
    sumNeed,
    sumCommit,
    parts: {
      turnAndEarn: wT / (wSum || 1),
      daysSupply: wD / (wSum || 1),
      commitment: wC / (wSum || 1),
    },
    why: new Array<string | undefined>(n),
  };
  if (key) p.bases.set(key, basis);
  return basis;
}

function whyOf(p: PreparedDealers, b: Basis, i: number): string {
  const cached = b.why[i];
  if (cached !== undefined) return cached;
  const text = whyText(p.dealers[i]!, p.need[i]!, b, p.formula.targetDaysSupply, b.share[i]!);
  b.why[i] = text;
  return text;
}

function whyText(
  d: DealerAllocationInput,
  need: number,
  b: BasisSums,
  targetDaysSupply: number,
  share: number,
): string {
  const why: string[] = [];
  if (b.wSum === 0) why.push('no sales, need or commitments anywhere, so an equal share');
  if (b.wT > 0)
    why.push(
      `${pct(Math.max(0, d.recentSales) / b.sumSales)} of recent sales (weight ${b.parts.turnAndEarn.toFixed(2)})`,
    );
  if (b.wD > 0)
    why.push(
      `${pct(need / b.sumNeed)} of the units short of ${targetDaysSupply} days' supply (weight ${b.parts.daysSupply.toFixed(2)})`,
    );
  if (b.wC > 0)
    why.push(
      `${pct(Math.max(0, d.openCommitment) / b.sumCommit)} of open commitments (weight ${b.parts.commitment.toFixed(2)})`,
    );
  return `${why.join(', ')} gives a share of ${pct(share)}`;
}

/**
 * How a result was rounded: 'w' a whole number, 'd' rounded down, 'u' rounded up by largest
 * remainder, 'c' capped, 'i' ineligible, 'x' declined in an earlier round.
 */
export type Rounding = 'w' | 'd' | 'u' | 'c' | 'i' | 'x';

export const DECLINED_EARLIER = 'No units: the dealer declined this SKU in an earlier round.';

function sentence(
  units: number,
  supply: number,
  why: string,
  quota: number,
  rounding: Rounding,
  cap: number | null,
  tier: DealerTier,
): string {
  const how =
    rounding === 'c'
      ? `capped at ${cap} for the ${tier} tier`
      : rounding === 'u'
        ? 'rounded up by largest remainder'
        : rounding === 'd'
          ? 'rounded down'
          : 'a whole number';
  return `${units} of ${supply} units: ${why}, ${quota.toFixed(2)} units, ${how}.`;
}

/**
 * A stored result's sentence, derived from what the run keeps: the dealer's inputs, the formula,
 * the round's basis and supply, and the result's share, quota and rounding. The same text as
 * `SkuAllocation.explanation` gave when the round was computed.
 */
export function explainResult(r: {
  dealer: DealerAllocationInput;
  formula: AllocationFormula;
  basis: BasisSums;
  supply: number;
  isBev: boolean;
  units: number;
  share: number;
  quota: number;
  rounding: Rounding;
}): string {
  if (r.rounding === 'x') return DECLINED_EARLIER;
  if (r.rounding === 'i') return `No units: ${ineligibility(r.dealer, r.isBev, r.formula)}.`;
  const why = whyText(
    r.dealer,
    needOf(r.dealer, r.formula),
    r.basis,
    r.formula.targetDaysSupply,
    r.share,
  );
  const cap = r.formula.caps[r.dealer.tier] ?? null;
  return sentence(r.units, r.supply, why, r.quota, r.rounding, cap, r.dealer.tier);
}

/** One SKU's allocation, column-wise (index = the dealer's position in the prepared list). */
export type SkuAllocation = {
  supply: number;
  allocated: number;
  unallocated: number;
  parts: AllocationOutcome['parts'];
  isEligible: (i: number) => boolean;
  ineligibleReason: (i: number) => string | null;
  share: Float64Array;
  quota: Float64Array;
  units: Int32Array;
  isCapped: Uint8Array;
  isBumped: Uint8Array;
  /** the eligibility basis the SKU was allocated under (shared by SKUs of the same basis) */
  basis: BasisSums;
  /** how dealer `i`'s units were rounded */
  rounding: (i: number) => Rounding;
  /** the sentence saying why dealer `i` got what it got */
  explanation: (i: number) => string;
};

/**
 * Allocates `supply` units of one SKU over prepared dealers; `excluded` (dealer positions) get
 * none, as inactive dealers would. The same steps as `allocate`, in one pass per step.
 */
export function allocateSku(
  p: PreparedDealers,
  supply: number,
  isBev: boolean,
  excluded: ReadonlySet<number> | null = null,
): SkuAllocation {
  if (!Number.isInteger(supply) || supply < 0) throw new Error('supply must be a whole number ≥ 0');
  const n = p.dealers.length;
  const b = basisOf(p, isBev, excluded);
  const { share, caps } = { share: b.share, caps: p.caps };

  // Quotas, capped by water-filling: a capped dealer is fixed at its cap, the rest re-shared.
  const quota = new Float64Array(n);
  const isCapped = new Uint8Array(n);
  // Once every dealer with a share is capped, what is left goes equally to the other eligible ones.
  let active = b.eligible;
  let remaining = supply;
  while (active.length > 0 && remaining > 0) {
    let shareTotal = 0;
    for (let k = 0; k < active.length; k++) shareTotal += share[active[k]!]!;
    const total = shareTotal > 0 ? shareTotal : active.length;
    let overCount = 0;
    for (let k = 0; k < active.length; k++) {
      const i = active[k]!;
      const cap = caps[i]!;
      const weight = shareTotal > 0 ? share[i]! : 1;
      if (cap !== null && (remaining * weight) / total > cap) overCount += 1;
    }
    if (overCount === 0) {
      for (let k = 0; k < active.length; k++) {
        const i = active[k]!;
        quota[i] = (remaining * (shareTotal > 0 ? share[i]! : 1)) / total;
      }
      break;
    }
    const rest = new Int32Array(active.length - overCount);
    let r = 0;
    const before = remaining;
    for (let k = 0; k < active.length; k++) {
      const i = active[k]!;
      const cap = caps[i]!;
      const weight = shareTotal > 0 ? share[i]! : 1;
      if (cap !== null && (before * weight) / total > cap) {
        quota[i] = cap;
        isCapped[i] = 1;
        remaining -= cap;
      } else rest[r++] = i;
    }
    active = rest;
  }

  // Largest remainder.
  const units = new Int32Array(n);
  let given = 0;
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = Math.floor(quota[i]! + 1e-9);
    units[i] = u;
    given += u;
    if (quota[i]! > 0 && !isCapped[i]) order.push(i);
  }
  if (given > supply) throw new Error('allocation exceeded the supply');
  const rank = p.codeRank;
  order.sort((x, y) => {
    const rx = quota[x]! - units[x]!;
    const ry = quota[y]! - units[y]!;
    return ry !== rx ? ry - rx : rank[x]! - rank[y]!;
  });
  let capTotal = 0;
  for (let k = 0; k < b.eligible.length; k++) capTotal += caps[b.eligible[k]!] ?? Infinity;
  const target = Math.min(supply, capTotal);
  const isBumped = new Uint8Array(n);
  for (let k = 0; given < target && order.length > 0 && k < order.length * 2; k++) {
    const i = order[k % order.length]!;
    if (caps[i] !== null && units[i]! >= caps[i]!) continue;
    units[i] = units[i]! + 1;
    isBumped[i] = 1;
    given += 1;
  }

  const rounding = (i: number): Rounding =>
    b.reasons[i] !== null
      ? 'i'
      : isCapped[i]
        ? 'c'
        : isBumped[i]
          ? 'u'
          : quota[i]! > units[i]!
            ? 'd'
            : 'w';
  return {
    supply,
    allocated: given,
    unallocated: supply - given,
    parts: b.parts,
    isEligible: (i) => b.reasons[i] === null,
    ineligibleReason: (i) => b.reasons[i]!,
    share,
    quota,
    units,
    isCapped,
    isBumped,
    basis: b,
    rounding,
    explanation: (i) => {
      const reason = b.reasons[i];
      if (reason !== null) return `No units: ${reason}.`;
      const d = p.dealers[i]!;
      return sentence(units[i]!, supply, whyOf(p, b, i), quota[i]!, rounding(i), caps[i]!, d.tier);
    },
  };
}

/** Allocates `supply` units of one SKU (BEV or not) over the dealers. */
export function allocate({
  supply,
  isBev,
  dealers,
  formula,
}: {
  supply: number;
  isBev: boolean;
  dealers: DealerAllocationInput[];
  formula: AllocationFormula;
}): AllocationOutcome {
  const p = prepareDealers(dealers, formula);
  const out = allocateSku(p, supply, isBev);
  return {
    supply,
    allocated: out.allocated,
    unallocated: out.unallocated,
    parts: out.parts,
    dealers: dealers.map((d, i): DealerAllocation => ({
      dealerCode: d.dealerCode,
      isEligible: out.isEligible(i),
      ineligibleReason: out.ineligibleReason(i),
      need: p.need[i]!,
      share: out.share[i]!,
      quota: out.quota[i]!,
      cap: p.caps[i]!,
      units: out.units[i]!,
      explanation: out.explanation(i),
    })),
  };
}
