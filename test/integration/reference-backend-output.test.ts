// What the real reference backend process writes to its output, which the supervisor keeps
// in backend.log and shows on the Logs page: never a password, and no line per health probe.
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/reference-backend/server';
import { useEmbeddedPostgres } from '../helpers/embedded-pg';
import { createTestDatabase } from '../helpers/ref-backend-pg';
import { pollUntil, tempDir } from '../helpers/supervise';
import {
  type BackendProcess,
  exitWithin,
  freePort,
  REPO_ROOT,
  spawnBackend,
  waitForHealthy,
} from '../helpers/ref-backend-process';

/** Built by the integration global setup (scripts/build-node.mjs). */
const SERVER_JS = path.join(REPO_ROOT, 'out', 'reference-backend', 'server.js');
/** Health probes sent in the test: as many as a minute of a 2 s interval, three paths, GET and HEAD. */
const PROBES = 30;
/** The file the generated passwords go to (`CREDENTIALS_FILE`; spelled out, it is what people are told). */
const CREDENTIALS_FILE = 'initial-credentials';

const postgres = useEmbeddedPostgres();

describe('reference backend output (the bundled process, first start with generated passwords)', () => {
  const dataDir = tempDir('ref-backend-output-');
  let proc: BackendProcess;
  let base: string;

  beforeAll(async () => {
    const db = await createTestDatabase(postgres().url);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    proc = spawnBackend(SERVER_JS, {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      ADMIN_EMAIL: undefined,
      ADMIN_PASSWORD: undefined,
      DEMO_USER_PASSWORD: undefined,
      JWT_SECRET: undefined,
      DATABASE_URL: db.url,
      SUPERVISOR_INSTANCE_ID: undefined,
    });
    await waitForHealthy(`${base}/health`, 40_000, proc);
  }, 60_000);

  afterAll(async () => {
    proc?.child.kill('SIGTERM');
    if (proc) await exitWithin(proc, 10_000);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('writes the generated passwords to a 0600 file in DATA_DIR and prints only its path', async () => {
    const file = path.join(dataDir, CREDENTIALS_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = await readFile(file, 'utf8');
    const admin = /^admin: email=admin@example\.com password=(\S+)$/m.exec(text)?.[1];
    const demo = /^demo user: email=user@example\.com password=(\S+)$/m.exec(text)?.[1];
    expect(admin).toMatch(/^\S{12,}$/);
    expect(demo).toMatch(/^\S{12,}$/);

    const output = `${proc.stdout()}\n${proc.stderr()}`;
    expect(output).not.toContain(admin);
    expect(output).not.toContain(demo);
    expect(output).not.toContain('password=');
    expect(proc.stdout()).toContain(
      `admin account created: email=admin@example.com; its generated password is in ${file}`,
    );
    expect(proc.stdout()).toContain(`demo user created: email=user@example.com; its generated password is in ${file}`);

    // The file holds the real credentials: both log in.
    for (const [email, password] of [
      ['admin@example.com', admin],
      ['user@example.com', demo],
    ]) {
      const login = await fetch(`${base}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      expect(login.status, email).toBe(200);
    }
  });

  it('writes no access-log line for health probes, and one for any other request', async () => {
    const accessLines = (text: string) =>
      text
        .split('\n')
        .map((line) => /^([A-Z]+ \/\S* \d{3}) [\d.]+ms$/.exec(line)?.[1])
        .filter((line) => line !== undefined);
    const paths = ['/health', '/health/live', '/health/ready'];
    for (let i = 0; i < PROBES; i++) {
      const res = await fetch(`${base}${paths[i % paths.length]}`, { method: i % 2 === 0 ? 'GET' : 'HEAD' });
      expect(res.status).toBe(200);
      await res.body?.cancel();
    }
    const products = await fetch(`${base}/products?limit=1`);
    expect(products.status).toBe(200);
    await products.body?.cancel();
    await pollUntil(() => /^GET \/products 200 /m.test(proc.stdout()), 5_000, 25, 'the /products access-log line');

    // Each line is written when its answer has been sent, so every probe's would be in by now;
    // none is, nor one of the probes that waited for the start.
    const lines = accessLines(proc.stdout());
    expect(lines).toContain('GET /products 200');
    expect(lines.filter((line) => line.includes(' /health'))).toEqual([]);
  });
});

describe('reference backend: generated passwords that cannot be kept', () => {
  const dataDir = tempDir('ref-backend-nokeep-');
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('seeds nothing when they cannot be written (the start fails); the next start seeds and keeps them', async () => {
    const db = await createTestDatabase(postgres().url);
    const config = {
      port: 0,
      host: '127.0.0.1',
      dataDir,
      adminEmail: 'admin@example.com',
      adminPassword: undefined,
      jwtSecret: undefined,
      instanceId: undefined,
      databaseUrl: db.url,
      demoUserPassword: undefined,
    };
    // A folder where the file should be: it cannot be written.
    await mkdir(path.join(dataDir, CREDENTIALS_FILE));
    const out: string[] = [];
    const logger = { log: (l: string) => out.push(l), logError: (l: string) => out.push(l) };
    const first = await startServer(config, logger);
    await expect(first.ready).rejects.toThrow(/EISDIR|directory/i);
    await first.close();
    // The seeding's transaction was rolled back: no account whose password nobody has.
    const users = await countUsers(db.url);
    expect(users).toBe(0);

    await rm(path.join(dataDir, CREDENTIALS_FILE), { recursive: true });
    const second = await startServer(config, logger);
    try {
      await second.ready;
      const text = await readFile(path.join(dataDir, CREDENTIALS_FILE), 'utf8');
      const password = /^admin: email=admin@example\.com password=(\S+)$/m.exec(text)?.[1];
      const login = await fetch(`${second.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@example.com', password }),
      });
      expect(login.status).toBe(200);
      expect(out.join('\n')).not.toContain(password);
    } finally {
      await second.close();
    }
  });
});

/** Rows of `users` in the database of `url`. */
async function countUsers(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query<{ n: number }>('select count(*)::int as n from users')).rows[0]?.n ?? -1;
  } finally {
    await client.end();
  }
}
