/**
 * Sustainability (issue 17): regulations as versioned data, the SKUs' environmental data, the CO2
 * ledger per VIN, the OEM fleet dashboard, the US ZEV view, the dealer dashboard and the what-if.
 * The fleet totals are the whole network's (the premium is one number): they are read as the
 * system, and only the breakdowns (regions, dealers, the ledger) are cut to the reader's scope.
 * Arithmetic: fleet-co2.ts; formulas: docs/sustainability.md.
 */
import { createDealerDashboardService } from './dealer-dashboard.service';
import { createFleetService } from './fleet.service';
import { createRegulationsService } from './regulations.service';
import { createSustainabilityContext, type SustainabilityDeps } from './sustainability-context';
import { createWhatIfService } from './what-if.service';

export { marketFilterOf } from './sustainability-context';

export function createSustainabilityService(deps: SustainabilityDeps) {
  const ctx = createSustainabilityContext(deps);
  return {
    ...createRegulationsService(ctx),
    ...createFleetService(ctx),
    ...createDealerDashboardService(ctx),
    ...createWhatIfService(ctx),
  };
}

export type SustainabilityService = ReturnType<typeof createSustainabilityService>;
