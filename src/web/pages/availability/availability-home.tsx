/** "/availability": a dealer's own availability, or the OEM's supply vs demand. */
import { isDealerUser, useMe } from '../../session';
import { DealerAvailabilityPage } from './dealer-availability-page';
import { SupplyDemandPage } from './supply-demand-page';

export function AvailabilityHome() {
  const me = useMe();
  return isDealerUser(me) && (me.scope.dealerCodes?.length ?? 0) >= 1 ? (
    <DealerAvailabilityPage />
  ) : (
    <SupplyDemandPage />
  );
}
