/** API shapes of insights (issue 14): commitment risk, the risk board, the dealer outlook, interventions. */
import { z } from 'zod';
import { code } from './common';

const money = z.string().describe("decimal string in the currency's minor unit, rounded half-up");

export const riskDriverSchema = z
  .object({
    kind: z.enum([
      'pace',
      'plan_vs_run_rate',
      'seasonality',
      'last_year',
      'market_trend',
      'availability',
      'sales_end',
      'mix',
      'dealer_expectation',
    ]),
    units: z.number().describe('units this driver adds to the gap (negative: it closes it)'),
    text: z.string(),
    additive: z
      .boolean()
      .optional()
      .describe(
        "false for mix (the lagging lines) and dealer_expectation (the dealer's own forecast-grid adjustments of the remaining months: what they would add to the gap): shown next to the drivers that add up to the gap",
      ),
  })
  .meta({ id: 'RiskDriver' });
export type RiskDriver = z.infer<typeof riskDriverSchema>;

export const INTERVENTION_KINDS = [
  'more_units',
  'allocation',
  'amendment',
  'field_visit',
  'other',
  'incentive_tier',
] as const;

export const riskInterventionSchema = z
  .object({
    kind: z.enum(['more_units', 'allocation', 'amendment', 'field_visit', 'incentive_tier']),
    text: z.string(),
    units: z.number().optional(),
    probability: z.number().optional().describe('the probability the intervention reaches'),
    amount: money.optional().describe('revenue of the units, or the money at stake'),
    modelLine: z.string().optional(),
    line: z.string().optional().describe('the agreement line the units are of (its label)'),
  })
  .meta({ id: 'RiskIntervention' });

export const riskCalibrationUsedSchema = z
  .object({
    source: z
      .enum(['network', 'default'])
      .describe(
        "network: recalibrated on this network's own ended terms (the nightly insights.risk-calibration job); default: the recalibration shipped with the app",
      ),
    fittedAt: z.string().nullable().describe('when the network calibration was fitted'),
    throughMonth: z
      .string()
      .nullable()
      .describe('YYYY-MM: the last month of the ended terms it was fitted on'),
    terms: z.number().int().nullable().describe('ended terms it was fitted on'),
    cases: z.number().int().nullable().describe('backtest cases per elapsed share'),
    text: z.string(),
  })
  .meta({ id: 'RiskCalibrationUsed' });

export const calibrationStartSchema = z
  .object({
    refresh: z
      .boolean()
      .optional()
      .describe(
        "recompute every risk of the network with the new maps when the calibration ends (default false: they are used from the next refresh, nightly or a dealer's batch)",
      ),
  })
  .strict()
  .meta({ id: 'CalibrationStart' });

export const agreementRiskSchema = z
  .object({
    agreementCode: z.string(),
    lineNo: z.number().int().describe('0: the agreement totals'),
    label: z.string(),
    dealerCode: z.string(),
    dealerName: z.string(),
    asOf: z.string().describe('YYYY-MM-DD'),
    elapsedMonths: z.number().int(),
    termMonths: z.number().int(),
    commitment: z.number().int(),
    toDate: z.number().int(),
    probability: z.number().describe('calibrated probability of reaching the commitment'),
    expected: z.number(),
    lower80: z.number(),
    upper80: z.number(),
    shortfallUnits: z.number().describe('expected shortfall E[max(0, commitment − outcome)]'),
    unitValue: money,
    shortfallMoney: money,
    drivers: z.array(riskDriverSchema),
    interventions: z.array(riskInterventionSchema),
    computedAt: z.string(),
    calibration: riskCalibrationUsedSchema,
  })
  .meta({ id: 'AgreementRisk' });
export type AgreementRisk = z.infer<typeof agreementRiskSchema>;

export const riskBoardQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  dealer: code.optional(),
});

export const riskBoardSchema = z
  .object({
    asOf: z.string(),
    currency: z.string(),
    shortfallMoney: money.describe('Σ expected shortfall in money of the listed agreements'),
    items: z.array(agreementRiskSchema),
  })
  .meta({ id: 'RiskBoard' });
export type RiskBoard = z.infer<typeof riskBoardSchema>;

export const agreementRiskDetailSchema = z
  .object({
    agreementCode: z.string(),
    risks: z.array(agreementRiskSchema),
    history: z.array(
      z.object({
        lineNo: z.number().int(),
        day: z.string(),
        probability: z.number(),
        expected: z.number(),
      }),
    ),
  })
  .meta({ id: 'AgreementRiskDetail' });

