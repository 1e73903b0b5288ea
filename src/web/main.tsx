import '@mantine/core/styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { MantineProvider } from '@mantine/core';
import { MutationCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { z } from 'zod';
import { isApiError } from './api';
import { App } from './app';
import { inboxKey } from './components/inbox/inbox-queries';
import { SessionProvider } from './session';
import { theme } from './theme';

// The CSP allows no eval: zod must not compile validators with `new Function` (nor probe for it,
// which the browser reports as a violation).
z.config({ jitless: true });

const queryClient: QueryClient = new QueryClient({
  // Any write may change what needs the reader (a proposal accepted, a period closed): the
  // attention inbox (home card and bell) is read again after every successful one.
  mutationCache: new MutationCache({
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: inboxKey }),
  }),
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      refetchOnWindowFocus: false,
      // Client errors (404, 403, 400) will not change on retry; network blips might.
      retry: (failures, error) =>
        failures < 2 && !(isApiError(error) && error.status >= 400 && error.status < 500),
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="light">
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <SessionProvider>
            <App />
          </SessionProvider>
        </BrowserRouter>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
