import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/main/core/config';
import { ConfigError } from '../../src/main/core/errors';
import { envStack } from '../../src/main/core/stack/default-stack';
import {
  loadStackFile,
  MAX_STACK_ALIASES,
  MAX_STACK_FILE_BYTES,
  MAX_STACK_SERVICES,
  parseStackText,
  systemUsers,
  type UserLookup,
} from '../../src/main/core/stack/stack-file';

const base = loadConfig({ SUPERVISOR_DATA_DIR: '/tmp/stack-file-test' }, { command: '/bin/true' });
const FIXTURES = resolve(import.meta.dirname, '../fixtures/stacks');
const DIR = '/srv/site';
/** A supervisor running as uid 1000 (not root), on a system with `me` (1000) and `site` (1001). */
const asUser: UserLookup = { currentUid: 1000, uidOf: (n) => ({ me: 1000, site: 1001 })[n] ?? null };
const asRoot: UserLookup = { ...asUser, currentUid: 0 };

function parse(text: string, users: UserLookup = asRoot) {
  return parseStackText(text, 'stack.yaml', DIR, base, { users });
}

/** The ConfigError of a text that must fail, and its lines. */
function problems(text: string, users: UserLookup = asRoot): string[] {
  try {
    parse(text, users);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const lines = (err as ConfigError).message.split('\n');
    // One issue a line (a plain string, or its `message` where issues are structured).
    const issues: readonly unknown[] = (err as ConfigError).issues;
    expect(issues.map((i) => (typeof i === 'string' ? i : (i as { message: string }).message))).toEqual(lines);
    return lines;
  }
  throw new Error('expected a ConfigError');
}

/** Lines of YAML, so each test shows the line numbers it expects. */
const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;

describe('resolving a stack file', () => {
  const stack = loadStackFile(join(FIXTURES, 'restaurant.yaml'), base, { users: asRoot });
  const [db, backend, worker] = stack.services;

  it('keeps the services in file order, with the absolute path of the file', () => {
    expect(stack.file).toBe(join(FIXTURES, 'restaurant.yaml'));
    expect(stack.services.map((s) => s.name)).toEqual(['db', 'backend', 'worker']);
  });

  it('splits the command into command and args, argv list or shell words', () => {
    expect(db!.config.command).toBe('/usr/bin/etcd');
    expect(db!.config.args).toEqual(['--data-dir', '/var/lib/site/etcd']);
    expect(backend!.config.command).toBe('./bin/server');
    expect(backend!.config.args).toEqual(['--port', '8080']);
  });

  it('resolves the working dir: given (against the file’s folder), else an absolute command’s folder, else the file’s folder', () => {
    expect(backend!.config.workingDir).toBe(join(FIXTURES, 'restaurant'));
    expect(db!.config.workingDir).toBe('/usr/bin');
    expect(worker!.config.workingDir).toBe(FIXTURES);
  });

  it('takes the service environment only, numbers and booleans as text', () => {
    expect(backend!.config.env).toEqual({
      DATABASE_URL: 'postgres://app@127.0.0.1:5433/app',
      PORT: '8080',
      DEBUG: 'false',
    });
    expect(db!.config.env).toEqual({});
  });

  it('points backendUrl and healthCheckPath at an http health check', () => {
    expect(backend!.health).toEqual({ kind: 'http', url: 'http://127.0.0.1:8080/health?deep=1' });
    expect(backend!.config.backendUrl).toBe('http://127.0.0.1:8080');
    expect(backend!.config.healthCheckPath).toBe('/health?deep=1');
    expect(db!.config.backendUrl).toBe('http://127.0.0.1:2379');
    expect(db!.config.healthCheckPath).toBe('/health');
  });

  it('turns seconds into ms and maps the health and restart numbers', () => {
    expect(backend!.config).toMatchObject({
      healthCheckIntervalMs: 2500,
      healthCheckTimeoutMs: 1000,
      healthFailureThreshold: 5,
      startupTimeoutMs: 60_000,
      maxRestartAttempts: 3,
      restartDelayMs: 1000,
      maxRestartDelayMs: 30_000,
      restartResetAfterMs: 30_000,
      stopTimeoutMs: 10_000,
      autoRestart: true,
    });
    expect(backend!.restartPolicy).toBe('on-failure');
  });

  it('keeps the base for what a service leaves out', () => {
    expect(db!.config.stopTimeoutMs).toBe(base.stopTimeoutMs);
    expect(db!.config.dataDir).toBe(base.dataDir);
    expect(db!.config.controlPort).toBe(base.controlPort);
    expect(db!.restartPolicy).toBe('always');
  });

  it('restart "no" turns autoRestart off', () => {
    expect(worker!.restartPolicy).toBe('no');
    expect(worker!.config.autoRestart).toBe(false);
  });

  it('reads depends_on in both forms, the short one as service_started', () => {
    expect(backend!.dependsOn).toEqual([{ service: 'db', condition: 'service_healthy' }]);
    expect(worker!.dependsOn).toEqual([{ service: 'backend', condition: 'service_started' }]);
    expect(db!.dependsOn).toEqual([]);
  });

  it('reads stop_signal (SIGTERM by default) and user (null by default)', () => {
    expect(db!.stopSignal).toBe('SIGINT');
    expect(backend!.stopSignal).toBe('SIGTERM');
    expect(backend!.user).toBe('site');
    expect(db!.user).toBeNull();
  });

  it('makes the service named backend primary when none is marked', () => {
    expect(stack.services.map((s) => s.primary)).toEqual([false, true, false]);
  });
});

