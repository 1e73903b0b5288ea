/** API shapes of high performers and the value of interventions (issue 14 §2–3). */
import { z } from 'zod';
import { code, isoMonth } from './common';
import { segmentEffectivenessSchema } from './market';

const featuresSchema = z.object({
  units: z.number().int(),
  revenuePerUnit: z.string().nullable().describe('mix: revenue per unit sold'),
  pace: z.number().nullable().describe("units ÷ the prior 12 months' units − 1"),
  evShare: z.number().nullable().describe('BEV and PHEV share of units'),
  incentivePerUnit: z.string().nullable().describe('incentive uptake: earned per unit sold'),
});

export const dealerPerformanceSchema = z
  .object({
    dealerCode: z.string(),
    dealerName: z.string(),
    regionCode: z.string(),
    effectiveness: z.number().nullable(),
    attainment: z
      .number()
      .nullable()
      .describe("actual ÷ plan over the agreements' complete periods"),
    probability: z
      .number()
      .nullable()
      .describe('mean calibrated probability of reaching its commitments'),
    score: z.number().nullable().describe('mean of the three percentiles (0–1)'),
    rank: z.number().int().nullable(),
    isHighPerformer: z.boolean(),
    features: featuresSchema,
    shortfallMoney: z.string().nullable(),
  })
  .meta({ id: 'DealerPerformance' });
export type DealerPerformanceRecord = z.infer<typeof dealerPerformanceSchema>;

export const distinctionSchema = z.object({
  feature: z.enum(['revenuePerUnit', 'pace', 'evShare', 'incentivePerUnit']),
  highPerformers: z.number().nullable(),
  peers: z.number().nullable(),
  difference: z.number().nullable(),
});

export const performanceQuerySchema = z.object({
  from: isoMonth.optional(),
  to: isoMonth.optional(),
});

export const performanceSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    dealers: z.array(dealerPerformanceSchema),
    distinctions: z.array(distinctionSchema),
  })
  .meta({ id: 'HighPerformers' });
export type PerformanceRecord = z.infer<typeof performanceSchema>;

export const dealerDecompositionSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    dealer: dealerPerformanceSchema,
    peers: z.object({
      dealers: z.number().int(),
      effectiveness: z.number().nullable(),
      attainment: z.number().nullable(),
      probability: z.number().nullable(),
      revenuePerUnit: z.number().nullable(),
      pace: z.number().nullable(),
      evShare: z.number().nullable(),
      incentivePerUnit: z.number().nullable(),
    }),
    segments: z.array(segmentEffectivenessSchema),
  })
  .meta({ id: 'DealerDecomposition' });
export type DealerDecomposition = z.infer<typeof dealerDecompositionSchema>;

export const decompositionParamsSchema = z.object({ code });

const significanceSchema = z
  .object({
    method: z.string(),
    pairs: z
      .number()
      .int()
      .describe("matched treated agreements, each paired with its stratum's comparable ones"),
    comparableAgreements: z.number().int(),
    minimumPairs: z.number().int(),
    enoughData: z.boolean().describe('false: too few pairs, no p-value and no interval'),
    pValue: z
      .number()
      .nullable()
      .describe('two-sided stratified permutation test of no difference'),
    interval: z
      .object({ level: z.number(), low: z.number(), high: z.number() })
      .nullable()
      .describe('stratified bootstrap interval of the difference in attainment'),
    permutations: z.number().int(),
    seed: z.number().int(),
  })
  .describe('whether the difference is more than chance (fixed seed, reproducible)');

/**
 * How each comparison ends: the mean probability when the interventions were logged, the
 * significance of the difference and the strata (region × size band) with their own figures.
 */
function comparisonOf<S extends z.ZodRawShape>(stratum: S) {
  return {
    meanProbabilityBefore: z.number().nullable(),
    significance: significanceSchema,
    strata: z.array(z.object({ regionCode: z.string(), sizeBand: z.string(), ...stratum })),
  };
}

/** The incentive_tier interventions' part: tier attainment of ended program windows. */
export const tierInterventionValueSchema = z
  .object({
    treatedWindows: z
      .number()
      .int()
      .describe('ended dealer × program windows with an incentive_tier intervention'),
    matchedWindows: z.number().int(),
    treatedReached: z
      .number()
      .nullable()
      .describe('share of treated windows that reached the tier aimed at'),
    comparableReached: z
      .number()
      .nullable()
      .describe(
        "share of comparable dealers' windows (no intervention; same region and size band, weighted to the treated strata) that reached their next tier",
      ),
    difference: z.number().nullable(),
    ...comparisonOf({
      treatedWindows: z.number().int(),
      comparableWindows: z.number().int(),
      treatedReached: z.number(),
      comparableReached: z.number().nullable(),
    }),
  })
  .meta({ id: 'TierInterventionValue' });

export const interventionValueSchema = z
  .object({
    treatedAgreements: z.number().int(),
    matchedAgreements: z.number().int(),
    treatedAttainment: z.number().nullable(),
    comparableAttainment: z
      .number()
      .nullable()
      .describe("comparable dealers' attainment, weighted to the treated strata"),
    difference: z.number().nullable(),
    treatedReached: z.number().nullable(),
    comparableReached: z.number().nullable(),
    ...comparisonOf({
      treatedAgreements: z.number().int(),
      comparableAgreements: z.number().int(),
      treatedAttainment: z.number(),
      comparableAttainment: z.number().nullable(),
      treatedReached: z.number(),
      comparableReached: z.number().nullable(),
    }),
    programTiers: tierInterventionValueSchema,
  })
  .meta({ id: 'InterventionValue' });
export type InterventionValue = z.infer<typeof interventionValueSchema>;
