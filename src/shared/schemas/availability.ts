import { z } from 'zod';
import { code, isoDate, isoMonth, MAX_OFFSET, page, pagingQuery } from './common';

export const VEHICLE_EVENTS = [
  'ordered',
  'planned',
  'in_build',
  'built',
  'in_transit',
  'at_dealer',
  'delivered',
  'cancelled',
] as const;
export type VehicleEvent = (typeof VEHICLE_EVENTS)[number];

/** The columns of a pipeline event in JSON, NDJSON and CSV (the CSV header uses these names). */
const OPTIONAL_COLUMNS = [
  'sku',
  'orderType',
  'options',
  'planWeek',
  'plant',
  'eta',
  'deliveryExternalId',
] as const;
export const PIPELINE_COLUMNS = [
  'event',
  'dealerCode',
  'vin',
  'occurredOn',
  ...OPTIONAL_COLUMNS,
  'source',
  'externalId',
] as const;
/** The columns a pipeline event may leave out. */
export const OPTIONAL_PIPELINE_COLUMNS: readonly string[] = OPTIONAL_COLUMNS;

export const pipelineEventInputSchema = z.object({
  event: z.enum(VEHICLE_EVENTS),
  dealerCode: z.string(),
  vin: z.string().length(17),
  occurredOn: isoDate,
  sku: z.string().optional().describe('ordered: required; other events: optional'),
  orderType: z.enum(['dealer', 'stock']).optional().describe('ordered: required'),
  options: z
    .union([z.array(z.string()), z.string()])
    .optional()
    .describe('option codes: an array, or in CSV one field separated by ";"'),
  planWeek: z.string().optional().describe('planned: the ISO week YYYY-Www (required)'),
  plant: z.string().optional().describe('planned: the plant (required)'),
  eta: isoDate.optional().describe('in_transit: the expected arrival at the dealer (required)'),
  deliveryExternalId: z
    .string()
    .optional()
    .describe('delivered: the externalId of the retail delivery in the actuals feed'),
  source: z.string().max(60),
  externalId: z.string().max(120),
});

export const pipelineIngestResultSchema = z.object({
  received: z.number().int(),
  inserted: z.number().int(),
  duplicates: z.number().int(),
  vehicles: z
    .number()
    .int()
    .describe('VINs whose current state was recomputed (0 when `refreshed` is false)'),
  refreshed: z
    .boolean()
    .describe(
      "true when the vehicles' current state (stock, pipeline, days' supply, allocation inputs) already includes the batch; false for a batch of 100,000 new events or more, whose events are stored and whose VINs are refreshed within seconds after, in a transaction of their own",
    ),
});

export const vehicleSchema = z.object({
  vin: z.string(),
  dealerCode: z.string(),
  dealerName: z.string(),
  sku: z.string(),
  skuName: z.string(),
  modelLineCode: z.string(),
  modelLineName: z.string(),
  powertrain: z.string(),
  orderType: z.enum(['dealer', 'stock']),
  options: z.array(z.string()),
  status: z.enum(VEHICLE_EVENTS),
  statusOn: z.string(),
  orderedOn: z.string(),
  planWeek: z.string().nullable(),
  plant: z.string().nullable(),
  eta: z.string().nullable(),
  builtOn: z.string().nullable(),
  arrivedOn: z.string().nullable(),
  deliveredOn: z.string().nullable(),
  ageDays: z.number().int().nullable().describe('days in stock (at the dealer) until today'),
  allocationRun: z.string().nullable(),
});

export const vehicleDetailSchema = vehicleSchema.extend({
  history: z.array(
    z.object({
      event: z.enum(VEHICLE_EVENTS),
      occurredOn: z.string(),
      eta: z.string().nullable(),
      planWeek: z.string().nullable(),
      plant: z.string().nullable(),
      source: z.string(),
      externalId: z.string(),
      receivedAt: z.string(),
    }),
  ),
  delivery: z
    .object({ externalId: z.string(), occurredOn: z.string(), source: z.string() })
    .nullable()
    .describe('the retail delivery of this VIN in the actuals feed, when there is one'),
});

