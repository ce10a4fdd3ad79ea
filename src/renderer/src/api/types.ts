import type { SupervisorApi } from '../../../shared/contract';

/**
 * Where the dashboard stands with the supervisor:
 * - `ipc`: inside the Electron window; the bridge is always there.
 * - `connecting`: HTTP, first attempt to open the event stream.
 * - `connected`: HTTP, the event stream is open (status and logs arrive live).
 * - `reconnecting`: HTTP, the stream dropped; retrying with backoff (the UI polls meanwhile).
 * - `token-needed`: HTTP, no control token or the server refused it (401).
 */
export type ConnectionState = 'ipc' | 'connecting' | 'connected' | 'reconnecting' | 'token-needed';

/** Which transport carries calls and events. */
export type TransportKind = 'ipc' | 'http';

/** The connection side of a client: its state, and changes to it. */
export interface ConnectionSource {
  readonly transport: TransportKind;
  /** The current state (stable between changes, so it suits `useSyncExternalStore`). */
  getState(): ConnectionState;
  /** Calls `listener` on every change of state; returns the unsubscribe function. */
  subscribe(listener: (state: ConnectionState) => void): () => void;
  /**
   * HTTP only: checks `token` against the server and, unless the server refuses it,
   * stores it and reconnects. Rejects with an `ApiError` (`UNAUTHORIZED` when refused).
   * The IPC transport needs no token and resolves at once.
   */
  submitToken(token: string): Promise<void>;
}

/** The renderer's client: the contract's API plus the connection it runs over. */
export interface SupervisorClient extends SupervisorApi, ConnectionSource {
  /** Stops the event stream and timers (tests, hot reload). */
  dispose(): void;
}

/** A connection that never changes; used for IPC and for tests with a fake API. */
export function staticConnection(state: ConnectionState = 'ipc'): ConnectionSource {
  return {
    transport: state === 'ipc' ? 'ipc' : 'http',
    getState: () => state,
    subscribe: () => () => {},
    submitToken: async () => {},
  };
}
