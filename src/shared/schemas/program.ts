/**
 * Incentive and rebate program definitions (issue 4): the JSON the API takes and returns, the
 * rules that make a definition valid, and the row shapes the pure calculation engine
 * (src/server/modules/incentives/calc) takes. Rules and choices: docs/incentives.md.
 */
import { z } from 'zod';
import { DECIMAL_PATTERN, SUPPORTED_CURRENCIES, minorUnits } from '../money';
import { POWERTRAINS, type Powertrain } from './catalog';
import { code, isRealDate } from './common';
import { BUYER_TYPES, SALE_CATEGORIES, type BuyerType, type SaleCategory } from './rdr';
import { TRANSACTION_KINDS, type TransactionKind } from './transactions';
import type { VinCorrectionReason } from './incentives';

export const MEASUREMENT_PERIODS = ['month', 'quarter', 'program'] as const;
export type MeasurementPeriod = (typeof MEASUREMENT_PERIODS)[number];
export const PAYOUT_FREQUENCIES = MEASUREMENT_PERIODS;
export type PayoutFrequency = MeasurementPeriod;
export const MEASURES = [
  'units',
  'revenue',
  'agreement_attainment',
  'growth',
  'ev_share',
  'low_co2_units',
] as const;
export type Measure = (typeof MEASURES)[number];
export const GROWTH_BASES = ['units', 'revenue'] as const;
export type GrowthBasis = (typeof GROWTH_BASES)[number];
export const GROWTH_BENEFIT_BASES = ['all', 'increment'] as const;
export type GrowthBenefitBase = (typeof GROWTH_BENEFIT_BASES)[number];
export const TIER_MODES = ['retroactive', 'incremental'] as const;
export type TierMode = (typeof TIER_MODES)[number];
export const BENEFITS = [
  'per_unit',
  'percent_of_revenue',
  'percent_of_msrp',
  'lump_sum',
  'per_g_co2_below',
] as const;
export type Benefit = (typeof BENEFITS)[number];

/** How long each period is, to compare a payout frequency with a measurement period. */
const PERIOD_RANK: Record<MeasurementPeriod, number> = { month: 1, quarter: 2, program: 3 };

const decimal = z
  .string()
  .regex(DECIMAL_PATTERN, 'expected a decimal number as a string, e.g. "1234.50"');

const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine(isRealDate, { message: 'is not a real calendar date', params: { code: 'invalid_date' } });

/** What a program does with a feed row that has no retail delivery report. */
export const WITHOUT_REPORT = ['count_as_retail', 'exclude'] as const;
export type WithoutReport = (typeof WITHOUT_REPORT)[number];

export const programFilterSchema = z
  .strictObject({
    modelLines: z.array(code).default([]).describe('model line codes; empty means all'),
    skus: z.array(code).default([]).describe('SKU codes; empty means all'),
    powertrains: z.array(z.enum(POWERTRAINS)).default([]).describe('empty means all'),
    segments: z.array(z.string().min(1).max(60)).default([]).describe('empty means all'),
    kinds: z
      .array(z.enum(TRANSACTION_KINDS))
      .min(1)
      .default(['retail_delivery'])
      .describe('transaction kinds that count; unwinds of retail kinds always net'),
    excludeSaleCategories: z
      .array(z.enum(SALE_CATEGORIES))
      .optional()
      .describe(
        'sale categories of the retail delivery report that never count (e.g. demonstrator, employee); a row without a report counts as retail (see withoutReport)',
      ),
    excludeBuyerTypes: z
      .array(z.enum(BUYER_TYPES))
      .optional()
      .describe(
        "buyer types of the retail delivery report that never count (e.g. dealer: the dealer's own purchases); a row without a report has no buyer type and is not excluded by this rule",
      ),
    withoutReport: z
      .enum(WITHOUT_REPORT)
      .optional()
      .describe(
        'a row without a retail delivery report (nor one for the sale an unwind reverses): count_as_retail (the default) or exclude',
      ),
  })
  .meta({ id: 'ProgramFilter' });
export type ProgramFilter = z.output<typeof programFilterSchema>;

export const programEligibilitySchema = z
  .strictObject({
    regions: z.array(code).default([]).describe('region codes (with their sub-regions)'),
    dealerGroups: z.array(code).default([]),
    dealers: z.array(code).default([]),
    requiresActiveAgreement: z.boolean().default(false),
  })
  .meta({ id: 'ProgramEligibility' });
export type ProgramEligibility = z.output<typeof programEligibilitySchema>;

