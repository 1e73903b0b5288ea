import { z } from 'zod';
import { code, decimalString, isoDate, pagingQuery } from './common';

export const POWERTRAINS = ['ICE', 'HEV', 'PHEV', 'BEV', 'FCEV'] as const;
export type Powertrain = (typeof POWERTRAINS)[number];
export const CATALOG_STATUSES = ['active', 'discontinued'] as const;

export const modelLineSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    segment: z.string(),
    status: z.enum(CATALOG_STATUSES),
    skuCount: z.number().int(),
    powertrains: z.array(z.enum(POWERTRAINS)),
    salesEndOn: z
      .string()
      .nullable()
      .describe('the planned last day of sale (YYYY-MM-DD); null: no plan'),
  })
  .meta({ id: 'ModelLine' });
export type ModelLine = z.infer<typeof modelLineSchema>;

/** The planned last day of sale (commitment risk expects no units after it); null clears it. */
const salesEndOn = isoDate
  .nullable()
  .describe('the planned last day of sale (YYYY-MM-DD); null: no plan');

export const modelLineCreateSchema = z.object({
  code,
  name: z.string().min(1).max(120),
  segment: z.string().min(1).max(60),
  salesEndOn: salesEndOn.optional(),
});
export const modelLineUpdateSchema = z
  .object({
    name: z.string().min(1).max(120),
    segment: z.string().min(1).max(60),
    status: z.enum(CATALOG_STATUSES),
    salesEndOn,
  })
  .partial();

export const skuSchema = z
  .object({
    code: z.string(),
    modelLineCode: z.string(),
    modelLineName: z.string(),
    name: z.string(),
    trim: z.string(),
    powertrain: z.enum(POWERTRAINS),
    segment: z.string(),
    msrp: z
      .string()
      .describe('the price valid today (GET /skus/{code}/prices for the history), minor unit'),
    co2GramsPerKm: z.number().int().describe('WLTP combined CO2, g/km'),
    massKg: z.number().int().nullable().describe('mass in running order, kg (issue 17)'),
    electricRangeKm: z.number().int().nullable().describe('WLTP electric range, km'),
    batteryKwh: z.string().nullable().describe('traction battery capacity, kWh (decimal)'),
    launchDate: z.string(),
    status: z.enum(CATALOG_STATUSES),
  })
  .meta({ id: 'Sku' });
export type Sku = z.infer<typeof skuSchema>;

/** What the column holds (numeric(12, 2)): a larger or finer price is refused, not overflowed or rounded. */
const msrp = decimalString.regex(
  /^\d{1,10}(\.\d{1,2})?$/,
  'a price such as "32000.00": up to 10 digits, 2 decimals, not negative',
);

export const skuCreateSchema = z.object({
  code,
  modelLineCode: code,
  name: z.string().min(1).max(160),
  trim: z.string().min(1).max(60),
  powertrain: z.enum(POWERTRAINS),
  segment: z.string().min(1).max(60),
  msrp,
  co2GramsPerKm: z.number().int().min(0).max(1000),
  launchDate: isoDate,
});
export const skuUpdateSchema = z
  .object({
    name: z.string().min(1).max(160),
    trim: z.string().min(1).max(60),
    segment: z.string().min(1).max(60),
    msrp,
    co2GramsPerKm: z.number().int().min(0).max(1000),
    launchDate: isoDate,
    status: z.enum(CATALOG_STATUSES),
  })
  .partial();

export const skuFilterSchema = pagingQuery.extend({
  q: z.string().max(100).optional(),
  modelLine: code.optional(),
  powertrain: z.enum(POWERTRAINS).optional(),
  segment: z.string().max(60).optional(),
  status: z.enum(CATALOG_STATUSES).optional(),
});
export type SkuFilter = z.infer<typeof skuFilterSchema>;

/** One price of a SKU's history (issue 11): valid from its date until the next one. */
export const skuPriceSchema = z
  .object({
    validFrom: z.string(),
    validTo: z.string().nullable().describe('the day before the next price; null: open-ended'),
    msrp: z.string().describe('in the network currency, its minor unit'),
    isCurrent: z.boolean().describe('the price valid today'),
    createdBy: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'SkuPrice' });
export type SkuPrice = z.infer<typeof skuPriceSchema>;

export const skuPriceListSchema = z
  .object({
    sku: z.string(),
    currency: z.string(),
    today: z.string().describe('a new price must be valid from a later date'),
    msrp: z.string().describe('the price valid today'),
    items: z.array(skuPriceSchema).describe('oldest first'),
  })
  .meta({ id: 'SkuPriceList' });
export type SkuPriceList = z.infer<typeof skuPriceListSchema>;

export const skuPriceCreateSchema = z.object({
  validFrom: isoDate.describe('after today: prices are added only forward'),
  msrp: msrp.describe('in the network currency, at most its minor digits'),
});
export type SkuPriceCreate = z.infer<typeof skuPriceCreateSchema>;
