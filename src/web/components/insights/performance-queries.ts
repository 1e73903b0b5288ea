/** TanStack Query hooks of high performers and the value of interventions (issue 14 §2–3). */
import { useQuery } from '@tanstack/react-query';
import type {
  InterventionValue,
  PerformanceRecord,
} from '../../../shared/schemas/insights-performance';
import { api } from '../../api';
import { insightsKey } from './insights-queries';

export function useHighPerformers() {
  return useQuery({
    queryKey: [...insightsKey, 'performance'],
    queryFn: ({ signal }) => api.get<PerformanceRecord>('/insights/performance', undefined, signal),
    staleTime: 60_000,
  });
}

export function useInterventionValue() {
  return useQuery({
    queryKey: [...insightsKey, 'intervention-value'],
    queryFn: ({ signal }) =>
      api.get<InterventionValue>('/insights/interventions/value', undefined, signal),
    staleTime: 60_000,
  });
}