describe('stack file details', () => {
  it('makes the first service primary when none is named backend or marked', () => {
    const stack = parse(yaml('services:', '  web: {command: a}', '  api: {command: b}'));
    expect(stack.services.map((s) => s.primary)).toEqual([true, false]);
    expect(stack.file).toBeNull();
  });

  it('honours primary: true over the service named backend', () => {
    const stack = parse(yaml('services:', '  backend: {command: a}', '  api: {command: b, primary: true}'));
    expect(stack.services.map((s) => s.primary)).toEqual([false, true]);
  });

  it('reads the tcp, postgres, command and absent health checks', () => {
    const stack = parse(
      yaml(
        'services:',
        '  a: {command: a, health: {tcp: "127.0.0.1:5432"}}',
        '  b: {command: b, health: {tcp: "[::1]:80"}}',
        '  c: {command: c, health: {postgres: "postgres://u@127.0.0.1:5433/db"}}',
        '  d: {command: d, health: {command: "pg_isready -h \'my host\'"}}',
        '  e: {command: e, health: {command: [redis-cli, ping]}}',
        '  f: {command: f}',
        '  g: {command: g, health: {startup_timeout: 5}}',
      ),
    );
    expect(stack.services.map((s) => s.health)).toEqual([
      { kind: 'tcp', host: '127.0.0.1', port: 5432 },
      { kind: 'tcp', host: '::1', port: 80 },
      { kind: 'postgres', url: 'postgres://u@127.0.0.1:5433/db' },
      { kind: 'command', argv: ['pg_isready', '-h', 'my host'] },
      { kind: 'command', argv: ['redis-cli', 'ping'] },
      { kind: 'none' },
      { kind: 'none' },
    ]);
    expect(stack.services[6]!.config.startupTimeoutMs).toBe(5000);
  });

  it("reads Compose's list form of environment and the short form of restart", () => {
    const [svc] = parse(
      yaml('services:', '  a:', '    command: a', '    environment: ["A=1", "B=x=y", "C="]', '    restart: no'),
    ).services;
    expect(svc!.config.env).toEqual({ A: '1', B: 'x=y', C: '' });
    // YAML 1.2: a bare `no` is the text "no", not false.
    expect(svc!.restartPolicy).toBe('no');
  });

  it('does not expand $VARIABLES in a command string (no shell)', () => {
    const [svc] = parse(yaml('services:', '  a: {command: "echo $HOME"}')).services;
    expect(svc!.config.args).toEqual(['$HOME']);
  });

  it('accepts every limit at its bound', () => {
    const [svc] = parse(
      yaml(
        'services:',
        '  a:',
        '    command: a',
        '    stop_grace_period: 3600',
        '    health: {interval: 0.1, timeout: 3600, retries: 100}',
        '    restart: {delay: 86400, max_delay: 86400, max_attempts: 1000}',
      ),
    ).services;
    expect(svc!.config).toMatchObject({ stopTimeoutMs: 3_600_000, healthCheckIntervalMs: 100 });
  });

  it("ignores Compose's top-level x- extension fields, nothing else", () => {
    expect(parse(yaml('x-common: {any: thing}', 'services: {a: {command: x}}')).services).toHaveLength(1);
    expect(problems(yaml('xcommon: 1', 'services: {a: {command: x}}'))).toEqual(['stack.yaml:1: xcommon: unknown key']);
    expect(problems(yaml('services:', '  a: {command: x, x-note: 1}'))).toEqual([
      'stack.yaml:2: services.a.x-note: unknown key',
    ]);
  });

  it('accepts a few aliases', () => {
    const [a, b] = parse(
      yaml('services:', '  a: {command: a, environment: &env {X: "1"}}', '  b: {command: b, environment: *env}'),
    ).services;
    expect(b!.config.env).toEqual(a!.config.env);
  });
});

