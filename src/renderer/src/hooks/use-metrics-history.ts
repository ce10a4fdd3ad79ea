import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useConnectionState, useSupervisorApi } from '../api';
import { toMetricsPoints } from '../components/charts/metrics-points';
import { useOnReconnect } from './use-on-reconnect';

/** Query key of the metrics history. */
export const METRICS_HISTORY_QUERY_KEY = ['metrics', 'history'] as const;

/** Refetch interval, ms: the supervisor takes one sample every 10 s. */
export const METRICS_HISTORY_REFRESH_MS = 10_000;

/**
 * The last hour of metrics samples (`metrics:history`), shaped into chart points (oldest
 * first): refetched every 10 s, and again when the event stream reopens.
 */
export function useMetricsHistory() {
  const api = useSupervisorApi();
  const connection = useConnectionState();
  const queryClient = useQueryClient();

  useOnReconnect(() => {
    void queryClient.invalidateQueries({ queryKey: METRICS_HISTORY_QUERY_KEY });
  });

  const tokenNeeded = connection === 'token-needed';
  return useQuery({
    queryKey: METRICS_HISTORY_QUERY_KEY,
    queryFn: () => api.invoke('metrics:history'),
    // A stable function: TanStack Query reshapes only when the samples change.
    select: toMetricsPoints,
    enabled: !tokenNeeded,
    refetchInterval: tokenNeeded ? false : METRICS_HISTORY_REFRESH_MS,
  });
}
