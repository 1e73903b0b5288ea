/** Query hooks of the sustainability and connected pages (issue 17). */
import { useQuery } from '@tanstack/react-query';
import type {
  DealerSustainability,
  FleetDashboard,
  ProgramCo2,
  Regulation,
  VehicleData,
  WhatIfResult,
  ZevDashboard,
} from '../../../shared/schemas/sustainability';
import type {
  ConnectedSummary,
  ConsentEntry,
  Opportunity,
} from '../../../shared/schemas/connected';
import { api } from '../../api';

/** Types the pages take from here with the hooks. */
export type { VehicleData, WhatIfResult };

export function useRegulations() {
  return useQuery({
    queryKey: ['sustainability', 'regulations'],
    queryFn: () => api.get<{ items: Regulation[] }>('/sustainability/regulations'),
  });
}

/** The markets (current versions), the most recently added first. */
export function currentMarkets(items: Regulation[] | undefined): Regulation[] {
  return (items ?? [])
    .filter((r) => r.isCurrent)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.market.localeCompare(b.market));
}

export function useFleet(market: string | null) {
  return useQuery({
    queryKey: ['sustainability', 'fleet', market],
    queryFn: () => api.get<FleetDashboard>('/sustainability/fleet', { market }),
    enabled: market !== null,
  });
}

export function useProgramCo2(market: string | null) {
  return useQuery({
    queryKey: ['sustainability', 'programs', market],
    queryFn: () => api.get<{ items: ProgramCo2[] }>('/sustainability/programs', { market }),
    enabled: market !== null,
  });
}

export function useZev(market: string | null) {
  return useQuery({
    queryKey: ['sustainability', 'zev', market],
    queryFn: () => api.get<ZevDashboard>('/sustainability/zev', { market }),
    enabled: market !== null,
  });
}

export function useDealerSustainability(code: string | null, market: string | null) {
  return useQuery({
    queryKey: ['sustainability', 'dealer', code, market],
    queryFn: () =>
      api.get<DealerSustainability>(`/sustainability/dealers/${encodeURIComponent(code!)}`, {
        market,
      }),
    enabled: code !== null && market !== null,
  });
}

export function useVehicleData() {
  return useQuery({
    queryKey: ['sustainability', 'vehicle-data'],
    queryFn: () => api.get<{ items: VehicleData[] }>('/sustainability/vehicle-data'),
  });
}

export function useConnectedSummary() {
  return useQuery({
    queryKey: ['connected', 'summary'],
    queryFn: () => api.get<ConnectedSummary>('/connected/summary'),
  });
}

export function useOpportunities(code: string | null) {
  return useQuery({
    queryKey: ['connected', 'opportunities', code],
    queryFn: () =>
      api.get<{ items: Opportunity[] }>(
        `/connected/dealers/${encodeURIComponent(code!)}/opportunities`,
      ),
    enabled: code !== null,
  });
}

export function useConsents(code: string | null) {
  return useQuery({
    queryKey: ['connected', 'consents', code],
    queryFn: () => api.get<{ items: ConsentEntry[] }>('/connected/consents', { dealer: code }),
    enabled: code !== null,
  });
}
