/**
 * TanStack Query hooks for incentive programs: dealer progress and what-if, programs, statements,
 * accruals, settlement periods, claims, disputes and payout batches. Types come from src/shared/schemas/incentives
 * (the schemas the server validates and documents with).
 */
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  Accruals,
  ClaimView,
  DealerIncentives,
  DisputeView,
  PayoutBatchSummary,
  PayoutBatchView,
  ProgramSummary,
  ProgramView,
  ProgressView,
  SettlementPeriodList,
  SettlementPeriodView,
  StatementDetail,
  StatementList,
  WhatIfResult,
} from '../../../shared/schemas/incentives';
import { api, type Page } from '../../api';

/** A dispute as the API answers it (with its currency). */
export type { DisputeView };
/** Other types the pages take from here with the hooks. */
export type {
  Accruals,
  ClaimView,
  PayoutBatchSummary,
  PayoutBatchView,
  ProgramView,
  ProgressView,
  SettlementPeriodView,
  StatementDetail,
  WhatIfResult,
};

export const incentiveKeys = {
  all: ['incentives'] as const,
  dealer: (code: string) => ['incentives', 'dealer', code] as const,
  programs: ['incentives', 'programs'] as const,
  program: (code: string) => ['incentives', 'program', code] as const,
  statements: (code: string, period: string | null) =>
    ['incentives', 'statements', code, period] as const,
  statement: (code: string, dealer: string, period: string | null) =>
    ['incentives', 'statement', code, dealer, period] as const,
  accruals: (code: string) => ['incentives', 'accruals', code] as const,
  claims: (code: string) => ['incentives', 'claims', code] as const,
  disputes: (status: string | null) => ['incentives', 'disputes', status] as const,
  dispute: (id: number) => ['incentives', 'dispute', id] as const,
  payout: (code: string) => ['incentives', 'payout', code] as const,
  payouts: (offset: number) => ['incentives', 'payouts', offset] as const,
  periods: (code: string) => ['incentives', 'periods', code] as const,
};

const enc = encodeURIComponent;

export function useDealerIncentives(dealerCode: string | null) {
  return useQuery({
    queryKey: incentiveKeys.dealer(dealerCode ?? ''),
    queryFn: ({ signal }) =>
      api.get<DealerIncentives>(`/dealers/${enc(dealerCode!)}/incentives`, undefined, signal),
    enabled: !!dealerCode,
    // Progress moves with the sales feed: refresh while the page is open.
    refetchInterval: 60_000,
  });
}

export function usePrograms() {
  return useQuery({
    queryKey: incentiveKeys.programs,
    queryFn: async ({ signal }) =>
      (await api.get<{ items: ProgramSummary[] }>('/programs', undefined, signal)).items,
  });
}

export function useProgram(code: string) {
  return useQuery({
    queryKey: incentiveKeys.program(code),
    queryFn: ({ signal }) => api.get<ProgramView>(`/programs/${enc(code)}`, undefined, signal),
    enabled: code !== '',
  });
}

export function useStatements(code: string, period: string | null) {
  return useQuery({
    queryKey: incentiveKeys.statements(code, period),
    queryFn: ({ signal }) =>
      api.get<StatementList>(
        `/programs/${enc(code)}/statements`,
        { period: period ?? undefined },
        signal,
      ),
    placeholderData: keepPreviousData,
  });
}

export function useStatement(
  code: string,
  dealerCode: string,
  period: string | null,
  isEnabled = true,
) {
  return useQuery({
    queryKey: incentiveKeys.statement(code, dealerCode, period),
    queryFn: ({ signal }) =>
      api.get<StatementDetail>(
        `/programs/${enc(code)}/statements/${enc(dealerCode)}`,
        { period: period ?? undefined },
        signal,
      ),
    enabled: isEnabled && code !== '' && dealerCode !== '',
  });
}

export function useAccruals(code: string, isEnabled: boolean) {
  return useQuery({
    queryKey: incentiveKeys.accruals(code),
    queryFn: ({ signal }) =>
      api.get<Accruals>(`/programs/${enc(code)}/accruals`, undefined, signal),
    enabled: isEnabled,
  });
}

export function useClaims(code: string | null) {
  return useQuery({
    queryKey: incentiveKeys.claims(code ?? ''),
    queryFn: async ({ signal }) =>
      (await api.get<{ items: ClaimView[] }>(`/programs/${enc(code!)}/claims`, undefined, signal))
        .items,
    enabled: !!code,
  });
}

export function useDisputes(status: string | null) {
  return useQuery({
    queryKey: incentiveKeys.disputes(status),
    queryFn: async ({ signal }) =>
      (
        await api.get<{ items: DisputeView[] }>(
          '/disputes',
          { status: status ?? undefined },
          signal,
        )
      ).items,
  });
}

export function useDispute(id: number | null) {
  return useQuery({
    queryKey: incentiveKeys.dispute(id ?? 0),
    queryFn: ({ signal }) => api.get<DisputeView>(`/disputes/${id}`, undefined, signal),
    enabled: id !== null && id > 0,
  });
}

export function usePayoutBatch(code: string | null) {
  return useQuery({
    queryKey: incentiveKeys.payout(code ?? ''),
    queryFn: ({ signal }) => api.get<PayoutBatchView>(`/payouts/${enc(code!)}`, undefined, signal),
    enabled: !!code,
  });
}

/** Payout batches, newest first, a page at a time. */
export function usePayoutBatches(offset: number, limit: number) {
  return useQuery({
    queryKey: incentiveKeys.payouts(offset),
    queryFn: ({ signal }) =>
      api.get<Page<PayoutBatchSummary>>('/payouts', { limit, offset }, signal),
    placeholderData: keepPreviousData,
  });
}

/** A program's settlement periods with their state (the engine's labels and cut-offs). */
export function useSettlementPeriods(code: string | null) {
  return useQuery({
    queryKey: incentiveKeys.periods(code ?? ''),
    queryFn: ({ signal }) =>
      api.get<SettlementPeriodList>(`/programs/${enc(code!)}/periods`, undefined, signal),
    enabled: !!code,
  });
}

export function whatIf(dealerCode: string, body: Record<string, unknown>) {
  return api.post<WhatIfResult>(`/dealers/${enc(dealerCode)}/incentives/what-if`, body);
}

/** After any incentive write: every cached incentive answer is stale. */
export function useIncentiveInvalidation() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: incentiveKeys.all });
}

/** The printable statement and the CSV (same-origin links with the session cookie). */
export function statementFileUrl(
  code: string,
  dealerCode: string,
  period: string,
  kind: 'pdf' | 'export',
): string {
  return `/api/v1/programs/${enc(code)}/statements/${enc(dealerCode)}/${kind}?period=${enc(period)}`;
}