export const programTierSchema = z
  .strictObject({
    from: decimal.describe('the measure at which this tier is reached (inclusive)'),
    value: decimal.describe('per unit amount, percentage, or lump sum, by `benefit`'),
  })
  .meta({ id: 'ProgramTier' });
export type ProgramTier = z.output<typeof programTierSchema>;

const programObjectSchema = z.strictObject({
  code,
  name: z.string().min(1).max(160),
  description: z.string().max(4000).default(''),
  currency: z.enum(SUPPORTED_CURRENCIES as [string, ...string[]]),
  startDate: date,
  endDate: date.describe('inclusive'),
  measurementPeriod: z.enum(MEASUREMENT_PERIODS),
  payoutFrequency: z.enum(PAYOUT_FREQUENCIES),
  graceDays: z.number().int().min(0).max(365).default(0),
  eligibility: programEligibilitySchema.prefault({}),
  qualifying: programFilterSchema.prefault({}),
  paying: programFilterSchema.optional().describe('default: the same as qualifying'),
  measure: z.enum(MEASURES),
  growthBasis: z.enum(GROWTH_BASES).optional().describe('required with measure growth'),
  growthBenefitBase: z.enum(GROWTH_BENEFIT_BASES).optional().describe('growth only; default all'),
  tiers: z.array(programTierSchema).min(1).max(50),
  tierMode: z.enum(TIER_MODES).default('retroactive'),
  benefit: z.enum(BENEFITS),
  capPerDealer: decimal.nullable().default(null).describe('per dealer and measurement window'),
  budget: decimal.nullable().default(null).describe('program total; an overrun is shown'),
  requiresClaim: z.boolean().default(false),
  co2ThresholdGPerKm: decimal
    .optional()
    .describe(
      'WLTP CO2 g/km: measure low_co2_units counts the units at or below it; benefit per_g_co2_below pays the tier value per g/km below it per unit',
    ),
});

type Ctx = z.core.$RefinementCtx<unknown>;

function addProblem(ctx: Ctx, path: (string | number)[], problemCode: string, message: string) {
  ctx.addIssue({ code: 'custom', path, message, params: { code: problemCode }, continue: true });
}

function decimalOrNull(value: unknown): { sign: number; text: string } | null {
  if (typeof value !== 'string' || !DECIMAL_PATTERN.test(value)) return null;
  return { sign: value.startsWith('-') && /[1-9]/.test(value) ? -1 : 1, text: value };
}

/** Compares two decimal strings that match DECIMAL_PATTERN exactly (no floats). */
export function compareDecimalStrings(a: string, b: string): number {
  const norm = (s: string) => {
    const negative = s.startsWith('-');
    const [int = '0', frac = ''] = (negative ? s.slice(1) : s).split('.');
    const i = int.replace(/^0+/, '').padStart(16, '0');
    const f = frac.padEnd(6, '0');
    const zero = /^0*$/.test(i + f);
    return { negative: negative && !zero, digits: i + f };
  };
  const x = norm(a);
  const y = norm(b);
  if (x.negative !== y.negative) return x.negative ? -1 : 1;
  const c = x.digits < y.digits ? -1 : x.digits > y.digits ? 1 : 0;
  return x.negative ? -c : c;
}

function fractionDigits(value: string): number {
  const dot = value.indexOf('.');
  return dot < 0 ? 0 : value.length - dot - 1;
}

/**
 * The cross-field rules. Runs even when some fields failed their own checks (so every problem is
 * reported at once), hence the defensive reading of each field.
 */
