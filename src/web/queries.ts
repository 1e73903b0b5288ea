/**
 * TanStack Query hooks for the API. Types come from src/shared/schemas, the same zod schemas the
 * server validates and documents with.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type {
  DealerGroup,
  Dealer,
  DealerMonthlyActuals,
  Region,
  RegionTotals,
  Settings,
} from '../shared/schemas/network';
import type { ModelLine, Sku } from '../shared/schemas/catalog';
import type { Transaction } from '../shared/schemas/transactions';
import type { DealerHome } from '../shared/schemas/dealer-home';
import type { ApiKey, User } from '../shared/schemas/accounts';
import { api, type Page, type Query } from './api';

export type { DealerMonthlyActuals, RegionTotals, Settings };

/** Long-lived reference data: cached for five minutes. */
const REFERENCE = { staleTime: 5 * 60_000 };

export function useRegions() {
  return useQuery({
    queryKey: ['regions'],
    queryFn: ({ signal }) => api.get<Region[]>('/regions', undefined, signal),
    ...REFERENCE,
  });
}

export function useDealerGroups(isEnabled = true) {
  return useQuery({
    queryKey: ['dealer-groups'],
    queryFn: ({ signal }) => api.get<DealerGroup[]>('/dealer-groups', undefined, signal),
    enabled: isEnabled,
    ...REFERENCE,
  });
}

export function useSettings() {
  return useQuery({
    queryKey: ['settings'],
    queryFn: ({ signal }) => api.get<Settings>('/settings', undefined, signal),
    ...REFERENCE,
  });
}

/** The network's currency (settings), USD until known. */
export function useCurrency(): string {
  return useSettings().data?.currency ?? 'USD';
}

export type DealerFilter = {
  q?: string;
  region?: string;
  dealerGroup?: string;
  state?: string;
  status?: string;
  sort?: string;
  limit: number;
  offset: number;
};

export function useDealers(filter: DealerFilter, isEnabled = true) {
  return useQuery({
    queryKey: ['dealers', filter],
    queryFn: ({ signal }) => api.get<Page<Dealer>>('/dealers', filter, signal),
    placeholderData: keepPreviousData,
    enabled: isEnabled,
  });
}

export function useDealer(code: string) {
  return useQuery({
    queryKey: ['dealer', code],
    queryFn: ({ signal }) =>
      api.get<Dealer>(`/dealers/${encodeURIComponent(code)}`, undefined, signal),
  });
}

/**
 * The dealer page in one request (`GET /dealers/{code}/home`): the dealer, its monthly actuals and
 * its ten newest transactions. Under ['dealer', code], so a change of the dealer refetches it.
 */
export function useDealerHome(code: string) {
  return useQuery({
    queryKey: ['dealer', code, 'home'],
    queryFn: ({ signal }) =>
      api.get<DealerHome>(`/dealers/${encodeURIComponent(code)}/home`, undefined, signal),
  });
}

export function useDealerActuals(code: string, isEnabled: boolean) {
  return useQuery({
    queryKey: ['dealer-actuals', code],
    queryFn: ({ signal }) =>
      api.get<DealerMonthlyActuals>(
        `/dealers/${encodeURIComponent(code)}/actuals/monthly`,
        undefined,
        signal,
      ),
    enabled: isEnabled,
  });
}

export function useRegionTotals(
  query: { region?: string; from?: string; to?: string },
  isEnabled = true,
) {
  return useQuery({
    queryKey: ['region-totals', query],
    queryFn: ({ signal }) => api.get<RegionTotals>('/actuals/regions', query, signal),
    enabled: isEnabled,
    placeholderData: keepPreviousData,
  });
}

export function useModelLines() {
  return useQuery({
    queryKey: ['model-lines'],
    queryFn: ({ signal }) => api.get<ModelLine[]>('/model-lines', undefined, signal),
    ...REFERENCE,
  });
}

export function useSkus(filter: Query) {
  return useQuery({
    queryKey: ['skus', filter],
    queryFn: ({ signal }) => api.get<Page<Sku>>('/skus', filter, signal),
    placeholderData: keepPreviousData,
  });
}

export function useTransactions(filter: Query, isEnabled = true) {
  return useQuery({
    queryKey: ['transactions', filter],
    queryFn: ({ signal }) => api.get<Page<Transaction>>('/transactions', filter, signal),
    placeholderData: keepPreviousData,
    enabled: isEnabled,
  });
}

export function useUsers() {
  return useQuery({
    queryKey: ['users'],
    queryFn: ({ signal }) => api.get<User[]>('/users', undefined, signal),
  });
}

export function useApiKeys() {
  return useQuery({
    queryKey: ['api-keys'],
    queryFn: ({ signal }) => api.get<ApiKey[]>('/api-keys', undefined, signal),
  });
}

/** Regions in tree order with their depth, for pickers and breadcrumbs. */
export function regionTree(regions: Region[]): (Region & { depth: number })[] {
  return [...regions]
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((r) => ({ ...r, depth: r.path.split('/').filter(Boolean).length - 1 }));
}

/** Select options for a region picker: indented by depth. */
export function regionOptions(regions: Region[]): { value: string; label: string }[] {
  return regionTree(regions).map((r) => ({
    value: r.code,
    label: `${'\u2003'.repeat(r.depth)}${r.name} (${r.code})`,
  }));
}
