import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import type { SupervisorApi } from '../../../shared/contract';
import { staticConnection, type ConnectionSource, type ConnectionState } from './types';

interface ApiContextValue {
  api: SupervisorApi;
  connection: ConnectionSource;
}

const ApiContext = createContext<ApiContextValue | null>(null);

/** Props of {@link ApiProvider}. */
export interface ApiProviderProps {
  /** The API the components call. */
  api: SupervisorApi;
  /** Its connection; defaults to an always-up IPC-like one (handy for tests with a fake API). */
  connection?: ConnectionSource;
  children: ReactNode;
}

const alwaysUp = staticConnection('ipc');

/** Makes one `SupervisorApi` (and its connection state) available to the tree below. */
export function ApiProvider({ api, connection = alwaysUp, children }: ApiProviderProps) {
  return <ApiContext.Provider value={{ api, connection }}>{children}</ApiContext.Provider>;
}

function useApiContext(): ApiContextValue {
  const value = useContext(ApiContext);
  if (!value) throw new Error('useSupervisorApi must be used inside <ApiProvider>');
  return value;
}

/** The `SupervisorApi` of the nearest {@link ApiProvider}. */
export function useSupervisorApi(): SupervisorApi {
  return useApiContext().api;
}

/** The connection source of the nearest {@link ApiProvider} (to submit a token). */
export function useConnection(): ConnectionSource {
  return useApiContext().connection;
}

/** The live connection state; re-renders on every change. */
export function useConnectionState(): ConnectionState {
  const { connection } = useApiContext();
  return useSyncExternalStore(
    (onChange) => connection.subscribe(onChange),
    () => connection.getState(),
  );
}

/** True when events arrive live (IPC, or an open HTTP event stream): no polling needed. */
export function isLive(state: ConnectionState): boolean {
  return state === 'ipc' || state === 'connected';
}
