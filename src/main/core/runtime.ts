import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { SupervisorConfig } from '../../shared/config';
import { logFolderOf, type ConfigDefaults } from './config';
import { BackendClient } from '../client/backend-client';
import { MemorySecretStore, type SecretStore } from '../client/session';
import pino from 'pino';
import { HttpHealthProbe } from './health-probe';
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

/** The objects both entries (Electron and headless) run: built once, wired by constructors. */
export interface SupervisorRuntime {
  supervisor: Supervisor;
  logs: LogStore;
  incidents: IncidentStore;
  /** The backend's REST API (the admin views use it through RPC). */
  client: BackendClient;
  /** Where the log files are. */
  logDir: string;
  /** The last hour of chart samples. */
  history: MetricsHistory;
  handlers: RpcHandlers;
  metrics: Registry;
  /** Stops the backend (SIGTERM → SIGKILL), closes connections and flushes the log files. Idempotent. */
  shutdown(actor?: 'app-quit'): Promise<void>;
}

/**
 * Builds the supervisor, its log store, probe, incident store, backend client, RPC handlers
 * and metrics registry. `secrets` keeps the client's session (desktop: safeStorage);
 * `settings` backs the settings channels (without it they answer SETTINGS_UNAVAILABLE).
 */
export function createRuntime(
  config: SupervisorConfig,
  secrets: SecretStore = new MemorySecretStore(),
  settings?: SettingsSource,
  pickFile?: (title?: string) => Promise<string | null>,
): SupervisorRuntime {
  const logDir = logFolderOf(config);
  const fileOptions = { maxBytes: config.logFileMaxBytes, files: config.logFileCount };
  const backendFile = new LogFile({ path: join(logDir, 'backend.log'), ...fileOptions });
  const eventsFile = new LogFile({ path: join(logDir, 'supervisor.log'), ...fileOptions });
  eventsFile.on('error', () => undefined); // counted in eventsFile.dropped; never fatal
  const events = pino(
    { base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    { write: (chunk: string) => eventsFile.write(chunk.trimEnd()) },
  );
  const logs = new LogStore(config.logBufferLines, { backendFile, events });
  const probe = new HttpHealthProbe();
  const incidents = new IncidentStore(config.orchestratorEnabled ? join(config.dataDir, 'incidents.jsonl') : null);
  const supervisor = new Supervisor({
    config,
    launcher: new ProcessLauncher(),
    probe,
    logs,
    pidFile: config.orchestratorEnabled ? new PidFile(join(config.dataDir, 'backend.pid')) : null,
  });
  supervisor.on('incident', (incident) => {
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
  const client = new BackendClient({ baseUrl: config.backendUrl, secrets });
  // Its own probe: a person's "Test health URL" never queues behind the supervisor's probes.
  const settingsProbe = settings ? new HttpHealthProbe() : null;
  const settingsService =
    settings && settingsProbe ? new SettingsService(settings, () => supervisor.settings, settingsProbe) : undefined;
  return {
    supervisor,
    logs,
    incidents,
    client,
    logDir,
    history,
    handlers: createRpcHandlers({ supervisor, logs, incidents, client, history, settings: settingsService, pickFile }),
    metrics: createMetrics(supervisor, logs),
    shutdown(actor = 'app-quit') {
      shuttingDown ??= (async () => {
        history.stop();
        await supervisor.dispose(actor);
        await probe.close();
        await settingsProbe?.close();
        await client.close();
        await Promise.all([backendFile.close(), eventsFile.close()]);
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
