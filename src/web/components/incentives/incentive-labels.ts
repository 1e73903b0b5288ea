/** Words and formats of the incentive screens: measures, tiers, periods, statuses. */
import type {
  Benefit,
  Measure,
  MeasurementPeriod,
  ProgramDefinition,
} from '../../../shared/schemas/program';
import type {
  CorrectionReason,
  StatementExclusionReason,
  StatementStatus,
} from '../../../shared/schemas/incentives';
import { formatInt, formatMoney, formatMonthLong } from '../../format';

export const MEASURE_LABELS: Record<Measure, string> = {
  units: 'Units delivered',
  revenue: 'Revenue',
  agreement_attainment: 'Agreement attainment',
  growth: 'Growth on last year',
  ev_share: 'EV share',
  low_co2_units: 'Units at or below a CO2 threshold',
};

export const BENEFIT_LABELS: Record<Benefit, string> = {
  per_unit: 'per unit',
  percent_of_revenue: '% of revenue',
  percent_of_msrp: '% of MSRP',
  lump_sum: 'lump sum',
  per_g_co2_below: 'per g/km below the CO2 threshold',
};

/** Why a transaction of a statement earns nothing, as the dealer reads it. */
export const EXCLUSION_LABELS: Record<StatementExclusionReason, string> = {
  late: 'Arrived after the grace days',
  currency_mismatch: 'In another currency than the program',
  duplicate_clawback: 'The sale was already clawed back',
  sale_category: 'Sale category excluded by the program (delivery report)',
  buyer_type: 'Buyer type excluded by the program (delivery report)',
  no_report: 'No retail delivery report',
  paid_to_other_dealer: 'This vehicle was already paid to another dealer',
  delivered_by_other_dealer: 'This vehicle was delivered earlier by another dealer',
  charged_back_unwind: 'Unwind of a sale already charged back',
};

/** Why a correction line, as the dealer reads it (never naming another dealer). */
export const CORRECTION_REASON_LABELS: Record<CorrectionReason, string> = {
  late_row: 'Row reported after the period was settled',
  settled_unwind: 'Unwind of a settled sale',
  recomputed: 'Tier or cap recomputed',
  vin_paid_to_other_dealer: 'Taken back: this vehicle is paid to another dealer',
  vin_delivered_by_other_dealer: 'Taken back: another dealer delivered this vehicle earlier',
  vin_freed: 'Paid now: this vehicle no longer earns with another dealer',
};

export const PERIOD_LABELS: Record<MeasurementPeriod, string> = {
  month: 'monthly',
  quarter: 'quarterly',
  program: 'over the whole program',
};

export function isPercentMeasure(measure: string): boolean {
  return measure === 'agreement_attainment' || measure === 'growth' || measure === 'ev_share';
}

function decimalNumber(value: string): number {
  return Number.parseFloat(value);
}

/** A measure value in its unit: "12 units", "$41,200.00", "58.6 %". */
export function formatMeasure(
  measure: string,
  value: string | null,
  currency: string,
  options: { withUnit?: boolean } = {},
): string {
  if (value === null) return '–';
  if (measure === 'revenue') return formatMoney(value, currency, { isCompact: false });
  if (isPercentMeasure(measure)) {
    const n = decimalNumber(value);
    return `${n.toLocaleString(undefined, { maximumFractionDigits: 1 })} %`;
  }
  const units = formatInt(Math.round(decimalNumber(value) * 1e6) / 1e6);
  return options.withUnit === false ? units : `${units} ${units === '1' ? 'unit' : 'units'}`;
}

/** What a tier pays: "$600 per unit", "2 % of MSRP", "$5,000 once per period". */
export function formatTierValue(benefit: string, value: string, currency: string): string {
  switch (benefit) {
    case 'per_unit':
      return `${formatMoney(value, currency)} per unit`;
    case 'percent_of_revenue':
      return `${value} % of revenue`;
    case 'percent_of_msrp':
      return `${value} % of MSRP`;
    case 'lump_sum':
      return `${formatMoney(value, currency)} once`;
    case 'per_g_co2_below':
      return `${formatMoney(value, currency)} per g/km below the threshold, per unit`;
    default:
      return value;
  }
}

