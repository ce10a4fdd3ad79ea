/** How one delivery of an alert ended: delivered, or why not (a phrase for the supervisor's log, no secrets in it). */
export type DeliveryResult = { ok: true } | { ok: false; error: string };

/** Rejects with the signal's reason when it aborts (undici ignores an abort while connecting; a spawn never sees one). */
export function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    else signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}

/** The reason a delivery's signal aborts with when its timeout passes. */
export class DeliveryTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs / 1000} s`);
    this.name = 'DeliveryTimeout';
  }
}
