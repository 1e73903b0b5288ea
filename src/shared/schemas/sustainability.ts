/**
 * Sustainability (issue 17): SKU environmental data, CO2 regulations as versioned data, the CO2
 * ledger per VIN, the fleet and dealer dashboards and the what-if. Formulas: docs/sustainability.md.
 */
import { z } from 'zod';
import { POWERTRAINS } from './catalog';
import { code, decimalString, isoDate } from './common';

const year = z.number().int().min(2000).max(2100);
const gPerKm = decimalString.describe('g/km as a decimal string, e.g. "93.6"');
const country = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 country code');
const state = z.string().regex(/^[A-Z]{2}$/, 'a two-letter state code');

export const marketCode = z
  .string()
  .regex(/^[A-Z0-9][A-Z0-9_-]{0,39}$/, 'upper-case letters, digits, "_" and "-"');

export const euFleetRegulationSchema = z
  .strictObject({
    kind: z.literal('eu_fleet_co2'),
    name: z.string().min(1).max(200),
    legalBasis: z.string().max(400).default(''),
    currency: z.string().regex(/^[A-Z]{3}$/),
    countries: z.array(country).min(1).describe("dealers' countries that register in this market"),
    targets: z
      .array(z.strictObject({ fromYear: year, toYear: year.nullable(), gPerKm }))
      .min(1)
      .describe('fleet target per year range (toYear null: open-ended)'),
    averagingWindows: z
      .array(z.strictObject({ fromYear: year, toYear: year }))
      .default([])
      .describe('years assessed together (2025–2027): emissions and targets pooled'),
    premiumPerGPerKm: decimalString.describe('excess emissions premium per g/km per car'),
    massAdjustment: z
      .strictObject({ a: decimalString, referenceMassKg: z.number().int().min(500).max(5000) })
      .nullable()
      .default(null)
      .describe('target + a × (average mass − reference mass)'),
    evShareAskPercent: decimalString.nullable().default(null).describe("the OEM's ask of dealers"),
    pools: z
      .array(
        z.strictObject({
          name: z.string().min(1).max(120),
          fromYear: year,
          toYear: year,
          members: z
            .array(
              z.strictObject({
                name: z.string().min(1).max(120),
                registrations: z.number().int().min(0),
                averageGPerKm: gPerKm,
              }),
            )
            .min(1),
        }),
      )
      .default([]),
    note: z.string().max(2000).default(''),
  })
  .meta({ id: 'EuFleetRegulation' });

export const usZevRegulationSchema = z
  .strictObject({
    kind: z.literal('us_zev'),
    name: z.string().min(1).max(200),
    zevPowertrains: z.array(z.enum(POWERTRAINS)).min(1),
    requirements: z.array(z.strictObject({ modelYear: year, percent: decimalString })).min(1),
    states: z
      .array(z.strictObject({ state, fromModelYear: year, status: z.string().min(1).max(200) }))
      .min(1),
    statusNote: z.string().max(2000).default(''),
  })
  .meta({ id: 'UsZevRegulation' });

export const regulationDocumentSchema = z.discriminatedUnion('kind', [
  euFleetRegulationSchema,
  usZevRegulationSchema,
]);
export type RegulationDocument = z.infer<typeof regulationDocumentSchema>;
export type EuFleetRegulation = z.infer<typeof euFleetRegulationSchema>;
export type UsZevRegulation = z.infer<typeof usZevRegulationSchema>;

export const regulationCreateSchema = z.strictObject({
  market: marketCode,
  effectiveFrom: isoDate,
  document: regulationDocumentSchema,
});

export const regulationSchema = z
  .object({
    market: z.string(),
    versionNo: z.number().int(),
    effectiveFrom: z.string(),
    isCurrent: z.boolean(),
    createdBy: z.string(),
    createdAt: z.string(),
    document: regulationDocumentSchema,
  })
  .meta({ id: 'Regulation' });
export type Regulation = z.infer<typeof regulationSchema>;