describe('stack file errors, each with its line', () => {
  it('not YAML', () => {
    expect(problems(yaml('services:', '  a: {command: [x', '  b: {}'))[0]).toMatch(
      /^stack\.yaml:\d+: not valid YAML: /,
    );
  });

  it('not a map, empty, no services', () => {
    expect(problems(yaml('- a', '- b'))).toEqual(['stack.yaml:1: must be a map with a services key']);
    expect(problems('')).toEqual(['stack.yaml:1: is empty; give services: with at least one service']);
    expect(problems(yaml('services: {}'))).toEqual(['stack.yaml:1: services: must name at least one service']);
    expect(problems(yaml('services:'))).toEqual(['stack.yaml:1: services: must be a map of service names']);
    // A missing key is at the line where the map starts.
    expect(problems(yaml('# a comment', 'service:', '  a: {command: x}'))).toEqual([
      'stack.yaml:2: services: must be a map of service names',
      'stack.yaml:2: service: unknown key',
    ]);
  });

  it('a bad service name', () => {
    expect(problems(yaml('services:', '  ok: {command: x}', '  My_App: {command: x}'))).toEqual([
      'stack.yaml:3: services.My_App: is not a service name ([a-z0-9_-], ≤ 63)',
    ]);
    expect(problems(yaml('services:', `  ${'a'.repeat(64)}: {command: x}`))[0]).toContain('is not a service name');
    expect(parse(yaml('services:', `  ${'a'.repeat(63)}: {command: x}`)).services).toHaveLength(1);
  });

  it('a duplicate service name, at the line of the second', () => {
    expect(problems(yaml('services:', '  db:', '    command: a', '  db:', '    command: b'))).toEqual([
      'stack.yaml:4: services.db: duplicate service name',
    ]);
  });

  it('an unknown key, a typo included', () => {
    expect(problems(yaml('services:', '  worker:', '    command: x', '    depend_on: [db]', '    image: x'))).toEqual([
      'stack.yaml:4: services.worker.depend_on: unknown key',
      'stack.yaml:5: services.worker.image: unknown key',
    ]);
    expect(
      problems(yaml('services:', '  a:', '    command: x', '    health: {http: "http://x/", intervall: 5}')),
    ).toEqual(['stack.yaml:4: services.a.health.intervall: unknown key']);
  });

  it('an unknown dependency, at its line', () => {
    expect(
      problems(yaml('services:', '  backend: {command: x}', '  worker:', '    command: y', '    depends_on: [bakend]')),
    ).toEqual(["stack.yaml:5: services.worker.depends_on: unknown service 'bakend'"]);
    expect(
      problems(
        yaml('services:', '  a:', '    command: y', '    depends_on:', '      ghost: {condition: service_started}'),
      ),
    ).toEqual(["stack.yaml:5: services.a.depends_on: unknown service 'ghost'"]);
  });

  it('a dependency cycle, named in order', () => {
    expect(
      problems(
        yaml(
          'services:',
          '  a: {command: x, depends_on: [b]}',
          '  b: {command: x, depends_on: [c]}',
          '  c: {command: x, depends_on: [a]}',
        ),
      ),
    ).toEqual(['stack.yaml:2: services.a.depends_on: dependency cycle: a → b → c → a']);
  });

  it('a self-dependency', () => {
    expect(problems(yaml('services:', '  a:', '    command: x', '    depends_on: [a]'))).toEqual([
      'stack.yaml:4: services.a.depends_on: depends on itself',
    ]);
  });

  it('a bad condition', () => {
    expect(
      problems(
        yaml(
          'services:',
          '  db: {command: x}',
          '  a:',
          '    command: x',
          '    depends_on:',
          '      db: {condition: service_completed_successfully}',
        ),
      ),
    ).toEqual(['stack.yaml:6: services.a.depends_on.db.condition: must be one of service_started, service_healthy']);
  });

  it('a bad duration', () => {
    expect(
      problems(
        yaml('services:', '  a:', '    command: x', '    stop_grace_period: 10s', '    health: {interval: .inf}'),
      ),
    ).toEqual([
      'stack.yaml:4: services.a.stop_grace_period: not a number of seconds (e.g. 5 or 0.5)',
      'stack.yaml:5: services.a.health.interval: not a number of seconds (e.g. 5 or 0.5)',
    ]);
  });

  it('a duration past its bound, worded as today in seconds', () => {
    expect(problems(yaml('services:', '  a:', '    command: x', '    stop_grace_period: 3601'))).toEqual([
      'stack.yaml:4: services.a.stop_grace_period: must be at most 3600 s',
    ]);
    expect(problems(yaml('services:', '  a:', '    command: x', '    health: {interval: 0.09, retries: 0}'))).toEqual([
      'stack.yaml:4: services.a.health.interval: must be at least 0.1 s',
      'stack.yaml:4: services.a.health.retries: must be at least 1',
    ]);
    expect(problems(yaml('services:', '  a:', '    command: x', '    restart: {max_attempts: 1.5}'))).toEqual([
      'stack.yaml:4: services.a.restart.max_attempts: must be a whole number',
    ]);
  });

  it('max_delay below delay', () => {
    expect(
      problems(yaml('services:', '  a:', '    command: x', '    restart:', '      delay: 10', '      max_delay: 5')),
    ).toEqual(['stack.yaml:6: services.a.restart.max_delay: 5 s is below restart.delay (10 s)']);
    expect(problems(yaml('services:', '  a:', '    command: x', '    restart: {delay: 60}'))).toEqual([
      'stack.yaml:4: services.a.restart.delay: 60 s is above the default max_delay (30 s); give restart.max_delay too',
    ]);
  });

  it('a bad restart policy', () => {
    expect(problems(yaml('services:', '  a: {command: x, restart: unless-stopped}'))).toEqual([
      'stack.yaml:2: services.a.restart.policy: must be one of always, on-failure, no',
    ]);
  });

  it('a bad stop signal: not a signal, or SIGKILL / SIGSTOP', () => {
    for (const signal of ['SIGFOO', 'SIGKILL', 'SIGSTOP', 'TERM', '15']) {
      expect(problems(yaml('services:', '  a:', '    command: x', `    stop_signal: ${signal}`))).toEqual([
        'stack.yaml:4: services.a.stop_signal: is not a signal a stop may send (e.g. SIGTERM, SIGINT)',
      ]);
    }
    for (const signal of ['SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGUSR2']) {
      expect(parse(yaml('services:', `  a: {command: x, stop_signal: ${signal}}`)).services[0]!.stopSignal).toBe(
        signal,
      );
    }
  });

  it('an empty or missing command', () => {
    for (const command of ['[]', '""', '"   "', '[""]']) {
      expect(problems(yaml('services:', '  a:', `    command: ${command}`))).toEqual([
        'stack.yaml:3: services.a.command: must not be empty',
      ]);
    }
    expect(problems(yaml('services:', '  a:', '    stop_signal: SIGINT'))).toEqual([
      'stack.yaml:2: services.a.command: is required (the executable and its arguments)',
    ]);
    expect(problems(yaml('services:', '  a: {command: [x, 1]}'))).toEqual([
      'stack.yaml:2: services.a.command: must be a list of strings or a string of words',
    ]);
  });

  it('shell operators in a command string (the rule of BACKEND_ARGS)', () => {
    for (const command of ['"./server && rm -rf /"', '"./server > log"', '"a | b"', '"a; b"']) {
      expect(problems(yaml('services:', '  a:', `    command: ${command}`))[0]).toMatch(
        /^stack\.yaml:3: services\.a\.command: contains a shell operator .*; give plain arguments$/,
      );
    }
    expect(
      problems(yaml('services:', '  a:', '    command: x', '    health: {command: "pg_isready || true"}'))[0],
    ).toMatch(/^stack\.yaml:4: services\.a\.health\.command: contains a shell operator/);
  });

  it('two primaries', () => {
    expect(
      problems(
        yaml('services:', '  a: {command: x, primary: true}', '  b: {command: x}', '  c: {command: x, primary: true}'),
      ),
    ).toEqual(['stack.yaml:4: services.c.primary: a second primary service (a is one)']);
  });

  it('health: a bad URL, a bad tcp target, two kinds at once', () => {
    expect(
      problems(
        yaml(
          'services:',
          '  a: {command: x, health: {http: "ftp://x/"}}',
          '  b: {command: x, health: {tcp: "localhost"}}',
          '  c: {command: x, health: {tcp: "localhost:65536"}}',
          '  d: {command: x, health: {postgres: "http://x/"}}',
          '  e: {command: x, health: {http: "http://x/", tcp: "x:1"}}',
        ),
      ),
    ).toEqual([
      'stack.yaml:2: services.a.health.http: must be an http:// or https:// URL',
      'stack.yaml:3: services.b.health.tcp: must be host:port (e.g. 127.0.0.1:5432), port 1–65535',
      'stack.yaml:4: services.c.health.tcp: must be host:port (e.g. 127.0.0.1:5432), port 1–65535',
      'stack.yaml:5: services.d.health.postgres: must be a postgres:// URL',
      'stack.yaml:6: services.e.health: give one of http, tcp, postgres, command',
    ]);
  });

  it('environment: bad names and values in both forms', () => {
    expect(
      problems(
        yaml(
          'services:',
          '  a:',
          '    command: x',
          '    environment:',
          '      1BAD: x',
          '      NULL_VALUE:',
          '      MAP: {a: 1}',
          '  b:',
          '    command: x',
          '    environment:',
          '      - GOOD=1',
          '      - NO_VALUE',
          '      - BAD-NAME=1',
        ),
      ),
    ).toEqual([
      'stack.yaml:5: services.a.environment.1BAD: is not a variable name ([A-Za-z_][A-Za-z0-9_]*)',
      'stack.yaml:6: services.a.environment.NULL_VALUE: must be text, a number or a boolean (NAME=value in the list form)',
      'stack.yaml:7: services.a.environment.MAP: must be text, a number or a boolean (NAME=value in the list form)',
      'stack.yaml:12: services.b.environment.NO_VALUE: must be text, a number or a boolean (NAME=value in the list form)',
      'stack.yaml:13: services.b.environment.BAD-NAME: is not a variable name ([A-Za-z_][A-Za-z0-9_]*)',
    ]);
    expect(problems(yaml('services:', '  a:', '    command: x', '    environment: [A=1, B=2, A=3]'))).toEqual([
      'stack.yaml:4: services.a.environment: A is given twice',
    ]);
  });

  it('every problem at once, in line order', () => {
    const lines = problems(
      yaml(
        'services:',
        '  backend:',
        '    command: ./server',
        '    depend_on: [db]',
        '    stop_grace_period: soon',
        '  worker:',
        '    command: "a | b"',
        '    stop_signal: SIGKILL',
      ),
    );
    expect(lines.map((l) => l.split(':')[1])).toEqual(['4', '5', '7', '8']);
  });

  it('reference and bound problems of several services at once', () => {
    expect(
      problems(
        yaml(
          'services:',
          '  a: {command: x, depends_on: [ghost], stop_grace_period: 4000}',
          '  b: {command: x, primary: true}',
          '  c: {command: x, primary: true, restart: {delay: 5, max_delay: 1}}',
        ),
      ),
    ).toEqual([
      "stack.yaml:2: services.a.depends_on: unknown service 'ghost'",
      'stack.yaml:2: services.a.stop_grace_period: must be at most 3600 s',
      'stack.yaml:4: services.c.primary: a second primary service (b is one)',
      'stack.yaml:4: services.c.restart.max_delay: 1 s is below restart.delay (5 s)',
    ]);
  });

  it(`at most ${MAX_STACK_SERVICES} services`, () => {
    const services = (n: number) => yaml('services:', ...Array.from({ length: n }, (_, i) => `  s${i}: {command: x}`));
    expect(parse(services(MAX_STACK_SERVICES)).services).toHaveLength(MAX_STACK_SERVICES);
    expect(problems(services(MAX_STACK_SERVICES + 1))).toEqual([
      `stack.yaml:1: services: may name at most ${MAX_STACK_SERVICES} services`,
    ]);
  });
});

