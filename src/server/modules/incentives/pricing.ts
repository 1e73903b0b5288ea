/**
 * Prices for the incentive engine (issue 11, docs/incentives.md "Prices"): each transaction is
 * priced at the SKU's MSRP valid on its occurredOn, read from the price history (sku_prices).
 * Every reader of MSRP goes through here: the row path (toTransaction), the network scan
 * (per-row price by day), what-if, progress, accruals and claims (which read transactions).
 */
import type { Queryable } from '../../db/db';
import { Dec, formatMinor } from '../../../shared/money';

export type PriceStep = { from: string; msrp: string };
/** SKU id → its prices, oldest first. */
export type PriceBook = Map<number, PriceStep[]>;

export async function loadPriceBook(db: Queryable): Promise<PriceBook> {
  const { rows } = await db.query<{ skuId: number; from: string; msrp: string }>(
    `select sku_id as "skuId", to_char(valid_from, 'YYYY-MM-DD') as "from", msrp::text as msrp
     from sku_prices order by sku_id, valid_from`,
  );
  const book: PriceBook = new Map();
  for (const r of rows) {
    const list = book.get(r.skuId);
    const step = { from: r.from, msrp: r.msrp };
    if (list) list.push(step);
    else book.set(r.skuId, [step]);
  }
  return book;
}

/** The SKU's prices, or one step of `fallback` (a SKU without history: its catalog MSRP). */
export function pricesOf(book: PriceBook, skuId: number, fallback: string): PriceStep[] {
  return book.get(skuId) ?? [{ from: '1900-01-01', msrp: fallback }];
}

/** The MSRP valid on `date` (YYYY-MM-DD); before the first price, the first one. */
export function priceOn(book: PriceBook, skuId: number, date: string, fallback: string): string {
  const steps = book.get(skuId);
  if (!steps) return fallback;
  let price = steps[0]!.msrp;
  for (const s of steps) {
    if (s.from > date) break;
    price = s.msrp;
  }
  return price;
}

/**
 * The unit price a statement line of a percent_of_msrp program was computed with: its basis is
 * quantity × the unit price (statement.ts `lineBasis`), so the division is exact. Frozen lines
 * keep basis and quantity, so the price shows the same before and after approval. null on other
 * programs and on lines without a quantity (adjustments, caps).
 */
export function lineUnitPrice(
  line: { kind: string; quantity: number | null; basis: string | null },
  benefit: string,
  currency: string,
): string | null {
  if (benefit !== 'percent_of_msrp' || line.kind !== 'benefit') return null;
  if (!line.quantity || line.basis === null) return null;
  return formatMinor(new Dec(line.basis).div(line.quantity), currency);
}