export const vehicleDataSchema = z
  .object({
    sku: z.string(),
    name: z.string(),
    modelLineCode: z.string(),
    modelLineName: z.string(),
    powertrain: z.enum(POWERTRAINS),
    co2GramsPerKm: z.number().int(),
    massKg: z.number().int().nullable(),
    electricRangeKm: z.number().int().nullable(),
    batteryKwh: z.string().nullable(),
  })
  .meta({ id: 'VehicleData' });
export type VehicleData = z.infer<typeof vehicleDataSchema>;

export const vehicleDataUpdateSchema = z
  .strictObject({
    co2GramsPerKm: z.number().int().min(0).max(1000),
    massKg: z.number().int().min(300).max(10000).nullable(),
    electricRangeKm: z.number().int().min(0).max(2000).nullable(),
    batteryKwh: z
      .string()
      .regex(/^\d{1,3}(\.\d)?$/, 'kWh with at most one decimal, e.g. "77.4"')
      .nullable(),
  })
  .partial();

export const co2LedgerQuery = z.strictObject({
  market: marketCode,
  year: z.coerce.number().int().min(2000).max(2100).optional(),
  dealer: code.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
});

export const co2LedgerSchema = z
  .object({
    market: z.string(),
    total: z.number().int(),
    items: z.array(
      z.object({
        vin: z.string().nullable(),
        dealerCode: z.string(),
        registeredOn: z.string(),
        sku: z.string(),
        powertrain: z.string(),
        co2GramsPerKm: z.number().int(),
        quantity: z.number().int(),
        country: z.string().describe('where the vehicle is registered'),
        state: z.string().nullable(),
        placeSource: z
          .enum(['rdr', 'dealer'])
          .describe("the buyer's place from the retail delivery report, or the dealer's"),
      }),
    ),
  })
  .meta({ id: 'Co2Ledger' });

const money = z.string().describe('decimal, the regulation currency');

const fleetYear = z.object({
  year: z.number().int(),
  registrations: z.number().int(),
  averageGPerKm: z.string().nullable().describe('rounded to 3 decimals for display'),
  targetGPerKm: z.string(),
  premium: money,
  isProjected: z.boolean(),
});

export const fleetDashboardSchema = z
  .object({
    market: z.string(),
    name: z.string(),
    currency: z.string(),
    year: z.number().int(),
    window: z.object({ fromYear: z.number().int(), toYear: z.number().int() }),
    premiumPerGPerKm: z.string(),
    zeroEmissionSaves: money.describe(
      'premiumPerGPerKm × target: what one more zero-emission car saves',
    ),
    years: z.array(fleetYear).describe('each year of the window: actual, or actual + forecast'),
    windowAverageGPerKm: z.string().nullable(),
    windowTargetGPerKm: z.string().nullable(),
    windowPremium: money,
    projection: z
      .object({
        cycleMonth: z.string(),
        units: z.object({ low: z.number().int(), mid: z.number().int(), high: z.number().int() }),
        premium: z.object({ low: money, mid: money, high: money }),
        averageGPerKm: z.object({ low: z.string(), mid: z.string(), high: z.string() }),
      })
      .nullable()
      .describe(
        'the window premium with the forecast consensus (80 % interval) for the months ahead',
      ),
    shadowPrices: z.array(
      z.object({
        modelLineCode: z.string(),
        modelLineName: z.string(),
        averageGPerKm: z.string(),
        perUnit: money.describe('premiumPerGPerKm × (e − target): the premium one more car adds'),
      }),
    ),
    regions: z.array(
      z.object({
        code: z.string(),
        name: z.string(),
        registrations: z.number().int(),
        averageGPerKm: z.string().nullable(),
        bevShare: z.string().nullable(),
        bevsNeeded: z.number().int(),
      }),
    ),
    dealers: z.array(
      z.object({
        code: z.string(),
        name: z.string(),
        regionCode: z.string(),
        registrations: z.number().int(),
        averageGPerKm: z.string().nullable(),
        contribution: money,
        bevsNeeded: z.number().int(),
      }),
    ),
    pools: z.array(
      z.object({
        name: z.string(),
        averageGPerKm: z.string().nullable(),
        premium: money,
        saving: money.describe('own window premium − pooled premium'),
      }),
    ),
  })
  .meta({ id: 'FleetDashboard' });
