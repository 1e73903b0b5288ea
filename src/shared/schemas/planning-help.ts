import { z } from 'zod';
import { isoMonth } from './common';
import { FREQUENCIES, TARGET_KINDS } from './agreements';

export const planningHelpQuerySchema = z.object({
  dealerCode: z.string().min(1).max(40),
  startMonth: isoMonth,
  months: z.coerce.number().int().min(1).max(60),
  frequency: z.enum(FREQUENCIES).default('monthly'),
  target: z
    .string()
    .min(1)
    .max(4000)
    .describe('comma-separated line targets KIND:CODE, e.g. model_line:ML-AURA,sku:AURA-LX-ICE'),
});
export type PlanningHelpQuery = z.infer<typeof planningHelpQuerySchema>;

export const PLANNING_BASES = ['consensus', 'history', 'none'] as const;

const planningPeriodSchema = z.object({
  period: z.string(),
  priorYear: z
    .number()
    .int()
    .nullable()
    .describe(
      'actual units of the same months a year earlier; null when those months are not complete',
    ),
  history: z.number().int().nullable().describe('round(priorYear × trend), half-up'),
  consensus: z
    .number()
    .int()
    .nullable()
    .describe(
      'the locked forecast consensus (model lines only); null when no locked cycle covers every month',
    ),
  suggested: z.number().int(),
  basis: z.enum(PLANNING_BASES),
});

export const planningHelpSchema = z.object({
  dealerCode: z.string(),
  periods: z.array(z.string()),
  formula: z.string(),
  lines: z.array(
    z.object({
      target: z.object({ kind: z.enum(TARGET_KINDS), code: z.string(), label: z.string() }),
      trend: z.object({
        recent12: z.number().int().describe('units in the 12 complete months before the anchor'),
        previous12: z.number().int().describe('units in the 12 months before those'),
        factor: z
          .string()
          .describe('recent12 / previous12 capped to 0.50–2.00 (1.00 without history); 2 decimals'),
        anchorMonth: z.string().describe('the earlier of the term start and the current month'),
      }),
      periods: z.array(planningPeriodSchema),
      planned: z
        .array(z.number().int())
        .optional()
        .describe("the agreement's planned units per period (agreement variant only)"),
      totals: z.object({
        priorYear: z.number().int().nullable(),
        history: z.number().int().nullable(),
        consensus: z.number().int().nullable(),
        suggested: z.number().int(),
      }),
    }),
  ),
});
export type PlanningHelp = z.infer<typeof planningHelpSchema>;
