import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { SupervisorConfig } from '../../shared/config';
import { logFolderOf, type ConfigDefaults } from './config';
import type { BackendClient } from '../client/backend-client';
import type { SecretStore } from '../client/session';
import pino from 'pino';
import { HttpHealthProbe, type HealthProbe } from './health-probe';
import { ConfigError } from './errors';
import { createServiceProbe, healthTargetOf } from './probes/service-probe';
import type { ServiceDefinition, StackDefinition } from './stack/service-definition';
import type { ServiceOptions } from './supervisor-types';
import { StackReloader } from './stack/stack-reload';
import type { StackSnapshot } from './stack/stack-reload-plan';
import { envStack } from './stack/default-stack';
import { Stack, type StackMember } from './stack/stack';
import { STACK_FILE_NAME } from './stack/stack-location';
import { userIdsOf } from './stack/service-user';
import { LogFile } from './log-file';
import { MetricsHistory } from './metrics-history';
import { IncidentStore } from './incident-store';
import { PidFile } from './pid-file';
import { ProcessLauncher } from './launcher';
import { LogStore } from './log-store';
import { createMetrics } from './metrics';
import { createRpcHandlers, type RpcHandlers } from './rpc';
import { SettingsService, type SettingsSource } from './settings/settings-service';
import { Supervisor } from './supervisor';
import { StackAlerts } from './alerts/stack-alerts';

/** The objects both entries (Electron and headless) run: built once, wired by constructors. */
export interface SupervisorRuntime {
  /** The services and their dependency graph. */
  stack: Stack;
  /** The primary service's supervisor (the seed's `/api/v1/admin/backend/*`, the tray, the charts). */
  supervisor: Supervisor;
  /** The primary service's log. */
  logs: LogStore;
  incidents: IncidentStore;
  /** The backend's REST API (the admin views use it through RPC), built on first use. */
  client: () => Promise<BackendClient>;
  /** Where the log files are (a reload may move them). */
  readonly logDir: string;
  /** The last hour of chart samples (the primary service). */
  history: MetricsHistory;
  handlers: RpcHandlers;
  metrics: Registry;
  /**
   * Re-reads the settings and the stack file and applies them in place (README "Reloading
   * the settings"); null when the entry gave no way to read them. The `config:reload` channel,
   * `POST /api/v1/config/reload` and SIGHUP call it.
   */
  reloader: StackReloader | null;
  /** Stops every service (dependents first, SIGTERM → SIGKILL), closes connections and flushes the log files. Idempotent. */
  shutdown(actor?: 'app-quit'): Promise<void>;
}

/**
 * Builds the stack (a supervisor, log store and probe per service), the incident store,
 * backend client, RPC handlers and metrics registry. `stack` is the stack file's services
 * (default: the one service `backend` the environment defines); `secrets` keeps the
 * client's session (desktop: safeStorage); `settings` backs the settings channels
 * (without it they answer SETTINGS_UNAVAILABLE); `reload` reads the settings and the stack
 * file again for a reload (see stack-reload-source.ts; without it `config:reload` answers
 * SETTINGS_UNAVAILABLE).
 * @throws ConfigError when a service's `user` has no uid on this system.
 */
