/**
 * Adversarial cases of the embedded PostgreSQL service and the default stack (issue 12), on
 * real processes and a real PostgreSQL: files in the cluster or the data folder that are not
 * what the supervisor wrote (a FIFO, which would hang it: those run in a child with a
 * deadline), a write cut short, odd data folder names, and two root supervisors whose
 * clusters both fall back to /var/lib/backend-supervisor/<name>.
 * Needs `npm run build` (serve and out/reference-backend/server.js).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ServiceStatus } from '../../src/shared/services';
import { oneLine } from '../../src/main/console-output';
import { findEmbeddedBinaries } from '../../src/main/core/postgres/embedded-binaries';
import { reapLeftoverServers } from '../../src/main/core/postgres/leftover-servers';
import { DEFAULT_POSTGRES_USER, isRoot } from '../../src/main/core/postgres/run-as';
import { ESCALATION_STEP_MS } from '../../src/main/core/process-group';
import { createRuntime, type SupervisorRuntime } from '../../src/main/core/runtime';
import { DEFAULT_DATABASE_PORT_FILE, envStack } from '../../src/main/core/stack/default-stack';
import { DATA_FOLDER_CLAIM_FILE, ROOT_POSTGRES_DATA_ROOT } from '../../src/main/core/stack/postgres-entry';
import { userIdsOf } from '../../src/main/core/stack/service-user';
import { loadStackFile } from '../../src/main/core/stack/stack-file';
import { startHeadless, type HeadlessServer } from '../helpers/headless-server';
import { startEmbeddedPostgres } from '../helpers/embedded-pg';
import { aliveProcess, cmdline, processesWhere, procStat } from '../helpers/proc';
import { untilServices } from '../helpers/stack';
import { freePort, pollUntil, tempDir, testConfig } from '../helpers/supervise';

const REPO = join(import.meta.dirname, '..', '..');
const BIN = join(REPO, 'bin', 'backend-supervisor.js');

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
/** Service folders made under /var/lib/backend-supervisor (as root), removed at the end. */
const madeFolders: string[] = [];
afterAll(() => {
  for (const dir of madeFolders) rmSync(dir, { recursive: true, force: true });
});

/** What a child run of a script did: its exit code, output, and whether it outlived its deadline (then killed). */
interface ChildRun {
  code: number | null;
  out: string;
  err: string;
  hung: boolean;
}

/**
 * Runs `script` (an ES module body; it may import the sources by absolute path) in a child
 * Node with tsx, `prefix` before it (`prlimit …`), and SIGKILLs it at `deadlineMs`: what is
 * tested may block its event loop for ever, which in this process would hang the suite.
 */
async function runChild(script: string, deadlineMs = 30_000, prefix: string[] = []): Promise<ChildRun> {
  const argv = [...prefix, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script];
  const child = spawn(argv[0]!, argv.slice(1), { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, deadlineMs);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, out, err, hung };
}

const src = (path: string): string => JSON.stringify(join(REPO, 'src', path));

