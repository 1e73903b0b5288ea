/**
 * The program editor's pure parts: the definition being edited (plain JSON, the shape the API
 * takes: src/shared/schemas/program.ts), reading and writing it by field path, the tiers in one
 * plain-language line, and the server's problems (field paths) placed on the form's fields.
 */
import type { Problem } from '../../../shared/errors';
import { DECIMAL_PATTERN } from '../../../shared/money';
import { formatAmount } from './incentive-labels';

/** The definition as edited: any JSON object (the JSON tab may add what the form does not know). */
export type Draft = Record<string, unknown>;

/** A starting point: a quarterly per-unit BEV stair over this calendar year. */
/**
 * A new program's starting point: it starts on the first of next month and runs twelve months
 * (never in the past: a program that started already would pay sales nobody was told about).
 */
export function templateDraft(today: Date): Draft {
  const y = today.getFullYear();
  const m = today.getMonth() + 1; // next month, 0-based → 1-based
  const start = new Date(Date.UTC(y, m, 1));
  const end = new Date(Date.UTC(y, m + 12, 0));
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  const tag = iso(start).slice(0, 7);
  return {
    code: `BEV-STAIR-${tag}`,
    name: `BEV stair from ${start.toLocaleString('en', { month: 'long', year: 'numeric', timeZone: 'UTC' })}`,
    description: 'Per BEV delivered, more from the 5th and the 10th in a quarter',
    currency: 'USD',
    startDate: iso(start),
    endDate: iso(end),
    measurementPeriod: 'quarter',
    payoutFrequency: 'quarter',
    graceDays: 10,
    eligibility: { regions: [], dealerGroups: [], dealers: [], requiresActiveAgreement: false },
    qualifying: {
      modelLines: [],
      skus: [],
      powertrains: ['BEV'],
      segments: [],
      kinds: ['retail_delivery'],
    },
    measure: 'units',
    tiers: [
      { from: '1', value: '300.00' },
      { from: '5', value: '600.00' },
      { from: '10', value: '900.00' },
    ],
    tierMode: 'retroactive',
    benefit: 'per_unit',
    capPerDealer: null,
    budget: null,
    requiresClaim: false,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * A stored definition ready for the form: `paying` is left out when it is the same as
 * `qualifying` (the server fills it in; leaving it out means "the same").
 */
export function draftOf(definition: Record<string, unknown>): Draft {
  const draft = structuredClone(definition);
  if (isObject(draft.paying) && sameJson(draft.paying, draft.qualifying)) delete draft.paying;
  return draft;
}

/** The value at a dotted path ("qualifying.kinds", "tiers.1.from"), or undefined. */
export function getAt(draft: unknown, path: string): unknown {
  let current = draft;
  for (const key of path.split('.')) {
    if (Array.isArray(current)) current = current[Number(key)];
    else if (isObject(current)) current = current[key];
    else return undefined;
  }
  return current;
}

/** A copy with the value at the path replaced; `undefined` removes the key. */
export function setAt(draft: Draft, path: string, value: unknown): Draft {
  const keys = path.split('.');
  const write = (node: unknown, i: number): unknown => {
    const key = keys[i]!;
    const isLast = i === keys.length - 1;
    if (Array.isArray(node)) {
      const copy = [...node];
      copy[Number(key)] = isLast ? value : write(copy[Number(key)], i + 1);
      return copy;
    }
    const copy: Record<string, unknown> = isObject(node) ? { ...node } : {};
    if (isLast) {
      if (value === undefined) delete copy[key];
      else copy[key] = value;
    } else {
      copy[key] = write(copy[key], i + 1);
    }
    return copy;
  };
  return write(draft, 0) as Draft;
}

export function stringAt(draft: Draft, path: string): string {
  const value = getAt(draft, path);
  return typeof value === 'string'
    ? value
    : value === null || value === undefined
      ? ''
      : String(value);
}

export function listAt(draft: Draft, path: string): string[] {
  const value = getAt(draft, path);
  return Array.isArray(value) ? value.map(String) : [];
}

export type TierRow = { from: string; value: string };

export function tiersOf(draft: Draft): TierRow[] {
  const tiers = draft.tiers;
  if (!Array.isArray(tiers)) return [];
  return tiers.map((t) => ({
    from: isObject(t) && t.from !== undefined ? String(t.from) : '',
    value: isObject(t) && t.value !== undefined ? String(t.value) : '',
  }));
}

// ---------------------------------------------------------------------------------------------
// The tiers in words
// ---------------------------------------------------------------------------------------------

const PERIOD_WORDS: Record<string, string> = {
  month: 'month',
  quarter: 'quarter',
  program: 'program',
};

function isDecimal(value: string): boolean {
  return DECIMAL_PATTERN.test(value);
}

function plainNumber(value: string): string {
  const n = Number(value);
  return Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: 6 }) : value;
}