export const dealerOutlookSchema = z
  .object({
    dealerCode: z.string(),
    dealerName: z.string(),
    currency: z.string(),
    items: z.array(agreementRiskSchema),
    incentive: z
      .object({
        agreementCode: z.string(),
        units: z.number(),
        modelLine: z.string().nullable(),
        currency: z.string(),
        added: money.describe("incentive money the units would add across the dealer's programs"),
        programs: z.array(z.object({ programCode: z.string(), name: z.string(), added: money })),
      })
      .nullable(),
  })
  .meta({ id: 'DealerOutlook' });
export type DealerOutlook = z.infer<typeof dealerOutlookSchema>;

export const interventionBodySchema = z.object({
  dealerCode: code,
  agreementCode: code.optional(),
  programCode: code
    .optional()
    .describe('an incentive_tier intervention: the program whose next tier it aims at'),
  kind: z.enum(INTERVENTION_KINDS),
  note: z.string().max(2000).optional(),
});
export type InterventionBody = z.infer<typeof interventionBodySchema>;

export const interventionSchema = z
  .object({
    id: z.number().int(),
    dealerCode: z.string(),
    agreementCode: z.string().nullable(),
    programCode: z.string().nullable(),
    programTier: z.number().int().nullable().describe('the tier aimed at (1 = lowest)'),
    kind: z.string(),
    note: z.string(),
    probabilityBefore: z.number().nullable(),
    outcome: z.string().nullable().describe('reached | missed once the term is over'),
    outcomeProbability: z.number().nullable(),
    createdByName: z.string(),
    createdAt: z.string(),
    outcomeAt: z.string().nullable(),
    outcomeIsFinal: z
      .boolean()
      .nullable()
      .describe(
        "false while an incentive_tier outcome is provisional (settled before the program window's grace days passed: a late report can still change it); true once it cannot change; null before any outcome",
      ),
    outcomeCorrectedAt: z
      .string()
      .nullable()
      .describe(
        "when a late report changed the tier window's settled outcome (the outcome shown is the corrected one)",
      ),
  })
  .meta({ id: 'Intervention' });
export type InterventionRecord = z.infer<typeof interventionSchema>;

export const interventionsQuerySchema = z.object({ dealer: code.optional() });

export const FLAG_KINDS = [
  'month_end_spike_unwound',
  'unwind_rate',
  'duplicate_vin',
  'claim_not_delivered',
  'self_delivery',
  'demo_loaner_as_retail',
] as const;
export const FLAG_STATUSES = ['open', 'dismissed', 'confirmed'] as const;

export const integrityFlagSchema = z
  .object({
    id: z.number().int(),
    dealerCode: z.string(),
    dealerName: z.string(),
    kind: z.enum(FLAG_KINDS),
    on: z.string().describe('YYYY-MM-DD: the date the pattern concerns'),
    summary: z.string(),
    evidence: z
      .record(z.string(), z.unknown())
      .describe('VINs, dates, amounts, tiers: see docs/insights.md'),
    amountAtStake: money,
    status: z.enum(FLAG_STATUSES),
    reason: z.string().nullable(),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    detectedAt: z.string(),
    chargebacks: z
      .array(
        z.object({
          programCode: z.string(),
          period: z.string().describe('the statement period the adjustment is posted to'),
          amount: money.describe('negative: taken back'),
          explanation: z.string(),
        }),
      )
      .describe("a confirmed flag's chargeback: adjustment lines in the dealer's statements"),
  })
  .meta({ id: 'IntegrityFlag' });
export type IntegrityFlagRecord = z.infer<typeof integrityFlagSchema>;

export const integrityQuerySchema = z.object({ status: z.enum(FLAG_STATUSES).optional() });

export const flagDecisionSchema = z.object({
  decision: z.enum(['dismiss', 'confirm']),
  reason: z.string().max(2000).optional().describe('required to dismiss'),
});
export type FlagDecision = z.infer<typeof flagDecisionSchema>;

export const integritySettingsSchema = z.object({
  lookbackMonths: z.number().int().min(1).max(120),
});

export const integrityScanSchema = z.object({
  lookbackMonths: z.number().int(),
  from: z.string(),
  rows: z.number().int(),
  flags: z.number().int(),
  inserted: z.number().int(),
  dealers: z.number().int(),
});
