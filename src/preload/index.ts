/**
 * The preload: exposes one typed `window.api` (a {@link PreloadBridge}) built from the
 * contract. Calls go through `ipcRenderer.invoke` and answer envelopes; events arrive on
 * the contract's event names only. Nothing else of Electron reaches the page.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { PreloadBridge } from '../shared/contract';
// The contract's own list, from the module without zod (the sandboxed preload bundles it).
import { EVENT_NAMES } from '../shared/event-names';

const EVENTS: ReadonlySet<string> = new Set(EVENT_NAMES);

const bridge: PreloadBridge = {
  invoke: (channel, args) => ipcRenderer.invoke(channel, args),
  on(event, listener) {
    if (!EVENTS.has(event)) throw new Error(`unknown event: ${event}`);
    const wrapped = (_e: IpcRendererEvent, payload: unknown): void => listener(payload);
    ipcRenderer.on(event, wrapped);
    return () => ipcRenderer.off(event, wrapped);
  },
};

contextBridge.exposeInMainWorld('api', bridge);
