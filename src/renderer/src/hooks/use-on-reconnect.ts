import { useEffect, useEffectEvent, useRef } from 'react';
import { useConnectionState } from '../api';

/**
 * Calls `callback` each time the HTTP event stream (re)opens. Events sent while it was
 * down are not replayed, so whatever they would have updated must be fetched again.
 */
export function useOnReconnect(callback: () => void): void {
  const state = useConnectionState();
  const previous = useRef(state);
  const onReconnect = useEffectEvent(callback);
  useEffect(() => {
    const before = previous.current;
    previous.current = state;
    if (state === 'connected' && before !== 'connected') onReconnect();
  }, [state]);
}
