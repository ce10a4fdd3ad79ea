// The built command-line client against a hostile stand-in server and a hostile data
// folder: no command prints a character a terminal obeys whatever the server puts in its
// fields; a FIFO or /dev/zero where the client looks for its files ends it with exit 1 (a
// FIFO hung it in open(2), past Ctrl-C and SIGTERM); a reader that goes away
// (`status | head -c1`, `logs -f | head -1`) ends it with exit 0 and no stack trace; SIGHUP
// (the terminal closing) ends any command.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateBuild } from '../helpers/cli-build';
import { tempDir } from '../helpers/supervise';

const dirs: string[] = [];

/** OSC 8 link, clear screen, C1 CSI, right-to-left override, lone surrogate, BEL. */
const HOSTILE = '\u001b]8;;http://evil\u0007click\u001b]8;;\u0007\u001b[2J\u009b31m\u202egnp.exe\ud800\u0007';

/** Whether the client's output holds a byte sequence a terminal obeys, or a bidirectional override. */
function obeyed(text: string): boolean {
  // eslint-disable-next-line no-control-regex -- the characters looked for (a lone surrogate arrives as U+FFFD)
  return /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u.test(text);
}

function hostileService(name: string): Record<string, unknown> {
  return {
    name,
    primary: true,
    status: HOSTILE,
    pid: HOSTILE,
    uptime_secs: 5,
    restart_count: HOSTILE,
    consecutive_failures: 0,
    last_health_check: 'failed',
    last_health: { ok: false, error: HOSTILE, status_code: 500, latency_ms: 1 },
    state_reason: HOSTILE,
    state_since: HOSTILE,
    state_actor: HOSTILE,
    depends_on: [{ service: HOSTILE, condition: HOSTILE }],
    health_check: { kind: HOSTILE, target: HOSTILE },
    next_restart_in_ms: null,
    last_exit: { signal: HOSTILE, code: null, at: HOSTILE, expected: true, stopped_by: HOSTILE },
    last_error: HOSTILE,
  };
}

const logOf = (seq: number): Record<string, unknown> => ({
  seq,
  ts: HOSTILE,
  stream: 'stderr',
  text: HOSTILE,
  service: HOSTILE,
});

/** Answers every route with hostile text; `/api/v1/events` streams hostile lines until closed. */
function hostileServer(): Server {
  return createServer((req, res) => {
    const url = req.url ?? '';
    const json = (body: unknown, status = 200): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url === '/api/v1/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let seq = 100;
      const tick = setInterval(() => res.write(`event: backend:log\ndata: ${JSON.stringify(logOf(++seq))}\n\n`), 5);
      res.once('close', () => clearInterval(tick));
      return;
    }
    if (url === '/api/v1/services') {
      // 500 services: `status | head -c1` has a whole table to write.
      return json([hostileService(HOSTILE), ...Array.from({ length: 499 }, (_, i) => hostileService(`svc-${i}`))]);
    }
    if (url.startsWith('/api/v1/services/')) return json(hostileService(HOSTILE));
    if (url.startsWith('/api/v1/stack/')) {
      return json({ success: true, services: [{ service: HOSTILE, status: HOSTILE, message: HOSTILE, pid: HOSTILE }] });
    }
    if (url.startsWith('/api/v1/rpc/logs:tail')) return json({ ok: true, data: [logOf(1), logOf(2)] });
    if (url.startsWith('/api/v1/rpc/incidents:list')) {
      const incident = { at: HOSTILE, service: HOSTILE, kind: HOSTILE, pid: 1, summary: HOSTILE, action: HOSTILE };
      return json({ ok: true, data: [{ ...incident, exit: { signal: HOSTILE, code: null } }] });
    }
    json({ error: { message: HOSTILE, code: HOSTILE } }, 500);
  });
}

let BIN: string;
let server: Server;
let url: string;

beforeAll(async () => {
  BIN = await privateBuild('bsup-cli-adv-build-', dirs);
  server = hostileServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The test's environment without anything that would point the client elsewhere. */
function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(CONTROL_|BACKEND_SUPERVISOR_|SUPERVISOR_DATA_DIR$|NO_COLOR$|FORCE_COLOR$)/.test(k))
      env[k] = v;
  }
  return { ...env, ...extra };
}

/**
 * Runs the client; SIGKILLs it after `killAfterMs` (a hung client: the test then fails on
 * its signal). `onStdout` sees the child and each chunk (to close the pipe early).
 */
