/**
 * The plan a settlement measures attainment against (docs/incentives.md, "The plan of a
 * period"): each agreement overlapping the window contributes the planned quantity of its
 * periods that start inside the window, taken from the agreement VERSION in force at the
 * window's start, whatever the agreement's status now (active, expired, amended later). A
 * cancelled agreement contributes nothing and says so.
 */
import type { IncentiveDealer } from '../../../shared/schemas/program';

export type AgreementPlanVersion = {
  versionNo: number;
  /** 'YYYY-MM': the month from which the version is in force */
  effectiveMonth: string;
  /** Σ over the version's lines of the planned quantity per agreement period */
  plannedByPeriod: number[];
};

export type AgreementPlanRow = {
  dealerId: number;
  code: string;
  status: string;
  startMonth: string;
  months: number;
  frequency: 'monthly' | 'quarterly';
  /** approved versions, oldest first */
  versions: AgreementPlanVersion[];
};

function monthIdx(month: string): number {
  return Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
}

/** The version in force at the window's start (the first version if the agreement starts later). */
export function versionInForce(
  plan: AgreementPlanRow,
  windowStart: string,
): AgreementPlanVersion | undefined {
  const at = Math.max(monthIdx(windowStart.slice(0, 7)), monthIdx(plan.startMonth));
  let chosen = plan.versions[0];
  for (const v of plan.versions) if (monthIdx(v.effectiveMonth) <= at) chosen = v;
  return chosen;
}

/** Planned quantity of the agreements in the window (periods starting inside it). */
export function plannedIn(plans: AgreementPlanRow[], window: { start: string; end: string }) {
  const from = monthIdx(window.start.slice(0, 7));
  const to = monthIdx(window.end.slice(0, 7));
  let total = 0;
  for (const p of plans) {
    const step = p.frequency === 'quarterly' ? 3 : 1;
    const version = versionInForce(p, window.start);
    version?.plannedByPeriod.forEach((q, i) => {
      const m = monthIdx(p.startMonth) + i * step;
      if (m >= from && m <= to) total += q;
    });
  }
  return total;
}

/**
 * What a dealer's agreements in a window give the engine: whether one is in force (for
 * `requiresActiveAgreement`), the planned quantity, and why there is none when all were cancelled.
 */
export function agreementTerms(
  plans: AgreementPlanRow[] | undefined,
  window: { start: string; end: string },
): Pick<IncentiveDealer, 'hasActiveAgreement' | 'agreementNote'> & { planned: number | null } {
  if (plans === undefined) return { hasActiveAgreement: false, planned: null };
  const inForce = plans.filter((p) => p.status !== 'cancelled' && p.versions.length > 0);
  const cancelled = plans.filter((p) => p.status === 'cancelled');
  return {
    hasActiveAgreement: inForce.length > 0,
    planned: inForce.length > 0 ? plannedIn(inForce, window) : null,
    ...(inForce.length === 0 && cancelled.length > 0
      ? {
          agreementNote: `agreement ${cancelled.map((p) => p.code).join(', ')} was cancelled: a cancelled agreement pays nothing`,
        }
      : {}),
  };
}
