/**
 * Which calibrations a list of risks used (issue 14: every probability says how it was
 * calibrated). A board of many rows normally shares one — the network's latest maps or the
 * shipped default — and says it once; rows computed before a newer fit (a dealer not refreshed
 * since) use another, and then each row says its own.
 */
import type { AgreementRisk } from '../../../shared/schemas/insights';

type Calibration = AgreementRisk['calibration'];

/** Two risks used the same calibration: the same source and, for a network's, the same fit. */
export function calibrationKey(c: Calibration): string {
  return c.source === 'network' ? `network/${c.fittedAt ?? ''}/${c.throughMonth ?? ''}` : 'default';
}

/** The one calibration every risk used, or null when they differ (or there are none). */
export function sharedCalibration(
  risks: readonly { calibration: Calibration }[],
): Calibration | null {
  const first = risks[0]?.calibration;
  if (!first) return null;
  const key = calibrationKey(first);
  return risks.every((r) => calibrationKey(r.calibration) === key) ? first : null;
}