describe('files that are not what the supervisor wrote', () => {
  it('a FIFO at <data>/postgres.port: the port is chosen at once (no wait for a writer) and remembered in a plain file', async () => {
    const dir = tempDir('bsup-pgfifo-');
    const file = join(dir, DEFAULT_DATABASE_PORT_FILE);
    execFileSync('mkfifo', [file]);
    const run = await runChild(`
      const { resolveDefaultDatabase } = await import(${src('main/core/stack/default-stack.ts')});
      process.stdout.write(JSON.stringify(await resolveDefaultDatabase(${JSON.stringify(dir)})));
    `);
    expect(run.hung, 'resolveDefaultDatabase blocked on the FIFO').toBe(false);
    expect(run.err).toBe('');
    const { port } = JSON.parse(run.out) as { port: number };
    expect(lstatSync(file).isFile()).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(`${port}\n`);
  });

  it("a FIFO as a cluster's PG_VERSION (the cluster is the unprivileged user's): prepareCluster refuses it at once", async () => {
    const dir = tempDir('bsup-pgver-');
    chmodSync(dir, 0o711);
    mkdirSync(join(dir, 'postgres'), { mode: 0o700 });
    execFileSync('mkfifo', [join(dir, 'postgres', 'PG_VERSION')]);
    const run = await runChild(`
      const { clusterLayout, prepareCluster } = await import(${src('main/core/postgres/cluster.ts')});
      const { findEmbeddedBinaries } = await import(${src('main/core/postgres/embedded-binaries.ts')});
      const { isRoot, resolveRunAs } = await import(${src('main/core/postgres/run-as.ts')});
      try {
        await prepareCluster({
          layout: clusterLayout(${JSON.stringify(dir)}, 5432),
          binaries: findEmbeddedBinaries(),
          runAs: isRoot() ? resolveRunAs(undefined) : null,
          superuserPassword: 'secret-secret-secret',
        });
        process.stdout.write('prepared');
      } catch (err) {
        process.stdout.write(err.constructor.name + ': ' + err.message);
      }
    `);
    expect(run.hung, 'prepareCluster blocked on the FIFO').toBe(false);
    expect(run.out).toBe(
      `ConfigError: ${join(dir, 'postgres')} is not a PostgreSQL cluster (no PG_VERSION): move it away to have a new one made`,
    );
  });

  it('a FIFO as postmaster.pid while a leftover server runs on the cluster: the reaper reads no further and kills it', async () => {
    const cluster = tempDir('bsup-pgpid-');
    // A stand-in leftover: this Node (the "postgres" executable given to the reaper) in the cluster.
    const leftover = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], {
      cwd: cluster,
      stdio: 'ignore',
    });
    cleanups.push(() => void leftover.kill('SIGKILL'));
    await pollUntil(() => existsSync(`/proc/${leftover.pid}/cwd`), 5_000, 20, 'the leftover to run');
    execFileSync('mkfifo', [join(cluster, 'postmaster.pid')]);
    const run = await runChild(`
      const { reapLeftoverServers } = await import(${src('main/core/postgres/leftover-servers.ts')});
      const killed = await reapLeftoverServers({ clusterDir: ${JSON.stringify(cluster)}, postgres: process.execPath });
      process.stdout.write(JSON.stringify(killed));
    `);
    expect(run.hung, 'the reaper blocked on the FIFO').toBe(false);
    expect(JSON.parse(run.out)).toEqual([leftover.pid]);
    await pollUntil(() => !aliveProcess(leftover.pid!), 5_000, 20, 'the leftover to be gone');
  });

  it('a password file whose write is cut short (a full disk, a file size limit) is not left behind, half or empty', async () => {
    const dir = tempDir('bsup-pgsecret-');
    const file = join(dir, 'postgres-superuser-password');
    // RLIMIT_FSIZE of 8 bytes: the 32-character password's write fails with EFBIG after 8.
    const run = await runChild(
      `
      const { writeSecretFile } = await import(${src('main/core/postgres/secret-file.ts')});
      try {
        writeSecretFile(${JSON.stringify(file)}, 'abcdefghijklmnopqrstuvwxyz012345');
        process.stdout.write('written');
      } catch (err) {
        process.stdout.write(err.constructor.name + ': ' + err.message);
      }
    `,
      30_000,
      ['prlimit', '--fsize=8'],
    );
    expect(run.out).toMatch(/^ConfigError: cannot write .*EFBIG/);
    // Else the next start takes "abcdefgh" for the password (or refuses an empty file for good).
    expect(existsSync(file)).toBe(false);
  });
});

