/**
 * Live pages: one server-sent event stream per signed-in tab (`GET /api/v1/events`, see
 * src/server/http/sse.ts). When a batch of the feed commits for a dealer the user may see, the
 * queries computed from the feed are refetched: actuals, the transactions list, agreement
 * progress, incentive progress and statements, forecast grids. At most once a second, so a burst
 * of batches costs one refetch.
 */
import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { agreementKeys } from './components/agreements/agreement-queries';
import { forecastKeys } from './components/forecasts/forecast-queries';
import { inboxKey } from './components/inbox/inbox-queries';
import { incentiveKeys } from './components/incentives/incentive-queries';

const FEED_QUERIES: readonly (readonly string[])[] = [
  ['dealer-actuals'],
  // the dealer page's one read (actuals and newest transactions with the dealer)
  ['dealer'],
  ['region-totals'],
  ['transactions'],
  agreementKeys.all,
  incentiveKeys.all,
  forecastKeys.all,
  inboxKey,
];

export function useLiveUpdates(enabled: boolean) {
  const queryClient = useQueryClient();
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const source = new EventSource('/api/v1/events');
    let timer: ReturnType<typeof setTimeout> | null = null;
    const onFeed = () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        for (const queryKey of FEED_QUERIES) void queryClient.invalidateQueries({ queryKey });
      }, 1000);
    };
    source.addEventListener('feed', onFeed);
    return () => {
      if (timer) clearTimeout(timer);
      source.removeEventListener('feed', onFeed);
      source.close();
    };
  }, [enabled, queryClient]);
}
