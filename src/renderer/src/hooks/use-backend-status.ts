import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { BackendStatus } from '../../../shared/status';
import { isLive, useConnectionState, useSupervisorApi } from '../api';
import { belongsTo } from '../services/service-of';
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

/** Query key of one service's status (the primary's is {@link STATUS_QUERY_KEY} itself). */
export function statusQueryKey(service?: string): readonly string[] {
  return service === undefined ? STATUS_QUERY_KEY : [...STATUS_QUERY_KEY, service];
}

/** Options of {@link useBackendStatus}. */
export interface BackendStatusOptions {
  /** The service to follow; undefined: the primary one (the calls then name no service). */
  service?: string;
  /** The primary service's name when known: events naming it (or none) are its. */
  primary?: string;
}

/**
 * One service's status (the primary's by default), kept live: fetched once, then replaced
 * by the full status each of its `backend:state` events carries (an event without a
 * `service` is the primary's; other services' events are ignored); polled every 5 s while
 * the event stream is down (every 15 s while it is up, for the health figures; every
 * second while starting or unhealthy); fetched again when the stream reopens.
 */
export function useBackendStatus({ service, primary }: BackendStatusOptions = {}) {
  const api = useSupervisorApi();
  const connection = useConnectionState();
  const queryClient = useQueryClient();
  const queryKey = statusQueryKey(service);

  useEffect(
    () =>
      api.on('backend:state', (event) => {
        if (!belongsTo(event.service, service, primary)) return;
        queryClient.setQueryData<BackendStatus>(statusQueryKey(service), (cached) => newerStatus(cached, event.status));
      }),
    [api, queryClient, service, primary],
  );

  useOnReconnect(() => {
    void queryClient.invalidateQueries({ queryKey: STATUS_QUERY_KEY });
  });

  const tokenNeeded = connection === 'token-needed';
  return useQuery({
    queryKey,
    queryFn: async () => {
      const fetched = await (service === undefined
        ? api.invoke('backend:status')
        : api.invoke('backend:status', { service }));
      return newerStatus(queryClient.getQueryData<BackendStatus>(queryKey), fetched);
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