describe('the leftover reaper and a live single-user server', () => {
  it('leaves alone a postgres --single on the cluster (its postmaster.pid holds its pid negated)', async () => {
    const server = await startEmbeddedPostgres();
    cleanups.push(() => server.stop());
    const cluster = join(server.dir, 'pg', 'postgres');
    const lockFile = join(cluster, 'postmaster.pid');
    // A clean stop of the server, then an administrator's single-user session on its cluster.
    process.kill(server.pid, 'SIGINT');
    await pollUntil(() => !aliveProcess(server.pid) && !existsSync(lockFile), 20_000, 25, 'the server to stop');
    const ids = isRoot() ? userIdsOf(DEFAULT_POSTGRES_USER) : null;
    const binaries = findEmbeddedBinaries();
    const single = spawn(binaries.postgres, ['--single', '-D', cluster, 'postgres'], {
      cwd: '/',
      stdio: ['pipe', 'ignore', 'ignore'],
      ...(ids ? { uid: ids.uid, gid: ids.gid } : {}),
    });
    cleanups.push(() => void single.kill('SIGKILL'));
    await pollUntil(
      () => existsSync(lockFile) && readFileSync(lockFile, 'utf8').startsWith(`-${single.pid}\n`),
      20_000,
      25,
      'the single-user server to take the cluster',
    );
    expect(await reapLeftoverServers({ clusterDir: cluster, postgres: binaries.postgres })).toEqual([]);
    expect(aliveProcess(single.pid!)).toBe(true);
  });
});

