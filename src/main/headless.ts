/**
 * The Node entry: `backend-supervisor serve`. Builds the same objects as the Electron
 * entry (supervisor, logs, metrics, RPC handlers), starts the backend, and serves the
 * control API and the dashboard over HTTP. No Electron anywhere below this file.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { SupervisorConfig, SupervisorConfigInput } from '../shared/config';
import { createTranslator } from '../shared/locales/translate';
import { reloadLines } from '../shared/reload-text';
import { isLoopback, loadConfig, logFolderOf } from './core/config';
import { lockDataDir, type DataDirLock } from './core/data-dir-lock';
import { ConfigError } from './core/errors';
import type { SupervisorRuntime } from './core/runtime';
import type { ServiceDefinition, StackDefinition } from './core/stack/service-definition';
import { ConfSettingsStore } from './core/settings/settings-file-store';
import { settingsDataDir, settingsFileIn } from './core/settings/settings-location';
import { overridesOf, type SettingsSource } from './core/settings/settings-service';
import {
  guardSignalsUntilTaken,
  ignoreSignals,
  killGroupNow,
  takeReloadSignal,
  takeStopSignals,
  type StopSignal,
} from './core/shutdown-signals';
import { SystemdNotifier } from './core/systemd/notifier';
import { reportToSystemd } from './core/systemd/readiness';
import { assertPrivateLogFolder, ensureWritableFolder } from './core/writable-folder';
import { clientCommand } from './cli/commands';
import { CONTROL_URL_FILE, removeControlUrl, writeControlUrl } from './cli/control-url-file';
import { READ_TOKEN_FILE, loadOrCreateToken } from './server/token';
import { CONSOLE_FLUSH_AT_EXIT_MS, consoleOutput, oneLine, type Output } from './console-output';

export type { Output } from './console-output';

// At once, as the imports above are evaluated (see guardSignalsUntilTaken): a stop signal
// before main() takes them ends the process, instead of being lost.
guardSignalsUntilTaken();

/** The build's output folder (this file is bundled to out/node/headless.js). */
const OUT_DIR = resolve(import.meta.dirname, '..');

/**
 * What `serve` needs beyond its command line (the supervisor and its probes, the stack and
 * PostgreSQL's client, the control server: undici, pg, pino, prom-client, fastify), imported
 * once the command is known: `--help` and `--version` answer without loading them.
 */
async function loadServe(): Promise<{
  runtime: typeof import('./core/runtime');
  stacks: typeof import('./core/stack/stack-location');
  reload: typeof import('./core/stack/stack-reload-source');
  server: typeof import('./server/control-server');
}> {
  const [runtime, stacks, reload, server] = await Promise.all([
    import('./core/runtime'),
    import('./core/stack/stack-location'),
    import('./core/stack/stack-reload-source'),
    import('./server/control-server'),
  ]);
  return { runtime, stacks, reload, server };
}

/** Unflushed console bytes past which echoed log lines are skipped (counted, then reported). */
const ECHO_MAX_BACKLOG = 1024 * 1024;

/** An option node's parseArgs refused on serve's command line (its code says which). */
class ServeArgsError extends Error {
  constructor(readonly refused: Error & { code?: string }) {
    super(refused.message);
    this.name = 'ServeArgsError';
  }
}

