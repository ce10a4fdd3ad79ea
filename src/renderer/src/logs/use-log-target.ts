import { useSyncExternalStore } from 'react';
import { readLogTarget } from './log-target';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

function snapshot(): string | null {
  return readLogTarget(window.location.hash);
}

/** The `at` time of the URL hash (`#/logs/?at=<RFC 3339>`), or null; follows hash changes. */
export function useLogTarget(): string | null {
  return useSyncExternalStore(subscribe, snapshot);
}
