/**
 * The stored form of a program risk's tiers (program_tier_risks.tiers, issue 14 Performance).
 * Most of a risk's drivers are the same under every tier not yet reached (seasonality, the trend
 * against last year, the regional market, the supply, the lines lagging: program-risk.ts
 * `tierDrivers`); only the pace and the plan's ask name their tier. Stored in full under each
 * tier they were most of the nightly run's JSON, parsed and compressed once per tier.
 *
 * Stored, a tier's `drivers` list holds each driver itself or, when the same driver (kind, units,
 * text, additive) stands in the previous open tier's list (the last tier before it with drivers),
 * its index there: `[{pace…}, {plan_vs_run_rate…}, 2, 3, 4, 5, 6]`. `unpackTiers` gives back the
 * lists as computed, so the API answer is unchanged; a row stored before (drivers in full, or
 * none at all) reads as it is. The tiers stay a JSON array of objects with their probability:
 * the SQL that reads them (program-risk-outcomes.repository.ts `endedRisks`) is unchanged.
 */
import type { ProgramTierRisk } from '../../../shared/schemas/program-risk';

type Driver = ProgramTierRisk['drivers'][number];
/** A driver as stored: itself, or its index in the previous open tier's drivers. */
type StoredDriver = Driver | number;
type StoredTier = Omit<ProgramTierRisk, 'drivers'> & { drivers?: StoredDriver[] };

const same = (a: Driver, b: Driver) =>
  a.kind === b.kind && a.units === b.units && a.text === b.text && a.additive === b.additive;

/** The tiers as stored: a driver already in the previous open tier's list by its index there. */
export function packTiers(tiers: readonly ProgramTierRisk[]): StoredTier[] {
  let previous: readonly Driver[] = [];
  return tiers.map((tier) => {
    const drivers = tier.drivers;
    if (drivers.length === 0) return tier;
    const stored = drivers.map((d): StoredDriver => {
      const at = previous.findIndex((p) => same(p, d));
      return at >= 0 ? at : d;
    });
    previous = drivers;
    return { ...tier, drivers: stored };
  });
}

/** The tiers as computed, from their stored form (`packTiers`, or a row stored in full). */
export function unpackTiers(stored: unknown): ProgramTierRisk[] {
  let previous: readonly Driver[] = [];
  return (stored as StoredTier[]).map((tier) => {
    // rows computed before the drivers existed have none
    const drivers = (tier.drivers ?? []).map((d) => {
      if (typeof d !== 'number') return d;
      const driver = previous[d];
      if (!driver) throw new Error(`stored tier ${tier.tier}: no driver ${d} in the tier before`);
      return driver;
    });
    if (drivers.length > 0) previous = drivers;
    return { ...tier, drivers };
  });
}
