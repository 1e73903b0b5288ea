/**
 * Builders for the insights unit tests (not used by production code): a 39-month sales history
 * (2023-01 … 2026-03, about 10 a month, varying so the forecast has errors) and a one-year
 * agreement from 2026-01 of the Aura line and, when asked, the Flint X SKU.
 */
import { monthIndex } from '../../../shared/months';
import type { RiskAgreementRow } from './insights.repository';

/** Units of each month, 2023-01 … 2026-03. */
export const HISTORY = Array.from({ length: 39 }, (_, m) => 10 + Math.round(2 * Math.sin(m / 2)));

/** The history as a line's counted units (insights.repository `lineHistories`). */
export function lineHistory(soldAmount: string) {
  return {
    months: HISTORY.map((_, i) => monthIndex('2023-01') + i),
    quantities: HISTORY,
    soldUnits: HISTORY.reduce((s, v) => s + v, 0),
    soldAmount,
  };
}

/** AG-1 of dealer D1, 2026-01 for 12 months: line 1 Aura, line 2 Flint X when it has a plan. */
export function auraAgreement(plans: { aura: number[]; flint?: number[] }): RiskAgreementRow {
  const lines: RiskAgreementRow['lines'] = [
    {
      lineNo: 1,
      label: 'Aura',
      targetKind: 'model_line',
      targetCode: 'ML-AURA',
      planned: plans.aura,
      revenue: null,
    },
  ];
  if (plans.flint)
    lines.push({
      lineNo: 2,
      label: 'Flint X',
      targetKind: 'sku',
      targetCode: 'FLINT-X',
      planned: plans.flint,
      revenue: null,
    });
  return {
    id: 1,
    code: 'AG-1',
    dealerId: 1,
    dealerCode: 'D1',
    dealerName: 'D1',
    startMonth: '2026-01',
    months: 12,
    frequency: 'monthly',
    lines,
  };
}
