/**
 * Days' supply (docs/availability.md): (stock + in transit + in build + unfilled allocation) ÷
 * expected daily sales. Unfilled allocation = units allocated and not yet decided plus orders not
 * yet in build (ordered, planned): both are units promised to the dealer that are not yet being
 * built. Expected daily sales come from the forecast consensus of the current month (÷ its days),
 * else from the retail sales of the three complete months before (÷ their days).
 *
 * The warning: the stock alone lasts `stock ÷ daily` days; when that is fewer days than until the
 * next vehicle in transit arrives (its ETA), the dealer runs out before the next delivery. With
 * nothing in transit, the stock must last the target of `leadDays` (an order's usual lead time).
 */
export type Position = {
  stock: number;
  inTransit: number;
  inBuild: number;
  onOrder: number;
  pendingAllocation: number;
};

export type DaysSupply = {
  daysSupply: number | null;
  stockDays: number | null;
  runsOutBeforeNextDelivery: boolean;
};

const DAY_MS = 86_400_000;

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

export function daysSupply({
  position,
  expectedDailySales,
  today,
  nextEta,
  leadDays = 30,
}: {
  position: Position;
  expectedDailySales: number;
  today: string;
  nextEta: string | null;
  leadDays?: number;
}): DaysSupply {
  const { stock, inTransit, inBuild, onOrder, pendingAllocation } = position;
  if (!(expectedDailySales > 0))
    return { daysSupply: null, stockDays: null, runsOutBeforeNextDelivery: false };
  const round1 = (x: number) => Math.round(x * 10) / 10;
  const total = stock + inTransit + inBuild + onOrder + pendingAllocation;
  const stockDays = stock / expectedDailySales;
  const untilNext = nextEta === null ? leadDays : Math.max(0, daysBetween(today, nextEta));
  return {
    daysSupply: round1(total / expectedDailySales),
    stockDays: round1(stockDays),
    runsOutBeforeNextDelivery: stockDays < untilNext,
  };
}
