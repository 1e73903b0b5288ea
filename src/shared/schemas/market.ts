/** API shapes of the market (issue 14 §3): all-brand registrations, areas, sales effectiveness. */
import { z } from 'zod';
import { code, isoMonth } from './common';

export const MARKET_COLUMNS = [
  'area',
  'areaName',
  'areaKind',
  'segment',
  'month',
  'units',
] as const;
export const OPTIONAL_MARKET_COLUMNS = ['areaName', 'areaKind'] as const;
export const AREA_KINDS = ['postcode', 'county'] as const;

export const marketRowInputSchema = z.object({
  area: z
    .string()
    .min(1)
    .max(32)
    .describe('postcode or county code (letters, digits, - _ . space)'),
  areaName: z
    .string()
    .max(120)
    .optional()
    .describe('the area name (kept from the first row naming it)'),
  areaKind: z.enum(AREA_KINDS).optional().describe('default: postcode when it starts with a digit'),
  segment: z
    .string()
    .min(1)
    .max(60)
    .describe('the segment, as on model lines (model_lines.segment)'),
  month: isoMonth,
  units: z.number().int().min(0).max(10_000_000).describe('all-brand registrations'),
});

export const marketIngestResultSchema = z.object({
  received: z.number().int(),
  areas: z.number().int().describe('areas created'),
  changed: z.number().int().describe('keys stored or whose units changed'),
  unchanged: z.number().int().describe('keys sent again with the same units (idempotent)'),
});

export const marketRegistrationSchema = z
  .object({
    area: z.string(),
    areaName: z.string(),
    segment: z.string(),
    month: z.string(),
    units: z.number().int(),
  })
  .meta({ id: 'MarketRegistration' });

export const marketQuerySchema = z.object({
  area: z.string().min(1).max(32).optional(),
  segment: z.string().min(1).max(60).optional(),
  from: isoMonth.optional(),
  to: isoMonth.optional(),
  dealer: code.optional().describe("the dealer's areas of responsibility only"),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});

export const dealerAreasSchema = z.object({
  dealerCode: z.string(),
  areas: z.array(z.object({ code: z.string(), name: z.string(), kind: z.enum(AREA_KINDS) })),
});
export const dealerAreasBodySchema = z.object({
  areas: z.array(z.string().min(1).max(32)).max(2000).describe('area codes (replaces the list)'),
});

export const effectivenessQuerySchema = z.object({
  from: isoMonth.optional().describe('default: 12 months ending with the latest market month'),
  to: isoMonth.optional(),
  dealer: code.optional(),
});

export const segmentEffectivenessSchema = z.object({
  segment: z.string(),
  sales: z.number().int().describe("the dealer's retail deliveries net of unwinds"),
  market: z.number().int().describe("all-brand registrations in the dealer's areas"),
  regionSales: z.number().int(),
  regionMarket: z.number().int(),
  regionShare: z.number().nullable().describe("the brand's share of the segment in the region"),
  expected: z.number().describe('regionShare × market'),
});

export const dealerEffectivenessSchema = z
  .object({
    dealerCode: z.string(),
    dealerName: z.string(),
    regionCode: z.string(),
    areas: z.number().int(),
    sales: z.number().int(),
    expected: z.number(),
    effectiveness: z
      .number()
      .nullable()
      .describe(
        'sales ÷ expected (1 = the region’s share in its own areas); null without a market',
      ),
    segments: z.array(segmentEffectivenessSchema),
  })
  .meta({ id: 'DealerEffectiveness' });
export type DealerEffectiveness = z.infer<typeof dealerEffectivenessSchema>;

export const effectivenessSchema = z
  .object({ from: z.string(), to: z.string(), items: z.array(dealerEffectivenessSchema) })
  .meta({ id: 'SalesEffectiveness' });
export type Effectiveness = z.infer<typeof effectivenessSchema>;