/** A tier threshold in the measure's unit: "50 units", "$100,000", "80 %", "+5 %". */
function thresholdText(measure: string, from: string, currency: string): string {
  switch (measure) {
    case 'units':
      return `${plainNumber(from)} ${Number(from) === 1 ? 'unit' : 'units'}`;
    case 'revenue':
      return formatAmount(from, currency);
    case 'growth': {
      const n = Number(from);
      return `${n > 0 ? '+' : ''}${plainNumber(from)} % growth`;
    }
    case 'agreement_attainment':
      return `${plainNumber(from)} % of the agreement`;
    case 'ev_share':
      return `${plainNumber(from)} % EV share`;
    case 'low_co2_units':
      return `${plainNumber(from)} low-CO2 ${Number(from) === 1 ? 'unit' : 'units'}`;
    default:
      return from;
  }
}

function valueText(benefit: string, value: string, currency: string): string {
  switch (benefit) {
    case 'per_unit':
      return `${formatAmount(value, currency)} per unit`;
    case 'percent_of_revenue':
      return `${plainNumber(value)} % of revenue`;
    case 'percent_of_msrp':
      return `${plainNumber(value)} % of MSRP per unit`;
    case 'lump_sum':
      return `${formatAmount(value, currency)} once`;
    case 'per_g_co2_below':
      return `${formatAmount(value, currency)} per g/km below the threshold`;
    default:
      return value;
  }
}

/** What a tier's value pays on: "on all units", "on the units from 50 up to 100", … */
function basisText(draft: Draft, index: number, tiers: TierRow[]): string {
  const benefit = stringAt(draft, 'benefit');
  const measure = stringAt(draft, 'measure');
  const window = PERIOD_WORDS[stringAt(draft, 'measurementPeriod')] ?? 'period';
  if (benefit === 'lump_sum') return `per dealer and ${window}`;
  const noun = benefit === 'percent_of_revenue' ? 'revenue' : 'units';
  if (measure === 'growth' && stringAt(draft, 'growthBenefitBase') === 'increment') {
    return `on the ${noun} above last year's`;
  }
  if (stringAt(draft, 'tierMode') !== 'incremental') return `on all ${noun}`;
  const currency = stringAt(draft, 'currency') || 'USD';
  const unit = (v: string) => (noun === 'revenue' ? formatAmount(v, currency) : plainNumber(v));
  const from = tiers[index]!.from;
  const next = tiers[index + 1]?.from;
  const lower = Number(from) > 0 ? `from ${unit(from)} ` : '';
  if (next !== undefined && isDecimal(next)) return `on the ${noun} ${lower}up to ${unit(next)}`;
  return Number(from) > 0 ? `on the ${noun} above ${unit(from)}` : `on all ${noun}`;
}

/**
 * The tiers in one line: "from 50 units: $200 per unit on all units; … (measured each
 * quarter)". Tiers with a missing or malformed number are left out; null when none is left.
 */
