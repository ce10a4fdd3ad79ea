import { createHttpClient } from './http-client';
import { createIpcClient } from './ipc-client';
import type { SupervisorClient } from './types';

/**
 * Picks the transport once, at start: the preload's `window.api` inside the Electron
 * window, HTTP + server-sent events against this page's origin in a browser.
 */
export function createSupervisorClient(): SupervisorClient {
  const bridge = typeof window === 'undefined' ? undefined : window.api;
  return bridge ? createIpcClient(bridge) : createHttpClient();
}