/** Live processes whose working directory is `dir` (every PostgreSQL server process runs in its cluster). */
function processesIn(dir: string): number[] {
  return processesWhere((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/cwd`) === dir;
    } catch {
      return false;
    }
  });
}

describe('a stop that outlives its grace', () => {
  let runtime: SupervisorRuntime | null = null;
  afterEach(async () => {
    await runtime?.shutdown();
    runtime = null;
  });

  it("a fast shutdown stuck on a child: SIGQUIT, and PostgreSQL's own SIGKILL of its children is let happen (none left)", async () => {
    const port = await freePort();
    const config = testConfig(port, { stopTimeoutMs: 1_000 });
    chmodSync(config.dataDir, 0o711);
    const file = join(config.dataDir, 'stack.yaml');
    writeFileSync(file, ['services:', '  db:', '    kind: postgres', `    port: ${port}`, ''].join('\n'));
    runtime = createRuntime(config, undefined, undefined, undefined, loadStackFile(file, config));
    expect((await runtime.stack.start('rest')).success).toBe(true);
    const cluster = join(config.dataDir, 'db', 'postgres');
    // A checkpointer that cannot run (stopped; on a real machine, a disk that does not answer):
    // the fast shutdown waits for its checkpoint past the grace.
    const checkpointer = processesIn(cluster).find((pid) => cmdline(pid).includes('checkpointer'));
    expect(checkpointer).toBeDefined();
    cleanups.push(() => {
      for (const pid of processesIn(cluster)) process.kill(pid, 'SIGKILL');
    });
    process.kill(checkpointer!, 'SIGSTOP');
    expect((await runtime.stack.stop('rest')).success).toBe(true);
    const lines = runtime.stack
      .member('db')
      .logs.tail()
      .map((l) => l.text);
    expect(lines.some((l) => l.includes('sending SIGQUIT'))).toBe(true);
    // Its children run in sessions of their own: only the postmaster's SIGKILL reaches them,
    // 5 s after SIGQUIT; a SIGKILL of the postmaster's group at that moment leaves them running.
    await pollUntil(() => processesIn(cluster).length === 0, 5_000, 50, 'no process left on the cluster').catch(
      (err: Error) => {
        throw new Error(
          `${err.message}: ${processesIn(cluster)
            .map((pid) => `${pid} ${procStat(pid)?.state}`)
            .join(', ')}`,
        );
      },
    );
  }, 60_000);

  it('each escalation step is logged with the signal and the wait it follows', async () => {
    const port = await freePort();
    const config = testConfig(port, { stopTimeoutMs: 300 });
    const [backend] = envStack(config).services;
    // A shell that ignores SIGTERM and SIGQUIT (Node would restore their default at its start).
    // It says so once the traps are set: a stop before that would end it at SIGTERM (a race the test lost under load).
    const shell = `trap '' TERM QUIT; echo traps-set; while :; do sleep 0.05; done`;
    runtime = createRuntime(config, undefined, undefined, undefined, {
      file: null,
      services: [
        {
          ...backend!,
          config: { ...config, command: 'sh', args: ['-c', shell] },
          health: { kind: 'none' },
          stopEscalation: ['SIGQUIT'],
        },
      ],
    });
    expect((await runtime.supervisor.start('user-ui')).success).toBe(true);
    const { pid } = runtime.supervisor.status();
    const logs = runtime.logs;
    await pollUntil(() => logs.tail().some((l) => l.text === 'traps-set'), 10_000, 10, 'the traps set');
    await runtime.supervisor.stop('user-ui');
    const lines = runtime.logs.tail().map((l) => l.text);
    expect(lines).toContain(`pid ${pid} still alive 300 ms after SIGTERM: sending SIGQUIT to its process group`);
    expect(lines).toContain(
      `pid ${pid} still alive ${ESCALATION_STEP_MS} ms after SIGQUIT: sending SIGKILL to its process group`,
    );
  }, 30_000);
});

/**
 * Starts `serve` in `dataDir`, made with every folder above it enterable by anyone (0711), so
 * that as root the cluster is `<dataDir>/postgres`: never /var/lib/backend-supervisor/postgres,
 * which a root `npm start` on this machine may be using.
 */
async function serveIn(dataDir: string): Promise<HeadlessServer> {
  mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  chmodSync(dataDir, 0o711);
  chmodSync(dirname(dataDir), 0o711);
  for (let dir = dataDir; dir !== dirname(dir); dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0)
      throw new Error(`${dir} is not enterable by others: the test would share a cluster`);
  }
  const server = await startHeadless({ SUPERVISOR_DATA_DIR: dataDir });
  cleanups.push(async () => void (await server.stop()));
  const banner = `files in ${oneLine(join(dataDir, 'postgres', 'postgres'))}\n`;
  await pollUntil(
    () => server.output().includes(banner),
    20_000,
    25,
    'the banner naming the cluster in the data folder',
  );
  return server;
}

const bothRunning = (list: ServiceStatus[]): boolean =>
  ['postgres', 'backend'].every((n) => list.find((s) => s.name === n)?.status === 'running');
/** Both running, or one given up on (then there is no point waiting longer). */
const settled = (list: ServiceStatus[]): boolean => bothRunning(list) || list.some((s) => s.status === 'crashed');

describe('odd data folder names, over serve', () => {
  it('a comma in the data folder path: PostgreSQL starts (its -k is a comma-separated list)', async () => {
    const server = await serveIn(join(tempDir('bsup-pgcomma-'), 'shop,eu'));
    const list = await untilServices(server, 'postgres and backend running', settled, 90_000);
    expect(list.map((s) => [s.name, s.status, s.restart_count])).toEqual([
      ['postgres', 'running', 0],
      ['backend', 'running', 0],
    ]);
    expect(await server.stop()).toBe(0);
  }, 120_000);

  it('a newline in the data folder path forges no console line (the spawn line names the cluster)', async () => {
    const forged = 'backend-supervisor: FORGED by the folder name';
    const server = await serveIn(join(tempDir('bsup-pgnl-'), `x\n${forged}`));
    expect(bothRunning(await untilServices(server, 'postgres and backend running', settled, 90_000))).toBe(true);
    expect(await server.stop()).toBe(0);
    const lines = server.output().split('\n');
    expect(lines.some((l) => l.startsWith('[supervisor:postgres] spawned pid'))).toBe(true);
    expect(lines.filter((l) => l.startsWith('backend-supervisor: FORGED'))).toEqual([]);
  }, 120_000);

  it('a folder at <data>/postgres.port: exit 2 with one line naming it, not a stack trace', async () => {
    const dataDir = tempDir('bsup-pgportdir-');
    chmodSync(dataDir, 0o711);
    mkdirSync(join(dataDir, DEFAULT_DATABASE_PORT_FILE));
    const child: ChildProcess = spawn(process.execPath, [BIN, 'serve', '--control-port', String(await freePort())], {
      env: { ...process.env, SUPERVISOR_DATA_DIR: dataDir, CONTROL_TOKEN: 'adv-token-0123456789abcdef0123456789' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => void child.kill('SIGKILL'));
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^backend-supervisor: .*cannot remember the database's port in ${join(dataDir, DEFAULT_DATABASE_PORT_FILE)}: EISDIR`,
        ),
      ),
    ]);
  });
});