/** Parsed command line. @throws ServeArgsError on an unknown option or a missing value, ConfigError on a bad value. */
function parseCommandLine(argv: string[]): {
  /** The first positional argument (null: none). */
  command: string | null;
  help: boolean;
  version: boolean;
  start: boolean;
  overrides: Partial<SupervisorConfigInput>;
  /** `--settings <file>`, if given. */
  settingsFile: string | undefined;
  /** `--stack <file>`, if given. */
  stackFile: string | undefined;
} {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'control-host': { type: 'string' },
        'control-port': { type: 'string' },
        'data-dir': { type: 'string' },
        settings: { type: 'string' },
        stack: { type: 'string' },
        'no-start': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (err) {
    // Said in the shell's language by run (the translator is imported only then), as the client commands say it.
    throw new ServeArgsError(err as Error & { code?: string });
  }
  const { values, positionals } = parsed;
  const overrides: Partial<SupervisorConfigInput> = {};
  if (values['control-host']) overrides.controlHost = values['control-host'];
  if (values['control-port'] !== undefined) {
    const port = Number(values['control-port']);
    if (!Number.isInteger(port)) throw new ConfigError(`--control-port ${values['control-port']} is not a port number`);
    overrides.controlPort = port;
  }
  if (values['data-dir']) overrides.dataDir = values['data-dir'];
  return {
    command: positionals[0] ?? null,
    help: values.help,
    version: values.version,
    start: !values['no-start'],
    overrides,
    settingsFile: values.settings || undefined,
    stackFile: values.stack || undefined,
  };
}

/**
 * The lines to print for a configuration error: one per problem when its message lists its
 * issues a line each (the stack file's `file:line: field: problem`), else the message as one
 * line (a newline inside a value, such as a folder's name, is shown escaped, never obeyed).
 */
function problemLines(err: ConfigError): string[] {
  const listed = err.issues.map((issue) => issue.message);
  return err.issues.length > 1 && err.message === listed.join('\n') ? listed : [err.message];
}

/** Describes the backend that will run, for the start banner. */
function describeBackend(config: SupervisorConfig): string {
  if (!config.orchestratorEnabled) return `remote backend at ${config.backendUrl} (monitoring only)`;
  return `${[config.command, ...config.args].join(' ')} → ${config.backendUrl}`;
}

/** The default stack's embedded PostgreSQL for the banner: where it listens and keeps its files. */
function describeDatabase(db: ServiceDefinition): string {
  const args = db.config.args;
  const at = (flag: string): string => args[args.indexOf(flag) + 1] ?? '?';
  return `${db.name}: embedded PostgreSQL on 127.0.0.1:${at('-p')}, files in ${at('-D')}`;
}

/**
 * Runs the headless supervisor until SIGINT or SIGTERM (SIGHUP reloads), then stops the backend
 * (SIGTERM → SIGKILL after the stop timeout; a second signal SIGKILLs it at once) and closes
 * the server. A stop signal during the start-up (before the runtime exists, or while the
 * control server begins to listen) ends the start-up there: no backend is started.
 * @returns the process exit code: 0 after a clean shutdown (a stop during the start-up
 * too), 2 for a configuration error (a bad value, an unusable data or log folder, a data
 * folder locked by another supervisor), 1 when the control server cannot listen.
 */
export async function main(argv: string[], output: Output = consoleOutput()): Promise<number> {
  // A client command (status, logs, …) talks to a running supervisor: none of serve's signal handling.
  if (clientCommand(argv[0])) return runClientCommand(argv, output);
  // The signals first, before anything can wait: until takeStopSignals removes them, the
  // listeners of when-exit and signal-exit (installed on import) either end the process at
  // once or lose the signal (both re-raise it while removing themselves), and a SIGUSR1
  // would open the inspector.
  const unignore = ignoreSignals((signal) => output.err(`backend-supervisor: ${signal} ignored`));
  let onStop: ((signal: StopSignal) => void) | null = null;
  let onForce: ((signal: StopSignal) => void) | null = null;
  let stopDuringStartup: StopSignal | null = null;
  let onReload: (() => void) | null = null;
  const unreload = takeReloadSignal(() => {
    if (onReload) return onReload();
    output.out('backend-supervisor: SIGHUP during the start-up: nothing to reload (the start reads the files)');
  });
  const untake = takeStopSignals({
    stop: (signal) => {
      if (onStop) return onStop(signal);
      stopDuringStartup = signal;
      output.out(`backend-supervisor: ${signal} during the start-up: stopping before the backend starts`);
    },
    force: (signal) => onForce?.(signal),
  });
  try {
    const code = await run(argv, output, {
      stopRequested: () => stopDuringStartup,
      onStop: (stop, force) => {
        onStop = stop;
        onForce = force;
      },
      onReload: (reload) => {
        onReload = reload;
      },
    });
    await output.close?.(CONSOLE_FLUSH_AT_EXIT_MS, code);
    return code;
  } finally {
    // Given back for a caller that goes on (a test calling main in its own process).
    untake();
    unreload();
    unignore();
  }
}

