/**
 * Entry of the reference backend (bundled to `out/reference-backend/server.js`).
 * Exit codes: 0 after SIGTERM/SIGINT or a closed lifeline, 2 bad configuration,
 * 98 port in use, 1 any other start failure.
 */
import type { AppLogger } from './app';
import { ConfigError, loadConfig, redactDatabaseUrl, type BackendConfig } from './config';
import { ListenError, startServer, type RunningServer } from './server';

/** After the closes are done, how long anything left (a stray handle) may keep us alive, ms. */
const EXIT_GRACE_MS = 2000;
/** Hard limit for a whole shutdown, ms; covers a stop while migrations run. */
const SHUTDOWN_LIMIT_MS = 8000;

const logger: AppLogger = {
  log: (line) => void process.stdout.write(`${line}\n`),
  logError: (line) => void process.stderr.write(`${line}\n`),
};

// A last resort only: unref'd, so it never keeps the process alive on its own.
function armWatchdog(ms: number, why: string): void {
  setTimeout(() => {
    logger.logError(`forced exit: ${why}`);
    // eslint-disable-next-line no-restricted-syntax -- the watchdog exists to end a stuck shutdown
    process.exit();
  }, ms).unref();
}

function run(config: BackendConfig): void {
  const starting: Promise<RunningServer> = startServer(config, logger);
  let stopping = false;

  const shutdown = async (reason: string, exitCode: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.exitCode = exitCode;
    logger.log(`shutting down (${reason})`);
    armWatchdog(SHUTDOWN_LIMIT_MS, `shutdown took longer than ${SHUTDOWN_LIMIT_MS} ms`);
    try {
      const server = await starting;
      await server.close();
    } catch (err) {
      // A failed start was reported where it happened; anything else is news.
      if (!(err instanceof ListenError)) logger.logError(`error while shutting down: ${(err as Error).message}`);
      if (exitCode === 0) process.exitCode = 1;
    }
    // Reading stdin (the lifeline) would keep the event loop alive.
    process.stdin.destroy();
    logger.log('stopped');
    armWatchdog(EXIT_GRACE_MS, 'something kept the process alive after shutdown');
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal means the person does not want to wait.
      logger.logError(`${signal} again: exiting now`);
      // eslint-disable-next-line no-restricted-syntax -- a second signal asks not to wait
      process.exit(1);
    }
    void shutdown(signal, 0);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  if (config.instanceId !== undefined) {
    // Lifeline: the supervisor holds our stdin pipe; EOF means it is gone, and a backend
    // left running without its supervisor would be an orphan holding the port.
    const lost = () => void shutdown('stdin closed: supervisor gone', 0);
    process.stdin.on('end', lost);
    process.stdin.on('close', lost);
    process.stdin.on('error', lost);
    process.stdin.resume();
  }

  void starting.then(
    (server) => {
      server.ready.catch((err: Error) => {
        logger.logError(`cannot open the database at ${redactDatabaseUrl(config.databaseUrl)}: ${err.message}`);
        void shutdown('database failed to start', 1);
      });
    },
    (err: Error) => {
      logger.logError(err instanceof ListenError ? err.message : `cannot start: ${err.message}`);
      void shutdown('start failed', err instanceof ListenError ? err.exitCode : 1);
    },
  );
}

try {
  run(loadConfig());
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  logger.logError(err.message);
  process.exitCode = err.exitCode;
}
