import { z } from 'zod';
import { code, isoDate, isoMonth, rowId } from './common';

export const CYCLE_STATUSES = ['open', 'adjusting', 'review', 'locked', 'published'] as const;
export type CycleStatus = (typeof CYCLE_STATUSES)[number];

/** Why a dealer changed its baseline. */
export const ADJUST_REASONS = [
  'local_demand',
  'fleet_deal',
  'ev_adoption',
  'competitor',
  'supply',
  'other',
] as const;
export type AdjustReason = (typeof ADJUST_REASONS)[number];

export const CYCLE_TRANSITIONS = ['close-window', 'lock', 'publish'] as const;
export type CycleTransition = (typeof CYCLE_TRANSITIONS)[number];

export const ROLLUP_DIMENSIONS = ['region', 'model_line', 'powertrain'] as const;
export type RollupDimension = (typeof ROLLUP_DIMENSIONS)[number];

export const ACCURACY_DIMENSIONS = ['dealer', 'region', 'model_line', 'horizon'] as const;
export type AccuracyDimension = (typeof ACCURACY_DIMENSIONS)[number];

export const FORECAST_STEPS = ['spreadsheet', 'baseline', 'adjusted', 'consensus'] as const;
export type ForecastStep = (typeof FORECAST_STEPS)[number];

export const cycleCreateSchema = z.object({
  cycleMonth: isoMonth
    .optional()
    .describe("the first forecast month (horizon 1); default: today's month"),
  horizon: z.number().int().min(1).max(18).default(12).describe('months ahead, 1–18'),
  historyMonths: z
    .number()
    .int()
    .min(12)
    .max(120)
    .default(48)
    .describe('months of history the baseline uses'),
  adjustUntil: isoDate
    .optional()
    .describe('last day dealers may adjust (inclusive); default: 10 days from today'),
});
export type CycleCreate = z.infer<typeof cycleCreateSchema>;

export const evSignalSchema = z.object({
  regionCode: z.string(),
  bevShareRecent: z.number().nullable(),
  bevSharePrior: z.number().nullable(),
  growth: z.number().nullable(),
  relativeGrowth: z.number(),
});

export const cycleSchema = z
  .object({
    id: z.number().int(),
    cycleMonth: isoMonth,
    months: z.array(isoMonth).describe('the target months, horizon 1 first'),
    status: z.enum(CYCLE_STATUSES),
    horizon: z.number().int(),
    historyMonths: z.number().int(),
    adjustUntil: z.string(),
    isAdjustable: z.boolean().describe('dealers may adjust now'),
    baselineJobId: z.number().int().nullable(),
    baselineError: z.string().nullable(),
    baselineAt: z.string().nullable(),
    signals: z.array(evSignalSchema),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    lockedBy: z.string().nullable(),
    lockedAt: z.string().nullable(),
    publishedAt: z.string().nullable(),
    totals: z
      .object({
        cells: z.number().int(),
        dealers: z.number().int(),
        baseline: z.number(),
        consensus: z.number(),
        adjustedCells: z.number().int(),
        overriddenCells: z.number().int(),
      })
      .describe('over the cells you can see'),
  })
  .meta({ id: 'ForecastCycle' });
export type ForecastCycle = z.infer<typeof cycleSchema>;

export const editSchema = z.object({
  kind: z.enum(['adjust', 'override', 'accept']),
  from: z.number().nullable(),
  to: z.number().nullable(),
  reason: z.string().nullable(),
  comment: z.string().nullable(),
  actor: z.string(),
  at: z.string(),
});
export type ForecastEdit = z.infer<typeof editSchema>;

export const signalEffectSchema = z.object({
  signal: z.literal('ev_adoption'),
  effect: z.number().describe('units of the baseline this signal added (negative: removed)'),
  note: z.string(),
});

