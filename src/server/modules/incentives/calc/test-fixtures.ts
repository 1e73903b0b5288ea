/** Builders for the engine's tests (not used by production code). */
import {
  parseProgramDefinition,
  type IncentiveDealer,
  type IncentiveTransaction,
  type ProgramDefinition,
  type ProgramDefinitionInput,
} from '../../../../shared/schemas/program';

export function makeProgram(overrides: Partial<ProgramDefinitionInput> = {}): ProgramDefinition {
  const parsed = parseProgramDefinition({
    code: 'TEST',
    name: 'Test program',
    currency: 'USD',
    startDate: '2026-01-01',
    endDate: '2026-03-31',
    measurementPeriod: 'quarter',
    payoutFrequency: 'quarter',
    measure: 'units',
    benefit: 'per_unit',
    tiers: [
      { from: '0', value: '100' },
      { from: '50', value: '200' },
    ],
    ...overrides,
  });
  if (!parsed.ok) throw new Error(`bad test program: ${JSON.stringify(parsed.problems)}`);
  return parsed.program;
}

export const DEALER: IncentiveDealer = {
  code: 'D001',
  regionCodes: ['US-WEST', 'US'],
  dealerGroupCode: 'G1',
  status: 'active',
  hasActiveAgreement: true,
};

let counter = 0;

export function makeSale(overrides: Partial<IncentiveTransaction> = {}): IncentiveTransaction {
  counter++;
  return {
    id: counter,
    kind: 'retail_delivery',
    sku: 'SUV-EV-1',
    modelLineCode: 'SUV',
    powertrain: 'BEV',
    segment: 'suv',
    msrp: '50000.00',
    vin: `VIN${String(counter).padStart(14, '0')}`,
    quantity: 1,
    amount: '45000.00',
    currency: 'USD',
    occurredOn: '2026-02-10',
    receivedAt: null,
    externalId: `EXT-${counter}`,
    ...overrides,
  };
}

/** `count` sales of one unit each, one a day from `start` (ids ascending). */
export function makeSales(
  count: number,
  overrides: Partial<IncentiveTransaction> = {},
  start = '2026-01-05',
): IncentiveTransaction[] {
  const base = Date.parse(`${start}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) =>
    makeSale({
      occurredOn: new Date(base + (i % 80) * 86_400_000).toISOString().slice(0, 10),
      ...overrides,
    }),
  );
}
