/**
 * Dealer opportunities from consented car data (issue 17), pure: derived at read time from the
 * latest readings and the consents valid today, so revoking a purpose (which deletes its
 * readings) removes its opportunities at once.
 *
 *   service_due     Vehicle.Service.IsServiceDue = 1, or DistanceToService ≤ 1,500 km, or
 *                   TimeToService ≤ 30 days, or oil life ≤ 15 %            (service_reminders)
 *   battery_health  TractionBattery.StateOfHealth below the threshold (default 85 %) (battery_health)
 *   trade_in        the lease or finance matures within 180 days           (lease_end_offers)
 */
import type { ConsentPurpose, Opportunity } from '../../../shared/schemas/connected';
import type { ValidConsent } from './connected.repository';

export const SERVICE_DISTANCE_KM = 1500;
export const SERVICE_TIME_S = 30 * 86_400;
export const OIL_LIFE_PCT = 15;
export const TRADE_IN_DAYS = 180;

type Reading = {
  vin: string;
  purpose: ConsentPurpose;
  signal: string;
  value: string;
  observedAt: string;
};

function days(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

export function deriveOpportunities(input: {
  consents: ValidConsent[];
  readings: Reading[];
  today: string;
  batteryThreshold: number;
}): Opportunity[] {
  const consentOf = new Map<string, ValidConsent>();
  for (const c of input.consents) {
    const key = `${c.vin}|${c.purpose}`;
    const prev = consentOf.get(key);
    if (!prev || prev.id < c.id) consentOf.set(key, c);
  }
  const byVin = new Map<string, Map<string, Reading>>();
  for (const r of input.readings) {
    if (!consentOf.has(`${r.vin}|${r.purpose}`)) continue;
    const m = byVin.get(r.vin) ?? new Map<string, Reading>();
    m.set(r.signal, r);
    byVin.set(r.vin, m);
  }
  const consentView = (c: ValidConsent) => ({
    id: c.id,
    purpose: c.purpose,
    ownerRef: c.ownerRef,
    grantedOn: c.grantedOn,
    expiresOn: c.expiresOn,
    source: c.source,
  });
  const shown = (r: Reading) => ({ signal: r.signal, value: r.value, observedAt: r.observedAt });
  const out: Opportunity[] = [];
  for (const [vin, m] of byVin) {
    const due: string[] = [];
    const used: Reading[] = [];
    const check = (signal: string, test: (v: number) => boolean, text: (v: number) => string) => {
      const r = m.get(signal);
      if (r && test(Number(r.value))) {
        due.push(text(Number(r.value)));
        used.push(r);
      }
    };
    check(
      'Vehicle.Service.IsServiceDue',
      (v) => v === 1,
      () => 'the car reports its service due',
    );
    check(
      'Vehicle.Service.DistanceToService',
      (v) => v <= SERVICE_DISTANCE_KM,
      (v) => `service due in ${v} km`,
    );
    check(
      'Vehicle.Service.TimeToService',
      (v) => v <= SERVICE_TIME_S,
      (v) => `service due in ${Math.max(0, Math.round(v / 86_400))} days`,
    );
    check(
      'Forecourt.Service.OilLifeRemaining',
      (v) => v <= OIL_LIFE_PCT,
      (v) => `oil life ${v} %`,
    );
    if (due.length > 0) {
      const odo = m.get('Vehicle.TraveledDistance');
      out.push({
        vin,
        kind: 'service_due',
        why: `${due.join('; ')}${odo ? ` (odometer ${Number(odo.value)} km)` : ''}`,
        signals: [...used, ...(odo ? [odo] : [])].map(shown),
        consent: consentView(consentOf.get(`${vin}|service_reminders`)!),
      });
    }
    const soh = m.get('Vehicle.Powertrain.TractionBattery.StateOfHealth');
    if (soh && Number(soh.value) < input.batteryThreshold) {
      const extra = [
        'Forecourt.Charging.DcFastShareLast30Days',
        'Forecourt.Charging.SessionsLast30Days',
      ]
        .map((s) => m.get(s))
        .filter((r): r is Reading => r !== undefined);
      out.push({
        vin,
        kind: 'battery_health',
        why: `battery state of health ${Number(soh.value)} % (below ${input.batteryThreshold} %)`,
        signals: [soh, ...extra].map(shown),
        consent: consentView(consentOf.get(`${vin}|battery_health`)!),
      });
    }
  }
  for (const c of consentOf.values()) {
    if (c.purpose !== 'lease_end_offers' || !c.contractEndsOn) continue;
    const left = days(input.today, c.contractEndsOn);
    if (left < 0 || left > TRADE_IN_DAYS) continue;
    out.push({
      vin: c.vin,
      kind: 'trade_in',
      why: `lease or finance matures on ${c.contractEndsOn} (in ${left} days)`,
      signals: [],
      consent: consentView(c),
    });
  }
  return out.sort((a, b) => a.kind.localeCompare(b.kind) || a.vin.localeCompare(b.vin));
}