function checkProgram(raw: unknown, ctx: Ctx): void {
  if (typeof raw !== 'object' || raw === null) return;
  const p = raw as Record<string, unknown>;
  const measure = typeof p.measure === 'string' ? p.measure : undefined;
  const benefit = typeof p.benefit === 'string' ? p.benefit : undefined;
  const tierMode = typeof p.tierMode === 'string' ? p.tierMode : 'retroactive';

  if (
    typeof p.startDate === 'string' &&
    typeof p.endDate === 'string' &&
    isRealDate(p.startDate) &&
    isRealDate(p.endDate) &&
    p.endDate < p.startDate
  ) {
    addProblem(ctx, ['endDate'], 'end_before_start', 'must be on or after startDate');
  }

  if (Array.isArray(p.tiers)) {
    let previous: string | null = null;
    p.tiers.forEach((tier: unknown, i: number) => {
      if (typeof tier !== 'object' || tier === null) return;
      const t = tier as Record<string, unknown>;
      const from = decimalOrNull(t.from);
      const value = decimalOrNull(t.value);
      if (value && value.sign < 0) {
        addProblem(ctx, ['tiers', i, 'value'], 'negative_value', 'must not be negative');
      }
      if (
        value &&
        value.sign > 0 &&
        (benefit === 'percent_of_revenue' || benefit === 'percent_of_msrp') &&
        compareDecimalStrings(value.text, '100') > 0
      ) {
        addProblem(ctx, ['tiers', i, 'value'], 'percentage_out_of_range', 'a percentage above 100');
      }
      if (!from) return;
      if (from.sign < 0 && measure !== 'growth') {
        addProblem(
          ctx,
          ['tiers', i, 'from'],
          'negative_value',
          'must not be negative (only a growth tier may start below zero)',
        );
      }
      if (measure === 'ev_share' && compareDecimalStrings(from.text, '100') > 0) {
        addProblem(ctx, ['tiers', i, 'from'], 'percentage_out_of_range', 'an EV share above 100%');
      }
      if (previous !== null) {
        const c = compareDecimalStrings(from.text, previous);
        if (c === 0) {
          addProblem(
            ctx,
            ['tiers', i, 'from'],
            'tier_duplicated',
            `duplicates the tier from ${previous}`,
          );
        } else if (c < 0) {
          addProblem(
            ctx,
            ['tiers', i, 'from'],
            'tiers_not_ascending',
            `tiers must be in ascending order of from (${from.text} follows ${previous})`,
          );
        }
      }
      previous = from.text;
    });
  }

  if (tierMode === 'incremental' && measure && benefit) {
    const allowed =
      (measure === 'units' && benefit === 'per_unit') ||
      (measure === 'revenue' && benefit === 'percent_of_revenue');
    if (!allowed) {
      addProblem(
        ctx,
        ['tierMode'],
        'incremental_not_allowed',
        `incremental tiers pay only units + per_unit or revenue + percent_of_revenue, not ${measure} + ${benefit}`,
      );
    }
  }

  if (measure && measure !== 'growth') {
    for (const key of ['growthBasis', 'growthBenefitBase'] as const) {
      if (p[key] !== undefined) {
        addProblem(
          ctx,
          [key],
          'growth_option_without_growth',
          'only meaningful with measure growth',
        );
      }
    }
  }
  if (measure === 'growth') {
    if (p.growthBasis === undefined) {
      addProblem(
        ctx,
        ['growthBasis'],
        'required',
        'required with measure growth (units or revenue)',
      );
    }
    if (p.growthBenefitBase === 'increment' && benefit) {
      const basis = p.growthBasis;
      const fits =
        (basis === 'units' && (benefit === 'per_unit' || benefit === 'percent_of_msrp')) ||
        (basis === 'revenue' && benefit === 'percent_of_revenue');
      if (!fits && (basis === 'units' || basis === 'revenue')) {
        addProblem(
          ctx,
          ['growthBenefitBase'],
          'increment_benefit_mismatch',
          basis === 'units'
            ? 'with growthBasis units, increment pays per_unit or percent_of_msrp'
            : 'with growthBasis revenue, increment pays percent_of_revenue',
        );
      }
    }
  }

  const usesCo2 = measure === 'low_co2_units' || benefit === 'per_g_co2_below';
  const threshold = decimalOrNull(p.co2ThresholdGPerKm);
  if (usesCo2 && p.co2ThresholdGPerKm === undefined) {
    addProblem(
      ctx,
      ['co2ThresholdGPerKm'],
      'required',
      'required with measure low_co2_units or benefit per_g_co2_below (g/km)',
    );
  } else if (!usesCo2 && p.co2ThresholdGPerKm !== undefined && measure && benefit) {
    addProblem(
      ctx,
      ['co2ThresholdGPerKm'],
      'co2_option_without_co2',
      'only meaningful with measure low_co2_units or benefit per_g_co2_below',
    );
  }
  if (threshold && threshold.sign < 0) {
    addProblem(ctx, ['co2ThresholdGPerKm'], 'negative_value', 'must not be negative');
  }
  if (threshold && fractionDigits(threshold.text) > 1) {
    addProblem(ctx, ['co2ThresholdGPerKm'], 'too_many_decimals', 'at most one decimal (93.6)');
  }

  if (
    typeof p.payoutFrequency === 'string' &&
    typeof p.measurementPeriod === 'string' &&
    p.payoutFrequency in PERIOD_RANK &&
    p.measurementPeriod in PERIOD_RANK &&
    PERIOD_RANK[p.payoutFrequency as MeasurementPeriod] >
      PERIOD_RANK[p.measurementPeriod as MeasurementPeriod]
  ) {
    addProblem(
      ctx,
      ['payoutFrequency'],
      'payout_longer_than_measurement',
      'each month or quarter measured on its own settles on its own: the payout frequency cannot be longer than the measurement period',
    );
  }

  const currency =
    typeof p.currency === 'string' && SUPPORTED_CURRENCIES.includes(p.currency) ? p.currency : null;
  for (const key of ['capPerDealer', 'budget'] as const) {
    const amount = decimalOrNull(p[key]);
    if (!amount) continue;
    if (amount.sign < 0) addProblem(ctx, [key], 'negative_value', 'must not be negative');
    if (currency && fractionDigits(amount.text) > minorUnits(currency)) {
      addProblem(
        ctx,
        [key],
        'too_many_decimals',
        `${currency} has ${minorUnits(currency)} decimal places`,
      );
    }
  }
}

