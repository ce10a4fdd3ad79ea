// The command-line client against a real `serve` (a stack of real fault backends): each
// command, each exit code, the control URL and token found in the data folder by themselves,
// and `logs -f` ended by SIGINT with exit 0.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/shared/incident';
import type { ServiceStatus } from '../../src/shared/services';
import { startHeadless, type HeadlessServer } from '../helpers/headless-server';
import { fixtureStackText, spawnsOf, type FixtureService } from '../helpers/stack';
import { privateBuild } from '../helpers/cli-build';
import { freePort, pollUntil, tempDir } from '../helpers/supervise';

let BIN: string;

/** The test's environment without anything that would point the client elsewhere. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(CONTROL_|BACKEND_SUPERVISOR_|SUPERVISOR_DATA_DIR$|NO_COLOR$|FORCE_COLOR$)/.test(k))
      continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let server: HeadlessServer;
let dataDir: string;
let stackDir: string;
let services: Record<string, FixtureService>;
const dirs: string[] = [];

/** Runs the client with the data folder of the test's serve (and nothing else to find it by). */
function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: cleanEnv({ SUPERVISOR_DATA_DIR: dataDir, ...extraEnv }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

async function statusOf(name: string): Promise<ServiceStatus> {
  const run = await cli(['status', name, '--json']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as ServiceStatus;
}

beforeAll(async () => {
  BIN = await privateBuild('bsup-cli-build-', dirs);
  stackDir = tempDir('bsup-cli-stack-');
  dirs.push(stackDir);
  const fixture = await fixtureStackText(stackDir, {
    db: {},
    backend: { depends_on: { db: { condition: 'service_healthy' } } },
    // Answers its health check 500: every start fails (an incident), and no policy restarts it.
    broken: { env: { HEALTH_STATUS: '500' }, restart: 'no', health: { startup_timeout: 3 } },
  });
  services = fixture.services;
  const stackFile = join(stackDir, 'stack.json');
  writeFileSync(stackFile, fixture.text);
  dataDir = tempDir('bsup-cli-data-');
  dirs.push(dataDir);
  // No CONTROL_TOKEN: serve writes the token files into the data folder, where the client reads them.
  server = await startHeadless({ CONTROL_TOKEN: '', SUPERVISOR_DATA_DIR: dataDir, BACKEND_STACK_FILE: stackFile });
  await pollUntil(
    async () => {
      const run = await cli(['status', '--json']);
      if (run.code !== 0) return false;
      const list = JSON.parse(run.stdout) as ServiceStatus[];
      const state = Object.fromEntries(list.map((s) => [s.name, s.status]));
      return state.db === 'running' && state.backend === 'running' && state.broken === 'crashed';
    },
    30_000,
    200,
    'db and backend running, broken crashed',
  );
});

afterAll(async () => {
  await server?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the command-line client against a real serve', () => {
  it('the bare command prints the help and exits 0 (it starts no server); help <command> prints that one', async () => {
    const bare = await cli([]);
    expect(bare.code).toBe(0);
    expect(bare.stdout).toContain('Usage: backend-supervisor <command> [options]');
    for (const command of ['serve', 'status', 'services', 'start', 'stop', 'restart', 'logs', 'incidents', 'reload']) {
      expect(bare.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    expect(bare.stdout).toContain('3 no supervisor could be reached');
    const help = await cli(['help', 'logs']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: backend-supervisor logs [service] [-f] [-n N] [--since 10m] [--json]');
    expect((await cli(['logs', '--help'])).stdout).toBe(help.stdout);
    const serveHelp = (await cli(['serve', '--help'])).stdout;
    expect(serveHelp).toContain('Usage: backend-supervisor serve [options]');
    expect(serveHelp.replace(/\s+/g, ' ')).toContain('talk to a running one: see backend-supervisor --help');
    expect(serveHelp).toMatch(/^ {2}SUPERVISOR_DATA_DIR +the supervisor's data folder$/m);
  });

  it('status: a table of every service, found through <data dir>/control-url and control-token alone', async () => {
    const run = await cli(['status']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SERVICE\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+HEALTH\s+INFO$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2))).toEqual([
      ['db', 'running'],
      ['backend', 'running'],
      ['broken', 'crashed'],
    ]);
    // Aligned: every row's STATE starts in the header's STATE column.
    const at = lines[0]!.indexOf('STATE');
    for (const line of lines.slice(1)) expect(line.slice(at)).toMatch(/^(running|crashed)/);
    // The pid shown is the process the fixture wrote at its start.
    const db = lines.find((l) => l.startsWith('db'))!;
    expect(db.split(/\s+/)[2]).toBe(String(spawnsOf(services.db!).at(-1)!.pid));
    // Not a terminal: no colour codes.
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('status <service> in detail, --json as the API answers; colour with FORCE_COLOR, none with NO_COLOR', async () => {
    const detail = await cli(['status', 'backend']);
    expect(detail.code).toBe(0);
    expect(detail.stdout).toMatch(/^backend \(primary\)\n/);
    expect(detail.stdout).toMatch(/^ {2}state\s+running$/m);
    expect(detail.stdout).toMatch(/^ {2}depends on\s+db \(service_healthy\)$/m);
    const json = await statusOf('backend');
    expect(json).toMatchObject({ name: 'backend', primary: true, status: 'running' });
    const coloured = await cli(['status'], { FORCE_COLOR: '1' });
    expect(coloured.stdout).toContain('\u001b[32mrunning\u001b[0m');
    expect(coloured.stdout).toContain('\u001b[31mcrashed\u001b[0m');
    expect((await cli(['status'], { NO_COLOR: '1' })).stdout).not.toContain('\u001b[');
  });

  it('services: dependencies and health checks; -q only the names', async () => {
    const run = await cli(['services']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^backend\s+yes\s+db \(healthy\)\s+http http:\/\/127\.0\.0\.1:\d+\/health$/m);
    const quiet = await cli(['services', '-q']);
    expect(quiet.stdout).toBe('db\nbackend\nbroken\n');
  });

  it('restart <service>: a new process, exit 0; stop and start one, and the primary by default', async () => {
    const before = await statusOf('db');
    const restart = await cli(['restart', 'db']);
    expect(restart.code, restart.stderr).toBe(0);
    const after = await statusOf('db');
    expect(after.status).toBe('running');
    expect(after.pid).not.toBe(before.pid);
    expect(restart.stdout).toBe(`db: Backend restarted successfully (running, pid ${after.pid})\n`);

    const stop = await cli(['stop']); // the primary: backend
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toMatch(/^backend: .* \(stopped\)$/m);
    expect((await statusOf('backend')).status).toBe('stopped');
    const start = await cli(['start', 'backend']);
    expect(start.code, start.stderr).toBe(0);
    expect((await statusOf('backend')).status).toBe('running');
  });

  it('a command the supervisor fails exits 1 with its reason: an unknown service, a start that fails, --all with one failing', async () => {
    const unknown = await cli(['start', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no service "nope"');
    expect(unknown.stderr).toContain('UNKNOWN_SERVICE');
    const unknownStatus = await cli(['status', 'nope']);
    expect(unknownStatus.code).toBe(1);
    expect(unknownStatus.stdout).toBe('');
    expect(unknownStatus.stderr).toContain('UNKNOWN_SERVICE');
    expect((await cli(['logs', 'nope'])).code).toBe(1);

    const broken = await cli(['start', 'broken']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^backend-supervisor: broken: .*fail.* \((crashed|stopped)/m);

    const all = await cli(['restart', '--all']);
    expect(all.code).toBe(1);
    // Each service's line first, then why it failed.
    expect(all.stdout).toMatch(/^db: .*\(running, pid \d+\)$/m);
    expect(all.stdout).toMatch(/^backend: .*\(running, pid \d+\)$/m);
    expect(all.stderr).toContain('broken:');
  });

  it('usage errors exit 2 and name the help to read', async () => {
    for (const args of [
      ['status', '--bogus'],
      ['logs', '-n', 'many'],
      ['logs', '--since', 'yesterday-ish'],
      ['start', 'db', '--all'],
      ['status', 'Not_A_Name'],
      ['status', 'db', 'backend'],
      ['completion', 'fish'],
      ['frobnicate'],
      ['--no-start'],
    ]) {
      const run = await cli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout, args.join(' ')).toBe('');
      expect(run.stderr, args.join(' ')).toMatch(/^backend-supervisor: /);
    }
    expect((await cli(['logs', '-n', 'many'])).stderr).toContain('(see backend-supervisor logs --help)');
  });

  it("the messages follow the shell's language: Russian with LANG=ru_RU.UTF-8, English with LANG=C", async () => {
    const ru = { LANG: 'ru_RU.UTF-8', LC_ALL: '', LC_MESSAGES: '' };
    const c = { LANG: 'C', LC_ALL: '', LC_MESSAGES: '' };
    const help = await cli([], ru);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Использование: backend-supervisor <command> [options]');
    expect(help.stdout).toMatch(/^ {2}reload \[--dry-run\] +перечитать настройки/m);
    expect((await cli(['reload', '--help'], ru)).stdout).toContain('--dry-run');
    expect((await cli([], c)).stdout).toContain('Usage: backend-supervisor <command> [options]');
    // serve's own help too: its prose, options and the environment it reads.
    const serveHelp = await cli(['serve', '--help'], ru);
    expect(serveHelp.stdout).toContain('Использование: backend-supervisor serve [options]');
    expect(serveHelp.stdout).toMatch(/^ {2}--no-start +не запускать бэкенд при старте$/m);
    expect(serveHelp.stdout).toMatch(/^ {2}STOP_TIMEOUT +секунды между SIGTERM и SIGKILL$/m);
    expect(serveHelp.stdout).not.toMatch(/seconds|the help/);

    const usage = await cli(['logs', '-n', 'many'], ru);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(
      /^backend-supervisor: -n many: укажите целое число строк от 0 до 100\s000\n\(см\. backend-supervisor logs --help\)\n$/,
    );
    expect((await cli(['logs', '-n', 'many'], c)).stderr).toContain('give a whole number of lines');
    expect((await cli(['frobnicate'], ru)).stderr).toMatch(
      /^backend-supervisor: неизвестная команда «frobnicate» \(команды: serve, status,/,
    );
    expect((await cli(['--no-start'], ru)).stderr).toMatch(/^backend-supervisor: укажите команду: serve, status,/);
    expect((await cli(['frobnicate'], c)).stderr).toMatch(/^backend-supervisor: unknown command "frobnicate"/);

    // serve's own options refused as the client's are: in Russian, one line naming serve's help.
    const unknown = await cli(['serve', '--bogus'], ru);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      'backend-supervisor: неизвестный параметр --bogus (см. backend-supervisor serve --help)\n',
    );
    expect((await cli(['serve', '--control-port'], ru)).stderr).toBe(
      'backend-supervisor: параметру --control-port нужно значение (см. backend-supervisor serve --help)\n',
    );
    expect((await cli(['serve', '--bogus'], c)).stderr).toBe(
      'backend-supervisor: unknown option --bogus (see backend-supervisor serve --help)\n',
    );

    const port = await freePort();
    const refused = await cli(['status', '--url', `http://127.0.0.1:${port}`], ru);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(
      `не удаётся связаться с супервизором по адресу http://127.0.0.1:${port}: в соединении отказано`,
    );
    const english = await cli(['status', '--url', `http://127.0.0.1:${port}`], c);
    expect(english.stderr).toContain('connection refused');

    const dry = await cli(['reload', '--dry-run'], ru);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toBe('ничего не изменилось\n');
    expect((await cli(['reload', '--dry-run'], c)).stdout).toBe('nothing changed\n');
  });

  it('no supervisor reached exits 3: nobody on the port, a data folder no supervisor uses, something else answering', async () => {
    const port = await freePort();
    const refused = await cli(['status', '--url', `http://127.0.0.1:${port}`]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`cannot reach the supervisor at http://127.0.0.1:${port}: connection refused`);

    const empty = tempDir('bsup-cli-empty-');
    dirs.push(empty);
    const none = await cli(['status'], { SUPERVISOR_DATA_DIR: empty });
    expect(none.code).toBe(3);
    expect(none.stderr).toContain(`no supervisor found: no token in ${empty}`);

    // The URL from the environment overrides the one serve wrote: here, a port nobody listens on.
    const env = await cli(['restart', 'db'], { BACKEND_SUPERVISOR_URL: `http://127.0.0.1:${port}` });
    expect(env.code).toBe(3);

    // A web server that is not a supervisor (HTML, not the API's JSON).
    const other = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>hi</h1>'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
      const foreign = await cli(['status', '--url', url]);
      expect(foreign.code).toBe(3);
      expect(foreign.stderr).toContain('not as a supervisor');
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('the token: a wrong one exits 1 saying where it came from; the read-only one reads but may not control', async () => {
    const wrong = join(stackDir, 'wrong-token');
    writeFileSync(wrong, 'not-the-token-0123456789abcdefghijklmnop\n', { mode: 0o600 });
    const refused = await cli(['status', '--token-file', wrong]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`refused the token from ${wrong}`);

    const readToken = join(dataDir, 'control-read-token');
    const read = await cli(['status', '--token-file', readToken]);
    expect(read.code, read.stderr).toBe(0);
    expect(read.stdout).toContain('db');
    const control = await cli(['restart', 'db'], { BACKEND_SUPERVISOR_TOKEN_FILE: readToken });
    expect(control.code).toBe(1);
    expect(control.stderr).toContain('FORBIDDEN');

    const missing = await cli(['status', '--token-file', join(stackDir, 'no-such-file')]);
    expect(missing.code).toBe(2);
  });

  it('logs: the last N lines of a service, merged across services, --json a line each, --since', async () => {
    const three = await cli(['logs', 'db', '-n', '3', '--json']);
    expect(three.code, three.stderr).toBe(0);
    const lines = three.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; service: string });
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => l.service === 'db')).toBe(true);
    expect(lines.map((l) => l.seq)).toEqual([lines[0]!.seq, lines[0]!.seq + 1, lines[0]!.seq + 2]);

    const text = await cli(['logs', '-n', '40']);
    expect(text.code).toBe(0);
    const shown = text.stdout.trimEnd().split('\n');
    expect(shown).toHaveLength(40);
    for (const line of shown)
      expect(line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z \[(supervisor:)?(db|backend|broken)(:err)?\] /);
    const times = shown.map((l) => Date.parse(l.split(' ')[0]!));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(new Set(shown.map((l) => /\[(?:supervisor:)?([a-z]+)/.exec(l)?.[1])).size).toBeGreaterThan(1);

    const future = await cli(['logs', '--since', '2999-01-01T00:00:00Z']);
    expect(future.code).toBe(0);
    expect(future.stdout).toBe('');
    const recent = await cli(['logs', 'db', '--since', '1h', '--json']);
    expect(recent.stdout.trimEnd().split('\n').length).toBeGreaterThan(3);
  });

  it('logs -f: the past lines, then the new ones as they come; SIGINT ends it with exit 0', async () => {
    const child = spawn(process.execPath, [BIN, 'logs', 'backend', '-f', '-n', '2'], {
      env: cleanEnv({ SUPERVISOR_DATA_DIR: dataDir }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('close', (code, signal) => resolve([code, signal])),
    );
    try {
      await pollUntil(() => out.split('\n').length > 2, 15_000, 50, 'the two past lines');
      const restart = await cli(['restart', 'backend']);
      expect(restart.code, restart.stderr).toBe(0);
      const pid = (await statusOf('backend')).pid;
      // The new process's start, as it happens: from the event stream.
      await pollUntil(() => out.includes(`spawned pid ${pid}:`), 15_000, 50, 'the new spawn in the followed lines');
      await pollUntil(() => out.includes('→ running'), 15_000, 50, 'the new process running');
      child.kill('SIGINT');
      expect(await exited).toEqual([0, null]);
      expect(err).toBe('');
      const lines = out.trimEnd().split('\n');
      // Only backend's lines, each once (by seq), in order.
      expect(lines.every((l) => /\[(supervisor:)?backend(:err)?\]/.test(l))).toBe(true);
      expect(new Set(lines).size).toBe(lines.length);
      expect(lines.findIndex((l) => l.includes('restart requested by rest'))).toBeLessThan(
        lines.findIndex((l) => l.includes(`spawned pid ${pid}:`)),
      );
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('incidents: the failed starts, newest first; --json as recorded', async () => {
    const json = await cli(['incidents', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const list = JSON.parse(json.stdout) as Incident[];
    const broken = list.filter((i) => i.service === 'broken');
    expect(broken.length).toBeGreaterThan(0);
    expect(broken[0]!.kind).toBe('failed-start');
    const table = await cli(['incidents']);
    expect(table.stdout.split('\n')[0]).toMatch(/^TIME\s+SERVICE\s+KIND\s+PID\s+EXIT\s+SUMMARY\s+ACTION$/);
    expect(table.stdout).toMatch(/^\S+Z\s+broken\s+failed-start\s/m);
  });

  it('reload: applies a changed stack file in place, says what it did; a file with problems changes nothing, exit 1', async () => {
    const stackFile = join(stackDir, 'stack.json');
    const original = readFileSync(stackFile, 'utf8');
    const before = await statusOf('db');
    try {
      const dry = await cli(['reload', '--dry-run']);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toBe('nothing changed\n');

      const changed = JSON.parse(original) as { services: { db: { health: { interval: number } } } };
      changed.services.db.health.interval = 0.3;
      writeFileSync(stackFile, JSON.stringify(changed, null, 2));
      const run = await cli(['reload']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^db: updated in place \(.*health\.interval.*\)$/m);
      // In place: the same process.
      expect((await statusOf('db')).pid).toBe(before.pid);

      // Two problems: one line each, naming the file and the field.
      const broken = JSON.parse(original) as { services: Record<string, Record<string, unknown>> };
      broken.services.db!.stop_grace_period = 'soon';
      broken.services.backend!.depend_on = ['db'];
      writeFileSync(stackFile, JSON.stringify(broken, null, 2));
      const bad = await cli(['reload']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^backend-supervisor: .*stack\.json:\d+: services\.db\.stop_grace_period: /m);
      expect(bad.stderr).toMatch(/^backend-supervisor: .*stack\.json:\d+: services\.backend.*depend_on/m);
      expect((await statusOf('db')).pid).toBe(before.pid);
    } finally {
      writeFileSync(stackFile, original);
    }
  });

  it('completion: bash completes the commands, the options and the running services', async () => {
    const binDir = join(stackDir, 'bin');
    mkdirSync(binDir, { recursive: true });
    const wrapper = join(binDir, 'backend-supervisor');
    writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(wrapper, 0o755);
    const complete = (words: string[]): Promise<Run> =>
      new Promise((resolve) => {
        const script = `source <(backend-supervisor completion bash)
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_backend_supervisor; printf '%s\\n' "\${COMPREPLY[@]}"`;
        const child = spawn('bash', ['-c', script], {
          env: cleanEnv({ SUPERVISOR_DATA_DIR: dataDir, PATH: `${binDir}:${process.env.PATH ?? ''}` }),
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
      });
    expect((await complete(['backend-supervisor', 're'])).stdout.split('\n').filter(Boolean).sort()).toEqual([
      'reload',
      'restart',
    ]);
    expect((await complete(['backend-supervisor', 'restart', ''])).stdout).toBe('db\nbackend\nbroken\n');
    expect((await complete(['backend-supervisor', 'logs', '--f'])).stdout).toBe('--follow\n');
  });
});

/** A stand-in control server on real HTTP: answers each `METHOD path` from `routes` (JSON, or a function), else 404 as serve does. */
async function fakeServer(
  routes: Record<string, (res: ServerResponse) => void>,
): Promise<{ url: string; close(): Promise<void> }> {
  const srv = createServer((req, res) => {
    const route = routes[`${req.method} ${req.url?.split('?')[0]}`];
    if (route) return route(res);
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `no route ${req.method} ${req.url}`, code: 'NOT_FOUND' }));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => srv.close(() => resolve())),
  };
}

describe('the command-line client against stand-in servers', () => {
  const json = (body: unknown) => (res: ServerResponse) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  it('reload on a supervisor without the route: exit 1, "does not support reload"', async () => {
    const fake = await fakeServer({});
    try {
      const run = await cli(['reload', '--url', fake.url], { CONTROL_TOKEN: 'x'.repeat(40) });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('this supervisor does not support reload');
    } finally {
      await fake.close();
    }
  });

  it('logs -f: Ctrl-C while the stream is still opening ends it too, exit 0', async () => {
    let asked = false;
    const fake = await fakeServer({
      // Never answers: the client waits for the headers when SIGINT comes.
      'GET /api/v1/events': () => {
        asked = true;
      },
    });
    try {
      const child = spawn(process.execPath, [BIN, 'logs', '-f', '--url', fake.url], {
        env: cleanEnv({ SUPERVISOR_DATA_DIR: dataDir, CONTROL_TOKEN: 'x'.repeat(40) }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
        child.once('close', (code, signal) => resolve([code, signal])),
      );
      await pollUntil(() => asked, 15_000, 20, 'the event stream asked for');
      child.kill('SIGINT');
      expect(await exited).toEqual([0, null]);
      expect(err).toBe('');
    } finally {
      await fake.close();
    }
  });

  it('logs -f: a stream the supervisor ends (it stopped) is exit 3, after the lines it sent', async () => {
    const line = { seq: 7, ts: '2026-12-02T10:00:00.000Z', stream: 'stdout', text: 'last words', service: 'backend' };
    const fake = await fakeServer({
      'GET /api/v1/services': json([{ name: 'backend' }]),
      'POST /api/v1/rpc/logs:tail': json({ ok: true, data: [{ ...line, seq: 6, text: 'before' }] }),
      'GET /api/v1/events': (res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': connected\n\n');
        // The tail's line again (printed once), a new one, then the end of the stream.
        res.write(`event: backend:log\ndata: ${JSON.stringify({ ...line, seq: 6, text: 'before' })}\n\n`);
        setTimeout(() => res.end(`event: backend:log\ndata: ${JSON.stringify(line)}\n\n`), 300);
      },
    });
    try {
      const run = await cli(['logs', '-f', '--url', fake.url], { CONTROL_TOKEN: 'x'.repeat(40) });
      expect(run.code).toBe(3);
      expect(run.stdout).toBe(
        '2026-12-02T10:00:00.000Z [backend] before\n2026-12-02T10:00:00.000Z [backend] last words\n',
      );
      expect(run.stderr).toContain('the supervisor closed the event stream');
    } finally {
      await fake.close();
    }
  });
});

// Last: it stops the test's serve.
describe("the test's serve, stopped", () => {
  it('serve stopped removes <data dir>/control-url (the client is not sent to an address nobody answers)', async () => {
    const file = join(dataDir, 'control-url');
    expect(readFileSync(file, 'utf8')).toBe(`${server.url}\n`);
    expect(await server.stop()).toBe(0);
    expect(existsSync(file)).toBe(false);
  });
});
