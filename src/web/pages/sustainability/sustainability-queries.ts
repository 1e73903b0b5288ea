/** Query hooks of the sustainability and connected pages (issue 17). */
import { useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type {
  dealerSustainabilitySchema,
  programCo2Schema,
  FleetDashboard,
  Regulation,
  vehicleDataSchema,
  whatIfResultSchema,
  zevDashboardSchema,
} from '../../../shared/schemas/sustainability';
import type {
  connectedSummarySchema,
  ConsentEntry,
  Opportunity,
} from '../../../shared/schemas/connected';
import { api } from '../../api';

export type DealerSustainability = z.infer<typeof dealerSustainabilitySchema>;
export type ZevDashboard = z.infer<typeof zevDashboardSchema>;
export type VehicleData = z.infer<typeof vehicleDataSchema>;
export type WhatIfResult = z.infer<typeof whatIfResultSchema>;
export type ConnectedSummary = z.infer<typeof connectedSummarySchema>;

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

export type ProgramCo2 = z.infer<typeof programCo2Schema>['items'][number];

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
