/**
 * Program publishing with its cost (issue 13): a program's latest version (the draft about to be
 * published) simulated on the forecast — the expected cost with an 80 % interval, the dealers
 * expected per tier, against the budget. Rules: docs/incentives.md, "Simulating a program".
 */
import { z } from 'zod';
import { rowId } from './common';

export const programSimulationQuerySchema = z.object({
  cycleId: rowId
    .optional()
    .describe('the forecast cycle to simulate on; default: the latest cycle with a baseline'),
});

const tierSchema = z.object({
  from: z.string(),
  value: z.string(),
  /** dealers expected to reach this tier (and no higher one), mean over the windows simulated */
  dealers: z.number(),
});

export const programSimulationSchema = z
  .object({
    programCode: z.string(),
    name: z.string(),
    versionNo: z.number().int(),
    currency: z.string(),
    measure: z.string(),
    cycle: z.object({ id: z.number().int(), cycleMonth: z.string(), status: z.string() }),
    /** false when the forecast cannot tell the measure (growth, agreement attainment) */
    estimable: z.boolean(),
    /** why not estimable, or what the estimate leaves out, in words */
    notes: z.array(z.string()),
    coverage: z.object({
      /** months of the program (first to last) */
      programMonths: z.number().int(),
      /** of which the forecast covers */
      forecastMonths: z.number().int(),
      firstMonth: z.string().nullable(),
      lastMonth: z.string().nullable(),
    }),
    dealers: z.object({
      /** eligible dealers in the reader's scope */
      eligible: z.number().int(),
      /** of which with forecast units the program counts */
      withForecast: z.number().int(),
    }),
    /** the mean cost over the simulated outcomes, whole currency units (an estimate, never booked) */
    expectedCost: z.string(),
    /** the cost if every forecast cell lands exactly on its figure */
    atForecast: z.string(),
    interval: z.object({ level: z.literal(80), low: z.string(), high: z.string() }),
    budget: z.string().nullable(),
    /** expected (mean) cost × 100 / budget, one decimal */
    budgetUsePercent: z.number().nullable(),
    /** share of simulated outcomes above the budget, in % */
    overBudgetChance: z.number().nullable(),
    belowFirstTier: z.number(),
    tiers: z.array(tierSchema),
    windows: z.array(
      z.object({
        label: z.string(),
        start: z.string(),
        end: z.string(),
        forecast: z.boolean(),
        expectedCost: z.string(),
        /** per tier, in the program's order; dealers at the expected forecast */
        dealersPerTier: z.array(z.number().int()),
      }),
    ),
  })
  .meta({ id: 'ProgramSimulation' });
export type ProgramSimulation = z.infer<typeof programSimulationSchema>;
