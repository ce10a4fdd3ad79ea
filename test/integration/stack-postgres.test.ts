/**
 * A stack file's `kind: postgres` service run for real (README "Stack file"): the bundled
 * reference backend depends on it `service_healthy` and reaches it by the DATABASE_URL it is
 * given; a stop is PostgreSQL's fast shutdown (SIGINT); a second start finds the cluster made.
 * Needs `npm run build` (out/reference-backend/server.js).
 */
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POSTGRES_USER, isRoot } from '../../src/main/core/postgres/run-as';
import { createRuntime, type SupervisorRuntime } from '../../src/main/core/runtime';
import { ROOT_POSTGRES_DATA_ROOT } from '../../src/main/core/stack/postgres-entry';
import { userIdsOf } from '../../src/main/core/stack/service-user';
import { loadStackFile } from '../../src/main/core/stack/stack-file';
import { processesWhere } from '../helpers/proc';
import { freePort, tempDir, testConfig } from '../helpers/supervise';

const SERVER = join(import.meta.dirname, '..', '..', 'out', 'reference-backend', 'server.js');

let runtime: SupervisorRuntime | null = null;
afterEach(async () => {
  await runtime?.shutdown();
  runtime = null;
});

/** Service folders made under /var/lib/backend-supervisor (as root), removed at the end. */
const madeFolders: string[] = [];
afterAll(() => {
  for (const dir of madeFolders) rmSync(dir, { recursive: true, force: true });
});