describe.runIf(isRoot())(
  'two root supervisors whose clusters both fall back to /var/lib/backend-supervisor/<name>',
  () => {
    let runtime: SupervisorRuntime | null = null;
    afterEach(async () => {
      await runtime?.shutdown();
      runtime = null;
    });

    /** A stack file of one postgres service `name` (no data_dir) in a fresh private data folder (0700, as /root is). */
    async function supervisorWith(name: string) {
      const port = await freePort();
      const config = testConfig(port, { stopTimeoutMs: 10_000 });
      chmodSync(config.dataDir, 0o700);
      const file = join(config.dataDir, 'stack.yaml');
      writeFileSync(file, ['services:', `  ${name}:`, '    kind: postgres', `    port: ${port}`, ''].join('\n'));
      return { config, file, port };
    }

    it("the second does not run on the first one's cluster, now or later: it is refused, naming the folder and what to do", async () => {
      const name = `adv-share-${process.pid}`;
      const shared = join(ROOT_POSTGRES_DATA_ROOT, name);
      madeFolders.push(shared);
      const a = await supervisorWith(name);
      const b = await supervisorWith(name);
      // Both defined before either started: the second's start is refused by the first's claim.
      const definedB = loadStackFile(b.file, b.config);
      runtime = createRuntime(a.config, undefined, undefined, undefined, loadStackFile(a.file, a.config));
      expect((await runtime.stack.start('rest')).success).toBe(true);
      const health = runtime.stack.member(name).definition.health;
      const url = health.kind === 'postgres' ? health.url : '';
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query("CREATE TABLE only_a AS SELECT 'a' AS secret");
      await client.end();
      expect(readFileSync(join(shared, DATA_FOLDER_CLAIM_FILE), 'utf8')).toBe(`${a.config.dataDir}\n`);

      const other = createRuntime(b.config, undefined, undefined, undefined, definedB);
      cleanups.push(() => other.shutdown());
      const result = await other.stack.start('rest');
      expect(result.success).toBe(false);
      expect(other.stack.member(name).supervisor.status().last_error).toContain(
        `${shared} holds the PostgreSQL cluster of the supervisor whose data folder is ${a.config.dataDir}, not this one's (${b.config.dataDir})`,
      );
      await other.shutdown();

      // Later, the first one stopped: still refused (a definition alone, as `serve --no-start`
      // builds, is not: it starts nothing).
      await runtime.shutdown();
      runtime = null;
      const later = createRuntime(b.config, undefined, undefined, undefined, loadStackFile(b.file, b.config));
      cleanups.push(() => later.shutdown());
      expect((await later.stack.start('rest')).success).toBe(false);
      expect(later.stack.member(name).supervisor.status().last_error).toMatch(
        new RegExp(
          `chmod o\\+x.*or set data_dir: for ${name} in a stack file.*remove ${join(shared, DATA_FOLDER_CLAIM_FILE)}$`,
        ),
      );
      await later.shutdown();

      // The first one's cluster stays where it is when its data folder is opened since.
      chmodSync(a.config.dataDir, 0o711);
      const again = loadStackFile(a.file, a.config);
      expect(again.services[0]!.config.args).toContain(join(shared, 'postgres'));
      runtime = createRuntime(a.config, undefined, undefined, undefined, again);
      expect((await runtime.stack.start('rest')).success).toBe(true);
      const back = new pg.Client({ connectionString: url });
      await back.connect();
      expect((await back.query('SELECT secret FROM only_a')).rows).toEqual([{ secret: 'a' }]);
      await back.end();
    }, 120_000);
  },
);
