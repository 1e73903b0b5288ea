/**
 * TanStack Query hooks for agreements, their progress, versions, the ledger check and the
 * notifications. Types come from src/shared/schemas/agreements (the schemas the server validates
 * and documents with).
 */
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  Agreement,
  AgreementProgress,
  AgreementRollup,
  AgreementStatus,
  AgreementSummary,
  AgreementTerms,
  AppNotification,
  LedgerVerification,
  LineChange,
  ProductGroup,
} from '../../../shared/schemas/agreements';
import { api, type Page } from '../../api';

/** Types the pages take from here with the hooks. */
export type { AppNotification, LineChange };

/** One approved version (GET /agreements/:id/versions). */
export type AgreementVersion = {
  agreementCode: string;
  versionNo: number;
  sha256: string;
  approvedBy: string | null;
  createdAt: string;
  terms: AgreementTerms;
  changes: LineChange[];
};

export type AgreementSort = 'code' | 'dealer' | 'attainment' | 'gap' | 'projection';

export type AgreementListFilter = {
  dealer?: string;
  region?: string;
  status?: AgreementStatus;
  period?: string;
  q?: string;
  sort?: AgreementSort;
  order?: 'asc' | 'desc';
  limit: number;
  offset: number;
};

export const agreementKeys = {
  all: ['agreements'] as const,
  list: (filter: unknown) => ['agreements', 'list', filter] as const,
  rollup: (filter: unknown) => ['agreements', 'rollup', filter] as const,
  one: (id: number) => ['agreements', 'one', id] as const,
  progress: (id: number) => ['agreements', 'progress', id] as const,
  versions: (id: number) => ['agreements', 'versions', id] as const,
};

export function useAgreements(filter: AgreementListFilter, isEnabled = true) {
  return useQuery({
    queryKey: agreementKeys.list(filter),
    queryFn: ({ signal }) => api.get<Page<AgreementSummary>>('/agreements', filter, signal),
    placeholderData: keepPreviousData,
    enabled: isEnabled,
  });
}

/** Term-to-date figures summed by region (one level below the region filter) or model line. */
export function useAgreementRollup(
  by: AgreementRollup['by'],
  filter: Omit<AgreementListFilter, 'limit' | 'offset' | 'sort' | 'order'>,
  isEnabled = true,
) {
  return useQuery({
    queryKey: agreementKeys.rollup({ by, ...filter }),
    queryFn: ({ signal }) =>
      api.get<AgreementRollup>('/agreements/rollup', { by, ...filter }, signal),
    placeholderData: keepPreviousData,
    enabled: isEnabled,
  });
}

export function useAgreement(id: number) {
  return useQuery({
    queryKey: agreementKeys.one(id),
    queryFn: ({ signal }) => api.get<Agreement>(`/agreements/${id}`, undefined, signal),
    enabled: Number.isInteger(id) && id > 0,
  });
}

export function useAgreementProgress(id: number, isEnabled = true) {
  return useQuery({
    queryKey: agreementKeys.progress(id),
    queryFn: ({ signal }) =>
      api.get<AgreementProgress>(`/agreements/${id}/progress`, undefined, signal),
    enabled: isEnabled,
    // Actuals move with the feed: refresh while the page is open.
    refetchInterval: 60_000,
  });
}

export function useAgreementVersions(id: number) {
  return useQuery({
    queryKey: agreementKeys.versions(id),
    queryFn: ({ signal }) =>
      api.get<AgreementVersion[]>(`/agreements/${id}/versions`, undefined, signal),
  });
}

export function useLedgerVerification(isEnabled: boolean) {
  return useQuery({
    queryKey: ['ledger-verify'],
    queryFn: ({ signal }) => api.get<LedgerVerification>('/ledger/verify', undefined, signal),
    enabled: isEnabled,
    staleTime: 60_000,
  });
}

export function useNotifications() {
  return useQuery({
    queryKey: ['notifications'],
    queryFn: ({ signal }) => api.get<AppNotification[]>('/notifications', undefined, signal),
    refetchInterval: 60_000,
    staleTime: 15_000,
  });
}

export function useProductGroups(isEnabled = true) {
  return useQuery({
    queryKey: ['product-groups'],
    queryFn: ({ signal }) => api.get<ProductGroup[]>('/product-groups', undefined, signal),
    enabled: isEnabled,
    staleTime: 5 * 60_000,
  });
}

/** After a write: the agreement itself (from the answer), its lists, progress and the bell. */
export function useAgreementInvalidation() {
  const queryClient = useQueryClient();
  return async (saved?: Agreement) => {
    if (saved) queryClient.setQueryData(agreementKeys.one(saved.id), saved);
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: agreementKeys.all }),
      queryClient.invalidateQueries({ queryKey: ['notifications'] }),
      queryClient.invalidateQueries({ queryKey: ['ledger-verify'] }),
    ]);
  };
}
