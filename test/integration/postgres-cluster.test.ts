import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { prepareCluster, clusterLayout } from '../../src/main/core/postgres/cluster';
import { postgresServiceDefinition, type PostgresService } from '../../src/main/core/postgres/postgres-service';
import { DEFAULT_POSTGRES_USER, isRoot } from '../../src/main/core/postgres/run-as';
import { PostgresProbe } from '../../src/main/core/probes/postgres-probe';
import { createRuntime, type SupervisorRuntime } from '../../src/main/core/runtime';
import { userIdsOf } from '../../src/main/core/stack/service-user';
import { FolderError } from '../../src/main/core/writable-folder';
import { processesWhere, uidOf } from '../helpers/proc';
import { aliveProcess } from '../helpers/proc';
import { freePort, pollUntil, tempDir, testConfig, waitForState } from '../helpers/supervise';

/** A folder the unprivileged user can pass through (mkdtemp makes 0700 ones). */
function openTempDir(prefix: string): string {
  const dir = tempDir(prefix);
  chmodSync(dir, 0o711);
  return dir;
}

const running = new Set<ChildProcess>();

afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

let runtime: SupervisorRuntime | null = null;
afterEach(async () => {
  await runtime?.shutdown();
  runtime = null;
});

/** Starts the definition's server as the runtime would: its command, args, cwd, env and user. */
function startServer(service: PostgresService): { child: ChildProcess; startedAt: number; exited: Promise<number> } {
  const { config, user } = service.definition;
  const ids = user === null ? null : userIdsOf(user);
  const child = spawn(config.command, config.args, {
    cwd: config.workingDir,
    env: { ...process.env, ...config.env },
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(ids ? { uid: ids.uid, gid: ids.gid } : {}),
  });
  const startedAt = performance.now();
  running.add(child);
  const exited = new Promise<number>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve(performance.now());
    }),
  );
  return { child, startedAt, exited };
}

/** Probes until `SELECT 1` succeeds; the ms from `since` to that success. */
async function firstSelect(url: string, since: number): Promise<number> {
  const probe = new PostgresProbe(url);
  let at = 0;
  await pollUntil(
    async () => {
      const outcome = await probe.probe('', 1_000);
      if (outcome.ok) at = performance.now();
      return outcome.ok;
    },
    20_000,
    5,
    'SELECT 1',
  );
  await probe.close();
  return at - since;
}

/**
 * Memory of the postmaster and every process under it, bytes: VmRSS summed (shared pages
 * counted in each process) and Pss summed (shared pages split between their users).
 */