function cli(
  args: string[],
  env: Record<string, string>,
  onStdout?: (child: ChildProcess, chunk: Buffer) => void,
  killAfterMs = 30_000,
  onStart?: (child: ChildProcess) => void,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    onStart?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      onStdout?.(child, c);
    });
    child.stdout.on('error', () => undefined);
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('a hostile server: what it says is shown, never obeyed', () => {
  const commands = [
    ['status'],
    ['status', 'web'],
    ['status', '--json'],
    ['status', 'web', '--json'],
    ['services'],
    ['services', '-q'],
    ['services', '--json'],
    ['start', '--all'],
    ['stop', 'web'],
    ['logs'],
    ['logs', '--json'],
    ['incidents'],
    ['incidents', '--json'],
    ['reload'],
  ];
  for (const args of commands) {
    it(
      args.join(' '),
      async () => {
        for (const colour of ['0', '1']) {
          const run = await cli([...args, '--url', url], { CONTROL_TOKEN: 't', FORCE_COLOR: colour });
          expect(run.signal).toBeNull();
          expect(run.stderr).not.toMatch(/\n\s+at /);
          // The client's own colours are SGR sequences: left out before looking.
          // eslint-disable-next-line no-control-regex -- the client's own SGR sequences
          const shown = `${run.stdout}${run.stderr}`.replace(/\u001b\[[0-9;]*m/g, '');
          expect(
            obeyed(shown),
            `${args.join(' ')} FORCE_COLOR=${colour}:\n${JSON.stringify(shown.slice(0, 2000))}`,
          ).toBe(false);
        }
      },
      60_000,
    );
  }

  it('logs -f: the streamed lines too; SIGINT ends it with exit 0', async () => {
    let lines = 0;
    const run = await cli(['logs', '-f', '--url', url], { CONTROL_TOKEN: 't' }, (child, chunk) => {
      lines += chunk.toString().split('\n').length - 1;
      if (lines >= 20) child.kill('SIGINT');
    });
    expect(run.code, run.stderr).toBe(0);
    expect(lines).toBeGreaterThanOrEqual(20);
    expect(obeyed(run.stdout)).toBe(false);
  }, 60_000);
});

describe('a reader that goes away', () => {
  it('status | head -c1 (500 services): exit 0, no stack trace', async () => {
    const run = await cli(['status', '--url', url], { CONTROL_TOKEN: 't' }, (child) => child.stdout?.destroy());
    expect(run.signal).toBeNull();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
  }, 60_000);

  it('logs -f | head -1: exit 0, no stack trace', async () => {
    const run = await cli(['logs', '-f', '--url', url], { CONTROL_TOKEN: 't' }, (child) => child.stdout?.destroy());
    expect(run.signal).toBeNull();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
  }, 60_000);
});

describe('a hostile data folder', () => {
  /** A data folder with a token, and `control-url` made by `make`. */
  function dataDir(make: (path: string) => void, tokenToo = true): string {
    const dir = tempDir('bsup-cli-adv-data-');
    dirs.push(dir);
    if (tokenToo) writeFileSync(join(dir, 'control-token'), 't\n', { mode: 0o600 });
    make(dir);
    return dir;
  }

  const mkfifo = (path: string): void => {
    expect(spawnSync('mkfifo', [path]).status).toBe(0);
  };

  it('a FIFO as control-url: exit 1 at once, naming it (it hung in open(2), Ctrl-C and SIGTERM did nothing)', async () => {
    const dir = dataDir((d) => mkfifo(join(d, 'control-url')));
    const run = await cli(['status'], { SUPERVISOR_DATA_DIR: dir });
    expect(run.signal).toBeNull();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${join(dir, 'control-url')} is not a regular file`);
  }, 60_000);

  it('/dev/zero as control-url: exit 1 (it read until the memory ran out)', async () => {
    const dir = dataDir((d) => symlinkSync('/dev/zero', join(d, 'control-url')));
    const run = await cli(['status'], { SUPERVISOR_DATA_DIR: dir });
    expect(run.signal).toBeNull();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('is not a regular file');
  }, 60_000);

  it('a FIFO, a folder or a huge file as the control token: exit 1, naming it', async () => {
    const makers: ((path: string) => void)[] = [
      mkfifo,
      (p) => mkdirSync(p),
      (p) => writeFileSync(p, 'x'.repeat(1024 * 1024)),
    ];
    for (const make of makers) {
      const dir = dataDir((d) => make(join(d, 'control-token')), false);
      const run = await cli(['status', '--url', url], { SUPERVISOR_DATA_DIR: dir });
      expect(run.signal).toBeNull();
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain(join(dir, 'control-token'));
    }
  }, 60_000);

  it('a token file the user names may be a pipe (--token-file <(…)); CRLF and a BOM are left out', async () => {
    const tokens: string[] = [];
    const listening = createServer((req, res) => {
      tokens.push(req.headers.authorization ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[]');
    });
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    const here = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
    try {
      const dir = dataDir(() => undefined, false);
      const fifo = join(dir, 'piped-token');
      mkfifo(fifo);
      const writer = spawn('sh', ['-c', `printf 'piped\\n' > '${fifo}'`]);
      const piped = await cli(['services', '--url', here, '--token-file', fifo], {});
      writer.kill();
      expect(piped.code, piped.stderr).toBe(0);
      const file = join(dir, 'crlf-token');
      writeFileSync(file, '\ufeffcrlf\r\n');
      const crlf = await cli(['services', '--url', here, '--token-file', file], {});
      expect(crlf.code, crlf.stderr).toBe(0);
      expect(tokens).toEqual(['Bearer piped', 'Bearer crlf']);
    } finally {
      listening.closeAllConnections();
      await new Promise((resolve) => listening.close(resolve));
    }
  }, 60_000);
});

describe('the terminal closing (SIGHUP)', () => {
  it('ends a command waiting on a server that never answers (it was swallowed), and logs -f with exit 0', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const quiet = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      // The request is on its way once the server saw its connection.
      const connected = new Promise<void>((resolve) => silent.once('connection', () => resolve()));
      let child: ChildProcess | undefined;
      const waiting = cli(['status', '--url', quiet], { CONTROL_TOKEN: 't' }, undefined, 20_000, (c) => (child = c));
      await connected;
      child?.kill('SIGHUP');
      const run = await waiting;
      expect(run.signal).toBe('SIGHUP');
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
    const following = await cli(['logs', '-f', '--url', url], { CONTROL_TOKEN: 't' }, (child) => child.kill('SIGHUP'));
    expect(following.code, following.stderr).toBe(0);
  }, 60_000);
});
