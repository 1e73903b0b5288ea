/** Display names and colours for agreement codes, typed against the shared unions. */
import type { AgreementStatus, Transition } from '../../../shared/schemas/agreements';
import { addMonths, fiscalQuarterLabel } from '../../../shared/months';
import { formatMonth, formatMonthLong, formatPercent } from '../../format';

export type TargetKind = 'model_line' | 'sku' | 'product_group';

export const STATUS_LABELS: Record<AgreementStatus, string> = {
  draft: 'Draft',
  proposed: 'Proposed',
  accepted: 'Accepted',
  approved: 'Approved',
  active: 'Active',
  expired: 'Expired',
  cancelled: 'Cancelled',
  rejected: 'Rejected',
};

export const STATUS_COLORS: Record<AgreementStatus, string> = {
  draft: 'gray',
  proposed: 'yellow',
  accepted: 'cyan',
  approved: 'indigo',
  active: 'teal',
  expired: 'dark',
  cancelled: 'red',
  rejected: 'red',
};

export const STATUS_OPTIONS = (Object.keys(STATUS_LABELS) as AgreementStatus[]).map((value) => ({
  value,
  label: STATUS_LABELS[value],
}));

export const TRANSITION_LABELS: Record<Transition, string> = {
  propose: 'Propose to dealer',
  accept: 'Accept',
  return: 'Send back',
  approve: 'Approve',
  reject: 'Reject',
  cancel: 'Cancel agreement',
};

/** Transitions that the server refuses without a comment. */
export const NEEDS_COMMENT: ReadonlySet<Transition> = new Set(['return', 'reject', 'cancel']);

export const TRANSITION_COLORS: Record<Transition, string> = {
  propose: 'blue',
  accept: 'teal',
  return: 'orange',
  approve: 'teal',
  reject: 'red',
  cancel: 'red',
};

export const TARGET_KIND_LABELS: Record<TargetKind, string> = {
  model_line: 'Model line',
  sku: 'SKU',
  product_group: 'Product group',
};

/** '2026-03' → "Mar 26"; '2026-Q1' → "Q1 FY26". */
export function formatPeriod(period: string): string {
  const quarter = /^(\d{4})-Q([1-4])$/.exec(period);
  if (quarter) return `Q${quarter[2]} FY${quarter[1]!.slice(2)}`;
  return /^\d{4}-\d{2}$/.test(period) ? formatMonth(period) : period;
}

/** "April 2026 – March 2027 (12 months)". */
export function formatTerm(startMonth: string, months: number): string {
  const end = addMonths(startMonth, months - 1);
  return `${formatMonthLong(startMonth)} – ${formatMonthLong(end)}`;
}

/** "Apr 26 – Mar 27". */
export function formatTermShort(startMonth: string, endMonth: string): string {
  return `${formatMonth(startMonth)} – ${formatMonth(endMonth)}`;
}

/** Green at or above plan, orange within 10 % under, red below; grey without a plan. */
export function attainmentColor(pct: number | null | undefined): string {
  if (pct === null || pct === undefined) return 'gray';
  if (pct >= 100) return 'teal';
  if (pct >= 90) return 'orange';
  return 'red';
}

export function formatAttainment(pct: number | null | undefined): string {
  return formatPercent(pct);
}

/** A signed whole number: +5, −12, 0. */
export function formatSigned(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  const abs = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 }).format(
    Math.abs(value),
  );
  return value > 0 ? `+${abs}` : value < 0 ? `−${abs}` : '0';
}

/** Term periods as the server makes them (agreement-periods.ts): months, or fiscal quarters
 * named by the fiscal year's end. Used to lay out the editor's grid before the first save. */
export function termPeriodLabels(input: {
  startMonth: string;
  months: number;
  frequency: 'monthly' | 'quarterly';
  fiscalYearStartMonth: number;
}): string[] {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(input.startMonth) || !(input.months > 0)) return [];
  const step = input.frequency === 'quarterly' ? 3 : 1;
  const labels: string[] = [];
  for (let offset = 0; offset < Math.min(input.months, 60); offset += step) {
    const month = addMonths(input.startMonth, offset);
    if (step === 1) {
      labels.push(month);
      continue;
    }
    labels.push(fiscalQuarterLabel(month, input.fiscalYearStartMonth));
  }
  return labels;
}

/**
 * How a period's attainment reads. A period that has not started is plain; one still running
 * (its month just begun, or part of a quarter left) is "in progress" in a neutral colour unless
 * its plan is already met — only a finished period can read as behind.
 */
export function periodTone(cell: {
  isElapsed: boolean;
  elapsedShare: number;
  attainmentPct: number | null;
}): { color: string | null; state: 'future' | 'in-progress' | 'done' } {
  if (!cell.isElapsed) return { color: null, state: 'future' };
  if (cell.elapsedShare < 1) {
    const met = cell.attainmentPct !== null && cell.attainmentPct >= 100;
    return { color: met ? 'teal' : 'gray', state: 'in-progress' };
  }
  return { color: attainmentColor(cell.attainmentPct), state: 'done' };
}

/**
 * The colour of the term-to-date attainment: neutral while there is no projection yet (the first
 * two weeks of the term), so a term that has just begun does not read as failing.
 */
export function toDateColor(toDate: {
  attainmentPct: number | null;
  projectedTotal: number | null;
}): string {
  const pct = toDate.attainmentPct;
  if (toDate.projectedTotal === null && (pct === null || pct < 100)) return 'gray';
  return attainmentColor(pct);
}
