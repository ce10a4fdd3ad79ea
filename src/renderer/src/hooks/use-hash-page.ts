import { useCallback, useSyncExternalStore } from 'react';

/** The dashboard's pages. */
export const PAGES = ['status', 'logs', 'incidents'] as const;
/** One of {@link PAGES}. */
export type Page = (typeof PAGES)[number];

function readPage(): Page {
  const name = window.location.hash.replace(/^#\/?/, '');
  return (PAGES as readonly string[]).includes(name) ? (name as Page) : 'status';
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/**
 * The current page from the URL hash (`#/status`, `#/logs`, `#/incidents`), so a reload or
 * a bookmark keeps the page; no router needed for three pages.
 */
export function useHashPage(): [Page, (page: Page) => void] {
  const page = useSyncExternalStore(subscribe, readPage);
  const setPage = useCallback((next: Page) => {
    window.location.hash = `/${next}`;
  }, []);
  return [page, setPage];
}
