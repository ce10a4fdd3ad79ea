import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { ServiceStatus } from '../../../shared/services';
import type { StateChangeEvent } from '../../../shared/status';
import { isLive, useConnectionState, useSupervisorApi } from '../api';
import { primaryName } from '../services/service-of';
import { newerStatus, STATUS_POLL_MS, STATUS_REFRESH_ACTIVE_MS, STATUS_REFRESH_LIVE_MS } from './use-backend-status';
import { useOnReconnect } from './use-on-reconnect';

/** Query key of the stack's service list. */
export const SERVICES_QUERY_KEY = ['services', 'list'] as const;

/** States whose figures move between state changes: the list is refetched every second then. */
const ACTIVE_STATES: ReadonlySet<ServiceStatus['status']> = new Set(['starting', 'unhealthy']);

/**
 * Applies one `backend:state` event to the list: the row of `event.service` (an event
 * without one is the primary service's) takes the event's status, unless the row already
 * holds a later state change. Answers `services` itself when no row changed.
 */
export function applyStateEvent(
  services: readonly ServiceStatus[],
  event: Pick<StateChangeEvent, 'service' | 'status'>,
): readonly ServiceStatus[] {
  const name = event.service ?? primaryName(services);
  let changed = false;
  const next = services.map((row) => {
    if (row.name !== name) return row;
    const status = newerStatus(row, event.status);
    if (status === row) return row;
    changed = true;
    return { ...row, ...status };
  });
  return changed ? next : services;
}

/**
 * The stack's services (`services:list`, in stack-file order), kept live: each
 * `backend:state` event updates its service's row; polled every 5 s while the event
 * stream is down (15 s while up, every second while a service starts or is unhealthy);
 * fetched again when the stream reopens.
 */
export function useServices() {
  const api = useSupervisorApi();
  const connection = useConnectionState();
  const queryClient = useQueryClient();

  useEffect(
    () =>
      api.on('backend:state', (event) => {
        queryClient.setQueryData<readonly ServiceStatus[]>(SERVICES_QUERY_KEY, (cached) =>
          cached === undefined ? undefined : applyStateEvent(cached, event),
        );
      }),
    [api, queryClient],
  );

  useOnReconnect(() => {
    void queryClient.invalidateQueries({ queryKey: SERVICES_QUERY_KEY });
  });

  const tokenNeeded = connection === 'token-needed';
  return useQuery({
    queryKey: SERVICES_QUERY_KEY,
    queryFn: async (): Promise<readonly ServiceStatus[]> => {
      const fetched = await api.invoke('services:list');
      const cached = queryClient.getQueryData<readonly ServiceStatus[]>(SERVICES_QUERY_KEY);
      if (!cached) return fetched;
      // An event that landed while the call was in flight may be newer than its row.
      return fetched.map((row) => {
        const seen = cached.find((c) => c.name === row.name);
        return seen && newerStatus(seen, row) === seen ? { ...row, ...pickStatus(seen) } : row;
      });
    },
    enabled: !tokenNeeded,
    refetchInterval: (query) => {
      if (tokenNeeded) return false;
      if (query.state.data?.some((s) => ACTIVE_STATES.has(s.status))) return STATUS_REFRESH_ACTIVE_MS;
      return isLive(connection) ? STATUS_REFRESH_LIVE_MS : STATUS_POLL_MS;
    },
  });
}

/** The status fields of a row (its name, dependencies and health check come from the fetch). */
function pickStatus(row: ServiceStatus): Partial<ServiceStatus> {
  const { name: _name, primary: _primary, depends_on: _deps, health_check: _check, ...status } = row;
  return status;
}
