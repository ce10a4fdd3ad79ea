import { useCallback, useSyncExternalStore } from 'react';

/** The dashboard's pages. */
export const PAGES = ['status', 'services', 'logs', 'incidents', 'admin', 'settings'] as const;
/** One of {@link PAGES}. */
export type Page = (typeof PAGES)[number];

function readPage(): Page {
  // `#/admin/orders` is the Admin page (its sub-tab is read by useAdminTab);
  // `#/logs?at=…` is the Logs page with a target time.
  const name = window.location.hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return (PAGES as readonly string[]).includes(name) ? (name as Page) : 'status';
}

/** Subscribes to changes of the URL hash (for `useSyncExternalStore`). */
export function subscribeHash(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/**
 * The current page from the URL hash (`#/status`, `#/services`, `#/logs`, `#/incidents`, `#/admin/…`,
 * `#/settings`), so a reload or a bookmark keeps the page; no router needed for six pages.
 */
export function useHashPage(): [Page, (page: Page) => void] {
  const page = useSyncExternalStore(subscribeHash, readPage);
  const setPage = useCallback((next: Page) => {
    window.location.hash = `/${next}`;
  }, []);
  return [page, setPage];
}
