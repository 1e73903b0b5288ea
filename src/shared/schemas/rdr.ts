import { z } from 'zod';
import { isoDate } from './common';

/** STAR's retail delivery report: what kind of sale a delivery was. */
export const SALE_CATEGORIES = [
  'retail',
  'fleet',
  'lease',
  'demonstrator',
  'loaner',
  'employee',
] as const;
export type SaleCategory = (typeof SALE_CATEGORIES)[number];

export const BUYER_TYPES = ['individual', 'business', 'government', 'dealer'] as const;
export type BuyerType = (typeof BUYER_TYPES)[number];

const money = z
  .string()
  .regex(/^-?\d{1,14}(\.\d{1,2})?$/, 'expected a decimal string with at most 2 decimals');

/**
 * One delivery of a report. Checked row by row in the service (problems carry the row number,
 * from 1, like the actuals feed), then mapped onto a feed row: kind `retail_delivery` (or
 * `unwind` when it cancels an earlier delivery), quantity 1 (−1), occurredOn = deliveryDate,
 * amount = amounts.salePrice.
 */
export const rdrDeliverySchema = z
  .strictObject({
    dealNumber: z
      .string()
      .min(1)
      .max(120)
      .describe("the DMS's deal number: the feed's externalId (with the report's source)"),
    dealerCode: z.string().min(1).max(60),
    vin: z.string().regex(/^[A-HJ-NPR-Z0-9]{17}$/, 'expected a 17-character VIN (no I, O or Q)'),
    sku: z.string().min(1).max(60),
    saleDate: isoDate.describe('the contract date'),
    deliveryDate: isoDate.describe('the delivery to the buyer: the date the sale counts on'),
    saleCategory: z.enum(SALE_CATEGORIES),
    buyer: z.strictObject({
      type: z.enum(BUYER_TYPES),
      postcode: z.string().min(1).max(12).optional(),
      state: z.string().min(1).max(40).optional(),
      country: z
        .string()
        .regex(/^[A-Z]{2}$/, 'expected an ISO 3166 alpha-2 country code')
        .optional(),
    }),
    salespersonId: z.string().min(1).max(60).optional(),
    odometerKm: z.number().int().min(0).max(2_000_000).optional(),
    amounts: z.strictObject({
      salePrice: money.describe('the vehicle sale price, before taxes'),
      currency: z.string().regex(/^[A-Z]{3}$/),
    }),
    cancelsDealNumber: z
      .string()
      .min(1)
      .max(120)
      .optional()
      .describe('a cancellation (unwind) of the earlier delivery with this deal number'),
  })
  .meta({ id: 'RdrDelivery' });
export type RdrDelivery = z.infer<typeof rdrDeliverySchema>;

export const rdrReportSchema = z.strictObject({
  source: z
    .string()
    .min(1)
    .max(60)
    .regex(/^[\w.:-]+$/, 'letters, digits, . _ : -')
    .describe('the sending DMS (the feed source); the key of a delivery is source + dealNumber'),
  deliveries: z
    .array(z.record(z.string(), z.unknown()))
    .min(1)
    .max(10_000)
    .describe('RdrDelivery objects, checked one by one (row = position from 1)'),
});
export type RdrReport = z.infer<typeof rdrReportSchema>;

export const rdrResultSchema = z
  .object({
    batchId: z.number().int(),
    received: z.number().int(),
    inserted: z.number().int(),
    duplicates: z.number().int(),
    dealers: z.number().int(),
    rolledUp: z.boolean(),
    detailsStored: z.number().int().describe('deliveries whose report details were stored now'),
  })
  .meta({ id: 'RdrResult' });
export type RdrResult = z.infer<typeof rdrResultSchema>;
