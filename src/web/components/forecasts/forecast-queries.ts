/**
 * TanStack Query hooks for the forecast cycle: cycles, the baseline job, one dealer's grid and its
 * edits, the review list, roll-ups and accuracy. Types come from src/shared/schemas/forecasts.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  Accuracy,
  AccuracyDimension,
  AdjustBody,
  CycleAdjustments,
  CycleTransition,
  DealerGrid,
  ForecastCycle,
  OverrideBody,
  Rollup,
  RollupDimension,
} from '../../../shared/schemas/forecasts';
import type { AcceptAllResult } from '../../../shared/schemas/forecast-review';
import { api } from '../../api';

export type Job = {
  id: number;
  kind: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  progress: number;
  message: string | null;
};

export type EditResult = { updated: number; grid: DealerGrid };

export const forecastKeys = {
  all: ['forecasts'] as const,
  cycles: ['forecasts', 'cycles'] as const,
  cycle: (id: number) => ['forecasts', 'cycle', id] as const,
  grid: (id: number, dealer: string) => ['forecasts', 'grid', id, dealer] as const,
  adjustments: (id: number) => ['forecasts', 'adjustments', id] as const,
  rollup: (id: number, by: RollupDimension) => ['forecasts', 'rollup', id, by] as const,
  accuracy: (cycleId: number | null, by: AccuracyDimension) =>
    ['forecasts', 'accuracy', cycleId, by] as const,
};

/** Cycles whose baseline is still being built are polled until they are ready. */
const isBuilding = (c: ForecastCycle) => c.status === 'open' && c.baselineError === null;

export function useCycles() {
  return useQuery({
    queryKey: forecastKeys.cycles,
    queryFn: ({ signal }) => api.get<ForecastCycle[]>('/forecasts/cycles', undefined, signal),
    refetchInterval: (query) => (query.state.data?.some(isBuilding) ? 2000 : false),
  });
}

export function useCycle(id: number) {
  return useQuery({
    queryKey: forecastKeys.cycle(id),
    queryFn: ({ signal }) => api.get<ForecastCycle>(`/forecasts/cycles/${id}`, undefined, signal),
    enabled: Number.isInteger(id) && id > 0,
    refetchInterval: (query) => (query.state.data && isBuilding(query.state.data) ? 2000 : false),
  });
}

/** The baseline job's progress, polled while it runs. */
export function useJob(id: number | null, isEnabled = true) {
  return useQuery({
    queryKey: ['jobs', id],
    queryFn: ({ signal }) => api.get<Job>(`/jobs/${id}`, undefined, signal),
    enabled: id !== null && isEnabled,
    refetchInterval: (query) =>
      query.state.data &&
      (query.state.data.status === 'succeeded' || query.state.data.status === 'failed')
        ? false
        : 1000,
  });
}

export function useDealerGrid(id: number, dealerCode: string, isEnabled = true) {
  return useQuery({
    queryKey: forecastKeys.grid(id, dealerCode),
    queryFn: ({ signal }) =>
      api.get<DealerGrid>(
        `/forecasts/cycles/${id}/dealers/${encodeURIComponent(dealerCode)}`,
        undefined,
        signal,
      ),
    enabled: isEnabled && id > 0 && dealerCode !== '',
    placeholderData: keepPreviousData,
  });
}

export function useCycleAdjustments(id: number, isEnabled = true) {
  return useQuery({
    queryKey: forecastKeys.adjustments(id),
    queryFn: ({ signal }) =>
      api.get<CycleAdjustments>(`/forecasts/cycles/${id}/adjustments`, undefined, signal),
    enabled: isEnabled && id > 0,
  });
}

export function useRollup(id: number, by: RollupDimension, isEnabled = true) {
  return useQuery({
    queryKey: forecastKeys.rollup(id, by),
    queryFn: ({ signal }) => api.get<Rollup>(`/forecasts/cycles/${id}/rollup`, { by }, signal),
    enabled: isEnabled && id > 0,
    placeholderData: keepPreviousData,
  });
}

