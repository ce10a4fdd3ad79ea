import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { HealthUrlTest, Settings, SettingsView } from '../../../shared/settings';
import { useConnectionState, useSupervisorApi } from '../api';

/** Query key of the settings view (`settings:get`). */
export const SETTINGS_QUERY_KEY = ['settings'] as const;

/**
 * The stored settings, the effective config and where each value comes from
 * (`settings:get`). Not refetched on window focus: the form would not follow anyway, and
 * a hand-edited file is picked up by "Discard changes" or a reload.
 */
export function useSettings() {
  const api = useSupervisorApi();
  const tokenNeeded = useConnectionState() === 'token-needed';
  return useQuery({
    queryKey: SETTINGS_QUERY_KEY,
    queryFn: () => api.invoke('settings:get'),
    enabled: !tokenNeeded,
    refetchOnWindowFocus: false,
  });
}

/** Saves the settings (`settings:save`, replacing the stored values); the answer becomes the cached view. */
export function useSaveSettings() {
  const api = useSupervisorApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (values: Settings) => api.invoke('settings:save', values),
    onSuccess: (view: SettingsView) => queryClient.setQueryData(SETTINGS_QUERY_KEY, view),
  });
}

/** One probe of a health URL (`settings:testHealthUrl`). */
export function useTestHealthUrl() {
  const api = useSupervisorApi();
  return useMutation({ mutationFn: (test: HealthUrlTest) => api.invoke('settings:testHealthUrl', test) });
}

/** Reads a `.env` text into settings values for review (`settings:importEnv`); saves nothing. */
export function useImportEnv() {
  const api = useSupervisorApi();
  return useMutation({ mutationFn: (text: string) => api.invoke('settings:importEnv', text) });
}