/** A program definition as the API takes it (before defaults). */
export const programDefinitionSchema = programObjectSchema
  .superRefine((value, ctx) => checkProgram(value, ctx as Ctx), { when: () => true })
  .meta({ id: 'ProgramDefinition' });

export type ProgramDefinitionInput = z.input<typeof programDefinitionSchema>;
/** A parsed program definition: defaults applied and `paying` filled (= qualifying when absent). */
export type ProgramDefinition = Omit<z.output<typeof programDefinitionSchema>, 'paying'> & {
  paying: ProgramFilter;
};

/** One problem in a definition, with the field path ("tiers.1.from"). */
export type ProgramProblem = { path: string; code: string; message: string };

export type ParseProgramResult =
  | { ok: true; program: ProgramDefinition; problems: [] }
  | { ok: false; program: null; problems: ProgramProblem[] };

function issueToProblems(issue: z.core.$ZodIssue): ProgramProblem[] {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: path ? `${path}.${key}` : key,
      code: 'unrecognized_key',
      message: 'is not a field of a program definition',
    }));
  }
  if (issue.code === 'custom') {
    const params = issue.params as { code?: unknown } | undefined;
    return [
      {
        path,
        code: typeof params?.code === 'string' ? params.code : 'invalid',
        message: issue.message,
      },
    ];
  }
  if (issue.code === 'invalid_type' && 'input' in issue && issue.input === undefined) {
    return [{ path, code: 'required', message: 'is required' }];
  }
  if (issue.code === 'invalid_format') {
    return [{ path, code: 'invalid_format', message: issue.message }];
  }
  return [{ path, code: issue.code, message: issue.message }];
}

/**
 * Validates a program definition and reports every problem with its field path. On success the
 * definition has its defaults applied and `paying` filled in.
 */
export function parseProgramDefinition(input: unknown): ParseProgramResult {
  const result = programDefinitionSchema.safeParse(input, { reportInput: true });
  if (!result.success) {
    const problems = result.error.issues.flatMap(issueToProblems);
    return { ok: false, program: null, problems };
  }
  const data = result.data;
  const program: ProgramDefinition = {
    ...data,
    paying: data.paying ?? structuredClone(data.qualifying),
  };
  return { ok: true, program, problems: [] };
}

// ---------------------------------------------------------------------------------------------
// The rows the calculation engine takes (the service loads them with SQL).
// ---------------------------------------------------------------------------------------------

/**
 * One transaction with the attributes of its SKU, as the engine reads it. Field names follow
 * the `Transaction` of ./transactions plus the SKU's powertrain, segment and MSRP.
 */
export type IncentiveTransaction = {
  id: number | string;
  kind: TransactionKind;
  sku: string;
  modelLineCode: string;
  powertrain: Powertrain;
  segment: string;
  /** MSRP of one unit of the SKU, decimal string. */
  msrp: string;
  vin: string | null;
  /** Integer; negative for an unwind. */
  quantity: number;
  /** Total amount of the transaction (not per unit), decimal string; negative for an unwind. */
  amount: string;
  currency: string;
  /** The date the transaction happened, YYYY-MM-DD. */
  occurredOn: string;
  /** When it arrived (ISO date or timestamp; its first 10 characters are the arrival date). */
  receivedAt?: string | null;
  externalId?: string | null;
  /** For an unwind: the externalId of the sale it reverses (else the VIN identifies the sale). */
  originalExternalId?: string | null;
  /**
   * The sale category of its retail delivery report (rdr_sales), when one was sent; for an
   * unwind without its own report, the report of the sale it reverses (originalExternalId).
   */
  saleCategory?: SaleCategory | null;
  /** The buyer type of the same report (null without one). */
  buyerType?: BuyerType | null;
  /** The SKU's WLTP CO2 in g/km (CO2 measures and benefits; null when not loaded). */
  co2GPerKm?: number | null;
};

