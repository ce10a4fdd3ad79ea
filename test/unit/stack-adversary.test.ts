/**
 * The stack file and its editor against a careless or hostile author: YAML's corners (tags,
 * merge keys, keys that read alike, numbers that do not read back as typed), text that no
 * process can be given (NUL, lone surrogates), and a path that is not a plain file.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  lstatSync,
  writeFileSync,
  truncateSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/main/core/config';
import { ConfigError } from '../../src/main/core/errors';
import { SettingsError } from '../../src/main/core/settings/settings-errors';
import { parseStackText, type UserLookup } from '../../src/main/core/stack/stack-file';
import { StackFileEditor } from '../../src/main/core/stack/stack-file-editor';
import { loadStack } from '../../src/main/core/stack/stack-location';
import { CommandProbe } from '../../src/main/core/probes/command-probe';
import { parseTcpTarget } from '../../src/main/core/probes/tcp-probe';
import { createServiceProbe, healthTargetOf } from '../../src/main/core/probes/service-probe';
import { userIdsOf } from '../../src/main/core/stack/service-user';
import { tempDir, testConfig } from '../helpers/supervise';

const base = loadConfig({ SUPERVISOR_DATA_DIR: '/tmp/stack-adversary-test' }, { command: '/bin/true' });
const asRoot: UserLookup = { currentUid: 0, uidOf: (n) => ({ me: 1000 })[n] ?? null };

function parse(text: string) {
  return parseStackText(text, 'stack.yaml', '/srv/site', base, { users: asRoot });
}

/** The problem lines of a text that must be refused. */
function problems(text: string): string[] {
  try {
    parse(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message.split('\n');
  }
  throw new Error('the text was accepted');
}

const one = (extra: string): string => `services:\n  a:\n    command: /bin/true\n${extra}`;

describe('stack file: keys that read alike', () => {
  it('refuses 1 and "1" as two services (one would be dropped unseen)', () => {
    expect(problems('services:\n  1:\n    command: /bin/true\n  "1":\n    command: /bin/false\n')).toEqual([
      'stack.yaml:4: services.1: duplicate service name',
    ]);
  });

  it('refuses true and "true" as two environment names', () => {
    expect(problems(one('    environment:\n      true: 1\n      "true": 2\n'))).toEqual([
      'stack.yaml:6: services.a.environment.true: duplicate key',
    ]);
  });

  it('refuses a __proto__ key instead of dropping it (environment, depends_on, services)', () => {
    expect(problems(one('    environment:\n      __proto__: x\n      B: y\n'))).toEqual([
      'stack.yaml:5: services.a.environment.__proto__: is a name a stack file may not use',
    ]);
    expect(problems(one('    environment:\n      - __proto__=x\n'))).toEqual([
      'stack.yaml:5: services.a.environment.__proto__: is a name a stack file may not use',
    ]);
    expect(problems(one('    depends_on:\n      __proto__: {condition: service_started}\n'))).toEqual([
      'stack.yaml:5: services.a.depends_on.__proto__: is a name a stack file may not use',
    ]);
    expect(problems('services:\n  __proto__:\n    command: /bin/true\n  a:\n    command: /bin/true\n')).toEqual([
      'stack.yaml:2: services.__proto__: is a name a stack file may not use',
    ]);
  });

  it('takes constructor and hasOwnProperty as the plain names they are', () => {
    const env = parse(one('    environment:\n      constructor: x\n      hasOwnProperty: y\n')).services[0]!.config.env;
    expect(env).toEqual({ constructor: 'x', hasOwnProperty: 'y' });
  });
});

describe('stack file: environment values as typed', () => {
  it('keeps a number-like value as written (1.10, 02134, 0x10, 1e3, True)', () => {
    const env = parse(
      one('    environment:\n      V: 1.10\n      Z: 02134\n      H: 0x10\n      E: 1e3\n      B: True\n'),
    ).services[0]!.config.env;
    expect(env).toEqual({ V: '1.10', Z: '02134', H: '0x10', E: '1e3', B: 'True' });
  });

  it('keeps a quoted value and a plain word as they are', () => {
    const env = parse(one('    environment:\n      Q: "1.10"\n      W: no\n      N: 5\n')).services[0]!.config.env;
    expect(env).toEqual({ Q: '1.10', W: 'no', N: '5' });
  });
});

describe('stack file: a tcp check', () => {
  it('refuses a host the probe could not read back (a path, a user, a query), so no check fails forever', () => {
    for (const target of ['a/b:5432', 'user@db:5432', 'db?x:5432', 'db#x:5432', 'db%20:5432']) {
      expect(problems(one(`    health:\n      tcp: "${target}"\n`)), target).toEqual([
        'stack.yaml:5: services.a.health.tcp: must be host:port (e.g. 127.0.0.1:5432), port 1–65535',
      ]);
    }
  });

  it('every target it takes is one the probe connects to as written', () => {
    for (const [target, host, port] of [
      ['127.0.0.1:5432', '127.0.0.1', 5432],
      ['db.internal:1', 'db.internal', 1],
      ['[::1]:65535', '::1', 65535],
      ['my_db:6379', 'my_db', 6379],
    ] as const) {
      const health = parse(one(`    health:\n      tcp: "${target}"\n`)).services[0]!.health;
      expect(health).toEqual({ kind: 'tcp', host, port });
      expect(parseTcpTarget(healthTargetOf(health))).toEqual({ host, port });
    }
    // An IPv6 address is taken as written; the probe reads back the same address, normalised.
    const mapped = parse(one('    health:\n      tcp: "[::ffff:127.0.0.1]:5432"\n')).services[0]!.health;
    expect(parseTcpTarget(healthTargetOf(mapped))).toEqual({ host: '::ffff:7f00:1', port: 5432 });
  });
});

describe('stack file: how a problem names its place', () => {
  it('shows an empty key as "" (not services.a.: …)', () => {
    expect(problems(one('    "": 1\n'))).toEqual(['stack.yaml:4: services.a."": unknown key']);
  });

  it('a duplicate key nested past the depth bound is one short line, not a path of 300 keys', () => {
    const text = `x-a: ${'{a: '.repeat(300)}{b: 1, b: 2}${'}'.repeat(300)}\n${one('')}`;
    expect(problems(text)).toEqual(['stack.yaml:1: not valid YAML: nested too deeply (at most 64 levels)']);
  });
});

describe('stack file: the environment list form', () => {
  it('refuses a map or a list as an item, by its place in the list, not as "[object Object]"', () => {
    expect(problems(one('    environment:\n      - K=V\n      - {A: B}\n      - [C]\n'))).toEqual([
      'stack.yaml:6: services.a.environment.1: must be NAME=value',
      'stack.yaml:7: services.a.environment.2: must be NAME=value',
    ]);
  });
});

describe('stack file: tags and merge keys', () => {
  it('refuses a tag it does not know (!!js/function, !custom) instead of ignoring it', () => {
    expect(problems(one('    environment:\n      A: !!js/function "function(){}"\n'))).toEqual([
      'stack.yaml:5: not valid YAML: Unresolved tag: tag:yaml.org,2002:js/function',
    ]);
    expect(problems(one('    environment:\n      A: !custom bar\n'))).toEqual([
      'stack.yaml:5: not valid YAML: Unresolved tag: !custom',
    ]);
  });

  it('takes a merge key (<<: *anchor) as Compose does, the entry own keys winning', () => {
    const def = parse(
      'x-base: &base\n  command: /bin/true\n  stop_grace_period: 3\nservices:\n  a:\n    <<: *base\n    stop_grace_period: 4\n  b:\n    <<: *base\n',
    );
    expect(def.services.map((s) => [s.name, s.config.command, s.config.stopTimeoutMs])).toEqual([
      ['a', '/bin/true', 4000],
      ['b', '/bin/true', 3000],
    ]);
  });

  it('refuses restart: false (a boolean) with the field and the choices', () => {
    expect(problems(one('    restart: false\n'))).toEqual([
      'stack.yaml:4: services.a.restart: must be one of always, on-failure, no, or a map of policy, max_attempts, delay…',
    ]);
    expect(parse(one('    restart: no\n')).services[0]!.restartPolicy).toBe('no');
  });
});

describe('stack file: text no process can be given', () => {
  it('refuses a NUL character in an argument, the command, an environment value or working_dir', () => {
    expect(problems('services:\n  a:\n    command: ["/bin/echo", "a\\0b"]\n')).toEqual([
      'stack.yaml:3: services.a.command.1: must not hold a NUL character',
    ]);
    expect(problems('services:\n  a:\n    command: "/bin/ec\\0ho"\n')).toEqual([
      'stack.yaml:3: services.a.command: must not hold a NUL character',
    ]);
    expect(problems(one('    environment:\n      A: "x\\0y"\n'))).toEqual([
      'stack.yaml:5: services.a.environment.A: must not hold a NUL character',
    ]);
    expect(problems(one('    working_dir: "/tm\\0p"\n'))).toEqual([
      'stack.yaml:4: services.a.working_dir: must not hold a NUL character',
    ]);
  });

  it('refuses a lone surrogate (text that is not Unicode)', () => {
    expect(problems(one('    environment:\n      A: "\\uD800"\n'))).toEqual([
      'stack.yaml:5: services.a.environment.A: is not valid Unicode text (a lone surrogate)',
    ]);
  });

  it('refuses a uid a process cannot be given (above 2147483647), takes the largest one', () => {
    expect(problems(one('    user: 2147483648\n'))).toEqual([
      'stack.yaml:4: services.a.user: uid 2147483648 is above the largest uid, 2147483647',
    ]);
    expect(problems(one('    user: "4294967296"\n'))).toEqual([
      'stack.yaml:4: services.a.user: uid 4294967296 is above the largest uid, 2147483647',
    ]);
    expect(parse(one('    user: 2147483647\n')).services[0]!.user).toBe('2147483647');
  });

  it('refuses very deep nesting with one clear line, not a stack overflow', () => {
    const lines = problems(one(`    environment: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^stack\.yaml:4: not valid YAML: nested too deeply/);
  });

  it('takes 10,000 arguments, a BOM and CRLF line ends', () => {
    const args = Array.from({ length: 10_000 }, (_, i) => `"${i}"`).join(', ');
    expect(parse(`services:\n  a:\n    command: [/bin/echo, ${args}]\n`).services[0]!.config.args).toHaveLength(10_000);
    expect(parse(`\uFEFF${one('    restart: "no"\n').replace(/\n/g, '\r\n')}`).services[0]!.restartPolicy).toBe('no');
  });

  it('reads durations in seconds: 1e3 is 1000 s; -1, .inf, .nan and 10s are refused', () => {
    expect(parse(one('    stop_grace_period: 1e3\n')).services[0]!.config.stopTimeoutMs).toBe(1_000_000);
    for (const bad of ['-1', '.inf', '.nan', '10s']) {
      expect(problems(one(`    stop_grace_period: ${bad}\n`))).toHaveLength(1);
    }
  });
});

// ---- the editor ---------------------------------------------------------------------------

const GOOD = 'services:\n  a:\n    command: [/bin/sleep, "100"]\n';

function editorAt(path: string): StackFileEditor {
  return new StackFileEditor(path, false, () => testConfig(1));
}

/** The SettingsError a call throws. */
function refusal(call: () => unknown): SettingsError {
  try {
    call();
  } catch (err) {
    expect(err).toBeInstanceOf(SettingsError);
    return err as SettingsError;
  }
  throw new Error('the call did not throw');
}

describe('stack file editor: what is at the path', () => {
  it('does not block on a FIFO at the path: get() refuses it at once', () => {
    const dir = tempDir();
    const path = join(dir, 'stack.yaml');
    execFileSync('mkfifo', [path]);
    // A writer that would end a blocked read after 3 s; the read must not wait for it.
    const writer = spawn('sh', ['-c', `sleep 3; printf x > '${path}'`], { stdio: 'ignore' });
    try {
      const started = performance.now();
      const err = refusal(() => editorAt(path).get());
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(err.code).toBe('STACK_FILE_INVALID');
      expect(err.message).toBe(`${path}: cannot read the stack file: not a regular file`);
    } finally {
      writer.kill('SIGKILL');
    }
  });

  it('refuses a file over 1 MiB on disk without reading it all (no text cut short to be saved back)', () => {
    const path = join(tempDir(), 'stack.yaml');
    writeFileSync(path, GOOD);
    truncateSync(path, 64 * 1024 * 1024); // sparse: 64 MiB of NULs
    const err = refusal(() => editorAt(path).get());
    expect(err.code).toBe('STACK_FILE_INVALID');
    expect(err.message).toBe(`${path}: is over 1048576 bytes (1 MiB), the most a stack file may have`);
  });

  it('reads a file of exactly 1 MiB', () => {
    const path = join(tempDir(), 'stack.yaml');
    writeFileSync(path, GOOD + '#'.repeat(1024 * 1024 - GOOD.length));
    expect(editorAt(path).get().services).toEqual(['a']);
  });

  it('answers a directory at the path with a typed error, on get and on save', () => {
    const path = join(tempDir(), 'stack.yaml');
    mkdirSync(path);
    expect(refusal(() => editorAt(path).get()).message).toBe(`${path}: cannot read the stack file: not a regular file`);
    const save = refusal(() => editorAt(path).save(GOOD));
    expect(save.code).toBe('STACK_FILE_INVALID');
    expect(save.message).toMatch(new RegExp(`^${path}: cannot save the stack file: `));
    expect(statSync(path).isDirectory()).toBe(true);
    expect(readdirSync(path)).toEqual([]);
    expect(readdirSync(join(path, '..'))).toEqual(['stack.yaml']); // no temporary file left
  });

  it('answers a folder it may not write in with a typed error and leaves nothing behind', () => {
    // Root writes in a 0500 folder: /proc is one where no one creates files.
    const asRoot = process.getuid?.() === 0;
    const dir = asRoot ? '/proc' : tempDir();
    const path = join(dir, 'stack.yaml');
    const before = readdirSync(dir);
    if (!asRoot) chmodSync(dir, 0o500);
    try {
      const err = refusal(() => editorAt(path).save(GOOD));
      expect(err.code).toBe('STACK_FILE_INVALID');
      expect(err.message).toMatch(new RegExp(`^${path}: cannot save the stack file: (EACCES|ENOENT)`));
    } finally {
      if (!asRoot) chmodSync(dir, 0o700);
    }
    expect(readdirSync(dir).filter((f) => f.startsWith('stack.yaml'))).toEqual(
      before.filter((f) => f.startsWith('stack.yaml')),
    );
  });
});

describe('stack file editor: the temporary file', () => {
  it('never writes through a symlink planted at the temporary name', () => {
    const dir = tempDir();
    const path = join(dir, 'stack.yaml');
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, `${path}.${process.pid}.tmp`);
    editorAt(path).save(GOOD);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(path).isFile()).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(GOOD);
  });

  it('saves 0600 even over a stale temporary file that was 0644', () => {
    const dir = tempDir();
    const path = join(dir, 'stack.yaml');
    writeFileSync(`${path}.${process.pid}.tmp`, 'stale', { mode: 0o644 });
    chmodSync(`${path}.${process.pid}.tmp`, 0o644);
    editorAt(path).save(GOOD);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('replaces a symlink at the path with the file, leaving what it pointed at alone', () => {
    const dir = tempDir();
    const path = join(dir, 'stack.yaml');
    const target = join(dir, 'elsewhere.yaml');
    writeFileSync(target, GOOD);
    symlinkSync(target, path);
    editorAt(path).save(GOOD.replace('100', '200'));
    expect(readFileSync(target, 'utf8')).toBe(GOOD);
    expect(lstatSync(path).isFile()).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('two saves one after the other: the last wins, no temporary file is left', () => {
    const dir = tempDir();
    const path = join(dir, 'stack.yaml');
    const e = editorAt(path);
    e.save(GOOD);
    e.save(GOOD.replace('100', '300'));
    expect(readFileSync(path, 'utf8')).toContain('"300"');
    expect(readdirSync(dir)).toEqual(['stack.yaml']);
  });
});

describe('stack file editor: the text', () => {
  it('refuses a text with a lone surrogate (it would be saved as something else)', () => {
    const path = join(tempDir(), 'stack.yaml');
    const err = refusal(() => editorAt(path).save(`${GOOD}# \uD800\n`));
    expect(err.code).toBe('STACK_FILE_INVALID');
    expect(err.message).toBe(`${path}: is not valid Unicode text (a lone surrogate)`);
    expect(existsSync(path)).toBe(false);
  });

  it('saves CRLF and a BOM as given, and reads them back', () => {
    const path = join(tempDir(), 'stack.yaml');
    const text = `\uFEFF${GOOD.replace(/\n/g, '\r\n')}`;
    const view = editorAt(path).save(text);
    expect(view.services).toEqual(['a']);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('refuses a NUL byte in a value with its line', () => {
    const path = join(tempDir(), 'stack.yaml');
    const err = refusal(() => editorAt(path).save('services:\n  a:\n    command: ["/bin/echo", "a\\0b"]\n'));
    expect(err.message).toBe(`${path}:3: services.a.command.1: must not hold a NUL character`);
  });
});

describe('stack file: secrets and where the file is', () => {
  it('refuses an http health URL with a user or password (the probe sends none; they would be dropped unseen)', () => {
    expect(problems(one('    health:\n      http: "http://admin:secret@127.0.0.1:8080/health"\n'))).toEqual([
      'stack.yaml:5: services.a.health.http: must not hold a user or password (the probe sends none)',
    ]);
  });

  it('masks the argument after --password (or --pass) in the shown command of a check', () => {
    expect(healthTargetOf({ kind: 'command', argv: ['mysqladmin', '--password', 's3cret', 'ping'] })).toBe(
      "command: mysqladmin --password '***' ping",
    );
    expect(healthTargetOf({ kind: 'command', argv: ['tool', '--pass', 's3cret'] })).toBe("command: tool --pass '***'");
    expect(healthTargetOf({ kind: 'command', argv: ['tool', '--db-password', 's3cret'] })).toBe(
      "command: tool --db-password '***'",
    );
    // Not a password option: left as it is.
    expect(healthTargetOf({ kind: 'command', argv: ['tool', '--port', '5432'] })).toBe('command: tool --port 5432');
  });

  it('a dangling symlink at <data folder>/stack.yaml is an error, not silently the environment stack', async () => {
    const dir = tempDir();
    symlinkSync(join(dir, 'gone.yaml'), join(dir, 'stack.yaml'));
    const config = testConfig(1, { dataDir: dir });
    await expect(loadStack(config, {})).rejects.toThrow(
      `${join(dir, 'stack.yaml')}: cannot read the stack file: no such file`,
    );
  });
});

describe.runIf(process.getuid?.() === 0 && userIdsOf('nobody') !== null)(
  'a command check of a service with `user`',
  () => {
    const nobody = userIdsOf('nobody')!;
    const asNobody = ['/bin/sh', '-c', `test "$(id -u)" = ${nobody.uid} && test "$(id -g)" = ${nobody.gid}`];

    it('runs as the service user, not as the root supervisor', async () => {
      const probe = createServiceProbe(
        { kind: 'command', argv: asNobody },
        { http: null as never, cwd: '/', env: { PATH: '/usr/bin:/bin' }, user: nobody },
      )!;
      const outcome = await probe.probe('', 5_000);
      await probe.close();
      expect(outcome.error).toBeNull();
      expect(outcome.ok).toBe(true);
    });

    it('without a user it runs as the supervisor', async () => {
      const probe = new CommandProbe(asNobody, '/', { PATH: '/usr/bin:/bin' });
      const outcome = await probe.probe('', 5_000);
      expect(outcome.ok).toBe(false);
    });
  },
);

describe('stack file editor: two processes saving at once', () => {
  it('the file is always one whole text or the other, and no temporary file is left', async () => {
    const dir = tempDir();
    const path = join(dir, 'stack.yaml');
    const editorModule = join(import.meta.dirname, '..', '..', 'src', 'main', 'core', 'stack', 'stack-file-editor.ts');
    const helpers = join(import.meta.dirname, '..', 'helpers', 'supervise.ts');
    const script = join(dir, 'saver.mts');
    writeFileSync(
      script,
      `import { StackFileEditor } from ${JSON.stringify(editorModule)};
import { testConfig } from ${JSON.stringify(helpers)};
const e = new StackFileEditor(${JSON.stringify(path)}, false, () => testConfig(1));
const text = 'services:\\n  a:\\n    command: [/bin/sleep, "' + process.argv[2] + '"]\\n' + '#'.repeat(200_000) + '\\n';
for (let i = 0; i < 40; i++) e.save(text);
`,
    );
    const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');
    const run = (n: string) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(tsx, [script, n], { stdio: ['ignore', 'ignore', 'inherit'] });
        child.once('exit', resolve);
      });
    let reads = 0;
    let stop = false;
    const reader = (async () => {
      while (!stop) {
        if (existsSync(path)) {
          const text = readFileSync(path, 'utf8');
          expect(text).toMatch(/^services:\n {2}a:\n {4}command: \[\/bin\/sleep, "(111|222)"\]\n#{200000}\n$/);
          reads++;
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    const codes = await Promise.all([run('111'), run('222')]);
    stop = true;
    await reader;
    expect(codes).toEqual([0, 0]);
    expect(reads).toBeGreaterThan(0);
    expect(readdirSync(dir).sort()).toEqual(['saver.mts', 'stack.yaml']);
  }, 60_000);
});

describe('reserved service names', () => {
  it("refuses a service named supervisor (its log file would be the supervisor's own)", () => {
    const base = testConfig(1);
    expect(() => parseStackText('services:\n  supervisor:\n    command: /bin/true\n', 'stack.yaml', '/', base)).toThrow(
      /stack\.yaml:2: services\.supervisor: is reserved/,
    );
  });
});
