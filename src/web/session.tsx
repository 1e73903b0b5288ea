/**
 * Who is signed in. The "me" query is the session: null when signed out. A request that finds the
 * session gone (401 SESSION_EXPIRED / UNAUTHENTICATED) clears it and records why, so the login
 * page can say so.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Me } from '../shared/schemas/accounts';
import type { Permission } from '../shared/permissions';
import { isDealerRole } from '../shared/permissions';
import { api, isApiError, request, setCsrfToken, setSessionLostHandler } from './api';

export const ME_KEY = ['me'] as const;

export type SessionEndReason = 'expired' | 'signed-out' | null;

type SessionContextValue = {
  me: Me | null;
  isLoading: boolean;
  endReason: SessionEndReason;
  signIn: (email: string, password: string) => Promise<Me>;
  signOut: () => Promise<void>;
};

const SessionContext = createContext<SessionContextValue | null>(null);

async function fetchMe(): Promise<Me | null> {
  try {
    return await request<Me>('/auth/me', { isSessionProbe: true });
  } catch (error) {
    if (isApiError(error) && error.status === 401) return null;
    throw error;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [endReason, setEndReason] = useState<SessionEndReason>(null);
  const meQuery = useQuery({
    queryKey: ME_KEY,
    queryFn: fetchMe,
    staleTime: Infinity,
    retry: false,
  });
  const me = meQuery.data ?? null;

  useEffect(() => {
    setCsrfToken(me?.csrfToken ?? null);
  }, [me]);

  useEffect(() => {
    setSessionLostHandler(() => {
      setEndReason('expired');
      setCsrfToken(null);
      queryClient.setQueryData(ME_KEY, null);
      // Drop every cached answer of the old session except "me" (now null).
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
    });
    return () => setSessionLostHandler(null);
  }, [queryClient]);

  const signIn = useCallback(
    async (email: string, password: string) => {
      const signedIn = await request<Me>('/auth/login', {
        method: 'POST',
        json: { email, password },
        isSessionProbe: true,
      });
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
      setCsrfToken(signedIn.csrfToken);
      queryClient.setQueryData(ME_KEY, signedIn);
      setEndReason(null);
      return signedIn;
    },
    [queryClient],
  );

  const signOut = useCallback(async () => {
    try {
      await api.post('/auth/logout');
    } catch {
      // Signed out already, or the server is gone: either way the session ends here.
    }
    setCsrfToken(null);
    queryClient.clear();
    queryClient.setQueryData(ME_KEY, null);
    setEndReason('signed-out');
  }, [queryClient]);

  const value = useMemo<SessionContextValue>(
    () => ({ me, isLoading: meQuery.isPending, endReason, signIn, signOut }),
    [me, meQuery.isPending, endReason, signIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession must be used inside <SessionProvider>');
  return value;
}

/** The signed-in actor; only for components rendered behind the sign-in guard. */
export function useMe(): Me {
  const { me } = useSession();
  if (!me) throw new Error('useMe needs a signed-in user');
  return me;
}

export function can(me: Me | null, permission: Permission): boolean {
  return me?.permissions.includes(permission) ?? false;
}

export function useCan(permission: Permission): boolean {
  const { me } = useSession();
  return can(me, permission);
}

/** Dealer users (and dealer-scoped keys) see only their own dealers. */
export function isDealerUser(me: Me): boolean {
  return me.scope.kind === 'dealers' || isDealerRole(me.role);
}

/** Where a user lands after signing in: the OEM overview, its dealer, or its dealers. */
export function homePath(me: Me): string {
  if (!isDealerUser(me)) return '/overview';
  const codes = me.scope.dealerCodes ?? [];
  if (codes.length === 1) return `/dealers/${encodeURIComponent(codes[0]!)}`;
  return '/dealers';
}

const ROLE_LABELS: Record<Me['role'], string> = {
  oem_admin: 'OEM administrator',
  channel_manager: 'Channel manager',
  regional_manager: 'Regional manager',
  finance: 'OEM finance',
  analyst: 'Analyst',
  dealer_principal: 'Dealer principal',
  dealer_sales: 'Dealer sales manager',
  dealer_finance: 'Dealer finance',
  integration: 'Integration',
};

export function roleLabel(role: Me['role']): string {
  return ROLE_LABELS[role];
}
