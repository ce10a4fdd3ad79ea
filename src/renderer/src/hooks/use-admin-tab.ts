import { useCallback, useSyncExternalStore } from 'react';
import { subscribeHash } from './use-hash-page';

/** The Admin page's sub-tabs, in display order. */
export const ADMIN_TABS = ['stats', 'users', 'orders', 'products', 'ingredients'] as const;
/** One of {@link ADMIN_TABS}. */
export type AdminTab = (typeof ADMIN_TABS)[number];

function readTab(): AdminTab {
  const [page, tab] = window.location.hash.replace(/^#\/?/, '').split('/');
  return page === 'admin' && (ADMIN_TABS as readonly (string | undefined)[]).includes(tab)
    ? (tab as AdminTab)
    : 'stats';
}

/** The Admin page's sub-tab from the URL hash (`#/admin/orders`); Stats when none is given. */
export function useAdminTab(): [AdminTab, (tab: AdminTab) => void] {
  const tab = useSyncExternalStore(subscribeHash, readTab);
  const setTab = useCallback((next: AdminTab) => {
    window.location.hash = `/admin/${next}`;
  }, []);
  return [tab, setTab];
}