describe('the user a service runs as', () => {
  const withUser = (user: string) => yaml('services:', '  a:', '    command: x', `    user: ${user}`);

  it('not root: only the supervisor’s own user, by name or uid', () => {
    expect(problems(withUser('site'), asUser)).toEqual([
      "stack.yaml:4: services.a.user: 'site' is not the supervisor's user (uid 1000); only a supervisor running as root can run a service as another user",
    ]);
    expect(problems(withUser('0'), asUser)[0]).toContain("'0' is not the supervisor's user");
    expect(parse(withUser('me'), asUser).services[0]!.user).toBe('me');
    expect(parse(withUser('1000'), asUser).services[0]!.user).toBe('1000');
  });

  it('root: any existing user', () => {
    expect(parse(withUser('site'), asRoot).services[0]!.user).toBe('site');
    expect(parse(withUser('4242'), asRoot).services[0]!.user).toBe('4242');
  });

  it('an unknown user or a name that is none', () => {
    expect(problems(withUser('nobody-here'), asRoot)).toEqual([
      "stack.yaml:4: services.a.user: unknown user 'nobody-here'",
    ]);
    expect(problems(withUser('"-rf"'), asRoot)).toEqual([
      "stack.yaml:4: services.a.user: '-rf' is not a user name or uid",
    ]);
    expect(problems(withUser('-1'), asRoot)).toEqual(['stack.yaml:4: services.a.user: must be a user name or a uid']);
    expect(problems(withUser('1.5'), asRoot)).toEqual(['stack.yaml:4: services.a.user: must be a user name or a uid']);
  });

  it('no users on the platform (Windows)', () => {
    expect(problems(withUser('me'), { ...asUser, currentUid: null })).toEqual([
      'stack.yaml:4: services.a.user: is not supported on this platform',
    ]);
  });

  it('the system lookup resolves real users through getent or id', () => {
    expect(systemUsers.uidOf('root')).toBe(0);
    expect(systemUsers.uidOf('no-such-user-4f2a')).toBeNull();
    expect(systemUsers.currentUid).toBe(process.getuid!());
  });
});