export type FleetDashboard = z.infer<typeof fleetDashboardSchema>;

export const zevDashboardSchema = z
  .object({
    market: z.string(),
    name: z.string(),
    modelYear: z.number().int(),
    requiredPercent: z.string().nullable(),
    statusNote: z.string(),
    states: z.array(
      z.object({
        state: z.string(),
        status: z.string(),
        inForce: z.boolean(),
        deliveries: z.number().int(),
        zevDeliveries: z.number().int(),
        zevSharePercent: z.string().nullable(),
        zevNeeded: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'ZevDashboard' });
export type ZevDashboard = z.infer<typeof zevDashboardSchema>;

export const dealerSustainabilitySchema = z
  .object({
    dealerCode: z.string(),
    dealerName: z.string(),
    market: z.string(),
    currency: z.string(),
    year: z.number().int(),
    targetGPerKm: z.string(),
    registrations: z.number().int(),
    evUnits: z.number().int(),
    evSharePercent: z.string().nullable(),
    evShareAskPercent: z.string().nullable(),
    averageGPerKm: z.string().nullable(),
    contribution: money.describe("premiumPerGPerKm × Σ(e − target): the dealer's share, ±"),
    nextSale: z.array(
      z.object({
        modelLineCode: z.string(),
        modelLineName: z.string(),
        powertrain: z.string(),
        co2GramsPerKm: z.number().int(),
        value: money.describe('premium avoided (positive) or added (negative) by one more sale'),
      }),
    ),
    evIncentives: z.array(
      z.object({
        code: z.string(),
        name: z.string(),
        benefit: z.string(),
        perUnit: z.string().nullable(),
        currency: z.string(),
      }),
    ),
  })
  .meta({ id: 'DealerSustainability' });
export type DealerSustainability = z.infer<typeof dealerSustainabilitySchema>;

export const whatIfSchema = z.strictObject({
  market: marketCode,
  modelLine: code,
  region: code,
  units: z.number().int().min(1).max(1_000_000),
});

export const whatIfResultSchema = z
  .object({
    market: z.string(),
    year: z.number().int(),
    sku: z.string().describe('the BEV SKU of the line the units are counted as'),
    units: z.number().int(),
    before: z.object({ averageGPerKm: z.string().nullable(), premium: money }),
    after: z.object({ averageGPerKm: z.string().nullable(), premium: money }),
    premiumChange: money,
    incentiveCost: money.nullable().describe('units × the per-unit BEV incentives of the line'),
    incentivePrograms: z.array(z.string()),
  })
  .meta({ id: 'WhatIfResult' });
export type WhatIfResult = z.infer<typeof whatIfResultSchema>;

export const programCo2Schema = z
  .object({
    items: z.array(
      z.object({
        code: z.string(),
        name: z.string(),
        currency: z.string(),
        units: z.number().int(),
        co2ReductionGPerKm: z.string().describe('Σ (target − e) over the units it pays on'),
        perUnitIncentive: z.string().nullable(),
        gPerKmPerThousand: z.string().nullable().describe('CO2 reduction per 1,000 of incentive'),
        basis: z
          .enum(['statements', 'estimate'])
          .describe(
            "statements: exact, from the program's approved statements of the year (their earned amounts and the units their lines paid on); estimate: units covered × the entry tier's per-unit value",
          ),
        statements: z.number().int().describe('approved statements the figures come from'),
        incentive: z
          .string()
          .nullable()
          .describe('the incentive the figures divide by (earned, or the estimate)'),
      }),
    ),
  })
  .meta({ id: 'ProgramCo2' });
/** One program of the CO2 view. */
export type ProgramCo2 = z.infer<typeof programCo2Schema>['items'][number];
