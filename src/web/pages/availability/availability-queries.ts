/**
 * TanStack Query hooks for availability and allocation. Types come from
 * src/shared/schemas/availability.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  AllocationResult,
  AllocationRun,
  AllocationRunSummary,
  AllocationSettings,
  DealerAvailability,
  SupplyDemand,
} from '../../../shared/schemas/availability';
import { api } from '../../api';

/** Types the pages take from here with the hooks. */
export type { AllocationRun, DealerAvailability };
/** A page of a run's results (the run itself carries only the summary). */
export type ResultFilter = {
  sku?: string;
  q?: string;
  allocatedOnly: boolean;
  limit: number;
  offset: number;
};
export type ResultPage = {
  items: AllocationResult[];
  total: number;
  limit: number;
  offset: number;
};
export type SupplyInput = {
  month: string;
  modelLine: string;
  supply: { sku: string; units: number }[];
};

export const availabilityKeys = {
  all: ['availability'] as const,
  dealer: (code: string) => ['availability', 'dealer', code] as const,
  supplyDemand: (month: string) => ['availability', 'supply-demand', month] as const,
  runs: ['availability', 'runs'] as const,
  run: (code: string) => ['availability', 'run', code] as const,
  settings: ['availability', 'settings'] as const,
};

export function useDealerAvailability(code: string) {
  return useQuery({
    queryKey: availabilityKeys.dealer(code),
    queryFn: ({ signal }) =>
      api.get<DealerAvailability>(
        `/availability/dealers/${encodeURIComponent(code)}`,
        undefined,
        signal,
      ),
    enabled: code !== '',
  });
}

export function useSupplyDemand(month: string) {
  return useQuery({
    queryKey: availabilityKeys.supplyDemand(month),
    queryFn: ({ signal }) =>
      api.get<SupplyDemand>('/availability/supply-demand', { month }, signal),
  });
}

export function useRuns() {
  return useQuery({
    queryKey: availabilityKeys.runs,
    queryFn: ({ signal }) => api.get<AllocationRunSummary[]>('/allocation/runs', undefined, signal),
  });
}

export function useRun(code: string | null) {
  return useQuery({
    queryKey: availabilityKeys.run(code ?? ''),
    queryFn: ({ signal }) =>
      api.get<AllocationRun>(`/allocation/runs/${encodeURIComponent(code!)}`, undefined, signal),
    enabled: !!code,
  });
}

export function useAllocationSettings() {
  return useQuery({
    queryKey: availabilityKeys.settings,
    queryFn: ({ signal }) => api.get<AllocationSettings>('/allocation/settings', undefined, signal),
  });
}

/** Every write refreshes the whole availability area (runs, the dealer page, supply vs demand). */
function useAvailabilityMutation<TBody, TResult>(fn: (body: TBody) => Promise<TResult>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => client.invalidateQueries({ queryKey: availabilityKeys.all }),
  });
}

/** A page of a stored run's results, filtered (refreshed with the run by every write). */
export function useRunResults(code: string, filter: ResultFilter) {
  return useQuery({
    queryKey: [...availabilityKeys.run(code), 'results', filter],
    queryFn: ({ signal }) =>
      api.get<ResultPage>(
        `/allocation/runs/${encodeURIComponent(code)}/results`,
        {
          limit: filter.limit,
          offset: filter.offset,
          allocatedOnly: String(filter.allocatedOnly),
          ...(filter.sku ? { sku: filter.sku } : {}),
          ...(filter.q ? { q: filter.q } : {}),
        },
        signal,
      ),
    placeholderData: keepPreviousData,
  });
}

type WhatIfBody = SupplyInput & { settings?: Partial<AllocationSettings> };
export type WhatIfRun = AllocationRun & { results: ResultPage };

export const useWhatIf = () =>
  useMutation({
    mutationFn: (body: WhatIfBody) =>
      api.post<WhatIfRun>('/allocation/what-if', {
        ...body,
        results: { allocatedOnly: true, limit: 50, offset: 0 },
      }),
  });

/** A page of a what-if's results: the formula runs again for it (nothing is stored). */
export function useWhatIfResults(body: WhatIfBody, first: ResultPage, filter: ResultFilter) {
  const isFirst =
    !filter.sku && !filter.q && filter.allocatedOnly && filter.offset === 0 && filter.limit === 50;
  return useQuery({
    queryKey: ['allocation-what-if', body, filter],
    queryFn: async () =>
      (
        await api.post<WhatIfRun>('/allocation/what-if', {
          ...body,
          results: {
            allocatedOnly: filter.allocatedOnly,
            limit: filter.limit,
            offset: filter.offset,
            ...(filter.sku ? { sku: filter.sku } : {}),
            ...(filter.q ? { q: filter.q } : {}),
          },
        })
      ).results,
    initialData: isFirst ? first : undefined,
    placeholderData: keepPreviousData,
  });
}
export const useCreateRun = () =>
  useAvailabilityMutation((body: SupplyInput) => api.post<AllocationRun>('/allocation/runs', body));
export const useOverride = (code: string) =>
  useAvailabilityMutation(
    (body: { dealerCode: string; sku: string; units: number; reason: string }) =>
      api.post<AllocationRun>(`/allocation/runs/${encodeURIComponent(code)}/overrides`, body),
  );
export const usePublish = (code: string) =>
  useAvailabilityMutation(() =>
    api.post<AllocationRun>(`/allocation/runs/${encodeURIComponent(code)}/publish`),
  );
export const useReallocate = (code: string) =>
  useAvailabilityMutation(() =>
    api.post<AllocationRun>(`/allocation/runs/${encodeURIComponent(code)}/reallocate`),
  );
export const useDecide = () =>
  useAvailabilityMutation(
    (body: {
      run: string;
      dealerCode: string;
      decisions: { sku: string; acceptedUnits: number }[];
    }) =>
      api.post<AllocationRun>(`/allocation/runs/${encodeURIComponent(body.run)}/decisions`, {
        dealerCode: body.dealerCode,
        decisions: body.decisions,
      }),
  );

/** The colour of a dealer's decision on its allocation. */
export function decisionColor(decision: AllocationResult['decision']): string {
  return decision === 'accepted' ? 'green' : decision === 'pending' ? 'gray' : 'orange';
}
