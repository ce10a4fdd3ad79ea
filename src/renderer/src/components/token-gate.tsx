import { lazy, Suspense } from 'react';
import { useConnectionState } from '../api';

// The token dialog (Mantine's modal, its focus trap and scroll lock) is a chunk of its own,
// fetched only when the browser dashboard has no working token: the desktop app (IPC) and
// every load after the first never fetch it (issue 13: the first page's weight).
const TokenModal = lazy(() => import('./token-modal').then((m) => ({ default: m.TokenModal })));

/** The token dialog while the connection is `token-needed`; nothing otherwise. */
export function TokenGate() {
  const state = useConnectionState();
  if (state !== 'token-needed') return null;
  return (
    <Suspense fallback={null}>
      <TokenModal />
    </Suspense>
  );
}
