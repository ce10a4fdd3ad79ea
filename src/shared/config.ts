import { z } from 'zod';

/**
 * Longest interval or budget, ms (24 h): the time between probes, a start's budget, a
 * restart delay and the healthy time that resets the counter. A daily probe is the slowest
 * cadence that still supervises anything; Node's timers take at most 2^31 − 1 ms (24.8 days)
 * and fire after 1 ms beyond it, so every duration must stay well below that.
 */
export const MAX_INTERVAL_MS = 24 * 60 * 60 * 1000;

/**
 * Longest wait inside one action, ms (1 h): a probe's timeout, the delay between confirming
 * re-probes, the grace between SIGTERM and SIGKILL. Past an hour a person takes the action
 * for hung; the bound keeps a typo (`STOP_TIMEOUT=3000000`) from being read as "forever".
 */
export const MAX_WAIT_MS = 60 * 60 * 1000;

/**
 * A duration in whole ms between `min` and `max` (both ms, inclusive). Every duration of the
 * config goes through this, so none can reach Node's timer limit (see {@link MAX_INTERVAL_MS}).
 * Issues are zod's generic too_small/too_big: the settings and the loader word them in
 * seconds (describeSettingIssue in ./settings).
 */
export function durationMs(min: number, max: number): z.ZodNumber {
  return z.number().int().min(min).max(max);
}

/**
 * Reads a decimal number as people type it in a variable or a form: digits with an optional
 * fraction (`5`, `0.5`, `.5`), surrounding blanks ignored. Refuses what `Number()` would take
 * but no one means in a config: hex (`0x10` is not 16 here), octal and binary prefixes,
 * exponents (`1e3`), `Infinity`, signs, an empty text. @returns the number, or null.
 */
export function parseDecimal(text: string): number | null {
  const trimmed = text.trim();
  if (!/^(?:\d+(?:\.\d*)?|\.\d+)$/.test(trimmed)) return null;
  return Number(trimmed);
}

/** Reads a whole number (`12`, `-1`), decimal digits only (see {@link parseDecimal}). @returns it, or null. */
export function parseWholeNumber(text: string): number | null {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) return null;
  return Number(trimmed);
}

/**
 * The supervisor's configuration, one schema for every entry (headless environment,
 * desktop settings, `.env` import). Durations are in milliseconds here; the seed's
 * environment variables give seconds and are converted by the loader.
 * Defaults come from architecture.md ("Configuration") and the seed (001).
 */
export const SupervisorConfigSchema = z.object({
  /** Supervise a local process; false = remote mode (health monitoring and client only). */
  orchestratorEnabled: z.boolean().default(true),
  /** Executable to run. */
  command: z.string().min(1, 'must not be empty'),
  /** Its arguments. */
  args: z.array(z.string()).default([]),
  /** Working directory (default: the executable's folder). */
  workingDir: z.string().min(1).optional(),
  /** Extra environment for the backend, on top of the supervisor's own. */
  env: z.record(z.string(), z.string()).default({}),
  /** Base URL of the backend, http or https. */
  backendUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .default('http://127.0.0.1:3000'),
  /**
   * Health path, joined to the base URL. One the URL parser reads as a host (`//x/health`,
   * `/\x/health`, a tab after the slash) would send the probe to a stranger: refused.
   */
  healthCheckPath: z
    .string()
    .startsWith('/', 'must start with /')
    .refine(
      (p) => new URL(p, 'http://backend.invalid').host === 'backend.invalid',
      'must be a path on the backend, not another host',
    )
    .default('/health'),
  /** Time between periodic probes, ms (seed: 30 s). */
  healthCheckIntervalMs: durationMs(100, MAX_INTERVAL_MS).default(30_000),
  /** Per-probe timeout, ms (seed: 5 s). */
  healthCheckTimeoutMs: durationMs(10, MAX_WAIT_MS).default(5_000),
  /** Failed probes in a row that make a hang; the first failure is confirmed by the rest. */
  healthFailureThreshold: z.number().int().min(1).max(100).default(3),
  /** Delay between confirming re-probes after a failed probe, ms. */
  healthConfirmDelayMs: durationMs(0, MAX_WAIT_MS).default(1_000),
  /** Budget for a start to become healthy, ms. */
  startupTimeoutMs: durationMs(100, MAX_INTERVAL_MS).default(30_000),
  /** Restart after a crash or a confirmed hang (seed: true). */
  autoRestart: z.boolean().default(true),
  /** Consecutive automatic restarts before giving up in `crashed` (seed: 3). */
  maxRestartAttempts: z.number().int().min(0).max(1000).default(3),
  /** Delay before the 2nd consecutive restart, doubling after; the 1st is immediate. ms. */
  restartDelayMs: durationMs(0, MAX_INTERVAL_MS).default(1_000),
  /** Cap on that delay, ms. */
  maxRestartDelayMs: durationMs(0, MAX_INTERVAL_MS).default(30_000),
  /** Healthy running time after which the consecutive-failure counter resets, ms. */
  restartResetAfterMs: durationMs(0, MAX_INTERVAL_MS).default(30_000),
  /** Time between SIGTERM and SIGKILL to the process group, ms. */
  stopTimeoutMs: durationMs(0, MAX_WAIT_MS).default(10_000),
  /** Lines kept in the in-memory log ring buffer. */
  logBufferLines: z.number().int().min(10).max(1_000_000).default(5_000),
  /** Folder of the log files (default: `<dataDir>/logs`). */
  logDir: z.string().min(1).optional(),
  /** Size at which a log file is rotated, bytes (default 10 MiB). */
  logFileMaxBytes: z
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  /**
   * Rotated files kept per log (`backend.log.1.gz` … `.N.gz`, compressed): 20 of 10 MiB keep
   * all of a 1,000,000-line flood of 100-byte lines.
   */
  logFileCount: z.number().int().min(1).max(1000).default(20),
  /** Control server bind address (seed: 127.0.0.1). */
  controlHost: z.string().min(1).default('127.0.0.1'),
  /** Allow binding the control server to a non-loopback address (it is then reachable from the network). */
  controlAllowRemote: z.boolean().default(false),
  /** Control server port (seed: 8000); 0 picks a free port. */
  controlPort: z.number().int().min(0).max(65_535).default(8000),
  /** Bearer token of the control API; generated and stored 0600 in `dataDir` when absent. */
  controlToken: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Read-only bearer token for `/metrics` and the status routes; generated and stored 0600 when absent. */
  controlReadToken: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Folder for the supervisor's own files (token, pid file, the reference backend's data). */
  dataDir: z.string().min(1),
});

/** A validated configuration. */
export type SupervisorConfig = z.infer<typeof SupervisorConfigSchema>;
/** What a caller may give before defaults are applied. */
export type SupervisorConfigInput = z.input<typeof SupervisorConfigSchema>;
