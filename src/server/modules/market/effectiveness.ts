/**
 * Sales effectiveness (issue 14 §3), the measure OEM regional managers use: a dealer's sales ÷
 * its expected sales, expected = Σ over segments of (the brand's share of the segment in the
 * dealer's region) × (all-brand registrations of the segment in the dealer's areas). 1.00 means
 * the dealer wins its areas at its region's rate. Pure: the repository's cells in, figures out.
 */
import { getOrAdd } from '../../../shared/collections';
import type { DealerEffectiveness } from '../../../shared/schemas/market';
import type { EffectivenessRow } from './market.repository';

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function computeEffectiveness(rows: readonly EffectivenessRow[]): DealerEffectiveness[] {
  const byDealer = new Map<number, DealerEffectiveness>();
  for (const r of rows) {
    const d = getOrAdd(byDealer, r.dealerId, () => ({
      dealerCode: r.dealerCode,
      dealerName: r.dealerName,
      regionCode: r.regionCode,
      areas: r.areas,
      sales: 0,
      expected: 0,
      effectiveness: null,
      segments: [],
    }));
    if (r.segment === null) continue;
    const share = r.regionMarket > 0 ? r.regionSales / r.regionMarket : null;
    const expected = share === null ? 0 : share * r.market;
    d.sales += r.sales;
    d.expected += expected;
    d.segments.push({
      segment: r.segment,
      sales: r.sales,
      market: r.market,
      regionSales: r.regionSales,
      regionMarket: r.regionMarket,
      regionShare: share === null ? null : round(share, 4),
      expected: round(expected, 1),
    });
  }
  return [...byDealer.values()].map((d) => ({
    ...d,
    expected: round(d.expected, 1),
    // Without areas (no market) there is nothing to compare with.
    effectiveness: d.areas > 0 && d.expected > 0 ? round(d.sales / d.expected, 3) : null,
  }));
}
