import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ReloadOptions, ReloadResult } from '../../../shared/reload';
import { useSupervisorApi } from '../api';
import { STATUS_QUERY_KEY } from './use-backend-status';
import { SERVICES_QUERY_KEY } from './use-services';
import { SETTINGS_QUERY_KEY } from './use-settings';
import { STACK_FILE_QUERY_KEY } from './use-stack-file';

/**
 * A reload of the saved settings and the stack file (`config:reload`): `{dryRun: true}`
 * answers the plan only. Once one is carried out, the settings view (what applies now), the
 * stack file view (whether it is the one running), the services and the status are read again.
 */
export function useReload() {
  const api = useSupervisorApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (options: ReloadOptions) => api.invoke('config:reload', options),
    onSuccess: (result: ReloadResult) => {
      if (!result.applied) return;
      for (const queryKey of [SETTINGS_QUERY_KEY, STACK_FILE_QUERY_KEY, SERVICES_QUERY_KEY, STATUS_QUERY_KEY]) {
        void queryClient.invalidateQueries({ queryKey });
      }
    },
  });
}
