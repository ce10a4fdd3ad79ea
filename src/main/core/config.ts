import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseShellWords } from 'shell-quote';
import { z } from 'zod';
import {
  parseDecimal,
  parseWholeNumber,
  SupervisorConfigSchema,
  type SupervisorConfig,
  type SupervisorConfigInput,
} from '../../shared/config';
import { describeSettingIssue, isSettingsKey } from '../../shared/settings';
import { ConfigError, type ConfigIssue } from './errors';

type Env = Record<string, string | undefined>;

/** How each environment variable maps onto the config, and how its text is read. */
type Reader = (raw: string, name: string) => unknown;

// Numbers are decimal only (parseDecimal): `Number()` would read `0x10` as 16 and `1e3` as 1000.
const seconds: Reader = (raw, name) => {
  const n = parseDecimal(raw);
  if (n === null || !Number.isFinite(n)) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a number of seconds (e.g. 5 or 0.5)`);
  }
  return Math.round(n * 1000);
};
const integer: Reader = (raw, name) => {
  const n = parseWholeNumber(raw);
  if (n === null || !Number.isSafeInteger(n)) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a whole number`);
  }
  return n;
};
const boolean: Reader = (raw, name) => {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a boolean (use true or false)`);
};
const text: Reader = (raw) => raw;
const megabytes: Reader = (raw, name) => {
  const n = parseDecimal(raw);
  if (n === null || !Number.isFinite(n) || n <= 0) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a size in MiB (e.g. 10 or 0.5)`);
  }
  return Math.round(n * 1024 * 1024);
};

/**
 * Reads `BACKEND_ARGS`: a JSON array of strings (`["--port","3000"]`) or shell-style words
 * (`--port 3000 --name "my app"`). Shell operators (`|`, `>`, `&&`…) are refused: the
 * command is run directly, not through a shell.
 */
export const parseArgs: Reader = (raw, name) => {
  const trimmed = raw.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw new ConfigError(`${name} looks like JSON but does not parse: ${(err as Error).message}`);
    }
    const arr = z.array(z.string()).safeParse(parsed);
    if (!arr.success) throw new ConfigError(`${name} must be a JSON array of strings`);
    return arr.data;
  }
  const words = parseShellWords(trimmed, (key) => `$${key}`);
  return words.map((w) => {
    if (typeof w !== 'string') {
      throw new ConfigError(`${name} contains a shell operator (${JSON.stringify(w)}); give plain arguments`);
    }
    return w;
  });
};

