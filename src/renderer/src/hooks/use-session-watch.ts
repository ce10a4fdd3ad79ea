import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useEffectEvent } from 'react';
import { errorCode } from '../api';
import { endsSession } from '../admin/admin-errors';
import { ADMIN_KEYS, SESSION_QUERY_KEY } from './use-admin';

/**
 * Watches every query and mutation: when one fails with NOT_LOGGED_IN or SESSION_EXPIRED
 * (the backend refused the token and no saved credentials renewed it), the session is
 * marked logged out, the admin data dropped, and `onEnded` told the code, so the login
 * form comes back wherever the failure happened.
 */
export function useSessionWatch(onEnded: (code: string) => void): void {
  const queryClient = useQueryClient();
  const notify = useEffectEvent(onEnded);

  useEffect(() => {
    let scheduled = false;
    const ended = (error: unknown): void => {
      if (!endsSession(error) || scheduled) return;
      scheduled = true;
      const code = errorCode(error) ?? '';
      // Not inside the cache's notification: change the cache once it is done.
      queueMicrotask(() => {
        scheduled = false;
        queryClient.setQueryData(SESSION_QUERY_KEY, { user: null, remembered: false });
        queryClient.removeQueries({ queryKey: ADMIN_KEYS.all });
        notify(code);
      });
    };
    const unsubscribeQueries = queryClient.getQueryCache().subscribe((event) => {
      if (event.type === 'updated' && event.action.type === 'error') ended(event.action.error);
    });
    const unsubscribeMutations = queryClient.getMutationCache().subscribe((event) => {
      if (event.type === 'updated' && event.action.type === 'error') ended(event.action.error);
    });
    return () => {
      unsubscribeQueries();
      unsubscribeMutations();
    };
  }, [queryClient]);
}
