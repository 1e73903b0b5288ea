/**
 * The H1 Aura tier program and the Aura sales history the program-tier insights tests share
 * (insights-program-*.test.ts, insights-tier-late-reports.test.ts).
 */
import { txRow } from './fixtures';

/** A units program over January–June 2026 on the Aura line: tiers at 20, 55 and 90 units. */
export const H1_AURA_PROGRAM = {
  code: 'H1-AURA',
  name: 'Aura first half',
  currency: 'USD',
  startDate: '2026-01-01',
  endDate: '2026-06-30',
  measurementPeriod: 'program',
  payoutFrequency: 'program',
  measure: 'units',
  qualifying: { modelLines: ['ML-AURA'] },
  tiers: [
    { from: '20', value: '100.00' },
    { from: '55', value: '150.00' },
    { from: '90', value: '200.00' },
  ],
  benefit: 'per_unit',
};

/** Aura units of month m (0 = 2024-01): 8 … 12, varying (so the forecast has errors). */
export const auraPerMonth = (m: number) => 10 + ((m * 7) % 5) - 2;

/** A dealer's Aura deliveries of the first `months` months from 2024-01 (ids `prefix-m-i`). */
export function auraHistory(dealerCode: string, prefix: string, months = 27) {
  const rows = [];
  for (let m = 0; m < months; m += 1) {
    const month = `${2024 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
    for (let i = 0; i < auraPerMonth(m); i += 1)
      rows.push(
        txRow({
          dealerCode,
          occurredOn: `${month}-${String((i % 27) + 1).padStart(2, '0')}`,
          externalId: `${prefix}-${m}-${i}`,
        }),
      );
  }
  return rows;
}