export function createRuntime(
  config: SupervisorConfig,
  secrets?: SecretStore,
  settings?: SettingsSource,
  pickFile?: (title?: string) => Promise<string | null>,
  definition: StackDefinition = envStack(config),
  reload?: (running: StackSnapshot) => Promise<StackSnapshot>,
): SupervisorRuntime {
  // As a reload leaves them (see applySettings).
  let logDir = logFolderOf(config);
  let fileOptions = { maxBytes: config.logFileMaxBytes, files: config.logFileCount };
  let bufferLines = config.logBufferLines;
  const eventsFile = new LogFile({ path: join(logDir, 'supervisor.log'), ...fileOptions });
  eventsFile.on('error', () => undefined); // counted in eventsFile.dropped; never fatal
  const events = pino(
    { base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    { write: (chunk: string) => eventsFile.write(chunk.trimEnd()) },
  );
  const httpProbe = new HttpHealthProbe();
  const launcher = new ProcessLauncher();
  // Remote mode keeps the history in memory only; a reload that switches the mode moves it (applySettings).
  const incidentsFile = (c: SupervisorConfig): string | null =>
    c.orchestratorEnabled ? join(c.dataDir, 'incidents.jsonl') : null;
  const incidents = new IncidentStore(incidentsFile(config));
  // Each service's log file and own probe (an `http` check shares httpProbe), to close them.
  const serviceFiles = new Map<string, LogFile>();
  // Each service's log, and the next `seq` of those a reload removed (see buildMember).
  const logStores = new Map<string, LogStore>();
  const logSeqs = new Map<string, number>();
  const serviceProbes = new Map<string, HealthProbe>();
  const definitions = definition.services;
  let stack: Stack | null = null;
  /** The uid/gid of a service's `user`. @throws ConfigError when it has none here. */
  const idsOf = (service: ServiceDefinition): { uid: number; gid: number } | null => {
    const ids = service.user === null ? null : userIdsOf(service.user);
    if (service.user !== null && ids === null) {
      throw new ConfigError(`services.${service.name}.user: no user ${JSON.stringify(service.user)} on this system`);
    }
    return ids;
  };
  // A `command` check runs as the service does: its user, folder and environment.
  const probeOf = (service: ServiceDefinition, ids: { uid: number; gid: number } | null): HealthProbe =>
    createServiceProbe(service.health, {
      http: httpProbe,
      cwd: service.config.workingDir ?? process.cwd(),
      env: { ...process.env, ...service.config.env },
      user: ids,
    }) ?? httpProbe;
  const optionsOf = (service: ServiceDefinition, ids: { uid: number; gid: number } | null): ServiceOptions => ({
    name: service.name,
    health: service.health,
    healthTarget: healthTargetOf(service.health),
    restartPolicy: service.restartPolicy,
    stopSignal: service.stopSignal,
    ...(service.stopEscalation ? { stopEscalation: service.stopEscalation } : {}),
    ...(ids ? { uid: ids.uid, gid: ids.gid } : {}),
  });
  /** A service's member; its log file and buffer as `global` sets them (a reload's new settings; default: the running ones). */
  const buildMember = (service: ServiceDefinition, global?: SupervisorConfig): StackMember => {
    const ids = idsOf(service);
    const file = new LogFile({
      path: join(global ? logFolderOf(global) : logDir, `${service.name}.log`),
      ...(global ? { maxBytes: global.logFileMaxBytes, files: global.logFileCount } : fileOptions),
    });
    serviceFiles.set(service.name, file);
    // A service added again after a reload removed it goes on counting its lines: a Logs view
    // left open on it (the same name) would otherwise take its new lines for old ones.
    const logs = new LogStore(
      global?.logBufferLines ?? bufferLines,
      { backendFile: file, events },
      undefined,
      service.name,
      logSeqs.get(service.name) ?? 0,
    );
    logStores.set(service.name, logs);
    const probe = probeOf(service, ids);
    if (probe !== httpProbe) serviceProbes.set(service.name, probe);
    const supervisor = new Supervisor({
      config: service.config,
      launcher,
      probe,
      logs,
      // Also in remote mode, where nothing spawns: a reload that switches to a local process uses it.
      pidFile: new PidFile(join(config.dataDir, `${service.name}.pid`)),
      service: optionsOf(service, ids),
      // Asked at each spawn, once the stack exists (it is built below, before any start), over
      // the dependencies as they are now (a reload may change them).
      startGate: () => stack?.gateOf(service.name) ?? null,
      // A service kind's steps around each start (`postgres`: its cluster, then its role and databases).
      ...(service.hooks ? { hooks: service.hooks } : {}),
    });
    return { definition: service, supervisor, logs };
  };
  const members: StackMember[] = definitions.map((service) => buildMember(service));
  stack = new Stack(members);
  stack.on('members', ({ removed }) => {
    for (const name of removed) {
      const store = logStores.get(name);
      if (store) logSeqs.set(name, store.nextSeq);
      logStores.delete(name);
    }
  });
  /**
   * The settings of `next` (a reload's) that belong to no one service, applied in place: each
   * log file (the services' and the supervisor's events) moves to the log folder and takes the
   * rotation size and count, each in-memory log holds the new number of lines (services built
   * later get them), and the incident history follows remote mode to its file (memory only
   * once the reload is carried out: see `applied`).
   */
  const applySettings = (next: SupervisorConfig): void => {
    // To a file before the services change (what a start of local processes records is kept);
    // to memory only after (what the stops of local processes record is kept too): `applied`.
    if (incidentsFile(next) !== null) incidents.persistTo(incidentsFile(next));
    logDir = logFolderOf(next);
    fileOptions = { maxBytes: next.logFileMaxBytes, files: next.logFileCount };
    bufferLines = next.logBufferLines;
    for (const [name, file] of serviceFiles) file.reconfigure({ path: join(logDir, `${name}.log`), ...fileOptions });
    eventsFile.reconfigure({ path: join(logDir, 'supervisor.log'), ...fileOptions });
    for (const store of logStores.values()) store.resize(bufferLines);
  };
  // Probes a reload replaced: closed once a probe under way with them has had its timeout.
  const retired = new Set<HealthProbe>();
  const retire = (probe: HealthProbe | undefined, afterMs: number): void => {
    if (probe === undefined || probe === httpProbe) return;
    retired.add(probe);
    const timer = setTimeout(() => {
      retired.delete(probe);
      void probe.close();
    }, afterMs + 1000);
    timer.unref();
  };
  const reloader = reload
    ? new StackReloader({
        stack,
        load: reload,
        running: { config, definition },
        settings: applySettings,
        applied: (now) => incidents.persistTo(incidentsFile(now.config)),
        factory: {
          build: buildMember,
          prepare: (member, service) => {
            const ids = idsOf(service);
            const before = member.definition;
            const old = serviceProbes.get(service.name) ?? httpProbe;
            // The probe is kept unless the check (or what a `command` check runs with) changed.
            const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
            const keep =
              same(before.health, service.health) &&
              (service.health.kind !== 'command' ||
                (same(before.config.workingDir, service.config.workingDir) &&
                  same(before.config.env, service.config.env) &&
                  same(before.user, service.user)));
            const probe = keep ? old : probeOf(service, ids);
            return () => {
              if (probe !== old) {
                if (probe === httpProbe) serviceProbes.delete(service.name);
                else serviceProbes.set(service.name, probe);
                retire(old, before.config.healthCheckTimeoutMs);
              }
              member.supervisor.reconfigure({
                config: service.config,
                service: optionsOf(service, ids),
                probe,
                ...(service.hooks ? { hooks: service.hooks } : {}),
              });
            };
          },
          release: (name) => {
            void serviceFiles.get(name)?.close();
            serviceFiles.delete(name);
            void serviceProbes.get(name)?.close();
            serviceProbes.delete(name);
          },
        },
      })
    : null;
  // Each service's `notify` list (as a reload leaves it): alerts beside supervision, never waited for by it.
  const alerts = new StackAlerts(stack);
  const { supervisor, logs } = stack.member(stack.primaryName);
  stack.on('incident', (incident) => {
    const before = incidents.lastWriteError;
    incidents.add(incident);
    // A disk that refuses the history is said once per new error: the incident stays in memory.
    const error = incidents.lastWriteError;
    if (error !== null && error !== before) {
      logs.append('supervisor', `cannot save incidents to disk (${error}); they are kept in memory until then`);
    }
  });
  let shuttingDown: Promise<void> | null = null;
  const history = new MetricsHistory(supervisor);
  history.start();
  // Built on the first admin call: its module (undici pool, session, zod checks) waits till then.
  let clientMade: Promise<BackendClient> | null = null;
  let clientUrl: string | null = null;
  const client = (): Promise<BackendClient> => {
    // A reload that gave the backend another URL: the next call gets a client for it.
    const baseUrl = supervisor.settings.backendUrl;
    if (clientMade !== null && clientUrl !== baseUrl) {
      void clientMade.then(
        (old) => old.close(),
        () => undefined,
      );
      clientMade = null;
    }
    clientUrl = baseUrl;
    return (clientMade ??= (async () => {
      const [{ BackendClient }, { MemorySecretStore }] = await Promise.all([
        import('../client/backend-client'),
        import('../client/session'),
      ]);
      return new BackendClient({ baseUrl, secrets: secrets ?? new MemorySecretStore() });
    })());
  };
  // Its own probe: a person's "Test health URL" never queues behind the supervisor's probes.
  const settingsProbe = settings ? new HttpHealthProbe() : null;
  const settingsService =
    settings && settingsProbe ? new SettingsService(settings, () => supervisor.settings, settingsProbe) : undefined;
  const owned = stack;
  return {
    stack: owned,
    supervisor,
    logs,
    incidents,
    client,
    get logDir() {
      return logDir;
    },
    history,
    reloader,
    handlers: createRpcHandlers({
      stack: owned,
      ...(reloader ? { reload: (options, actor) => reloader.reload(options, actor) } : {}),
      incidents,
      client,
      history,
      settings: settingsService,
      stackFile: once(
        async () =>
          new (await import('./stack/stack-file-editor')).StackFileEditor(
            definition.file ?? join(config.dataDir, STACK_FILE_NAME),
            // As it runs now: a reload may have started (or stopped) running the file.
            () => (reloader?.current.definition.file ?? definition.file) !== null,
            () => reloader?.current.config ?? config,
          ),
      ),
      pickFile,
    }),
    metrics: createMetrics(owned, alerts),
    shutdown(actor = 'app-quit') {
      shuttingDown ??= (async () => {
        history.stop();
        await owned.dispose(actor);
        await alerts.close();
        await httpProbe.close();
        await Promise.all([...serviceProbes.values(), ...retired].map((p) => p.close()));
        await settingsProbe?.close();
        await clientMade?.then(
          (made) => made.close(),
          () => undefined,
        );
        await Promise.all([...[...serviceFiles.values()].map((f) => f.close()), eventsFile.close()]);
      })();
      return shuttingDown;
    },
  };
}

/**
 * Defaults that run the bundled reference backend (`<outDir>/reference-backend/server.js`)
 * with the current runtime: Node, or Electron acting as Node (`ELECTRON_RUN_AS_NODE`).
 * It listens on the backend URL's host and port and keeps its data in
 * `<dataDir>/reference-backend`.
 */
export function bundledBackendDefaults(outDir: string): ConfigDefaults {
  return {
    command: process.execPath,
    args: [join(outDir, 'reference-backend', 'server.js')],
    workingDir: join(outDir, 'reference-backend'),
    env: (config) => {
      const url = new URL(config.backendUrl);
      const port = url.port || (url.protocol === 'https:' ? '443' : '80');
      return {
        PORT: port,
        HOST: url.hostname.replace(/^\[|\]$/g, ''),
        DATA_DIR: join(config.dataDir, 'reference-backend'),
        ...(process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}),
      };
    },
  };
}

/** `make` called on the first call only; every call gets its promise (a rejected one too: no retry loop). */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}
