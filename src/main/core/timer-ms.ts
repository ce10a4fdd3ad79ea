/**
 * Largest delay Node's timers take, ms (2^31 − 1, about 24.8 days). A larger one is
 * silently replaced by 1 ms, and `AbortSignal.timeout` throws `ERR_OUT_OF_RANGE` on it.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A duration made safe for a timer: a whole number of ms in [`min`, {@link MAX_TIMER_MS}].
 * Fractions round up (a budget computed from `performance.now()` is fractional, and
 * `AbortSignal.timeout` throws `ERR_OUT_OF_RANGE` on a non-integer); NaN becomes `min`.
 * @param ms the wanted delay, ms (any number).
 * @param min the smallest delay allowed, ms (a whole number ≥ 0).
 */
export function timerMs(ms: number, min = 0): number {
  if (Number.isNaN(ms)) return min;
  return Math.min(MAX_TIMER_MS, Math.max(min, Math.ceil(ms)));
}