export const gridCellSchema = z.object({
  month: isoMonth,
  horizon: z.number().int(),
  baseline: z.number(),
  lower80: z.number(),
  upper80: z.number(),
  lower95: z.number(),
  upper95: z.number(),
  method: z.string(),
  adjusted: z.number().int().nullable(),
  adjustReason: z.enum(ADJUST_REASONS).nullable(),
  adjustComment: z.string().nullable(),
  override: z.number().int().nullable(),
  overrideReason: z.string().nullable(),
  reviewStatus: z.enum(['pending', 'accepted', 'overridden']),
  consensus: z
    .number()
    .describe('override, else the adjustment, else the baseline; frozen when the cycle locks'),
  actual: z.number().nullable().describe('net retail deliveries, once the month has data'),
  signals: z.array(signalEffectSchema),
  edits: z.array(editSchema),
});

export const dealerGridSchema = z
  .object({
    cycle: cycleSchema.pick({
      id: true,
      cycleMonth: true,
      status: true,
      adjustUntil: true,
      isAdjustable: true,
      months: true,
    }),
    dealer: z.object({ code: z.string(), name: z.string(), regionCode: z.string() }),
    reasonCodes: z.array(z.enum(ADJUST_REASONS)),
    historyMonths: z.array(isoMonth),
    lines: z.array(
      z.object({
        modelLine: z.object({
          code: z.string(),
          name: z.string(),
          powertrains: z.array(z.string()),
        }),
        history: z.array(z.number()).describe('net retail deliveries of historyMonths'),
        cells: z.array(gridCellSchema),
      }),
    ),
  })
  .meta({ id: 'ForecastDealerGrid' });
export type DealerGrid = z.infer<typeof dealerGridSchema>;

/** The body of a grid write: 1 to 2,000 cells, each a model line, a month, a value and `extra`. */
function cellsBody<T extends z.ZodRawShape>(extra: T) {
  const cell = z.object({
    modelLine: code,
    month: isoMonth,
    value: z.number().int().min(0, 'a forecast is a non-negative whole number of vehicles'),
    ...extra,
  });
  return z.object({ cells: z.array(cell).min(1).max(2000) });
}

export const adjustBodySchema = cellsBody({
  reason: z.enum(ADJUST_REASONS),
  comment: z.string().max(2000).optional(),
});
export type AdjustBody = z.infer<typeof adjustBodySchema>;

export const overrideBodySchema = cellsBody({
  reason: z.string().min(1).max(2000).describe('why the region overrides'),
});
export type OverrideBody = z.infer<typeof overrideBodySchema>;

export const acceptBodySchema = z.object({
  cells: z
    .array(z.object({ modelLine: code, month: isoMonth }))
    .max(2000)
    .optional()
    .describe("omit to accept every pending adjustment of the dealer's grid"),
  comment: z.string().max(2000).optional(),
});
export type AcceptBody = z.infer<typeof acceptBodySchema>;

export const editResultSchema = z.object({ updated: z.number().int(), grid: dealerGridSchema });

export const rollupQuerySchema = z.object({
  by: z.enum(ROLLUP_DIMENSIONS).default('region'),
});

export const rollupSchema = z.object({
  cycleId: z.number().int(),
  by: z.enum(ROLLUP_DIMENSIONS),
  isLocked: z.boolean(),
  months: z.array(isoMonth),
  rows: z.array(
    z.object({
      key: z.string(),
      label: z.string(),
      baseline: z.array(z.number()),
      adjusted: z.array(z.number()),
      consensus: z.array(z.number()),
      total: z.object({ baseline: z.number(), adjusted: z.number(), consensus: z.number() }),
    }),
  ),
  total: z.object({
    baseline: z.array(z.number()),
    adjusted: z.array(z.number()),
    consensus: z.array(z.number()),
  }),
});
export type Rollup = z.infer<typeof rollupSchema>;

export const demandPlanQuerySchema = z.object({ format: z.enum(['json', 'csv']).default('json') });

