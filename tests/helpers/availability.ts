/**
 * Dealer A's pipeline and a published allocation run in which A has units, for the route walks
 * (route-walk.ts) and the availability tests.
 */
import { SYSTEM_ACTOR } from '../../src/server/auth/actor';
import type { Services } from '../../src/server/services';

export const ALPHA_VIN = '1ALPHA0V1N0000001';

export async function seedAvailabilityForA(services: Services): Promise<{ runCode: string }> {
  const events = [
    {
      event: 'ordered',
      vin: ALPHA_VIN,
      occurredOn: '2026-01-05',
      sku: 'AURA-LX-ICE',
      orderType: 'dealer',
    },
    { event: 'in_transit', vin: ALPHA_VIN, occurredOn: '2026-02-01', eta: '2026-02-20' },
  ];
  await services.availability.ingestPipeline({
    actor: SYSTEM_ACTOR,
    format: 'json',
    byteLimit: Infinity,
    body: (async function* () {
      let row = 0;
      for (const e of events)
        yield {
          row: ++row,
          value: {
            ...e,
            dealerCode: 'DLR-ALPHA',
            source: 'plant',
            externalId: `ALPHA-EXT-P${row}`,
          },
        };
    })(),
  });
  const run = await services.allocation.createRun({
    actor: SYSTEM_ACTOR,
    data: {
      month: services.today().slice(0, 7),
      modelLine: 'ML-AURA',
      supply: [{ sku: 'AURA-LX-ICE', units: 6 }],
    },
  });
  await services.allocation.publishRun({ actor: SYSTEM_ACTOR, code: run.code });
  return { runCode: run.code };
}
