/**
 * The attention inbox (GET /inbox): one query, shared by the home page card and the bell in the
 * header. Refreshes every minute, after any write of the app (main.tsx invalidates `inboxKey`
 * on every successful mutation) and after new sales arrive (live.ts).
 */
import { useQuery } from '@tanstack/react-query';
import type { Inbox } from '../../../shared/schemas/inbox';
import { api } from '../../api';

export const inboxKey = ['inbox'] as const;

export function useInbox() {
  return useQuery({
    queryKey: inboxKey,
    queryFn: ({ signal }) => api.get<Inbox>('/inbox', undefined, signal),
    refetchInterval: 60_000,
    staleTime: 15_000,
  });
}
