/**
 * The demo's sustainability and connected-vehicle data (issue 17), seeded after the feed and the
 * programs: the SKUs' environmental data (catalog-data.ts), an illustrative market that applies
 * the EU 2019/631 rules to the (US) demo network, and a consented fleet: for the dealers that
 * have demo users and a few more, up to 24 delivered vehicles each with consents (through the
 * service: each a ledger entry) and telematics readings (through the feed's consent check).
 * Small on purpose: a few hundred rows.
 */
import { SYSTEM_ACTOR } from '../../auth/actor';
import { environmentalData } from '../demo/catalog-data';
import type { Services } from '../../services';
import { createSustainabilityRepository } from '../sustainability/sustainability.repository';

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export const DEMO_MARKET = 'DEMO-EU';

export async function seedSustainability(
  services: Services,
): Promise<{ vehicles: number; consents: number }> {
  const { db } = services;
  // 1. environmental data of the SKUs
  const { rows: skus } = await db.query<{
    code: string;
    segment: string;
    powertrain: string;
    trim: string;
  }>('select code, segment, powertrain, trim from skus');
  const codes: string[] = [];
  const mass: number[] = [];
  const range: number[] = [];
  const battery: string[] = [];
  for (const s of skus) {
    const env = environmentalData(s.segment, s.powertrain as 'ICE', s.trim);
    if (!env) continue;
    codes.push(s.code);
    mass.push(env.massKg);
    range.push(env.electricRangeKm);
    battery.push(env.batteryKwh);
  }
  await db.query(
    `update skus set mass_kg = v.mass, electric_range_km = v.range, battery_kwh = v.battery
     from unnest($1::text[], $2::int[], $3::int[], $4::numeric[]) as v(code, mass, range, battery)
     where skus.code = v.code`,
    [codes, mass, range, battery],
  );

  // 2. the EU rules applied to the demo network, for illustration
  const regs = createSustainabilityRepository(db);
  if ((await regs.findRegulations(DEMO_MARKET)).length === 0) {
    await regs.insertRegulation({
      market: DEMO_MARKET,
      effectiveFrom: '2025-01-01',
      createdBy: 'demo seed',
      document: {
        kind: 'eu_fleet_co2',
        name: 'Illustration: EU 2019/631 rules applied to the demo network',
        legalBasis:
          'Regulation (EU) 2019/631; the demo network is American, the market is a what-if',
        currency: 'EUR',
        countries: ['US'],
        targets: [
          { fromYear: 2025, toYear: 2029, gPerKm: '93.6' },
          { fromYear: 2030, toYear: 2034, gPerKm: '49.5' },
          { fromYear: 2035, toYear: null, gPerKm: '0' },
        ],
        averagingWindows: [{ fromYear: 2025, toYear: 2027 }],
        premiumPerGPerKm: '95',
        massAdjustment: null,
        evShareAskPercent: '25',
        pools: [
          {
            name: 'Open pool with a BEV-only maker',
            fromYear: 2025,
            toYear: 2027,
            members: [{ name: 'Volta Motors', registrations: 3_000, averageGPerKm: '0' }],
          },
        ],
        note: 'Demo only.',
      },
    });
  }

  // 3. a consented fleet
  const today = services.today();
  const { rows: vehicles } = await db.query<{ vin: string; powertrain: string; rn: number }>(
    `with dealers_shown as (
       select id from dealers where id in (select dealer_id from users where dealer_id is not null)
       union (select id from dealers where status = 'active' order by code limit 3))
     select vin, powertrain, rn::int as rn from (
       select t.vin, s.powertrain,
              row_number() over (partition by t.dealer_id order by (s.powertrain = 'BEV') desc, t.occurred_on desc, t.id) as rn
       from transactions t join skus s on s.id = t.sku_id
       where t.kind = 'retail_delivery' and t.vin is not null and t.occurred_on <= $1::date
         and t.dealer_id in (select id from dealers_shown)) x
     where rn <= 24`,
    [today],
  );
  const readings: { vin: string; signal: string; value: number; observedAt: string }[] = [];
  const observedAt = `${addDays(today, -1)}T07:30:00Z`;
  let consents = 0;
  for (const v of vehicles) {
    const base = {
      vin: v.vin,
      ownerRef: `OWNER-${v.vin.slice(-6)}`,
      grantedOn: addDays(today, -200 + v.rn),
      expiresOn: addDays(today, 730),
      source: v.rn % 3 === 0 ? 'dealer' : 'owner app',
    };
    consents++;
    await services.connected.grantConsent({
      actor: SYSTEM_ACTOR,
      data: { ...base, purpose: 'service_reminders', contractEndsOn: null },
    });
    const odometer = 8_000 + ((v.rn * 7919) % 60_000);
    readings.push(
      { vin: v.vin, signal: 'Vehicle.TraveledDistance', value: odometer, observedAt },
      {
        vin: v.vin,
        signal: 'Vehicle.Service.DistanceToService',
        value: (v.rn * 1733) % 15_000,
        observedAt,
      },
    );
    if (v.powertrain !== 'BEV')
      readings.push({
        vin: v.vin,
        signal: 'Forecourt.Service.OilLifeRemaining',
        value: (v.rn * 37) % 100,
        observedAt,
      });
    if (v.powertrain === 'BEV' || v.powertrain === 'PHEV') {
      consents++;
      await services.connected.grantConsent({
        actor: SYSTEM_ACTOR,
        data: { ...base, purpose: 'battery_health', contractEndsOn: null },
      });
      readings.push(
        {
          vin: v.vin,
          signal: 'Vehicle.Powertrain.TractionBattery.StateOfHealth',
          value: 78 + ((v.rn * 13) % 22),
          observedAt,
        },
        {
          vin: v.vin,
          signal: 'Forecourt.Charging.SessionsLast30Days',
          value: 6 + (v.rn % 14),
          observedAt,
        },
        {
          vin: v.vin,
          signal: 'Forecourt.Charging.DcFastShareLast30Days',
          value: (v.rn * 11) % 70,
          observedAt,
        },
      );
    }
    if (v.rn % 2 === 0) {
      consents++;
      await services.connected.grantConsent({
        actor: SYSTEM_ACTOR,
        data: {
          ...base,
          purpose: 'lease_end_offers',
          contractEndsOn: addDays(today, 20 + v.rn * 9),
        },
      });
    }
  }
  if (readings.length > 0)
    await services.connected.ingestTelematics({ actor: SYSTEM_ACTOR, readings });
  return { vehicles: vehicles.length, consents };
}
