import type { Clock } from './clock';
import { isLoopback } from './config';
import type { HealthProbe, ProbeOutcome } from './health-probe';
import type { ProcessExit } from './launcher';
import { diagnoseFailedStart } from './start-diagnosis';
import { timerMs } from './timer-ms';

/**
 * Startup probes run every 2 ms for the first 500 ms: most backends get ready in that
 * window, and seeing it within ~2 ms keeps crash → healthy within 1.1 × the bare spawn →
 * healthy floor (bench/results.md). After that the interval grows ×1.5 up to
 * {@link STARTUP_PROBE_LOOPBACK_MAX_MS} for a loopback health URL, or
 * {@link STARTUP_PROBE_REMOTE_MAX_MS} for any other.
 */
const STARTUP_PROBE_FIRST_MS = 2;
const STARTUP_PROBE_FAST_PHASE_MS = 500;
/**
 * Longest pause between startup probes of a loopback health URL (localhost, 127.0.0.0/8,
 * ::1), ms, for the whole start budget: a backend that gets ready at any time is reported
 * `running` within this plus one probe (a few ms) of its first 2xx, inside 50 ms. Cheap
 * enough: a refused loopback connect costs the kernel microseconds; Node and undici add
 * about 1.5 ms of CPU per probe on a small VM, so 40 a second cost about 6 % of one core,
 * and only while a start lasts (bench/results.md, "slow start").
 */
export const STARTUP_PROBE_LOOPBACK_MAX_MS = 25;
/**
 * Longest pause between startup probes of a health URL on another host, ms: each probe
 * there costs the network and the remote backend a connection, and readiness a second late
 * matters less than for a child on this machine.
 */
export const STARTUP_PROBE_REMOTE_MAX_MS = 1_000;
/**
 * Smallest budget of a startup probe, ms. Near the end of the start budget a probe gets
 * what is left, but never less than this: a loopback answer takes a few ms, and a probe
 * given less would only report a timeout.
 */
export const STARTUP_PROBE_MIN_TIMEOUT_MS = 10;

/** Outcome of waiting for a fresh process to become healthy. */
export type StartOutcome =
  | { kind: 'healthy'; probe: ProbeOutcome }
  | { kind: 'exited'; exit: ProcessExit }
  | { kind: 'timeout'; lastProbe: ProbeOutcome | null }
  | { kind: 'cancelled' };

/** What {@link awaitHealthy} needs. Times are on `clock`'s monotonic ms. */
export interface StartupWait {
  clock: Clock;
  probe: HealthProbe;
  /** The health URL. */
  url: string;
  /** When the process was spawned (monotonic ms); the budget counts from here. */
  startedAtMono: number;
  /** The start budget (`STARTUP_TIMEOUT`), ms. */
  startupTimeoutMs: number;
  /** The budget of one probe (`HEALTH_CHECK_TIMEOUT`), ms. */
  healthCheckTimeoutMs: number;
  /** Resolves when the process exits. */
  exited: Promise<ProcessExit>;
  /** Aborted when a person stops or restarts mid-start. */
  signal: AbortSignal;
  /** Sees every failed probe (kept for the incident). */
  onFailedProbe: (probe: ProbeOutcome) => void;
}

/**
 * The longest pause between startup probes of `url`, ms: {@link STARTUP_PROBE_LOOPBACK_MAX_MS}
 * when its host is loopback (or 0.0.0.0 / [::], which reach this machine too), else {@link STARTUP_PROBE_REMOTE_MAX_MS}. Throws on a URL that
 * does not parse (config validation made it one).
 */
export function startupProbeMaxMs(url: string): number {
  const host = new URL(url).hostname;
  return isLoopback(host) || THIS_HOST_ANY.includes(host) ? STARTUP_PROBE_LOOPBACK_MAX_MS : STARTUP_PROBE_REMOTE_MAX_MS;
}

/**
 * The "any address" hosts, as the URL parser writes them: a connect to one reaches this
 * machine, so a URL copied from a backend's "listening on 0.0.0.0:8080" line is loopback.
 */
const THIS_HOST_ANY: readonly string[] = ['0.0.0.0', '[::]'];

/**
 * Probes at a growing interval until healthy, exit, the start budget runs out, or cancel.
 * Every timer and probe budget is a whole number of ms. `lastProbe` of a timeout is the
 * last conclusive outcome: a probe cut short by the end of the budget that timed out does
 * not hide an earlier HTTP answer such as `answered HTTP 404` (it does replace a refused
 * connect: the backend listens now), and one the supervisor could not make
 * (`cannot-probe`) hides no earlier outcome.
 */
