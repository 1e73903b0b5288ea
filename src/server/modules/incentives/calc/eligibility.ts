/**
 * Dealer eligibility: `regions`, `dealerGroups` and `dealers` (codes; empty means all). Every
 * non-empty list must match (AND across lists, OR within one); a region matches the dealer's
 * region or any region above it. Only active dealers are eligible, and with
 * `requiresActiveAgreement` only those with a sales agreement in force during the window
 * (whatever its status now; a cancelled one does not count).
 */
import type { IncentiveDealer, ProgramDefinition } from '../../../../shared/schemas/program';

export type EligibilityResult = { eligible: boolean; reasons: string[] };

export function checkEligibility(options: {
  program: Pick<ProgramDefinition, 'eligibility'>;
  dealer: IncentiveDealer;
}): EligibilityResult {
  const { eligibility } = options.program;
  const { dealer } = options;
  const reasons: string[] = [];
  if (dealer.status !== 'active') reasons.push(`dealer ${dealer.code} is not active`);
  if (
    eligibility.regions.length > 0 &&
    !dealer.regionCodes.some((r) => eligibility.regions.includes(r))
  ) {
    reasons.push(`dealer ${dealer.code} is not in the regions ${eligibility.regions.join(', ')}`);
  }
  if (
    eligibility.dealerGroups.length > 0 &&
    (dealer.dealerGroupCode === null || !eligibility.dealerGroups.includes(dealer.dealerGroupCode))
  ) {
    reasons.push(
      `dealer ${dealer.code} is not in the dealer groups ${eligibility.dealerGroups.join(', ')}`,
    );
  }
  if (eligibility.dealers.length > 0 && !eligibility.dealers.includes(dealer.code)) {
    reasons.push(`dealer ${dealer.code} is not one of the program's dealers`);
  }
  if (eligibility.requiresActiveAgreement && dealer.hasActiveAgreement !== true) {
    reasons.push(
      dealer.agreementNote ?? `dealer ${dealer.code} has no active sales agreement in the window`,
    );
  }
  return { eligible: reasons.length === 0, reasons };
}