/** Environment variables (seed names first, aliases after) → config keys; `doc` is the locale key of serve's help line. */
export const ENV_VARIABLES: { names: string[]; key: keyof SupervisorConfigInput; read: Reader; doc: string }[] = [
  {
    names: ['ORCHESTRATOR_ENABLED'],
    key: 'orchestratorEnabled',
    read: boolean,
    doc: 'cli.env.orchestratorEnabled',
  },
  { names: ['GO_BACKEND_BINARY', 'BACKEND_COMMAND'], key: 'command', read: text, doc: 'cli.env.command' },
  { names: ['BACKEND_ARGS'], key: 'args', read: parseArgs, doc: 'cli.env.args' },
  { names: ['GO_BACKEND_URL', 'BACKEND_URL'], key: 'backendUrl', read: text, doc: 'cli.env.backendUrl' },
  { names: ['HEALTH_CHECK_PATH'], key: 'healthCheckPath', read: text, doc: 'cli.env.healthCheckPath' },
  {
    names: ['HEALTH_CHECK_INTERVAL'],
    key: 'healthCheckIntervalMs',
    read: seconds,
    doc: 'cli.env.healthCheckIntervalMs',
  },
  { names: ['HEALTH_CHECK_TIMEOUT'], key: 'healthCheckTimeoutMs', read: seconds, doc: 'cli.env.healthCheckTimeoutMs' },
  {
    names: ['HEALTH_FAILURE_THRESHOLD'],
    key: 'healthFailureThreshold',
    read: integer,
    doc: 'cli.env.healthFailureThreshold',
  },
  {
    names: ['HEALTH_CONFIRM_DELAY'],
    key: 'healthConfirmDelayMs',
    read: seconds,
    doc: 'cli.env.healthConfirmDelayMs',
  },
  {
    names: ['STARTUP_TIMEOUT'],
    key: 'startupTimeoutMs',
    read: seconds,
    doc: 'cli.env.startupTimeoutMs',
  },
  { names: ['AUTO_RESTART'], key: 'autoRestart', read: boolean, doc: 'cli.env.autoRestart' },
  {
    names: ['MAX_RESTART_ATTEMPTS'],
    key: 'maxRestartAttempts',
    read: integer,
    doc: 'cli.env.maxRestartAttempts',
  },
  {
    names: ['RESTART_DELAY'],
    key: 'restartDelayMs',
    read: seconds,
    doc: 'cli.env.restartDelayMs',
  },
  { names: ['MAX_RESTART_DELAY'], key: 'maxRestartDelayMs', read: seconds, doc: 'cli.env.maxRestartDelayMs' },
  {
    names: ['RESTART_RESET_AFTER'],
    key: 'restartResetAfterMs',
    read: seconds,
    doc: 'cli.env.restartResetAfterMs',
  },
  { names: ['STOP_TIMEOUT'], key: 'stopTimeoutMs', read: seconds, doc: 'cli.env.stopTimeoutMs' },
  { names: ['BACKEND_WORKING_DIR'], key: 'workingDir', read: text, doc: 'cli.env.workingDir' },
  {
    names: ['LOG_BUFFER_LINES'],
    key: 'logBufferLines',
    read: integer,
    doc: 'cli.env.logBufferLines',
  },
  { names: ['LOG_DIR'], key: 'logDir', read: text, doc: 'cli.env.logDir' },
  { names: ['LOG_FILE_MAX_MB'], key: 'logFileMaxBytes', read: megabytes, doc: 'cli.env.logFileMaxBytes' },
  { names: ['LOG_FILE_COUNT'], key: 'logFileCount', read: integer, doc: 'cli.env.logFileCount' },
  { names: ['CONTROL_HOST'], key: 'controlHost', read: text, doc: 'cli.env.controlHost' },
  { names: ['CONTROL_PORT'], key: 'controlPort', read: integer, doc: 'cli.env.controlPort' },
  { names: ['CONTROL_TOKEN'], key: 'controlToken', read: text, doc: 'cli.env.controlToken' },
  {
    names: ['CONTROL_READ_TOKEN'],
    key: 'controlReadToken',
    read: text,
    doc: 'cli.env.controlReadToken',
  },
  {
    names: ['CONTROL_ALLOW_REMOTE'],
    key: 'controlAllowRemote',
    read: boolean,
    doc: 'cli.env.controlAllowRemote',
  },
  { names: ['SUPERVISOR_DATA_DIR'], key: 'dataDir', read: text, doc: 'cli.env.dataDir' },
];

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The per-user data folder: XDG on Linux, Application Support on macOS, APPDATA on Windows. */
export function defaultDataDir(env: Env = process.env, platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'backend-supervisor');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'backend-supervisor');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'backend-supervisor');
}

/** Where the entry point wants the defaults that depend on how it was installed. */
export interface ConfigDefaults {
  /** Command used when neither GO_BACKEND_BINARY nor BACKEND_COMMAND is set (the bundled backend). */
  command: string;
  args?: string[];
  /** Working directory of the default command. */
  workingDir?: string;
  /** Extra environment for the default backend (e.g. where the reference backend keeps data). */
  env?: (config: Omit<SupervisorConfig, 'env'>) => Record<string, string>;
}

