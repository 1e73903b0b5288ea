/** TanStack Query hooks of insights: the risk board, one agreement's risk, the dealer outlook, integrity flags. */
import { useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type {
  agreementRiskDetailSchema,
  DealerOutlook,
  IntegrityFlagRecord,
  InterventionRecord,
  RiskBoard,
} from '../../../shared/schemas/insights';
import { api } from '../../api';

export type AgreementRiskDetail = z.infer<typeof agreementRiskDetailSchema>;

export const insightsKey = ['insights'] as const;

export function useRiskBoard() {
  return useQuery({
    queryKey: [...insightsKey, 'board'],
    queryFn: ({ signal }) => api.get<RiskBoard>('/insights/risks', { limit: 200 }, signal),
  });
}

export function useAgreementRisk(code: string | null) {
  return useQuery({
    queryKey: [...insightsKey, 'agreement', code],
    queryFn: ({ signal }) =>
      api.get<AgreementRiskDetail>(
        `/insights/risks/${encodeURIComponent(code!)}`,
        undefined,
        signal,
      ),
    enabled: code !== null,
  });
}

export function useDealerOutlook(dealerCode: string) {
  return useQuery({
    queryKey: [...insightsKey, 'outlook', dealerCode],
    queryFn: ({ signal }) =>
      api.get<DealerOutlook>(
        `/insights/dealers/${encodeURIComponent(dealerCode)}/outlook`,
        undefined,
        signal,
      ),
    staleTime: 60_000,
  });
}

export function useInterventions(dealerCode: string | null) {
  return useQuery({
    queryKey: [...insightsKey, 'interventions', dealerCode],
    queryFn: ({ signal }) =>
      api.get<InterventionRecord[]>('/insights/interventions', { dealer: dealerCode! }, signal),
    enabled: dealerCode !== null,
  });
}

export function useIntegrityFlags(status: 'open' | 'dismissed' | 'confirmed' | null) {
  return useQuery({
    queryKey: [...insightsKey, 'integrity', status],
    queryFn: ({ signal }) =>
      api.get<IntegrityFlagRecord[]>(
        '/insights/integrity',
        status ? { status } : undefined,
        signal,
      ),
  });
}