/**
 * Runs a command of the command-line client (src/main/cli), imported only now: `--help`,
 * `--version` and serve do not load it.
 * @returns its exit code (0 done, 1 failed, 2 usage, 3 no supervisor reached).
 */
async function runClientCommand(argv: string[], output: Output): Promise<number> {
  const { runClient } = await import('./cli/main');
  const code = await runClient(argv, output);
  await output.close?.(CONSOLE_FLUSH_AT_EXIT_MS, code);
  return code;
}

/** The client's help in the shell's language (LC_ALL, LC_MESSAGES, LANG), its translator imported only now. */
async function generalHelp(): Promise<string> {
  return (await import('./cli/help')).generalHelpIn(process.env);
}

/** `serve --help`, in the shell's language (as {@link generalHelp}). */
async function serveHelp(): Promise<string> {
  return (await import('./cli/help')).serveHelpIn(process.env);
}

/** How {@link run} learns of the stop signals main took. */
interface StartupSignals {
  /** The stop signal received before the runtime took over, if any. */
  stopRequested(): StopSignal | null;
  /** Hands the signals over to the running supervisor. */
  onStop(stop: (signal: StopSignal) => void, force: (signal: StopSignal) => void): void;
  /** Hands SIGHUP over to the running supervisor's reload. */
  onReload(reload: () => void): void;
}

