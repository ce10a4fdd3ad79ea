/** The localStorage key holding the control token in the browser dashboard. */
export const TOKEN_STORAGE_KEY = 'backend-supervisor.token';

/** Where the HTTP transport keeps the control token. */
export interface TokenStore {
  get(): string | null;
  set(token: string): void;
  clear(): void;
}

/** The parts of the Web Storage API the store uses (so tests can pass a Map-backed fake). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * A token store over `storage` (localStorage by default). When storage is unavailable or
 * throws (private mode, disabled storage), the token is kept in memory for this page only,
 * so the dashboard still works; it is then asked for again on the next load.
 */
export function createTokenStore(storage: StorageLike | undefined = safeLocalStorage()): TokenStore {
  let memory: string | null = null;
  return {
    get() {
      try {
        return storage?.getItem(TOKEN_STORAGE_KEY) ?? memory;
      } catch {
        return memory;
      }
    },
    set(token) {
      memory = token;
      try {
        storage?.setItem(TOKEN_STORAGE_KEY, token);
      } catch {
        // Memory only; see above.
      }
    },
    clear() {
      memory = null;
      try {
        storage?.removeItem(TOKEN_STORAGE_KEY);
      } catch {
        // Nothing stored there.
      }
    },
  };
}

function safeLocalStorage(): StorageLike | undefined {
  try {
    return (globalThis as { localStorage?: StorageLike }).localStorage;
  } catch {
    // Accessing localStorage itself throws when storage is blocked.
    return undefined;
  }
}