export function useAccuracy(cycleId: number | null, by: AccuracyDimension) {
  return useQuery({
    queryKey: forecastKeys.accuracy(cycleId, by),
    queryFn: ({ signal }) =>
      api.get<Accuracy>('/forecasts/accuracy', { cycleId: cycleId ?? undefined, by }, signal),
    placeholderData: keepPreviousData,
  });
}

/** After an edit: the grid from the answer, then everything that sums cells. */
function useGridWriteSuccess(id: number, dealerCode: string) {
  const queryClient = useQueryClient();
  return async (result: EditResult) => {
    queryClient.setQueryData(forecastKeys.grid(id, dealerCode), result.grid);
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: forecastKeys.adjustments(id) }),
      queryClient.invalidateQueries({ queryKey: forecastKeys.cycle(id) }),
      queryClient.invalidateQueries({ queryKey: forecastKeys.cycles }),
      queryClient.invalidateQueries({ queryKey: ['forecasts', 'rollup', id] }),
    ]);
  };
}

export function useAdjustCells(id: number, dealerCode: string) {
  const onSuccess = useGridWriteSuccess(id, dealerCode);
  return useMutation({
    mutationFn: (body: AdjustBody) =>
      api.put<EditResult>(
        `/forecasts/cycles/${id}/dealers/${encodeURIComponent(dealerCode)}/cells`,
        body,
      ),
    onSuccess,
  });
}

export function useOverrideCells(id: number, dealerCode: string) {
  const onSuccess = useGridWriteSuccess(id, dealerCode);
  return useMutation({
    mutationFn: (body: OverrideBody) =>
      api.post<EditResult>(
        `/forecasts/cycles/${id}/dealers/${encodeURIComponent(dealerCode)}/cells/override`,
        body,
      ),
    onSuccess,
  });
}

export function useAcceptCells(id: number, dealerCode: string) {
  const onSuccess = useGridWriteSuccess(id, dealerCode);
  return useMutation({
    mutationFn: (body: { cells?: { modelLine: string; month: string }[]; comment?: string }) =>
      api.post<EditResult>(
        `/forecasts/cycles/${id}/dealers/${encodeURIComponent(dealerCode)}/cells/accept`,
        body,
      ),
    onSuccess,
  });
}

export function useCreateCycle() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { cycleMonth?: string; horizon: number; adjustUntil?: string }) =>
      api.post<ForecastCycle>('/forecasts/cycles', body),
    onSuccess: async (cycle) => {
      queryClient.setQueryData(forecastKeys.cycle(cycle.id), cycle);
      await queryClient.invalidateQueries({ queryKey: forecastKeys.cycles });
    },
  });
}

export function useCycleTransition(id: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (transition: CycleTransition) =>
      api.post<ForecastCycle>(`/forecasts/cycles/${id}/${transition}`),
    onSuccess: async (cycle) => {
      queryClient.setQueryData(forecastKeys.cycle(id), cycle);
      await queryClient.invalidateQueries({ queryKey: forecastKeys.all });
    },
  });
}

/** The cycle people work on: the one in its adjustment window, else the newest with a baseline. */
export function useCurrentCycle() {
  const cycles = useCycles();
  const current =
    cycles.data?.find((c) => c.status === 'adjusting') ??
    cycles.data?.find((c) => c.status === 'review') ??
    cycles.data?.find((c) => c.status !== 'open') ??
    null;
  return { cycles, current };
}

/** The region accepts every pending adjustment in its scope (or of the dealers named). */
export function useAcceptAll(id: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { dealers?: string[]; comment?: string }) =>
      api.post<AcceptAllResult>(`/forecasts/cycles/${id}/adjustments/accept`, body),
    onSuccess: async () => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: forecastKeys.adjustments(id) }),
        queryClient.invalidateQueries({ queryKey: forecastKeys.cycle(id) }),
        queryClient.invalidateQueries({ queryKey: ['forecasts', 'grid', id] }),
        queryClient.invalidateQueries({ queryKey: ['forecasts', 'rollup', id] }),
      ]);
    },
  });
}
