/**
 * Alerts under attack (README "Alerts"): stack-file input a webhook could never send or that
 * would hide a credential, a webhook's own headers against the supervisor's, and what a
 * failing command's reason may say. Real HTTP and real processes where a delivery is made.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/main/core/config';
import { ConfigError } from '../../src/main/core/errors';
import { parseStackText, type UserLookup } from '../../src/main/core/stack/stack-file';
import { alertEnvironment, type AlertPayload } from '../../src/main/core/alerts/alert-payload';
import { CommandSender, runCommand } from '../../src/main/core/alerts/command-sender';
import { KEEPER_NAME } from '../../src/main/core/group-keeper';
import type { CommandTarget, WebhookTarget } from '../../src/main/core/alerts/notify-schema';
import { WebhookSender } from '../../src/main/core/alerts/webhook-sender';

const dataDir = mkdtempSync(join(tmpdir(), 'bsup-notify-adv-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const base = loadConfig({ SUPERVISOR_DATA_DIR: dataDir }, { command: '/bin/true' });
const asUser: UserLookup = { currentUid: 1000, uidOf: (n) => (n === 'me' ? 1000 : null) };

/** A stack file whose service `api` has the notify entry `entry` (lines under `notify:`, line 5 on). */
const parse = (...entry: string[]) =>
  parseStackText(
    `${['services:', '  api:', '    command: /bin/true', '    notify:', ...entry].join('\n')}\n`,
    'stack.yaml',
    dataDir,
    base,
    { users: asUser },
  );

