import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { BackendStatus } from '../../../shared/status';
import { isLive, useConnectionState, useSupervisorApi } from '../api';
import { useOnReconnect } from './use-on-reconnect';

/** Query key of the status snapshot. */
export const STATUS_QUERY_KEY = ['backend', 'status'] as const;

/** Poll interval while no event stream carries state changes, ms. */
export const STATUS_POLL_MS = 5_000;

/**
 * Refresh interval while events are live, ms: events come only with state changes, so the
 * last health check (and anything else that moves without a state change) is refetched
 * now and then.
 */
export const STATUS_REFRESH_LIVE_MS = 15_000;

/**
 * Refresh interval while the backend is `starting` or `unhealthy`, ms: the startup probes
 * and the failures in a row move with every probe (no event carries them), and that is
 * when a person watches the page. One small status call a second costs nothing.
 */
export const STATUS_REFRESH_ACTIVE_MS = 1_000;

/** States whose figures move between state changes (see {@link STATUS_REFRESH_ACTIVE_MS}). */
const ACTIVE_STATES: ReadonlySet<BackendStatus['status']> = new Set(['starting', 'unhealthy']);

/**
 * The backend's status, kept live: fetched once, then replaced by the full status each
 * `backend:state` event carries; polled every 5 s while the event stream is down (every
 * 15 s while it is up, for the health figures; every second while starting or
 * unhealthy); fetched again when the stream reopens.
 */
export function useBackendStatus() {
  const api = useSupervisorApi();
  const connection = useConnectionState();
  const queryClient = useQueryClient();

  useEffect(
    () =>
      api.on('backend:state', (event) => {
        queryClient.setQueryData<BackendStatus>(STATUS_QUERY_KEY, (cached) => newerStatus(cached, event.status));
      }),
    [api, queryClient],
  );

  useOnReconnect(() => {
    void queryClient.invalidateQueries({ queryKey: STATUS_QUERY_KEY });
  });

  const tokenNeeded = connection === 'token-needed';
  return useQuery({
    queryKey: STATUS_QUERY_KEY,
    queryFn: async () => {
      const fetched = await api.invoke('backend:status');
      return newerStatus(queryClient.getQueryData<BackendStatus>(STATUS_QUERY_KEY), fetched);
    },
    enabled: !tokenNeeded,
    refetchInterval: (query) => {
      if (tokenNeeded) return false;
      const state = query.state.data?.status;
      if (state !== undefined && ACTIVE_STATES.has(state)) return STATUS_REFRESH_ACTIVE_MS;
      return isLive(connection) ? STATUS_REFRESH_LIVE_MS : STATUS_POLL_MS;
    },
  });
}

/**
 * The fetched snapshot, unless an event delivered while the call was in flight carries a
 * later state change (the two travel on different connections, so either may land first).
 */
export function newerStatus(cached: BackendStatus | undefined, fetched: BackendStatus): BackendStatus {
  if (!cached) return fetched;
  const cachedAt = Date.parse(cached.state_since);
  const fetchedAt = Date.parse(fetched.state_since);
  return cachedAt > fetchedAt ? cached : fetched;
}
