/**
 * Small pure helpers of the forecast cycle shared by its service parts: the cycle's target
 * months, rounding to thousandths and percentages to one decimal.
 */
import { addMonths, monthRange } from '../../../shared/months';
import type { CycleRow } from './forecasts.repository';

/** The months a cycle forecasts: its month and the horizon after it. */
export function targetMonths(cycle: Pick<CycleRow, 'cycleMonth' | 'horizon'>): string[] {
  return monthRange(cycle.cycleMonth, addMonths(cycle.cycleMonth, cycle.horizon - 1));
}

export function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

export function pct(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((1000 * part) / whole) / 10 : null;
}