async function run(argv: string[], output: Output, signals: StartupSignals): Promise<number> {
  let cli;
  let config: SupervisorConfig;
  let settings: SettingsSource;
  let stack: StackDefinition;
  let lock: DataDirLock | undefined;
  let serve: Awaited<ReturnType<typeof loadServe>>;
  let notifier: SystemdNotifier | undefined;
  /**
   * A start that ends before the stack runs (a bad setting, a stop signal): systemd hears why
   * in STATUS= (`systemctl status` shows it), and no watchdog ping or send outlives the exit.
   */
  const endStart = async (why: string | null): Promise<void> => {
    if (!notifier) return;
    if (why !== null) notifier.status(why);
    await notifier.close();
  };
  /**
   * A start that failed before the stack runs: the data folder's lock released; a ConfigError's
   * problems printed a line each (exit 2); anything else rethrown. systemd hears why either way.
   */
  const notStarted = async (err: unknown): Promise<number> => {
    await lock?.release();
    if (err instanceof ConfigError) {
      const lines = problemLines(err);
      for (const line of lines) output.err(`backend-supervisor: ${oneLine(line)}`);
      await endStart(`not started: ${lines.join('; ')}`);
      return 2;
    }
    await endStart(`not started: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  };
  let reload: ReturnType<Awaited<ReturnType<typeof loadServe>>['reload']['reloadSource']>;
  try {
    try {
      cli = parseCommandLine(argv);
    } catch (err) {
      if (!(err instanceof ServeArgsError)) throw err;
      const help = argv.includes('serve') ? 'serve --help' : '--help';
      throw new ConfigError((await import('./cli/help')).serveUsageIn(process.env, err.refused, help));
    }
    if (cli.help) {
      output.out(cli.command === 'serve' ? await serveHelp() : await generalHelp());
      return 0;
    }
    if (cli.version) {
      output.out(process.env.npm_package_version ?? '0.1.0');
      return 0;
    }
    // The bare command prints the help (it started a server before the client commands came).
    if (cli.command === null && argv.length === 0) {
      output.out(await generalHelp());
      return 0;
    }
    if (cli.command !== 'serve') {
      throw new ConfigError((await import('./cli/help')).noCommandIn(process.env, cli.command));
    }
    // Under systemd (Type=notify): read, and removed from the environment before any service is spawned.
    notifier = SystemdNotifier.fromEnvironment({ warn: (line) => output.err(`backend-supervisor: ${oneLine(line)}`) });
    notifier.startWatchdog();
    serve = await loadServe();
    const env = process.env;
    const defaults = serve.runtime.bundledBackendDefaults(OUT_DIR);
    const overrides = cli.overrides;
    // The data folder first, before anything is read from it or written to it: usable (one
    // line naming it, not a stack trace), then locked (one supervisor per folder).
    const dataDir = settingsDataDir(env, overrides);
    ensureWritableFolder(dataDir, 'data folder');
    lock = await lockDataDir(dataDir);
    // The lock is ours, so a control-url here is a killed supervisor's (kill -9): until this
    // one listens (or when it does not start), the client would try that port, which may be
    // another program's by now, with this folder's token.
    try {
      removeControlUrl(dataDir);
    } catch (err) {
      output.err(`backend-supervisor: cannot remove a stale ${CONTROL_URL_FILE}: ${oneLine((err as Error).message)}`);
    }
    // The settings file is the "config file" layer: flags > environment > settings > defaults.
    // A corrupt one is a configuration error (exit 2) and is left untouched.
    const store = new ConfSettingsStore(cli.settingsFile ?? settingsFileIn(dataDir));
    config = loadConfig(env, defaults, store.load(), overrides);
    settings = {
      store,
      resolve: (values) => loadConfig(env, defaults, values, overrides),
      overrides: overridesOf(env, {
        ...(overrides.controlHost !== undefined ? { controlHost: '--control-host' } : {}),
        ...(overrides.controlPort !== undefined ? { controlPort: '--control-port' } : {}),
      }),
    };
    // The log folder too is private (see assertPrivateLogFolder).
    ensureWritableFolder(logFolderOf(config), 'log folder');
    assertPrivateLogFolder(logFolderOf(config));
    // The stack file, checked whole before anything starts: a bad one is exit 2, nothing started.
    stack = await serve.stacks.loadStack(config, env, cli.stackFile, defaults);
    // A reload (SIGHUP, the Settings page, POST /api/v1/config/reload) reads them as this start did.
    reload = serve.reload.reloadSource({ settings, env, explicit: cli.stackFile, defaults });
  } catch (err) {
    return notStarted(err);
  }
  if (signals.stopRequested()) {
    await lock.release();
    await endStart(null);
    output.out('backend-supervisor: stopped');
    return 0;
  }

  let runtime: SupervisorRuntime;
  try {
    runtime = serve.runtime.createRuntime(config, undefined, settings, undefined, stack, reload);
  } catch (err) {
    return notStarted(err);
  }
  const { supervisor } = runtime;
  const systemd = reportToSystemd(notifier, runtime.stack);
  /** The process group of every service with a live process. */
  const liveGroups = (): number[] =>
    runtime.stack.all.map((m) => m.supervisor.status().pid).filter((pid): pid is number => pid !== null);
  let stopping = false;
  // From here on a signal stops the runtime (see takeStopSignals: the first stops, a second forces).
  const stopped = new Promise<void>((resolveStopped) => {
    // The backend's group as the stop began: its leader may exit while members that ignore
    // SIGTERM keep the group (and the stop) alive, and then status() has no pid any more.
    let stoppingGroups: number[] = [];
    signals.onStop(
      (signal) => {
        stopping = true;
        stoppingGroups = liveGroups();
        systemd.stopping(`${signal}: stopping`);
        output.out(
          `backend-supervisor: ${signal}: stopping the backend (SIGKILL after ${config.stopTimeoutMs / 1000} s; a second signal kills it now)`,
        );
        void runtime
          .shutdown('app-quit')
          .then(() => server.close())
          .finally(() => {
            stoppingGroups = []; // gone: never signal a pid that may be reused
            resolveStopped();
          });
      },
      (signal) => {
        const pids = [...new Set([...liveGroups(), ...stoppingGroups])];
        output.err(
          `backend-supervisor: second signal (${signal}): killing the backend now${pids.length > 0 ? ` (SIGKILL to process group${pids.length === 1 ? '' : 's'} ${pids.join(', ')})` : ''}`,
        );
        for (const pid of pids) killGroupNow(pid);
      },
    );
  });
  // SIGHUP: the settings and the stack file again, applied in place (a file with problems changes nothing).
  // SIGHUPs during a reload share the one reload that follows it (the last content of the files wins).
  let lastReload: Promise<unknown> | null = null;
  signals.onReload(() => {
    const { reloader } = runtime;
    if (stopping || !reloader) return;
    const next = reloader.reloadAfter('reload');
    if (next === lastReload) return; // already said, and its answer will be
    lastReload = next;
    output.out('backend-supervisor: SIGHUP: reloading the settings and the stack file');
    // systemd (`systemctl reload`): the unit is "reloading" until this reload has answered.
    systemd.reloading('SIGHUP: reloading the settings and the stack file');
    next.then(
      (result) => {
        const lines = reloadLines(result, createTranslator('en')); // serve's own lines are English
        for (const line of lines) output.out(`backend-supervisor: reload: ${oneLine(line)}`);
        if (next === lastReload) systemd.reloaded(`reloaded: ${lines.join('; ')}`);
      },
      (err: Error) => {
        output.err('backend-supervisor: reload refused, nothing changed:');
        for (const line of err.message.split('\n')) output.err(`backend-supervisor: ${oneLine(line)}`);
        if (next === lastReload) systemd.reloaded(`reload refused, nothing changed: ${err.message}`);
      },
    );
  });
  const token = loadOrCreateToken(config.dataDir, config.controlToken);
  const readToken = loadOrCreateToken(config.dataDir, config.controlReadToken, READ_TOKEN_FILE);
  const server = serve.server.createControlServer({
    stack: runtime.stack,
    handlers: runtime.handlers,
    metrics: runtime.metrics,
    token: token.token,
    readToken: readToken.token,
    staticDir: join(OUT_DIR, 'renderer'),
  });

  // Echo to the console (journald under systemd), batched into one write per turn of the
  // event loop. A console that cannot keep up loses echoed lines, never the backend's pace:
  // the log files have every line.
  let echoDropped = 0;
  // The batch's lines as bytes, one Latin-1 character a byte (see Output.outLatin1), or as text.
  const asBytes = output.outLatin1 !== undefined;
  let echoBatch: string[] = [];
  const flushEcho = (): void => {
    if (echoDropped > 0) {
      const line = `[supervisor] ${echoDropped} lines not echoed (console too slow; see ${runtime.logDir})`;
      echoBatch.push(asBytes ? Buffer.from(line).toString('latin1') : line);
      echoDropped = 0;
    }
    const text = echoBatch.join('\n');
    echoBatch = [];
    if (asBytes) output.outLatin1?.(text);
    else output.out(text);
  };
  const single = runtime.stack.names.length === 1;
  // A batch of lines at a time (a chunk read from the backend), not an event per line.
  runtime.stack.on('lines', (lines) => {
    if (output.backlog() > ECHO_MAX_BACKLOG) {
      echoDropped += lines.count;
      return;
    }
    // One service: the prefixes as before; several: each line says whose it is.
    const name = single ? 'backend' : (lines.service ?? 'backend');
    const prefix =
      lines.stream === 'supervisor'
        ? single
          ? '[supervisor]'
          : `[supervisor:${name}]`
        : lines.stream === 'stderr'
          ? `[${name}:err]`
          : `[${name}]`;
    if (echoBatch.length === 0) setImmediate(flushEcho);
    let shown: string;
    if (lines.stream === 'supervisor') {
      // One line that may name a path (a data folder) holding a newline: escaped, it forges none.
      shown = oneLine(lines.bytes.toString('utf8'));
      if (asBytes) shown = Buffer.from(shown).toString('latin1');
    } else {
      shown = lines.bytes.toString(asBytes ? 'latin1' : 'utf8');
    }
    // A prefix is ASCII: the same in both encodings. The batch's lines are joined by newlines: one replace prefixes them all.
    echoBatch.push(`${prefix} ${lines.count === 1 ? shown : shown.replaceAll('\n', `\n${prefix} `)}`);
  });

  let address: string;
  try {
    address = await server.listen({ host: config.controlHost, port: config.controlPort });
  } catch (err) {
    if (stopping) {
      // A stop signal closed the server while it began to listen: that is the stop, not a failure.
      await stopped;
      await systemd.close();
      await lock.release();
      output.out('backend-supervisor: stopped');
      return 0;
    }
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'EADDRINUSE'
        ? `control port ${config.controlHost}:${config.controlPort} is already in use (set CONTROL_PORT or --control-port)`
        : `cannot listen on ${config.controlHost}:${config.controlPort}: ${e.message}`;
    output.err(`backend-supervisor: ${oneLine(why)}`);
    await runtime.shutdown();
    // After the shutdown's state changes, so that `systemctl status` shows why (as a bad setting's).
    systemd.failed(`not started: ${why}`);
    await systemd.close();
    await lock.release();
    return 1;
  }
  const dashboardUrl = address.replace('://0.0.0.0', '://127.0.0.1');
  systemd.listening(dashboardUrl, cli.start);
  output.out(`backend-supervisor: dashboard ${dashboardUrl}/`);
  // Where the command-line client finds this server (src/main/cli/control-url-file.ts).
  try {
    writeControlUrl(config.dataDir, dashboardUrl);
  } catch (err) {
    output.err(`backend-supervisor: cannot write ${CONTROL_URL_FILE}: ${oneLine((err as Error).message)}`);
  }
  output.out(
    token.source === 'env'
      ? 'backend-supervisor: control token from CONTROL_TOKEN'
      : `backend-supervisor: control token in ${oneLine(token.path ?? '')} (send it as "Authorization: Bearer <token>")`,
  );
  if (readToken.path) output.out(`backend-supervisor: read-only token (metrics, status) in ${oneLine(readToken.path)}`);
  output.out(`backend-supervisor: logs in ${oneLine(runtime.logDir)}`);
  if (!isLoopback(config.controlHost)) {
    output.err(
      `backend-supervisor: WARNING: the control API listens on ${config.controlHost}, reachable from the network (CONTROL_ALLOW_REMOTE=true); anyone with the token controls the backend`,
    );
  }
  if (stack.file === null) {
    output.out(`backend-supervisor: backend ${oneLine(describeBackend(config))}`);
    const db = stack.services.find((s) => s.kind === 'postgres');
    if (db) output.out(`backend-supervisor: database ${oneLine(describeDatabase(db))}`);
  } else {
    output.out(`backend-supervisor: stack ${oneLine(stack.file)}: ${runtime.stack.names.join(', ')}`);
  }

  // A stop that came while the server began to listen has disposed the supervisor: no start then.
  if (cli.start && !stopping) {
    if (stack.services.length === 1) {
      const result = await supervisor.start('app-start');
      output.out(`backend-supervisor: ${oneLine(result.message)}${result.pid ? ` (pid ${result.pid})` : ''}`);
    } else {
      const result = await runtime.stack
        .start('app-start')
        .catch((err: Error) => ({ message: err.message, services: [] }));
      for (const s of result.services) {
        // The state says it all when it worked (the message may be "already running": the
        // stack started it as its dependency came up); the message says why when it did not.
        const why = s.success ? '' : `: ${oneLine(s.message)}`;
        output.out(`backend-supervisor: ${s.service} ${s.status}${s.pid ? ` (pid ${s.pid})` : ''}${why}`);
      }
      if (result.services.length === 0) output.out(`backend-supervisor: ${oneLine(result.message)}`);
    }
  }
  await stopped;
  await systemd.close();
  // Before the lock goes: once another supervisor holds it, the file is that one's.
  try {
    removeControlUrl(config.dataDir);
  } catch (err) {
    output.err(`backend-supervisor: cannot remove ${CONTROL_URL_FILE}: ${oneLine((err as Error).message)}`);
  }
  await lock.release();
  output.out('backend-supervisor: stopped');
  return 0;
}
