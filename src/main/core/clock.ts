/**
 * Time as the supervisor sees it, injected so tests can use fake timers.
 * `monotonicMs` never jumps with the wall clock (uptime, backoff and windows use it);
 * `wallNow` is only for display (RFC 3339 stamps).
 */
export interface Clock {
  /** Milliseconds from an arbitrary origin; never goes back. */
  monotonicMs(): number;
  /** The wall-clock time, for timestamps shown to people. */
  wallNow(): Date;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock: `performance.now()` and the global timers. */
export const systemClock: Clock = {
  monotonicMs: () => performance.now(),
  wallNow: () => new Date(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Resolves after `ms` on the given clock; rejects with the signal's reason when aborted. */
export function delay(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
