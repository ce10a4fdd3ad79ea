import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import type { Incident } from '../../../shared/incident';
import { isLive, useConnectionState, useSupervisorApi } from '../api';
import { mergeIncidents, prependIncident } from '../incidents/incident-list';
import { useOnReconnect } from './use-on-reconnect';

/** Query key of the incident list. */
export const INCIDENTS_QUERY_KEY = ['incidents', 'list'] as const;

/** Poll interval while no event stream carries new incidents, ms. */
export const INCIDENTS_POLL_MS = 15_000;

/** Live incidents are remembered this long, ms, so that a list fetched meanwhile keeps them. */
const LIVE_MEMORY_MS = 60_000;

interface LiveIncident {
  incident: Incident;
  receivedAt: number;
}

/**
 * The recorded incidents, newest first, kept live: `incidents:list` once, then each
 * `backend:incident` event put in front (deduplicated by `id`); fetched again when the
 * event stream reopens (and every 15 s while it is down). A list fetched while events
 * arrive keeps the events it does not hold yet.
 */
export function useIncidents() {
  const api = useSupervisorApi();
  const connection = useConnectionState();
  const queryClient = useQueryClient();
  const live = useRef(new Map<string, LiveIncident>());

  useEffect(
    () =>
      api.on('backend:incident', (incident) => {
        const now = Date.now();
        for (const [id, entry] of live.current) {
          if (now - entry.receivedAt > LIVE_MEMORY_MS) live.current.delete(id);
        }
        live.current.set(incident.id, { incident, receivedAt: now });
        // Before the first load there is nothing to add to: the load brings it (or `live` does).
        queryClient.setQueryData<readonly Incident[]>(INCIDENTS_QUERY_KEY, (cached) =>
          cached === undefined ? undefined : prependIncident(cached, incident),
        );
      }),
    [api, queryClient],
  );

  useOnReconnect(() => {
    void queryClient.invalidateQueries({ queryKey: INCIDENTS_QUERY_KEY });
  });

  const tokenNeeded = connection === 'token-needed';
  return useQuery({
    queryKey: INCIDENTS_QUERY_KEY,
    queryFn: async (): Promise<readonly Incident[]> => {
      const startedAt = Date.now();
      const fetched = await api.invoke('incidents:list');
      const arrived = [...live.current.values()]
        .filter((entry) => entry.receivedAt >= startedAt)
        .map((entry) => entry.incident)
        .reverse();
      return mergeIncidents(fetched, arrived);
    },
    enabled: !tokenNeeded,
    refetchInterval: tokenNeeded || isLive(connection) ? false : INCIDENTS_POLL_MS,
  });
}
