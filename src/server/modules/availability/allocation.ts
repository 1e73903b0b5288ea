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

function ineligibility(
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
  if (!Number.isInteger(supply) || supply < 0) throw new Error('supply must be a whole number ≥ 0');
  const n = dealers.length;
  const reasons = dealers.map((d) => ineligibility(d, isBev, formula));
  const need = dealers.map((d) =>
    Math.max(
      0,
      formula.targetDaysSupply * Math.max(0, d.expectedDailySales) - Math.max(0, d.onHand),
    ),
  );
  let sumSales = 0;
  let sumNeed = 0;
  let sumCommit = 0;
  for (let i = 0; i < n; i++) {
    if (reasons[i] !== null) continue;
    sumSales += Math.max(0, dealers[i]!.recentSales);
    sumNeed += need[i]!;
    sumCommit += Math.max(0, dealers[i]!.openCommitment);
  }
  const w = formula.weights;
  const wT = sumSales > 0 ? Math.max(0, w.turnAndEarn) : 0;
  const wD = sumNeed > 0 ? Math.max(0, w.daysSupply) : 0;
  const wC = sumCommit > 0 ? Math.max(0, w.commitment) : 0;
  const wSum = wT + wD + wC;
  const eligibleCount = reasons.filter((r) => r === null).length;
  const share = dealers.map((d, i) => {
    if (reasons[i] !== null) return 0;
    if (wSum === 0) return 1 / eligibleCount;
    const t = wT > 0 ? Math.max(0, d.recentSales) / sumSales : 0;
    const nd = wD > 0 ? need[i]! / sumNeed : 0;
    const c = wC > 0 ? Math.max(0, d.openCommitment) / sumCommit : 0;
    return (wT * t + wD * nd + wC * c) / wSum;
  });
  const caps = dealers.map((d) => formula.caps[d.tier] ?? null);

  // Quotas, capped by water-filling: a capped dealer is fixed at its cap, the rest re-shared.
  const quota = new Array<number>(n).fill(0);
  const isCapped = new Array<boolean>(n).fill(false);
  // Once every dealer with a share is capped, what is left goes equally to the other eligible ones.
  let active = dealers.map((_, i) => i).filter((i) => reasons[i] === null);
  let remaining = supply;
  while (active.length > 0 && remaining > 0) {
    const shareTotal = active.reduce((s, i) => s + share[i]!, 0);
    const weight = (i: number) => (shareTotal > 0 ? share[i]! : 1);
    const total = shareTotal > 0 ? shareTotal : active.length;
    const over = active.filter(
      (i) => caps[i] !== null && (remaining * weight(i)) / total > caps[i]!,
    );
    if (over.length === 0) {
      for (const i of active) quota[i] = (remaining * weight(i)) / total;
      break;
    }
    for (const i of over) {
      quota[i] = caps[i]!;
      isCapped[i] = true;
      remaining -= caps[i]!;
    }
    active = active.filter((i) => !isCapped[i]);
  }

  // Largest remainder.
  const units = quota.map((q) => Math.floor(q + 1e-9));
  let given = units.reduce((s, u) => s + u, 0);
  if (given > supply) throw new Error('allocation exceeded the supply');
  const order = dealers
    .map((_, i) => i)
    .filter((i) => quota[i]! > 0 && !isCapped[i])
    .sort((a, b) => {
      const ra = quota[a]! - units[a]!;
      const rb = quota[b]! - units[b]!;
      if (rb !== ra) return rb - ra;
      return dealers[a]!.dealerCode < dealers[b]!.dealerCode ? -1 : 1;
    });
  const capTotal = dealers.reduce(
    (s, _, i) => (reasons[i] === null ? s + (caps[i] ?? Infinity) : s),
    0,
  );
  const target = Math.min(supply, capTotal);
  const bumped = new Set<number>();
  for (let k = 0; given < target && order.length > 0 && k < order.length * 2; k++) {
    const i = order[k % order.length]!;
    if (caps[i] !== null && units[i]! >= caps[i]!) continue;
    units[i]! += 1;
    bumped.add(i);
    given += 1;
  }

  const parts = {
    turnAndEarn: wT / (wSum || 1),
    daysSupply: wD / (wSum || 1),
    commitment: wC / (wSum || 1),
  };
  const results = dealers.map((d, i): DealerAllocation => {
    const reason = reasons[i]!;
    const base = {
      dealerCode: d.dealerCode,
      isEligible: reason === null,
      ineligibleReason: reason,
      need: need[i]!,
      share: share[i]!,
      quota: quota[i]!,
      cap: caps[i]!,
      units: units[i]!,
    };
    if (reason !== null) return { ...base, explanation: `No units: ${reason}.` };
    const why: string[] = [];
    if (wSum === 0) why.push('no sales, need or commitments anywhere, so an equal share');
    if (wT > 0)
      why.push(
        `${pct(Math.max(0, d.recentSales) / sumSales)} of recent sales (weight ${parts.turnAndEarn.toFixed(2)})`,
      );
    if (wD > 0)
      why.push(
        `${pct(need[i]! / sumNeed)} of the units short of ${formula.targetDaysSupply} days' supply (weight ${parts.daysSupply.toFixed(2)})`,
      );
    if (wC > 0)
      why.push(
        `${pct(Math.max(0, d.openCommitment) / sumCommit)} of open commitments (weight ${parts.commitment.toFixed(2)})`,
      );
    const rounding = isCapped[i]
      ? `capped at ${caps[i]} for the ${d.tier} tier`
      : bumped.has(i)
        ? 'rounded up by largest remainder'
        : quota[i]! > units[i]!
          ? 'rounded down'
          : 'a whole number';
    return {
      ...base,
      explanation: `${units[i]} of ${supply} units: ${why.join(', ')} gives a share of ${pct(share[i]!)}, ${quota[i]!.toFixed(2)} units, ${rounding}.`,
    };
  });
  return { supply, allocated: given, unallocated: supply - given, parts, dealers: results };
}