export const demandPlanRowSchema = z.object({
  modelLine: z.string(),
  sku: z.string(),
  powertrain: z.string(),
  skuShare: z.number(),
  region: z.string(),
  month: isoMonth,
  quantity: z.number(),
  lower80: z.number(),
  upper80: z.number(),
  lower95: z.number(),
  upper95: z.number(),
});
export type DemandPlanRow = z.infer<typeof demandPlanRowSchema>;

export const demandPlanSchema = z.object({
  cycleId: z.number().int(),
  cycleMonth: isoMonth,
  status: z.enum(CYCLE_STATUSES),
  rows: z.array(demandPlanRowSchema),
});

export const accuracyQuerySchema = z.object({
  cycleId: rowId.optional().describe('default: every locked or published cycle'),
  by: z.enum(ACCURACY_DIMENSIONS).default('region'),
});

const stepMetricsSchema = z.object({
  wape: z.number().nullable().describe('Σ|actual − forecast| / Σ actual, percent'),
  bias: z.number().nullable().describe('Σ(forecast − actual) / Σ actual, percent'),
  mase: z
    .number()
    .nullable()
    .describe('Σ|error| / Σ in-sample seasonal naive MAE of the dealer × model line histories'),
});

const stepsSchema = z.object(
  Object.fromEntries(FORECAST_STEPS.map((s) => [s, stepMetricsSchema])) as Record<
    ForecastStep,
    typeof stepMetricsSchema
  >,
);
export type StepMetrics = z.infer<typeof stepMetricsSchema>;

export const accuracySchema = z
  .object({
    by: z.enum(ACCURACY_DIMENSIONS),
    cycles: z.array(z.object({ id: z.number().int(), cycleMonth: isoMonth })),
    throughMonth: isoMonth.nullable().describe('last complete month of actuals counted'),
    cells: z.number().int().describe('dealer × model line × month cells with actuals'),
    actual: z.number(),
    summary: stepsSchema.describe('dealer × model line × month errors'),
    regionLevel: stepsSchema.describe('errors of region × model line × month sums'),
    valueAdded: z
      .object({
        baselineOverSpreadsheet: z.number().nullable(),
        adjustmentsOverBaseline: z.number().nullable(),
        reviewOverAdjusted: z.number().nullable(),
      })
      .describe('WAPE points removed by each step (positive: the step helped)'),
    groups: z.array(
      z.object({ key: z.string(), label: z.string(), actual: z.number(), steps: stepsSchema }),
    ),
  })
  .meta({ id: 'ForecastAccuracy' });
export type Accuracy = z.infer<typeof accuracySchema>;

/** The region's review list: every dealer in the reader's scope with adjusted or overridden cells. */
export const cycleAdjustmentsSchema = z
  .object({
    cycleId: z.number().int(),
    dealers: z.array(
      z.object({
        code: z.string(),
        name: z.string(),
        regionCode: z.string(),
        pendingCells: z.number().int().describe('adjusted, not yet accepted or overridden'),
        acceptedCells: z.number().int(),
        overriddenCells: z.number().int(),
        baseline: z.number().describe('baseline of the listed cells'),
        consensus: z.number().describe('consensus of the listed cells'),
        cells: z.array(
          z.object({
            modelLine: z.string(),
            modelLineName: z.string(),
            month: isoMonth,
            baseline: z.number(),
            lower80: z.number(),
            upper80: z.number(),
            adjusted: z.number().int().nullable(),
            adjustReason: z.enum(ADJUST_REASONS).nullable(),
            adjustComment: z.string().nullable(),
            adjustedBy: z.string().nullable(),
            override: z.number().int().nullable(),
            overrideReason: z.string().nullable(),
            reviewStatus: z.enum(['pending', 'accepted', 'overridden']),
            consensus: z.number(),
          }),
        ),
      }),
    ),
  })
  .meta({ id: 'ForecastCycleAdjustments' });
export type CycleAdjustments = z.infer<typeof cycleAdjustmentsSchema>;