export const vehicleFilterSchema = pagingQuery.extend({
  dealer: code.optional(),
  modelLine: code.optional(),
  status: z.enum(VEHICLE_EVENTS).optional(),
});

const positionSchema = z.object({
  stock: z.number().int(),
  inTransit: z.number().int(),
  inBuild: z.number().int(),
  onOrder: z.number().int(),
  pendingAllocation: z.number().int(),
});

export const modelLineAvailabilitySchema = positionSchema.extend({
  modelLineCode: z.string(),
  modelLineName: z.string(),
  averageStockAgeDays: z.number().nullable(),
  oldestStockDays: z.number().int().nullable(),
  expectedDailySales: z.number(),
  expectedBasis: z.enum(['consensus', 'recent_sales', 'none']),
  daysSupply: z.number().nullable(),
  stockDays: z.number().nullable(),
  nextEta: z.string().nullable(),
  runsOutBeforeNextDelivery: z.boolean(),
  skus: z.array(positionSchema.extend({ sku: z.string(), name: z.string() })),
});

export const allocationResultSchema = z.object({
  run: z.string(),
  round: z.number().int(),
  month: z.string(),
  modelLineCode: z.string(),
  dealerCode: z.string(),
  dealerName: z.string(),
  sku: z.string(),
  skuName: z.string(),
  formulaUnits: z.number().int(),
  units: z.number().int(),
  overrideReason: z.string().nullable(),
  inputs: z.record(z.string(), z.unknown()),
  explanation: z.string(),
  decision: z.enum(['pending', 'accepted', 'declined', 'expired']),
  acceptedUnits: z.number().int(),
  acceptUntil: z.string().nullable(),
});
export type AllocationResult = z.infer<typeof allocationResultSchema>;

export const dealerAvailabilitySchema = z.object({
  dealerCode: z.string(),
  dealerName: z.string(),
  today: z.string(),
  isEvCertified: z.boolean(),
  tier: z.enum(['standard', 'plus', 'premier']),
  modelLines: z.array(modelLineAvailabilitySchema),
  pipeline: z.array(vehicleSchema).describe('vehicles not yet delivered or cancelled, ETA first'),
  allocations: z.array(allocationResultSchema).describe("this month's published allocation"),
  orderable: z.array(
    z.object({
      sku: z.string(),
      name: z.string(),
      modelLineCode: z.string(),
      powertrain: z.string(),
      isAllocated: z
        .boolean()
        .describe('allocated this month: only the units allocated to you can be ordered'),
      allocatedUnits: z.number().int().nullable(),
    }),
  ),
});
export type DealerAvailability = z.infer<typeof dealerAvailabilitySchema>;

export const dealerProfileSchema = z
  .object({
    isEvCertified: z.boolean().optional(),
    tier: z.enum(['standard', 'plus', 'premier']).optional(),
  })
  .strict();

export const allocationSettingsSchema = z.object({
  weightTurnAndEarn: z.number().min(0).max(100),
  weightDaysSupply: z.number().min(0).max(100),
  weightCommitment: z.number().min(0).max(100),
  turnAndEarnDays: z.number().int().min(7).max(366),
  targetDaysSupply: z.number().int().min(1).max(365),
  capStandard: z.number().int().min(0).max(1_000_000).nullable(),
  capPlus: z.number().int().min(0).max(1_000_000).nullable(),
  capPremier: z.number().int().min(0).max(1_000_000).nullable(),
  bevRequiresEvCertification: z.boolean(),
  acceptWindowDays: z.number().int().min(1).max(60),
});
export type AllocationSettings = z.infer<typeof allocationSettingsSchema>;

export const supplyInputSchema = z
  .array(z.object({ sku: code, units: z.number().int().min(0).max(1_000_000) }))
  .min(1)
  .max(500);

export const allocationRunCreateSchema = z
  .object({
    month: isoMonth,
    modelLine: code,
    supply: supplyInputSchema,
  })
  .strict();