/**
 * Builds the config from environment variables over the defaults
 * (precedence: `overrides` (command-line flags) > environment > `fileValues` > defaults).
 * Durations given in seconds are converted to ms.
 * @throws ConfigError naming the variable and what is wrong with it; all problems at once,
 * each an issue with the variable as its source and the config key as its field.
 */
export function loadConfig(
  env: Env,
  defaults: ConfigDefaults,
  fileValues: Partial<SupervisorConfigInput> = {},
  overrides: Partial<SupervisorConfigInput> = {},
): SupervisorConfig {
  const fromEnv: Partial<Record<keyof SupervisorConfigInput, unknown>> = {};
  const sourceOf = new Map<string, string>();
  const problems: ConfigIssue[] = [];
  for (const variable of ENV_VARIABLES) {
    const name = variable.names.find((n) => env[n] !== undefined && env[n] !== '');
    if (!name) continue;
    try {
      fromEnv[variable.key] = variable.read(env[name] as string, name);
      sourceOf.set(variable.key, name);
    } catch (err) {
      problems.push({ source: name, field: variable.key, message: (err as Error).message });
    }
  }
  if (problems.length > 0) throw ConfigError.invalid(problems);

  const usesDefaultCommand =
    fromEnv.command === undefined && fileValues.command === undefined && overrides.command === undefined;
  const merged: Record<string, unknown> = {
    dataDir: defaultDataDir(env),
    ...fileValues,
    ...fromEnv,
    ...overrides,
  };
  if (usesDefaultCommand) {
    merged.command = defaults.command;
    if (merged.args === undefined) merged.args = defaults.args ?? [];
  }
  const parsed = SupervisorConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue): ConfigIssue => {
      const key = String(issue.path[0] ?? '');
      const variable = sourceOf.get(key) ?? ENV_VARIABLES.find((v) => v.key === key)?.names[0] ?? key;
      // In the units people type (seconds, MiB): `STOP_TIMEOUT: must be at most 3600 s`, not `<=3600000`.
      const message = `${variable}: ${isSettingsKey(key) ? describeSettingIssue(issue) : issue.message}`;
      return key ? { source: variable, field: key, message } : { source: variable, message };
    });
    throw ConfigError.invalid(issues);
  }
  const config = parsed.data;
  config.dataDir = resolve(config.dataDir);
  // Relative to the working directory, as the data folder: absolute from here on, so the
  // folder checked at start, the one written and the one the banner names are one.
  if (config.logDir !== undefined) config.logDir = resolve(config.logDir);
  if (config.workingDir === undefined) {
    if (usesDefaultCommand && defaults.workingDir) config.workingDir = defaults.workingDir;
    else if (isAbsolute(config.command)) config.workingDir = dirname(config.command);
  }
  if (config.maxRestartDelayMs < config.restartDelayMs) {
    throw ConfigError.invalid([
      {
        source: 'MAX_RESTART_DELAY',
        field: 'maxRestartDelayMs',
        message: `MAX_RESTART_DELAY (${config.maxRestartDelayMs / 1000} s) is below RESTART_DELAY (${config.restartDelayMs / 1000} s)`,
      },
    ]);
  }
  if (!isLoopback(config.controlHost) && !config.controlAllowRemote) {
    throw ConfigError.invalid([
      {
        source: sourceOf.get('controlHost') ?? 'CONTROL_HOST',
        field: 'controlHost',
        message: `CONTROL_HOST=${config.controlHost} would expose the control API to the network; use a loopback address, or set CONTROL_ALLOW_REMOTE=true to allow it`,
      },
    ]);
  }
  if (usesDefaultCommand && defaults.env) config.env = { ...defaults.env(config), ...config.env };
  return config;
}

/** The folder of the log files: `LOG_DIR`, else `<dataDir>/logs`. */
export function logFolderOf(config: Pick<SupervisorConfig, 'logDir' | 'dataDir'>): string {
  return config.logDir ?? join(config.dataDir, 'logs');
}