export const incentiveTransactionSchema = z
  .strictObject({
    id: z.union([z.number().int(), z.string().min(1).max(120)]),
    kind: z.enum(TRANSACTION_KINDS),
    sku: z.string().min(1),
    modelLineCode: z.string().min(1),
    powertrain: z.enum(POWERTRAINS),
    segment: z.string(),
    msrp: decimal,
    vin: z.string().max(17).nullable(),
    quantity: z.number().int(),
    amount: decimal,
    currency: z.string().length(3),
    occurredOn: date,
    receivedAt: z.string().nullable().optional(),
    externalId: z.string().max(120).nullable().optional(),
    originalExternalId: z.string().max(120).nullable().optional(),
    saleCategory: z.enum(SALE_CATEGORIES).nullable().optional(),
    buyerType: z.enum(BUYER_TYPES).nullable().optional(),
    co2GPerKm: z.number().int().min(0).nullable().optional(),
  })
  .meta({ id: 'IncentiveTransaction' });

/** The dealer as eligibility reads it. */
export type IncentiveDealer = {
  code: string;
  /** The dealer's region and all its ancestors (any order). */
  regionCodes: string[];
  dealerGroupCode: string | null;
  status: 'active' | 'inactive';
  /** Whether a sales agreement of the dealer was in force during the window (whatever its status now). */
  hasActiveAgreement?: boolean;
  /** Why there is no agreement in force although there was one (e.g. it was cancelled). */
  agreementNote?: string;
};

/** The benefit paid for one unit in a settled statement: what a later unwind claws back. */
export type SettledUnitBenefit = {
  transactionId: number | string;
  /** The measurement window the benefit was settled in ('2026-03', '2026-Q1', 'program'). */
  window: string;
  vin?: string | null;
  externalId?: string | null;
  /** Units on the settled line (normally 1). */
  quantity: number;
  /** The amount paid for the line, decimal string. */
  amount: string;
  /**
   * Set when the unit was paid by an adjustment naming this claim (a claim approved after its
   * sale's window was settled; `window` is then the adjustment's period): the sale counts in no
   * statement, so an unwind claws it back in any window, the sale's own included.
   */
  claimId?: string | null;
  /**
   * The window whose approved statement clawed it back: it is not clawed back again elsewhere,
   * while that window's later (cumulative) statements keep the clawback they carry.
   */
  clawedBackIn?: string | null;
  /**
   * Set when a correction took the payment back because the VIN earns with another dealer (the
   * first approval keeps it, or another dealer's earlier delivery arrived late): an unwind of the
   * sale takes nothing more and is shown excluded for this reason.
   */
  takenBack?: 'paid_to_other_dealer' | 'delivered_by_other_dealer' | null;
};

/** The same window one year earlier: the basis of measure growth. */
export type PriorYearVolume = {
  /** Net qualifying units in the prior-year window. */
  units: number;
  /** Net qualifying revenue in the prior-year window, decimal string. */
  revenue: string;
  /** Net paying units (default: units); the threshold of growthBenefitBase increment. */
  payingUnits?: number;
  /** Net paying revenue (default: revenue). */
  payingRevenue?: string;
};

/** A statement line added by hand (a dispute's resolution): credit (+) or debit (-). */
export type StatementAdjustment = {
  reference: string;
  amount: string;
  explanation: string;
  /**
   * A correction (docs/incentives.md, "Late rows after settlement"): the settled period it
   * belongs to, the line of that period's statement it corrects (or null) and its feed row.
   */
  correction?: {
    period: string;
    lineNo: number | null;
    transactionId: string | null;
    /** The late row's quantity (a late sale corrected here becomes a settled unit). */
    quantity?: number | null;
    /**
     * Set when another dealer's delivery or approval of the same VIN moved the dealer's own
     * delivery (`deliveryId`): taken back (`vin_paid_to_other_dealer`,
     * `vin_delivered_by_other_dealer`) or paid now that the other sale no longer stands
     * (`vin_freed`). Other correction lines have none.
     */
    reason?: VinCorrectionReason;
    deliveryId?: string;
  };
};
