import { z } from 'zod';
import { code, isoMonth, pagingQuery } from './common';

export const regionSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    parentCode: z.string().nullable(),
    path: z.string(),
    isActive: z.boolean(),
    dealerCount: z.number().int(),
  })
  .meta({ id: 'Region' });
export type Region = z.infer<typeof regionSchema>;

/**
 * A new region's code: a plain identifier (letters, digits and inner hyphens). Its path
 * (`/US/US-W/`) is built from codes, so `/`, `_`, `%`, `.` and the like are refused.
 */
export const REGION_CODE_PATTERN = /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/;
export const regionCode = z
  .string()
  .min(1)
  .max(40)
  .regex(REGION_CODE_PATTERN, 'letters, digits and inner "-" only');

export const regionCreateSchema = z.object({
  code: regionCode,
  name: z.string().min(1).max(120),
  parentCode: code.nullable().default(null),
});
export const regionUpdateSchema = z
  .object({ name: z.string().min(1).max(120), isActive: z.boolean() })
  .partial();

export const dealerGroupSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    isActive: z.boolean(),
    dealerCount: z.number().int(),
  })
  .meta({ id: 'DealerGroup' });
export type DealerGroup = z.infer<typeof dealerGroupSchema>;
export const dealerGroupCreateSchema = z.object({ code, name: z.string().min(1).max(120) });
export const dealerGroupUpdateSchema = z
  .object({ name: z.string().min(1).max(120), isActive: z.boolean() })
  .partial();

export const DEALER_STATUSES = ['active', 'inactive'] as const;

export const dealerSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    regionCode: z.string(),
    regionName: z.string(),
    dealerGroupCode: z.string().nullable(),
    stateProvince: z.string(),
    city: z.string().nullable(),
    country: z.string(),
    erpVendorId: z.string().nullable(),
    status: z.enum(DEALER_STATUSES),
  })
  .meta({ id: 'Dealer' });
export type Dealer = z.infer<typeof dealerSchema>;

export const dealerCreateSchema = z.object({
  code,
  name: z.string().min(1).max(160),
  regionCode: code,
  dealerGroupCode: code.nullable().default(null),
  stateProvince: z.string().min(1).max(60),
  city: z.string().max(120).nullable().default(null),
  country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166 two-letter country code'),
  erpVendorId: z.string().max(60).nullable().default(null),
});
export const dealerUpdateSchema = z
  .object({
    name: z.string().min(1).max(160),
    regionCode: code,
    dealerGroupCode: code.nullable(),
    stateProvince: z.string().min(1).max(60),
    city: z.string().max(120).nullable(),
    country: z.string().regex(/^[A-Z]{2}$/),
    erpVendorId: z.string().max(60).nullable(),
    status: z.enum(DEALER_STATUSES),
  })
  .partial();

export const dealerFilterSchema = pagingQuery.extend({
  q: z.string().max(100).optional().describe('matches code, name or city'),
  region: code.optional().describe('region code; includes its sub-regions'),
  dealerGroup: code.optional(),
  state: z.string().max(60).optional(),
  status: z.enum(DEALER_STATUSES).optional(),
  sort: z.enum(['code', 'name', 'region', 'state']).default('code'),
});
export type DealerFilter = z.infer<typeof dealerFilterSchema>;

export const settingsSchema = z
  .object({ fiscalYearStartMonth: z.number().int().min(1).max(12), currency: z.string() })
  .meta({ id: 'Settings' });
export type Settings = z.infer<typeof settingsSchema>;
export const settingsUpdateSchema = z.object({
  fiscalYearStartMonth: z.number().int().min(1).max(12),
});

export const monthlyActualsQuery = z.object({
  from: isoMonth.optional(),
  to: isoMonth.optional(),
  kind: z
    .enum(['retail_net', 'retail_delivery', 'wholesale_order', 'invoice', 'registration'])
    .default('retail_net'),
});

export const dealerMonthlyActualsSchema = z
  .object({
    dealerCode: z.string(),
    months: z.array(z.string()),
    modelLines: z.array(
      z.object({ code: z.string(), name: z.string(), quantities: z.array(z.number().int()) }),
    ),
    totals: z.array(
      z.object({ month: z.string(), quantity: z.number().int(), amount: z.string() }),
    ),
    bevShare: z.array(z.number().nullable()),
  })
  .meta({ id: 'DealerMonthlyActuals' });
export type DealerMonthlyActuals = z.infer<typeof dealerMonthlyActualsSchema>;

export const regionTotalsSchema = z
  .object({
    months: z.array(z.string()),
    regions: z.array(
      z.object({
        code: z.string(),
        name: z.string(),
        dealerCount: z.number().int(),
        quantities: z.array(z.number().int()),
        total: z.number().int(),
        amount: z.string(),
        bevShare: z.number().nullable(),
      }),
    ),
  })
  .meta({ id: 'RegionTotals' });
export type RegionTotals = z.infer<typeof regionTotalsSchema>;
