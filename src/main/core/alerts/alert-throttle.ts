import type { Clock } from '../clock';
import type { AlertEvent } from './alert-events';
import type { SuppressedCount } from './alert-payload';

/** Shortest time between two alerts of one service, ms (README "Alerts": at most one a minute). */
export const ALERT_WINDOW_MS = 60_000;

/** What the throttle needs of an alert: its event and when it happened (RFC 3339). */
export interface ThrottledAlert {
  event: AlertEvent;
  at: string;
}

/**
 * One service's rate limit: at most one alert per `windowMs`. The first alert after a quiet
 * window goes at once; later ones in the window are held, the newest replacing (and so
 * suppressing) the one held before it, and the held one goes when the window ends, saying
 * how many were suppressed before it. So a crash loop sends one alert a minute, and the
 * last word of a burst (a give-up) is never lost to the limit. Monotonic time: a wall-clock
 * jump neither floods nor silences it.
 */
export class AlertThrottle<T extends ThrottledAlert> {
  private lastSentMono: number | null = null;
  private held: T | null = null;
  private timer: unknown = null;
  private suppressed: SuppressedCount = { count: 0, events: {}, since: null };
  private closed = false;

  /**
   * @param send called with each alert let through and what was suppressed before it; must not throw.
   * @param windowMs the window, ms (tests shorten it).
   */
  constructor(
    private readonly clock: Clock,
    private readonly send: (alert: T, suppressed: SuppressedCount) => void,
    private readonly windowMs = ALERT_WINDOW_MS,
  ) {}

  /** Sends `alert` now if the window allows, else holds it till the window ends (see the class). */
  offer(alert: T): void {
    if (this.closed) return;
    const now = this.clock.monotonicMs();
    if (this.lastSentMono === null || now - this.lastSentMono >= this.windowMs) {
      // A held alert whose timer has not run yet (a busy event loop): the newer one goes in its place.
      if (this.held) this.suppress(this.held);
      this.held = null;
      this.cancelTimer();
      this.fire(alert, now);
      return;
    }
    if (this.held) this.suppress(this.held);
    this.held = alert;
    this.timer ??= this.clock.setTimeout(() => this.flush(), this.lastSentMono + this.windowMs - now);
  }

  /** Drops what is held and sends nothing more. */
  close(): void {
    this.closed = true;
    this.held = null;
    this.cancelTimer();
  }

  private flush(): void {
    this.timer = null;
    const alert = this.held;
    this.held = null;
    if (alert && !this.closed) this.fire(alert, this.clock.monotonicMs());
  }

  private fire(alert: T, now: number): void {
    const suppressed = this.suppressed;
    this.suppressed = { count: 0, events: {}, since: null };
    this.lastSentMono = now;
    this.send(alert, suppressed);
  }

  private suppress(alert: T): void {
    const s = this.suppressed;
    s.count++;
    s.events[alert.event] = (s.events[alert.event] ?? 0) + 1;
    s.since ??= alert.at;
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