/** Memory of `pids` and every process under them, bytes: VmRSS summed, and Pss summed (shared pages split). */
function treeMemory(pids: number[]): { processes: number; rss: number; pss: number } {
  const all = new Set(pids);
  for (let grew = true; grew;) {
    grew = false;
    for (const pid of processesWhere((_pid, s) => all.has(s.ppid))) {
      if (!all.has(pid)) {
        all.add(pid);
        grew = true;
      }
    }
  }
  let rss = 0;
  let pss = 0;
  for (const pid of all) {
    const kib = (file: string, field: string): number => {
      try {
        const text = readFileSync(`/proc/${pid}/${file}`, 'utf8');
        return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
      } catch {
        return 0; // gone meanwhile
      }
    };
    rss += kib('status', 'VmRSS') * 1024;
    pss += kib('smaps_rollup', 'Pss') * 1024;
  }
  return { processes: all.size, rss, pss };
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

/** The environment a live process was started with (/proc/<pid>/environ). */
function environOf(pid: number): Record<string, string> {
  const text = readFileSync(`/proc/${pid}/environ`, 'utf8');
  return Object.fromEntries(
    text
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

describe('kind: postgres in a stack file', () => {
  it('runs db and the reference backend on it; a stop is a fast shutdown; a second start is warm', async () => {
    expect(existsSync(SERVER), 'run npm run build first').toBe(true);
    const [pgPort, httpPort] = [await freePort(), await freePort()];
    const folder = tempDir('bsup-stack-pg-');
    // A name of its own: as root the default data_dir is /var/lib/backend-supervisor/<name>.
    const db = `db-${pgPort}`;
    const backendData = join(folder, 'backend-data');
    const file = join(folder, 'stack.yaml');
    writeFileSync(
      file,
      [
        'services:',
        `  ${db}:`,
        '    kind: postgres',
        `    port: ${pgPort}`,
        '  backend:',
        `    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(SERVER)}]`,
        '    environment:',
        `      PORT: ${httpPort}`,
        '      HOST: 127.0.0.1',
        `      DATA_DIR: ${JSON.stringify(backendData)}`,
        '    health:',
        `      http: http://127.0.0.1:${httpPort}/health`,
        '      startup_timeout: 60',
        '    depends_on:',
        `      ${db}: {condition: service_healthy}`,
        '',
      ].join('\n'),
    );
    // The supervisor's data folder is private (0700), as /root is.
    const config = testConfig(httpPort, { stopTimeoutMs: 10_000 });
    const serviceDir = isRoot() ? join(ROOT_POSTGRES_DATA_ROOT, db) : join(config.dataDir, db);
    const rootFolderWasThere = existsSync(ROOT_POSTGRES_DATA_ROOT);
    madeFolders.push(serviceDir);
    const clusterDir = join(serviceDir, 'postgres');

    /** Starts the stack; ms from the start to db running and to the whole stack running, and its memory. */
    const startOnce = async (): Promise<{ dbMs: number; ms: number; memory: ReturnType<typeof treeMemory> }> => {
      const definition = loadStackFile(file, config);
      runtime = createRuntime(config, undefined, undefined, undefined, definition);
      let dbRunningAt = 0;
      runtime.stack.member(db).supervisor.on('state', (e) => {
        if (e.to === 'running' && dbRunningAt === 0) dbRunningAt = performance.now();
      });
      const started = performance.now();
      const result = await runtime.stack.start('rest');
      const ms = Math.round(performance.now() - started);
      const dbMs = Math.round(dbRunningAt - started);
      expect(result.success, result.message).toBe(true);
      expect(runtime.stack.list().map((s) => [s.name, s.status])).toEqual([
        [db, 'running'],
        ['backend', 'running'],
      ]);
      const pids = [db, 'backend'].map((n) => runtime!.stack.member(n).supervisor.status().pid!);
      return { dbMs, ms, memory: treeMemory(pids) };
    };

    // ---- Cold: the user, the folders and the cluster are made, then the role and database.
    const cold = await startOnce();
    const dbMember = runtime!.stack.member(db);
    const backend = runtime!.stack.member('backend');
    expect(backend.definition.primary).toBe(true);
    const url = backend.definition.config.env.DATABASE_URL!;
    expect(url).toMatch(new RegExp(`^postgres://app:[A-Za-z0-9_-]{32}@127\\.0\\.0\\.1:${pgPort}/app$`));
    // The backend process got it, and used it: its tables are in the app database, owned by app.
    expect(environOf(backend.supervisor.status().pid!).DATABASE_URL).toBe(url);
    const who = await query(url, 'SELECT current_user AS u, current_database() AS d');
    expect(who.rows[0]).toEqual({ u: 'app', d: 'app' });
    const tables = await query(
      url,
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = 'app'",
    );
    expect(tables.rowCount).toBeGreaterThan(0);
    const health = await fetch(`http://127.0.0.1:${httpPort}/health`);
    expect(health.status).toBe(200);
    if (isRoot()) {
      // PostgreSQL runs as the unprivileged user, its cluster that user's; the folders above it passable.
      const ids = userIdsOf(DEFAULT_POSTGRES_USER)!;
      const postmaster = dbMember.supervisor.status().pid!;
      expect(Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${postmaster}/status`, 'utf8'))?.[1])).toBe(ids.uid);
      expect(statSync(clusterDir).uid).toBe(ids.uid);
      // Made here when missing: root's, passable (0711) but not listable by that user.
      if (!rootFolderWasThere) {
        expect(statSync(ROOT_POSTGRES_DATA_ROOT).mode & 0o777).toBe(0o711);
        expect(statSync(ROOT_POSTGRES_DATA_ROOT).uid).toBe(0);
      }
    }
    const clusterInode = statSync(clusterDir).ino;
    const versionFile = statSync(join(clusterDir, 'PG_VERSION')).mtimeMs;
    expect(existsSync(join(clusterDir, 'postmaster.pid'))).toBe(true);

    // ---- Stop: dependents first, then PostgreSQL by SIGINT, its fast shutdown (well inside the 10 s grace).
    const stopStarted = performance.now();
    const stopped = await runtime!.stack.stop('rest');
    const stopMs = Math.round(performance.now() - stopStarted);
    expect(stopped.success, stopped.message).toBe(true);
    expect(dbMember.supervisor.currentState).toBe('stopped');
    expect(stopMs).toBeLessThan(5_000);
    expect(
      dbMember.logs
        .tail()
        .map((l) => l.text)
        .join('\n'),
    ).toContain('received fast shutdown request');
    expect(dbMember.supervisor.status().last_exit).toMatchObject({ code: 0 });
    expect(existsSync(join(clusterDir, 'postmaster.pid'))).toBe(false);
    await runtime!.shutdown();
    runtime = null;

    // ---- Warm: the same cluster (no initdb), the same password, the backend's data still there.
    const warm = await startOnce();
    expect(statSync(clusterDir).ino).toBe(clusterInode);
    expect(statSync(join(clusterDir, 'PG_VERSION')).mtimeMs).toBe(versionFile);
    expect(runtime!.stack.member('backend').definition.config.env.DATABASE_URL).toBe(url);
    expect((await query(url, 'SELECT 1 AS one')).rows[0]).toEqual({ one: 1 });

    const figures = (label: string, run: typeof cold): string =>
      `${label}: db running ${run.dbMs} ms, backend running ${run.ms} ms (${run.memory.processes} processes, RSS ${Math.round(run.memory.rss / 2 ** 20)} MiB, PSS ${Math.round(run.memory.pss / 2 ** 20)} MiB)`;
    console.log(`stack db+backend: ${figures('cold', cold)}; ${figures('warm', warm)}; stop ${stopMs} ms`);
  }, 180_000);

  it('refuses health: on a postgres service, at its line, before anything is made', () => {
    const folder = tempDir('bsup-stack-pg-');
    const file = join(folder, 'stack.yaml');
    writeFileSync(
      file,
      ['services:', '  db:', '    kind: postgres', '    health:', '      tcp: 127.0.0.1:5432', ''].join('\n'),
    );
    const config = testConfig(1);
    expect(() => loadStackFile(file, config)).toThrow(
      `${file}:4: services.db.health: is not given for a postgres service: its health is SELECT 1 as its superuser, over TCP on 127.0.0.1`,
    );
    expect(existsSync(join(config.dataDir, 'db'))).toBe(false);
  });
});