function problems(...entry: string[]): string {
  try {
    parse(...entry);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('notify input the schema must refuse, at its line', () => {
  it.each([
    ['a control character', String.raw`"Bearer a\x01b"`],
    ['DEL', String.raw`"Bearer a\x7fb"`],
    ['Cyrillic', '"токен"'],
    ['Latin-1', '"café"'],
    ['an emoji', String.raw`"\U0001F511"`],
  ])('a header value with %s (no HTTP client sends it as written)', (_what, value) => {
    expect(problems('      - url: https://hooks.example.com/x', `        headers: { X-Key: ${value} }`)).toBe(
      'stack.yaml:6: services.api.notify.0.headers.X-Key: must be ASCII text without control characters',
    );
  });

  it('takes a header value of printable ASCII with tabs and spaces in it', () => {
    const [service] = parse(
      '      - url: https://hooks.example.com/x',
      String.raw`        headers: { X-Key: "a\tb c~!" }`,
    ).services;
    expect((service!.notify![0] as WebhookTarget).headers).toEqual({ 'X-Key': 'a\tb c~!' });
  });

  it('a header name longer than any receiver takes', () => {
    expect(problems('      - url: https://hooks.example.com/x', `        headers: { ${'X'.repeat(257)}: v }`)).toBe(
      `stack.yaml:6: services.api.notify.0.headers.${'X'.repeat(257)}: must be at most 256 characters`,
    );
  });

  it.each([
    ['a user', 'http://a@hooks.example.com/'],
    ['a password', 'https://u:S3CRET@hooks.example.com/'],
    ['an upper-case scheme', 'HTTPS://u:S3CRET@hooks.example.com/'],
    ['an @ behind a port', 'http://hooks.example.com:80@evil.example.com/'],
  ])('a URL with %s in it (held)', (_what, url) => {
    expect(problems(`      - url: "${url}"`)).toBe(
      'stack.yaml:5: services.api.notify.0.url: must not hold a user or password (put them in headers)',
    );
  });

  it.each([
    ['backslashes', String.raw`http:\\\\u:S3CRET@hooks.example.com/`],
    ['no slashes', 'http:u:S3CRET@hooks.example.com/'],
    ['a tab in the scheme', String.raw`ht\ttp://u:S3CRET@hooks.example.com/`],
    ['file:', 'file:///etc/passwd'],
    ['data:', 'data:text/plain,hi'],
    ['javascript:', 'javascript:alert(1)'],
  ])('a URL with %s (held)', (_what, url) => {
    const said = problems(`      - url: "${url}"`);
    expect(said).toBe('stack.yaml:5: services.api.notify.0.url: must be an http:// or https:// URL');
    expect(said).not.toContain('S3CRET');
  });

  it('a timeout below a millisecond is a millisecond, not none at all', () => {
    const [service] = parse('      - command: /bin/true', '        timeout: 0.0001').services;
    expect(service!.notify![0]!.timeoutMs).toBe(1);
  });
});

describe('a webhook’s own headers', () => {
  let server: Server | null = null;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    server = null;
  });

  it('a User-Agent from the file is sent once, in place of the supervisor’s', async () => {
    const raw: string[][] = [];
    server = createServer((req, res) => {
      raw.push(req.rawHeaders);
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const sender = new WebhookSender();
    const target: WebhookTarget = {
      kind: 'webhook',
      url: `http://127.0.0.1:${port}/hook`,
      headers: { 'User-Agent': 'our-pager/2' },
      events: ['crash'],
      timeoutMs: 10_000,
    };
    try {
      expect(await sender.send(target, '{}', new AbortController().signal)).toEqual({ ok: true });
    } finally {
      await sender.close();
    }
    const agents = raw[0]!.filter((_v, i) => i % 2 === 0 && raw[0]![i]!.toLowerCase() === 'user-agent');
    expect(agents).toHaveLength(1);
    expect(raw[0]![raw[0]!.findIndex((v) => v.toLowerCase() === 'user-agent') + 1]).toBe('our-pager/2');
  });
});

describe('what a failed command’s reason says', () => {
  const command = (argv: string[], cwd = dataDir): CommandTarget => ({
    kind: 'command',
    argv,
    cwd,
    events: ['crash'],
    timeoutMs: 10_000,
  });
  const stop = new AbortController().signal;

  it('never an argument of the command (it may be a token): the program alone names it', async () => {
    const result = await runCommand(
      command([
        '/bin/sh',
        '-c',
        'echo "paging refused the token $0 for team $1" >&2; exit 2',
        'TOKEN-S3CRET-42',
        'site',
      ]),
      '{}',
      {},
      stop,
    );
    expect(result).toEqual({ ok: false, error: 'exited with code 2: paging refused the token … for team site' });
  });

  it('a folder that is gone is said as such, not as a missing program', async () => {
    const gone = join(dataDir, 'no-such-folder');
    expect(await runCommand(command(['/bin/true'], gone), '{}', {}, stop)).toEqual({
      ok: false,
      error: `its folder ${gone} does not exist`,
    });
  });

  it('a spawn refused for its environment says so without quoting the environment', async () => {
    const result = await runCommand(command(['/bin/true']), '{}', { EXTRA: 'VALUE-S3CRET\0' }, stop);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('S3CRET');
  });

  it('the alert’s variables hold no NUL (an environment cannot), the stdin JSON keeps it', () => {
    const payload = {
      service: 'api',
      event: 'crash',
      at: '2026-01-01T00:00:00.000Z',
      summary: 'exited — stderr: a\0b',
      suppressed: { count: 0, events: {}, since: null },
    } as unknown as AlertPayload;
    expect(alertEnvironment(payload).SUPERVISOR_ALERT_SUMMARY).toBe('exited — stderr: a\uFFFDb');
  });
});

describe('an alert command’s group keeper', () => {
  /** Pid and start time (clock ticks, /proc field 22) of each live child of this process whose command line holds `text`. */
  const children = (text: string): { pid: number; start: number }[] =>
    readdirSync('/proc')
      .filter((e) => /^\d+$/.test(e))
      .flatMap((e) => {
        try {
          const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
          const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          if (Number(rest[1]) !== process.pid || rest[0] === 'Z') return [];
          if (!readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(text)) return [];
          return [{ pid: Number(e), start: Number(rest[19]) }];
        } catch {
          return [];
        }
      });

  it('is running before the first command is spawned: no command runs unheld while the keeper itself starts', async () => {
    const sender = new CommandSender();
    const out = join(dataDir, 'command.stat');
    try {
      // The command says its pid and start time (its name, sh, holds no space: field 22 by cut).
      const script = `echo $$ $(cut -d' ' -f22 /proc/$$/stat) > '${out}'`;
      const result = await sender.run(
        { kind: 'command', argv: ['/bin/sh', '-c', script], cwd: dataDir, events: ['crash'], timeoutMs: 10_000 },
        '{}',
        {},
        new AbortController().signal,
      );
      expect(result).toEqual({ ok: true });
      const [pid, start] = readFileSync(out, 'utf8').trim().split(' ').map(Number) as [number, number];
      const keepers = children(KEEPER_NAME);
      expect(keepers).toHaveLength(1);
      const [keeper] = keepers;
      // Spawned before the command: started earlier, or in the same tick with a lower pid (pids rise).
      expect(keeper!.start < start || (keeper!.start === start && keeper!.pid < pid)).toBe(true);
    } finally {
      sender.close();
    }
  });
});