export const allocationWhatIfSchema = allocationRunCreateSchema
  .extend({
    settings: allocationSettingsSchema.partial().optional(),
    results: z
      .object({
        sku: code.optional(),
        dealer: code.optional(),
        q: z.string().trim().min(1).max(80).optional(),
        allocatedOnly: z.boolean().optional(),
        limit: z.number().int().min(1).max(1000).default(50),
        offset: z.number().int().min(0).max(MAX_OFFSET).default(0),
      })
      .strict()
      .optional()
      .describe('which page of the results to return (default: the first 50)'),
  })
  .strict();

export const allocationOverrideSchema = z
  .object({
    dealerCode: code,
    sku: code,
    units: z.number().int().min(0).max(1_000_000),
    reason: z.string().trim().min(3).max(500),
  })
  .strict();

export const allocationDecisionSchema = z
  .object({
    dealerCode: code.optional(),
    decisions: z
      .array(z.object({ sku: code, acceptedUnits: z.number().int().min(0).max(1_000_000) }))
      .min(1)
      .max(200),
  })
  .strict();

export const allocationRunSchema = z.object({
  code: z.string(),
  month: z.string(),
  modelLineCode: z.string(),
  modelLineName: z.string(),
  status: z.enum(['draft', 'published', 'what_if']),
  round: z.number().int(),
  acceptUntil: z.string().nullable(),
  supply: z.array(z.object({ sku: z.string(), units: z.number().int() })),
  formula: z.record(z.string(), z.unknown()),
  totals: z
    .array(
      z.object({
        sku: z.string(),
        supply: z.number().int(),
        allocated: z.number().int().describe('units of the first round (never more than supply)'),
        accepted: z.number().int(),
        declined: z.number().int(),
        dealersServed: z.number().int().describe('dealers with units of this SKU in any round'),
        overrides: z.number().int().describe('results overridden by the OEM, with a reason'),
        excluded: z
          .number()
          .int()
          .describe('dealers the rules exclude from this SKU (ineligible, or declined earlier)'),
      }),
    )
    .describe('the summary per SKU; the rows are read by page from …/results'),
  summary: z
    .object({
      supply: z.number().int(),
      allocated: z.number().int(),
      accepted: z.number().int(),
      declined: z.number().int(),
      dealersServed: z.number().int().describe('dealers with units of any SKU'),
      overrides: z.number().int(),
      excluded: z.number().int(),
      results: z.number().int().describe('result rows (dealer × SKU × round) you can see'),
    })
    .describe('the summary of the model line (all SKUs)'),
  createdBy: z.string(),
  publishedAt: z.string().nullable(),
});
export type AllocationRun = z.infer<typeof allocationRunSchema>;

export const allocationRunListSchema = z.array(allocationRunSchema.omit({ formula: true }));
/** A run as listed (without its formula). */
export type AllocationRunSummary = z.infer<typeof allocationRunListSchema>[number];

/** A page of a run's results, filtered (a dealer sees only its own rows). */
export const allocationResultFilterSchema = pagingQuery.extend({
  sku: code.optional(),
  dealer: code.optional(),
  q: z.string().trim().min(1).max(80).optional().describe("part of a dealer's code or name"),
  round: z.coerce.number().int().min(0).max(1000).optional(),
  allocatedOnly: z
    .enum(['true', 'false'])
    .optional()
    .describe('only rows with units (allocated, by the formula or an override)'),
});

/** The what-if's run: the summary and one page of the results the formula would give. */
export const allocationWhatIfRunSchema = allocationRunSchema.extend({
  results: page(allocationResultSchema),
});

export const allocationRunFilterSchema = z.object({
  month: isoMonth.optional(),
  modelLine: code.optional(),
});

export const supplyDemandSchema = z.object({
  month: z.string(),
  basis: z.string(),
  modelLines: z.array(
    z.object({
      modelLineCode: z.string(),
      modelLineName: z.string(),
      forecast: z.number().describe('consensus of the month (else recent monthly sales)'),
      orders: z.number().int().describe('ordered, planned and in build'),
      inTransit: z.number().int(),
      stock: z.number().int(),
      openCommitments: z.number().int(),
      allocated: z.number().int().describe("this month's published allocation"),
    }),
  ),
});
export type SupplyDemand = z.infer<typeof supplyDemandSchema>;

export const supplyDemandQuerySchema = z.object({ month: isoMonth.optional() });