const wholeMoney = new Map<string, Intl.NumberFormat>();

/** Money without cents when whole: "$14,000", "$12.50". Formats the decimal string exactly. */
export function formatAmount(amount: string | null | undefined, currency: string): string {
  if (amount === null || amount === undefined) return '–';
  if (!/^-?\d+(\.0+)?$/.test(amount)) return formatMoney(amount, currency);
  let format = wholeMoney.get(currency);
  if (!format) {
    format = new Intl.NumberFormat(undefined, {
      style: 'currency',
      currency,
      minimumFractionDigits: 0,
      maximumFractionDigits: 0,
    });
    wholeMoney.set(currency, format);
  }
  return format.format(amount.replace(/\.0+$/, '') as `${number}`);
}

/** '2027-Q3' → "Q3 FY27", '2026-11' → "November 2026", 'program' → "Whole program". */
export function formatSettlementPeriod(period: string): string {
  const quarter = /^(\d{4})-Q([1-4])$/.exec(period);
  if (quarter) return `Q${quarter[2]} FY${quarter[1]!.slice(2)}`;
  if (/^\d{4}-\d{2}$/.test(period)) return formatMonthLong(period);
  if (period === 'program') return 'Whole program';
  return period;
}

export const STATEMENT_STATUS_COLORS: Record<StatementStatus, string> = {
  open: 'blue',
  closed: 'yellow',
  approved: 'teal',
  paid: 'green',
  settled_later: 'gray',
};

export const STATEMENT_STATUS_LABELS: Record<StatementStatus, string> = {
  open: 'Open (live)',
  closed: 'Closed, to approve',
  approved: 'Approved',
  paid: 'Paid',
  settled_later: 'Settled in a later statement',
};

export const CLAIM_STATUS_COLORS: Record<string, string> = {
  invalid: 'red',
  validated: 'blue',
  approved: 'teal',
  rejected: 'gray',
};

export const DISPUTE_STATUS_COLORS: Record<string, string> = {
  open: 'orange',
  adjusted: 'teal',
  rejected: 'gray',
};

export const PROGRAM_STATUS_COLORS: Record<string, string> = {
  draft: 'gray',
  published: 'teal',
  closed: 'dark',
};

/** The definition of a program view, typed. */
export function definitionOf(view: { definition: Record<string, unknown> }): ProgramDefinition {
  return view.definition as unknown as ProgramDefinition;
}

/** "Retail deliveries of BEVs, model lines RIDGE" — the qualifying filter in words. */
export function describeFilter(filter: ProgramDefinition['qualifying'] | undefined): string {
  if (!filter) return 'All sales';
  const parts: string[] = [];
  parts.push(
    (filter.kinds ?? ['retail_delivery']).map((k) => k.replace(/_/g, ' ')).join(', ') || 'all',
  );
  if (filter.powertrains?.length) parts.push(`powertrain ${filter.powertrains.join(', ')}`);
  if (filter.modelLines?.length) parts.push(`model lines ${filter.modelLines.join(', ')}`);
  if (filter.segments?.length) parts.push(`segments ${filter.segments.join(', ')}`);
  if (filter.skus?.length) parts.push(`SKUs ${filter.skus.join(', ')}`);
  const text = parts.join('; ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A settlement period's state in a few words: "closed · 3 to approve · 2 paid", "open, current". */
export function formatPeriodState(p: {
  status: 'open' | 'closed';
  hasStarted: boolean;
  isCurrent: boolean;
  statements: { closed: number; approved: number; paid: number };
}): string {
  if (p.status === 'open')
    return p.isCurrent ? 'open, current' : p.hasStarted ? 'open' : 'not started';
  const parts = ['closed'];
  if (p.statements.closed) parts.push(`${p.statements.closed} to approve`);
  if (p.statements.approved) parts.push(`${p.statements.approved} approved`);
  if (p.statements.paid) parts.push(`${p.statements.paid} paid`);
  return parts.join(' · ');
}