export async function awaitHealthy(w: StartupWait): Promise<StartOutcome> {
  const deadline = w.startedAtMono + w.startupTimeoutMs;
  const maxInterval = startupProbeMaxMs(w.url);
  let interval = STARTUP_PROBE_FIRST_MS;
  let lastProbe: ProbeOutcome | null = null;
  let lastInconclusive = false;
  const exited = w.exited.then((exit) => ({ kind: 'exited', exit }) as const);
  const cancelled = new Promise<{ kind: 'cancelled' }>((resolve) => {
    if (w.signal.aborted) resolve({ kind: 'cancelled' });
    w.signal.addEventListener('abort', () => resolve({ kind: 'cancelled' }), { once: true });
  });
  for (;;) {
    const remaining = deadline - w.clock.monotonicMs();
    if (remaining <= 0) return { kind: 'timeout', lastProbe };
    const budget = Math.min(w.healthCheckTimeoutMs, timerMs(remaining, STARTUP_PROBE_MIN_TIMEOUT_MS));
    const probe = w.probe.probe(w.url, budget).then((p) => ({ kind: 'probe', probe: p }) as const);
    const first = await Promise.race([probe, exited, cancelled]);
    if (first.kind !== 'probe') return first;
    if (first.probe.ok) return { kind: 'healthy', probe: first.probe };
    w.onFailedProbe(first.probe);
    const blind = first.probe.failure === 'cannot-probe';
    const cutShort = first.probe.failure === 'no-answer' && budget < w.healthCheckTimeoutMs;
    // A probe cut short still says the backend took the connection: news after a refusal
    // (with STARTUP_TIMEOUT below HEALTH_CHECK_TIMEOUT every probe is cut short), but no
    // reason to hide an HTTP answer. One that could not be made says nothing at all.
    const hidesBetter =
      lastProbe !== null && !lastInconclusive && (blind || (cutShort && lastProbe.status_code !== null));
    if (!hidesBetter) {
      lastProbe = first.probe;
      lastInconclusive = blind || cutShort;
    }
    const wait = timerMs(Math.min(interval, deadline - w.clock.monotonicMs()));
    if (w.clock.monotonicMs() - w.startedAtMono >= STARTUP_PROBE_FAST_PHASE_MS) {
      interval = Math.min(Math.round(interval * 1.5), maxInterval);
    }
    const pause = new Promise<{ kind: 'tick' }>((resolve) => w.clock.setTimeout(() => resolve({ kind: 'tick' }), wait));
    const next = await Promise.race([pause, exited, cancelled]);
    if (next.kind !== 'tick') return next;
  }
}

/**
 * Why a start ran out of budget, from its last conclusive probe: `answered HTTP 404`,
 * `never answered: connection refused`, `answered HTTP 200, then no answer within 500 ms
 * (the body did not end)`, `could not probe: EMFILE: …` when the supervisor could make no
 * probe at all, or `never answered` when no probe finished.
 */
export function describeStartTimeout(last: ProbeOutcome | null): string {
  if (!last) return 'never answered';
  if (last.failure === 'cannot-probe') return `could not probe: ${last.error}`;
  if (last.status_code === null) return `never answered: ${last.error}`;
  if (last.failure === 'http-status' || last.failure === undefined || last.failure === null) {
    return `answered HTTP ${last.status_code}`;
  }
  return `answered HTTP ${last.status_code}, then ${last.error}`;
}

/** What a start came to, as the supervisor acts on it: a timeout carries the sentence for `last_error`. */
export type StartVerdict = Exclude<StartOutcome, { kind: 'timeout' }> | { kind: 'timeout'; why: string };

/**
 * {@link awaitHealthy}, and for a start that ran out of budget, why: `not healthy within
 * 30000 ms (answered HTTP 404); …` with the hint of diagnoseFailedStart (start-diagnosis.ts)
 * when the process listens elsewhere. The hint is looked for before anyone stops the
 * process: what it listens on dies with it. Takes up to about 500 ms more on a timeout.
 * @param pid the process whose start it is (its sockets are looked at).
 */
export async function waitForStart(w: StartupWait, pid: number): Promise<StartVerdict> {
  const outcome = await awaitHealthy(w);
  if (outcome.kind !== 'timeout') return outcome;
  const { lastProbe } = outcome;
  const hint = await diagnoseFailedStart({ probe: w.probe, healthUrl: w.url, pid, lastProbe });
  const why = `not healthy within ${w.startupTimeoutMs} ms (${describeStartTimeout(lastProbe)})${hint ? `; ${hint}` : ''}`;
  return { kind: 'timeout', why };
}