describe('refused inputs', () => {
  it(`an alias bomb (more than ${MAX_STACK_ALIASES} aliases) is refused`, () => {
    const bomb = yaml(
      'x-a: &a [l, l, l, l, l, l, l, l, l, l]',
      'x-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'x-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'x-d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'services: {a: {command: *d}}',
    );
    expect(problems(bomb)).toEqual([
      `stack.yaml:1: not accepted: Excessive alias count indicates a resource exhaustion attack (at most ${MAX_STACK_ALIASES} aliases)`,
    ]);
  });

  it('the alias budget at its bound: 99 uses of a plain anchor pass, 100 do not', () => {
    const uses = (n: number) =>
      yaml('x-v: &v x', `x-l: [${Array(n).fill('*v').join(', ')}]`, 'services: {a: {command: x}}');
    expect(parse(uses(MAX_STACK_ALIASES - 1)).services).toHaveLength(1);
    expect(problems(uses(MAX_STACK_ALIASES))[0]).toContain('Excessive alias count');
  });

  it(`a text over ${MAX_STACK_FILE_BYTES} bytes is refused, one at the bound is read`, () => {
    const head = yaml('services:', '  a: {command: x}');
    const pad = (size: number) => head + '#'.repeat(size - head.length - 1) + '\n';
    expect(parse(pad(MAX_STACK_FILE_BYTES)).services).toHaveLength(1);
    expect(() => parse(pad(MAX_STACK_FILE_BYTES + 1))).toThrow(
      /^stack\.yaml: is 1048577 bytes; a stack file may have at most 1048576/,
    );
  });
});

