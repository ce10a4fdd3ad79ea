import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { StackFileView } from '../../../shared/services';
import { useConnectionState, useSupervisorApi } from '../api';

/** Query key of the stack file (`stack:getFile`). */
export const STACK_FILE_QUERY_KEY = ['stack-file'] as const;

/** The stack file the Settings page edits: its path, text and services (`stack:getFile`). */
export function useStackFile() {
  const api = useSupervisorApi();
  const tokenNeeded = useConnectionState() === 'token-needed';
  return useQuery({
    queryKey: STACK_FILE_QUERY_KEY,
    queryFn: () => api.invoke('stack:getFile'),
    enabled: !tokenNeeded,
    refetchOnWindowFocus: false,
  });
}

/** Checks and saves a stack file text (`stack:saveFile`); the answer becomes the cached view. */
export function useSaveStackFile() {
  const api = useSupervisorApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (text: string) => api.invoke('stack:saveFile', text),
    onSuccess: (view: StackFileView) => queryClient.setQueryData(STACK_FILE_QUERY_KEY, view),
  });
}