export function tierSummary(draft: Draft): string | null {
  const tiers = tiersOf(draft);
  const measure = stringAt(draft, 'measure');
  const benefit = stringAt(draft, 'benefit');
  const currency = stringAt(draft, 'currency') || 'USD';
  const parts: string[] = [];
  tiers.forEach((t, i) => {
    if (!isDecimal(t.from) || !isDecimal(t.value)) return;
    parts.push(
      `from ${thresholdText(measure, t.from, currency)}: ${valueText(benefit, t.value, currency)} ${basisText(draft, i, tiers)}`,
    );
  });
  if (parts.length === 0) return null;
  const window = PERIOD_WORDS[stringAt(draft, 'measurementPeriod')];
  const measured =
    window === 'program'
      ? ' (measured over the whole program)'
      : window
        ? ` (measured each ${window})`
        : '';
  return `${parts.join('; ')}${measured}`;
}

// ---------------------------------------------------------------------------------------------
// Server problems on the form's fields
// ---------------------------------------------------------------------------------------------

/** The sales filter's lists (of a program, a tier or an exclusion). */
export const FILTER_KEYS = [
  'modelLines',
  'skus',
  'powertrains',
  'segments',
  'kinds',
  'excludeSaleCategories',
  'excludeBuyerTypes',
] as const;

/** Every field the form shows, by its path in the definition (tiers rows are "tiers.N.from"). */
export const FORM_FIELDS: readonly string[] = [
  'code',
  'name',
  'description',
  'currency',
  'startDate',
  'endDate',
  'measurementPeriod',
  'payoutFrequency',
  'graceDays',
  'eligibility.regions',
  'eligibility.dealerGroups',
  'eligibility.dealers',
  'eligibility.requiresActiveAgreement',
  ...FILTER_KEYS.map((k) => `qualifying.${k}`),
  ...FILTER_KEYS.map((k) => `paying.${k}`),
  'measure',
  'growthBasis',
  'growthBenefitBase',
  'co2ThresholdGPerKm',
  'tiers',
  'tierMode',
  'benefit',
  'capPerDealer',
  'budget',
  'requiresClaim',
];

function formField(path: string): string | null {
  if (/^tiers\.\d+\.(from|value)$/.test(path)) return path;
  const keys = path.split('.');
  // "eligibility.regions.2" → "eligibility.regions"; "tiers.3" → "tiers".
  for (let n = keys.length; n > 0; n--) {
    const candidate = keys.slice(0, n).join('.');
    if (FORM_FIELDS.includes(candidate)) return candidate;
  }
  return null;
}

/** The form field a problem belongs to ("body.tiers.1.from" → "tiers.1.from"), or null. */
export function problemField(problem: Problem): string | null {
  const raw = (problem.field ?? problem.path ?? '').replace(/^body\.?/, '');
  return raw ? formField(raw) : null;
}

/** The definition's field names as words, for messages shown on the form. */
const FIELD_WORDS: Record<string, string> = {
  startDate: 'the start date',
  endDate: 'the end date',
  measurementPeriod: 'the measurement period',
  payoutFrequency: 'the payout frequency',
  growthBasis: 'the growth basis',
  growthBenefitBase: 'what growth pays on',
  co2ThresholdGPerKm: 'the CO2 threshold',
  tierMode: 'the tier mode',
  capPerDealer: 'the cap per dealer',
  per_unit: 'an amount per unit',
  percent_of_revenue: '% of revenue',
  percent_of_msrp: '% of MSRP',
  lump_sum: 'a lump sum',
};

export function humanizeMessage(message: string): string {
  return message.replace(/\b(\w+)\b/g, (word) => FIELD_WORDS[word] ?? word);
}

/** The problems placed on fields (first message per field), and those no field shows. */
export function placeProblems(problems: Problem[]): {
  errors: Record<string, string>;
  rest: Problem[];
} {
  const errors: Record<string, string> = {};
  const rest: Problem[] = [];
  for (const problem of problems) {
    const field = problemField(problem);
    if (field) errors[field] ??= humanizeMessage(problem.message);
    else rest.push(problem);
  }
  return { errors, rest };
}
