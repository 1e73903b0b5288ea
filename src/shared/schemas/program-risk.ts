/** API shapes of the program tier risks (issue 14 §1): each eligible dealer × running program. */
import { z } from 'zod';
import { code } from './common';
import { riskCalibrationUsedSchema, riskDriverSchema, riskInterventionSchema } from './insights';

const money = z.string().describe("decimal string in the currency's minor unit, rounded half-up");

export const programTierRiskSchema = z
  .object({
    tier: z.number().int().describe('1 = the lowest tier'),
    from: z.string().describe("the tier's `from` in the program's measure"),
    value: z.string(),
    threshold: z
      .number()
      .nullable()
      .describe('the tier on the axis (units, revenue or BEV units); null: out of reach'),
    reached: z.boolean().describe('already reached in the window (probability 1)'),
    probability: z.number().describe('calibrated probability of reaching it by the window end'),
    shortfall: z.number().describe('expected shortfall E[max(0, threshold − outcome)], the axis'),
    unitsNow: z
      .number()
      .int()
      .nullable()
      .describe('units that reach it if added now (nothing else sold)'),
    unitsFor80: z
      .number()
      .int()
      .nullable()
      .describe('units beyond the forecast that lift the probability to 80 %'),
    adds: money.nullable().describe('what reaching the tier adds to what is earned (exact)'),
    pays: money.nullable().describe('what the window earns at the tier (exact)'),
    expectedShortfallMoney: money.describe('(1 − probability) × adds'),
    drivers: z
      .array(riskDriverSchema)
      .describe(
        'why the expected outcome misses (or passes) the threshold, on the axis: the additive drivers add up to threshold − expected (to 0.1); `mix` (lines lagging) is not additive. Empty for a reached tier or one out of reach',
      ),
  })
  .meta({ id: 'ProgramTierRisk' });
export type ProgramTierRisk = z.infer<typeof programTierRiskSchema>;

export const programRiskSchema = z
  .object({
    programCode: z.string(),
    programName: z.string(),
    dealerCode: z.string(),
    dealerName: z.string(),
    period: z.string(),
    windowLabel: z.string(),
    windowStart: z.string(),
    windowEnd: z.string(),
    asOf: z.string().describe('the engine counted the window up to this day'),
    elapsedMonths: z.number().int(),
    termMonths: z.number().int(),
    measure: z.string(),
    axis: z.enum(['units', 'revenue', 'bev_units']),
    measureValue: z.string().nullable().describe("the engine's measure as of `asOf`"),
    toDate: z.number().describe('the axis so far'),
    expected: z.number().describe('expected outcome on the axis at the window end'),
    lower80: z.number(),
    upper80: z.number(),
    tierReached: z.number().int().describe('index of the reached tier (ascending), −1 none'),
    currency: z.string(),
    earned: money,
    shortfallMoney: money.describe("the next tier's expected missed money"),
    tiers: z.array(programTierRiskSchema),
    interventions: z.array(riskInterventionSchema),
    computedAt: z.string(),
    history: z
      .array(
        z.object({
          day: z.string(),
          probabilities: z.array(z.number()).describe("each tier's probability that day"),
          expected: z.number(),
        }),
      )
      .describe('one point per day the risk was computed in this window, oldest first'),
    calibration: riskCalibrationUsedSchema.describe(
      "the recalibration the tiers' probabilities used: the network's own (fitted on its ended terms) or the shipped default",
    ),
  })
  .meta({ id: 'ProgramRisk' });
export type ProgramRisk = z.infer<typeof programRiskSchema>;

export const programRiskQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  dealer: code.optional(),
  program: code.optional(),
});

export const programRiskListSchema = z
  .object({ asOf: z.string().nullable(), items: z.array(programRiskSchema) })
  .meta({ id: 'ProgramRiskList' });
export type ProgramRiskList = z.infer<typeof programRiskListSchema>;
