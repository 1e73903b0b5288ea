import { z } from 'zod';
import { isoMonth } from './common';

const plant = z
  .string()
  .min(1)
  .max(10)
  .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ -');

export const productionPlantsInputSchema = z.strictObject({
  defaultPlant: plant.describe('the plant of every model line and SKU not listed'),
  byModelLine: z.record(z.string().min(1).max(40), plant).describe('model line code → plant'),
  bySku: z.record(z.string().min(1).max(60), plant).describe('SKU code → plant (wins)'),
});
export const productionPlantsSchema = productionPlantsInputSchema.meta({
  id: 'ProductionPlants',
});
export type ProductionPlants = z.infer<typeof productionPlantsSchema>;

export const productionPlanRowSchema = z
  .object({
    plant: z.string(),
    sku: z.string(),
    modelLine: z.string(),
    powertrain: z.string(),
    month: isoMonth,
    periodStart: z.string().describe('the first day of the month (SAP PIR period start)'),
    quantity: z.number().int().describe('whole units; the region split sums exactly to the plan'),
    lower80: z.number(),
    upper80: z.number(),
    lower95: z.number(),
    upper95: z.number(),
  })
  .meta({ id: 'ProductionPlanRow' });
export type ProductionPlanRow = z.infer<typeof productionPlanRowSchema>;

export const productionPlanSchema = z
  .object({
    cycleId: z.number().int(),
    cycleMonth: isoMonth,
    version: z.string().describe('the plan version the ERP keeps (DP-<cycle month>)'),
    status: z.string(),
    rows: z.array(productionPlanRowSchema),
  })
  .meta({ id: 'ProductionPlan' });
export type ProductionPlan = z.infer<typeof productionPlanSchema>;

export const productionPlanQuerySchema = z.object({
  format: z.enum(['json', 'csv']).default('json'),
});