function clusterRss(postmaster: number): { processes: number; bytes: number; pss: number } {
  const pids = [postmaster, ...processesWhere((_pid, s) => s.ppid === postmaster)];
  let bytes = 0;
  let pss = 0;
  for (const pid of pids) {
    const kib = (file: string, field: string): number =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'))?.[1] ?? 0);
    bytes += kib('status', 'VmRSS') * 1024;
    pss += kib('smaps_rollup', 'Pss') * 1024;
  }
  return { processes: pids.length, bytes, pss };
}

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('a postgres service on the packaged binaries', () => {
  it('initialises a cluster, serves SELECT 1, makes the role and databases, and stops on SIGINT within 2 s', async () => {
    const dir = openTempDir('bsup-pg-');
    const port = await freePort();
    const base = testConfig(port, { dataDir: dir });
    const service = postgresServiceDefinition('db', { port, databases: ['app', 'analytics'] }, base);
    const { definition, layout } = service;

    expect(definition.config.args).toEqual([
      '-D',
      join(dir, 'db', 'postgres'),
      '-p',
      String(port),
      '-k',
      join(dir, 'db', 'postgres'),
      '-c',
      'listen_addresses=127.0.0.1',
    ]);
    expect(definition.stopSignal).toBe('SIGINT');
    expect(definition.restartPolicy).toBe('always');
    expect(definition.health.kind).toBe('postgres');
    expect(definition.user).toBe(isRoot() ? DEFAULT_POSTGRES_USER : null);
    // Building it wrote nothing.
    expect(existsSync(join(dir, 'db'))).toBe(false);

    const first = await service.prepare();
    expect(first.action).toBe('initialised');
    const initdbMs = first.action === 'initialised' ? first.initdbMs : -1;
    for (const file of [layout.superuserPasswordFile, layout.appPasswordFile]) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(file).uid).toBe(process.getuid?.());
    }
    const clusterStat = statSync(layout.clusterDir);
    expect(clusterStat.mode & 0o777).toBe(0o700);
    if (isRoot()) expect(clusterStat.uid).toBe(userIdsOf(DEFAULT_POSTGRES_USER)?.uid);
    expect(readFileSync(join(layout.clusterDir, 'pg_hba.conf'), 'utf8')).toMatch(
      /^host\s+all\s+all\s+127\.0\.0\.1\/32\s+scram-sha-256$/m,
    );
    expect(readdirSync(layout.dir).filter((e) => e.startsWith('postgres.initdb-'))).toEqual([]);

    const server = startServer(service);
    const health = definition.health.kind === 'postgres' ? definition.health.url : '';
    const selectMs = await firstSelect(health, server.startedAt);

    const made = await service.afterHealthy();
    expect(made).toEqual({ createdRole: true, createdDatabases: ['app', 'analytics'] });
    const env = service.dependentEnv();
    expect(Object.keys(env).sort()).toEqual(['DATABASE_URL', 'DATABASE_URL_ANALYTICS', 'DATABASE_URL_APP']);
    expect(env.DATABASE_URL).toMatch(new RegExp(`^postgres://app:[A-Za-z0-9_-]{32}@127\\.0\\.0\\.1:${port}/app$`));
    const who = await query(env.DATABASE_URL ?? '', 'SELECT current_user AS u, current_database() AS d, 1 AS one');
    expect(who.rows[0]).toEqual({ u: 'app', d: 'app', one: 1 });
    await query(env.DATABASE_URL ?? '', 'CREATE TABLE t (id int)');
    // The app role is no superuser, and owns its databases.
    const role = await query(env.DATABASE_URL_ANALYTICS ?? '', "SELECT rolsuper FROM pg_roles WHERE rolname = 'app'");
    expect(role.rows[0]).toEqual({ rolsuper: false });
    // A wrong password is refused (scram-sha-256 on 127.0.0.1).
    await expect(query(`postgres://app:wrong@127.0.0.1:${port}/app`, 'SELECT 1')).rejects.toThrow(
      /password authentication failed/,
    );

    // A second bootstrap makes nothing.
    expect(await service.afterHealthy()).toEqual({ createdRole: false, createdDatabases: [] });

    await new Promise((r) => setTimeout(r, 500)); // idle: the background workers settle
    const rss = clusterRss(server.child.pid ?? -1);

    const stopAt = performance.now();
    server.child.kill('SIGINT');
    const stoppedAt = await server.exited;
    expect(stoppedAt - stopAt).toBeLessThan(2_000);

    console.log(
      `postgres: initdb ${initdbMs} ms, first SELECT 1 ${Math.round(selectMs)} ms after spawn, idle RSS ${(rss.bytes / 2 ** 20).toFixed(1)} MiB (PSS ${(rss.pss / 2 ** 20).toFixed(1)} MiB) over ${rss.processes} processes, stop ${Math.round(stoppedAt - stopAt)} ms`,
    );

    // A second prepare only checks: nothing in the cluster changes.
    const conf = join(layout.clusterDir, 'postgresql.conf');
    const before = { conf: statSync(conf).mtimeMs, version: statSync(join(layout.clusterDir, 'PG_VERSION')).mtimeMs };
    const secret = readFileSync(layout.superuserPasswordFile, 'utf8');
    expect(await service.prepare()).toEqual({ action: 'existing' });
    expect({ conf: statSync(conf).mtimeMs, version: statSync(join(layout.clusterDir, 'PG_VERSION')).mtimeMs }).toEqual(
      before,
    );
    expect(readFileSync(layout.superuserPasswordFile, 'utf8')).toBe(secret);

    // A new definition over the same folder reads the same passwords: the data survived.
    const again = postgresServiceDefinition('db', { port, databases: ['app', 'analytics'] }, base);
    expect(again.dependentEnv()).toEqual(env);
    const server2 = startServer(again);
    await firstSelect(again.definition.health.kind === 'postgres' ? again.definition.health.url : '', 0);
    const rows = await query(env.DATABASE_URL ?? '', "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 't'");
    expect(rows.rows[0]).toEqual({ n: 1 });
    server2.child.kill('SIGINT');
    await server2.exited;

    // A lost superuser password file is not made anew over the cluster that has the old password.
    rmSync(layout.superuserPasswordFile);
    const lost = postgresServiceDefinition('db', { port }, base);
    await expect(lost.prepare()).rejects.toThrow(
      `${layout.superuserPasswordFile} is missing, and the cluster ${layout.clusterDir} has the superuser password it held`,
    );
    expect(existsSync(layout.superuserPasswordFile)).toBe(false);
  });

  it('refuses a data folder under a parent the unprivileged user cannot enter, naming that folder', async () => {
    const parent = tempDir('bsup-pg-closed-'); // mkdtemp: mode 0700, this user's
    expect(statSync(parent).mode & 0o777).toBe(0o700);
    const port = await freePort();
    const service = postgresServiceDefinition(
      'db',
      { port, data_dir: join(parent, 'db'), user: 'nobody' },
      testConfig(port, { dataDir: openTempDir('bsup-pg-') }),
      // As root this is the real path; another user checks the same rule for `nobody`.
      { root: true },
    );
    const failure = await service.prepare().then(
      () => null,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(FolderError);
    expect((failure as FolderError).folder).toBe(parent);
    expect((failure as Error).message).toContain(
      `the folder ${parent} (mode 0700, owner uid ${process.getuid?.()}) is not traversable by the user nobody (uid ${userIdsOf('nobody')?.uid})`,
    );
    expect((failure as Error).message).toContain(`run chmod o+x ${parent}`);
    expect(existsSync(join(parent, 'db', 'postgres'))).toBe(false);
  });

  it('gives up an initdb that takes longer than its budget and leaves no half cluster', async () => {
    const dir = openTempDir('bsup-pg-slow-');
    const bin = join(dir, 'bin');
    mkdirSync(bin, { mode: 0o755 });
    writeFileSync(join(bin, 'postgres'), '#!/bin/sh\necho "postgres (PostgreSQL) 17.10"\n', { mode: 0o755 });
    writeFileSync(join(bin, 'initdb'), '#!/bin/sh\necho "initdb: working"\nexec sleep 30\n', { mode: 0o755 });
    const layout = clusterLayout(join(dir, 'db'), 5432);
    const started = performance.now();
    const failure = await prepareCluster({
      layout,
      binaries: {
        binDir: bin,
        postgres: join(bin, 'postgres'),
        initdb: join(bin, 'initdb'),
        packageName: null,
        version: null,
      },
      runAs: null,
      superuserPassword: 'pw',
      initdbTimeoutMs: 300,
    }).then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(failure?.message).toBe('initdb did not finish within 300 ms: initdb: working');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(readdirSync(layout.dir).sort()).toEqual(['postgres-superuser-password']);
  });

  it('runs under a supervisor: healthy by SELECT 1, as the unprivileged user when root, stopped by SIGINT within 2 s', async () => {
    const dir = openTempDir('bsup-pg-rt-');
    const port = await freePort();
    const base = testConfig(port, { dataDir: dir, stopTimeoutMs: 10_000 });
    // A data_dir whose folders do not exist yet: made passable for the user PostgreSQL runs as.
    const service = postgresServiceDefinition('db', { port, data_dir: 'nested/db' }, base);
    await service.prepare();
    expect(statSync(join(dir, 'nested')).mode & 0o777).toBe(isRoot() ? 0o711 : 0o700);
    runtime = createRuntime(base, undefined, undefined, undefined, {
      services: [{ ...service.definition, primary: true }],
      file: null,
    });
    const supervisor = runtime.stack.member('db').supervisor;
    await runtime.stack.start('app-start');
    await waitForState(supervisor, 'running', 20_000);
    const pid = supervisor.status().pid as number;
    expect(uidOf(pid)).toBe(isRoot() ? userIdsOf(DEFAULT_POSTGRES_USER)?.uid : process.getuid?.());
    await service.afterHealthy();
    const who = await query(service.dependentEnv().DATABASE_URL ?? '', 'SELECT current_user AS u');
    expect(who.rows[0]).toEqual({ u: 'app' });

    const workers = processesWhere((_pid, s) => s.ppid === pid);
    expect(workers.length).toBeGreaterThan(0);
    const stopAt = performance.now();
    await runtime.stack.stop('user-ui');
    await waitForState(supervisor, 'stopped', 5_000);
    // Well inside the 10 s grace: PostgreSQL's fast shutdown, not the SIGKILL after it.
    expect(performance.now() - stopAt).toBeLessThan(2_000);
    expect([pid, ...workers].filter(aliveProcess)).toEqual([]);
    // A clean shutdown removes the lock file; a SIGKILL would leave it.
    expect(existsSync(join(service.layout.clusterDir, 'postmaster.pid'))).toBe(false);
  });
});