describe('loadStackFile', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'stack-file-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('names a missing file', () => {
    const path = join(dir, 'missing.yaml');
    expect(() => loadStackFile(path, base)).toThrow(ConfigError);
    expect(() => loadStackFile(path, base)).toThrow(`${path}: cannot read the stack file: no such file`);
  });

  it('names a folder given as the file', () => {
    expect(() => loadStackFile(dir, base)).toThrow(`${dir}: cannot read the stack file: not a regular file`);
  });

  it('refuses a FIFO at once instead of waiting for a writer', () => {
    const fifo = join(dir, 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    expect(() => loadStackFile(fifo, base)).toThrow(`${fifo}: cannot read the stack file: not a regular file`);
  });

  it('refuses a file over 1 MiB and reads one at the bound', () => {
    const head = yaml('services:', '  a: {command: x}');
    const at = write('at.yaml', head + '#'.repeat(MAX_STACK_FILE_BYTES - head.length - 1) + '\n');
    expect(loadStackFile(at, base).services[0]!.config.workingDir).toBe(dir);
    const over = write('over.yaml', head + '#'.repeat(MAX_STACK_FILE_BYTES - head.length) + '\n');
    expect(() => loadStackFile(over, base)).toThrow(`${over}: is over 1048576 bytes (1 MiB)`);
  });

  it('names the file as given in each problem', () => {
    const path = write('bad.yaml', yaml('services:', '  a: {command: x, depends_on: [b]}'));
    expect(() => loadStackFile(path, base)).toThrow(`${path}:2: services.a.depends_on: unknown service 'b'`);
  });
});

describe('envStack', () => {
  it('is one primary service named backend, from the config as is', () => {
    const config = { ...base, backendUrl: 'http://127.0.0.1:9000', healthCheckPath: '/ready?x=1', autoRestart: false };
    const stack = envStack(config);
    expect(stack).toEqual({
      file: null,
      services: [
        {
          name: 'backend',
          primary: true,
          config,
          health: { kind: 'http', url: 'http://127.0.0.1:9000/ready?x=1' },
          restartPolicy: 'no',
          stopSignal: 'SIGTERM',
          user: null,
          dependsOn: [],
        },
      ],
    });
    expect(envStack(base).services[0]!.restartPolicy).toBe('always');
  });
});
