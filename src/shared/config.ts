import { z } from 'zod';

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
  /** Health path, joined to the base URL. */
  healthCheckPath: z.string().startsWith('/', 'must start with /').default('/health'),
  /** Time between periodic probes, ms (seed: 30 s). */
  healthCheckIntervalMs: z.number().int().min(100).default(30_000),
  /** Per-probe timeout, ms (seed: 5 s). */
  healthCheckTimeoutMs: z.number().int().min(10).default(5_000),
  /** Failed probes in a row that make a hang; the first failure is confirmed by the rest. */
  healthFailureThreshold: z.number().int().min(1).max(100).default(3),
  /** Delay between confirming re-probes after a failed probe, ms. */
  healthConfirmDelayMs: z.number().int().min(0).default(1_000),
  /** Budget for a start to become healthy, ms. */
  startupTimeoutMs: z.number().int().min(100).default(30_000),
  /** Restart after a crash or a confirmed hang (seed: true). */
  autoRestart: z.boolean().default(true),
  /** Consecutive automatic restarts before giving up in `crashed` (seed: 3). */
  maxRestartAttempts: z.number().int().min(0).max(1000).default(3),
  /** Delay before the 2nd consecutive restart, doubling after; the 1st is immediate. ms. */
  restartDelayMs: z.number().int().min(0).default(1_000),
  /** Cap on that delay, ms. */
  maxRestartDelayMs: z.number().int().min(0).default(30_000),
  /** Healthy running time after which the consecutive-failure counter resets, ms. */
  restartResetAfterMs: z.number().int().min(0).default(30_000),
  /** Time between SIGTERM and SIGKILL to the process group, ms. */
  stopTimeoutMs: z.number().int().min(0).default(10_000),
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
  /** Rotated files kept per log (`backend.log.1` … `.N`). */
  logFileCount: z.number().int().min(1).max(1000).default(5),
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
