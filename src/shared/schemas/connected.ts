/**
 * Connected vehicles with consent (issue 17): the consent registry (append-only), the telematics
 * feed (COVESA VSS signal names where one exists, no location) and the dealer opportunities.
 */
import { z } from 'zod';
import { code, isoDate } from './common';

export const CONSENT_PURPOSES = [
  'service_reminders',
  'battery_health',
  'lease_end_offers',
] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

/**
 * The signals the feed takes and the purpose each serves. VSS names (Vehicle.*) where the
 * specification has one; `Forecourt.*` where it has none (a percentage oil life, charging
 * summaries). No location signal is accepted.
 */
export const TELEMATICS_SIGNALS = {
  'Vehicle.TraveledDistance': { purpose: 'service_reminders', unit: 'km' },
  'Vehicle.Service.DistanceToService': { purpose: 'service_reminders', unit: 'km' },
  'Vehicle.Service.TimeToService': { purpose: 'service_reminders', unit: 's' },
  'Vehicle.Service.IsServiceDue': { purpose: 'service_reminders', unit: 'boolean (0/1)' },
  'Forecourt.Service.OilLifeRemaining': { purpose: 'service_reminders', unit: '%' },
  'Vehicle.Powertrain.TractionBattery.StateOfHealth': { purpose: 'battery_health', unit: '%' },
  'Forecourt.Charging.SessionsLast30Days': { purpose: 'battery_health', unit: 'sessions' },
  'Forecourt.Charging.EnergyLast30Days': { purpose: 'battery_health', unit: 'kWh' },
  'Forecourt.Charging.DcFastShareLast30Days': { purpose: 'battery_health', unit: '%' },
} as const satisfies Record<string, { purpose: ConsentPurpose; unit: string }>;
export type TelematicsSignal = keyof typeof TELEMATICS_SIGNALS;

export const vin = z
  .string()
  .regex(/^[A-HJ-NPR-Z0-9]{11,17}$/, 'a VIN: 11–17 letters and digits (no I, O, Q)');
const ownerRef = z.string().min(1).max(80).describe("the owner's reference in the source system");
const source = z
  .string()
  .min(1)
  .max(80)
  .describe('where the consent was given: app, dealer, portal');

export const consentGrantSchema = z
  .strictObject({
    vin,
    ownerRef,
    purpose: z.enum(CONSENT_PURPOSES),
    grantedOn: isoDate,
    expiresOn: isoDate,
    source,
    contractEndsOn: isoDate
      .nullable()
      .default(null)
      .describe('lease or finance maturity (lease_end_offers only)'),
  })
  .meta({ id: 'ConsentGrant' });

export const consentRevokeSchema = z
  .strictObject({ vin, ownerRef, purpose: z.enum(CONSENT_PURPOSES), source })
  .meta({ id: 'ConsentRevoke' });

export const consentEntrySchema = z
  .object({
    id: z.number().int(),
    vin: z.string(),
    ownerRef: z.string(),
    dealerCode: z.string(),
    purpose: z.enum(CONSENT_PURPOSES),
    action: z.enum(['grant', 'revoke']),
    grantedOn: z.string().nullable(),
    expiresOn: z.string().nullable(),
    contractEndsOn: z.string().nullable(),
    source: z.string(),
    recordedAt: z.string(),
    recordedBy: z.string(),
    ledgerSeq: z.number().int().nullable(),
  })
  .meta({ id: 'ConsentEntry' });
export type ConsentEntry = z.infer<typeof consentEntrySchema>;

export const consentListQuery = z.strictObject({
  dealer: code.optional(),
  vin: vin.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export const revokeResultSchema = z
  .object({ entry: consentEntrySchema, deletedSignals: z.number().int() })
  .meta({ id: 'ConsentRevocation' });

export const telematicsBatchSchema = z
  .strictObject({
    readings: z
      .array(
        z.strictObject({
          vin,
          signal: z.string().min(1).max(120),
          value: z.number().finite(),
          observedAt: z.iso.datetime({ offset: true }),
        }),
      )
      .min(1)
      .max(50_000),
  })
  .meta({ id: 'TelematicsBatch' });

export const telematicsResultSchema = z
  .object({ accepted: z.number().int() })
  .meta({ id: 'TelematicsResult' });

export const OPPORTUNITY_KINDS = ['service_due', 'battery_health', 'trade_in'] as const;

export const opportunitySchema = z
  .object({
    vin: z.string(),
    kind: z.enum(OPPORTUNITY_KINDS),
    why: z.string(),
    signals: z.array(z.object({ signal: z.string(), value: z.string(), observedAt: z.string() })),
    consent: z.object({
      id: z.number().int(),
      purpose: z.enum(CONSENT_PURPOSES),
      ownerRef: z.string(),
      grantedOn: z.string(),
      expiresOn: z.string(),
      source: z.string(),
    }),
  })
  .meta({ id: 'ConnectedOpportunity' });
export type Opportunity = z.infer<typeof opportunitySchema>;

export const opportunitiesQuery = z.strictObject({
  batteryThreshold: z.coerce.number().int().min(50).max(100).default(85),
});

export const connectedSummarySchema = z
  .object({
    vehicles: z.number().int(),
    consents: z.array(z.object({ purpose: z.enum(CONSENT_PURPOSES), active: z.number().int() })),
    signals: z.array(z.object({ purpose: z.enum(CONSENT_PURPOSES), count: z.number().int() })),
    opportunities: z.array(z.object({ kind: z.enum(OPPORTUNITY_KINDS), count: z.number().int() })),
    byDealerCount: z.number().int().describe('dealers with at least one consented vehicle'),
  })
  .meta({ id: 'ConnectedSummary' });
export type ConnectedSummary = z.infer<typeof connectedSummarySchema>;
