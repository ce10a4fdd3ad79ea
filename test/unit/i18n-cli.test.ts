// The command-line client in the shell's language: LC_ALL, LC_MESSAGES or LANG picks it; the
// help, the errors, the tables' headers and the client's own words follow; names typed as
// they are, the state names and the data do not.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { incidents } from '../../src/main/cli/commands/incidents';
import { servicesTable } from '../../src/main/cli/commands/services';
import { statusDetail, statusTable } from '../../src/main/cli/commands/status';
import { MAX_TOKEN_FILE_BYTES } from '../../src/main/cli/locate';
import { runClient } from '../../src/main/cli/main';
import type { Output } from '../../src/main/console-output';
import { freePort } from '../helpers/supervise';
import { createTranslator } from '../../src/shared/locales/translate';
import type { ServiceStatus } from '../../src/shared/services';

/** Runs `incidents` against a supervisor that has none, in this environment; the lines it printed. */
async function noIncidents(env: Record<string, string>): Promise<string[]> {
  const lines: string[] = [];
  const io = { out: (line: string) => lines.push(line), err: () => undefined, colour: false, env, now: Date.now };
  const code = await incidents({
    io,
    parsed: { values: {} } as never,
    client: () => ({ rpc: async () => [] }) as never,
    signal: new AbortController().signal,
  });
  expect(code).toBe(0);
  return lines;
}

const service = {
  name: 'db',
  primary: true,
  status: 'running',
  pid: 42,
  uptime_secs: 65,
  restart_count: 2,
  last_health_check: 'healthy',
  last_health: { ok: true, latency_ms: 3.2, status_code: 200, error: null, at: '2026-12-02T05:00:00.000Z' },
  state_reason: '',
  next_restart_in_ms: null,
  depends_on: [],
  health_check: { kind: 'tcp', target: '127.0.0.1:5432' },
} as unknown as ServiceStatus;

describe('the client in Russian', () => {
  it('speaks the language of LANG, LC_MESSAGES over it, and LC_ALL over both', async () => {
    expect(await noIncidents({ LANG: 'ru_RU.UTF-8' })).toEqual(['инцидентов нет']);
    expect(await noIncidents({ LANG: 'en_US.UTF-8', LC_MESSAGES: 'ru_RU.UTF-8' })).toEqual(['инцидентов нет']);
    expect(await noIncidents({ LANG: 'ru_RU.UTF-8', LC_ALL: 'C' })).toEqual(['no incidents']);
    expect(await noIncidents({})).toEqual(['no incidents']);
  });

  it('the status and services tables: Russian headers and words, the state name as it is', () => {
    const [header, row] = statusTable([service], false, createTranslator('ru'));
    expect(header!.split(/\s{2,}/)).toEqual([
      'СЕРВИС',
      'СОСТОЯНИЕ',
      'PID',
      'РАБОТАЕТ',
      'ПЕРЕЗАПУСКИ',
      'ЗДОРОВЬЕ',
      'ИНФО',
    ]);
    // The uptime through Intl in Russian (65 s: `1 мин 5 с`), the state name as it is.
    expect(row).toMatch(/^db\s+running\s+42\s+1 мин 5 с\s+2\s+здоров \(3 мс\)$/);
    expect(servicesTable([service], false, createTranslator('ru'))[1]).toMatch(/^db\s+да\s+-\s+tcp 127\.0\.0\.1:5432$/);
    expect(statusTable([service], false)[0]).toMatch(/^SERVICE\s+STATE/);
  });
});

/** What one run of the client printed, and its exit code. */
interface Run {
  code: number;
  out: string[];
  err: string[];
}

/** Runs the client in-process with this environment (the language's variables among it). */
async function client(argv: string[], env: Record<string, string>): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const output = { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l), backlog: () => 0 };
  const code = await runClient(argv, output as unknown as Output, { env, stdoutIsTTY: false });
  return { code, out, err };
}

const RU = { LANG: 'ru_RU.UTF-8' };
const C = { LANG: 'C' };

/** A real HTTP server answering every request with this status and JSON body; its URL. */
async function answering(status: number, body: unknown): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("every message of the client in the shell's language", () => {
  it('the help: Russian words, the command and option names as typed; English with LANG=C', async () => {
    const ru = await client(['help'], RU);
    expect(ru.code).toBe(0);
    const text = ru.out.join('\n');
    expect(text).toMatch(/^Использование: backend-supervisor <command> \[options\]$/m);
    expect(text).toContain('Команды:');
    expect(text).toMatch(/^ {2}logs \[service\] \[-f\] \[-n N\] \[--since 10m\] \[--json\] *$/m);
    expect(text).toContain('последние строки журнала сервиса');
    expect(text).toContain('3 — не удалось связаться ни с одним супервизором');
    expect(text).not.toMatch(/Usage|Commands|Exit status|the supervisor/);

    const logs = (await client(['logs', '--help'], RU)).out.join('\n');
    expect(logs).toMatch(/^Использование: backend-supervisor logs /);
    expect(logs).toMatch(/^ {2}-n, --lines <N> +сколько прошлых строк/m);
    expect(logs).toContain('Параметры:');
    expect((await client(['help', 'serve'], RU)).out).toEqual(['См.: backend-supervisor serve --help']);

    const en = (await client(['help'], C)).out.join('\n');
    expect(en).toMatch(/^Usage: backend-supervisor <command> \[options\]$/m);
    expect(en).toContain('3 no supervisor could be reached');
  });

  it('a usage error: Russian, exit 2, the value and the help to read as typed', async () => {
    const ru = await client(['logs', '-n', 'many'], RU);
    expect(ru.code).toBe(2);
    expect(ru.out).toEqual([]);
    expect(ru.err).toEqual([
      expect.stringMatching(/^backend-supervisor: -n many: укажите целое число строк от 0 до 100\s000$/),
      '(см. backend-supervisor logs --help)',
    ]);
    expect((await client(['status', '--bogus'], RU)).err[0]).toBe('backend-supervisor: неизвестный параметр --bogus');
    expect((await client(['completion', 'fish'], RU)).err[0]).toBe('backend-supervisor: укажите оболочку: bash|zsh');
    const en = await client(['logs', '-n', 'many'], C);
    expect(en.code).toBe(2);
    expect(en.err).toEqual([
      'backend-supervisor: -n many: give a whole number of lines from 0 to 100,000',
      '(see backend-supervisor logs --help)',
    ]);
  });

  it('no supervisor reached: Russian, exit 3, the address and the system words translated', async () => {
    const port = await freePort();
    const ru = await client(['status', '--url', `http://127.0.0.1:${port}`], { ...RU, CONTROL_TOKEN: 't' });
    expect(ru.code).toBe(3);
    expect(ru.err).toEqual([
      `backend-supervisor: не удаётся связаться с супервизором по адресу http://127.0.0.1:${port}: в соединении отказано; запущен ли serve?`,
    ]);
    const en = await client(['status', '--url', `http://127.0.0.1:${port}`], { ...C, CONTROL_TOKEN: 't' });
    expect(en.err).toEqual([
      `backend-supervisor: cannot reach the supervisor at http://127.0.0.1:${port}: connection refused; is serve running?`,
    ]);
    const empty = mkdtempSync(join(tmpdir(), 'bsup-i18n-'));
    try {
      const none = await client(['status'], { ...RU, SUPERVISOR_DATA_DIR: empty });
      expect(none.code).toBe(3);
      expect(none.err[0]).toBe(
        `backend-supervisor: супервизор не найден: в ${empty} нет токена (control-token); запущен ли serve с этой папкой данных? (--data-dir или SUPERVISOR_DATA_DIR; для другого супервизора — --url и --token-file)`,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('a token file past its bound: Russian, the bound with its plural form; English with LANG=C', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bsup-i18n-'));
    try {
      const file = join(dir, 'token');
      writeFileSync(file, 'x'.repeat(MAX_TOKEN_FILE_BYTES + 1));
      const args = ['status', '--url', 'http://127.0.0.1:1', '--token-file', file];
      const ru = await client(args, RU);
      expect(ru.code).toBe(1);
      expect(ru.err).toEqual([
        expect.stringMatching(
          new RegExp(`^backend-supervisor: не удаётся прочитать файл токена: ${file} больше 65\\s536 байт$`),
        ),
      ]);
      expect((await client(args, C)).err).toEqual([
        `backend-supervisor: cannot read the token file: ${file} is larger than 65,536 bytes`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a reload's answer: a Russian line per service, the fields and the supervisor's message as sent", async () => {
    const plan = {
      file: '/etc/stack.json',
      services: [
        { service: 'db', action: 'update', changes: ['health.interval'] },
        { service: 'cache', action: 'start', changes: [] },
        { service: 'backend', action: 'unchanged', changes: [] },
      ],
      needs_supervisor_restart: ['controlPort'],
      fingerprint: 'f'.repeat(64),
    };
    const applied = await answering(200, {
      ...plan,
      applied: true,
      result: { success: false, message: 'cache: exited with code 1', services: [] },
    });
    const dry = await answering(200, { ...plan, applied: false, result: null });
    try {
      const ru = await client(['reload', '--url', applied.url], { ...RU, CONTROL_TOKEN: 't' });
      expect(ru.code).toBe(1);
      expect(ru.out).toEqual([
        'db: обновлён на месте (изменено: health.interval)',
        'cache: добавлен и запущен',
        'нужен перезапуск супервизора: controlPort',
        'не удалось: cache: exited with code 1',
      ]);
      const planned = await client(['reload', '--dry-run', '--url', dry.url], { ...RU, CONTROL_TOKEN: 't' });
      expect(planned.out.slice(0, 2)).toEqual([
        'db: будет обновлён на месте (изменено: health.interval)',
        'cache: будет добавлен',
      ]);
      const en = await client(['reload', '--url', applied.url], { ...C, CONTROL_TOKEN: 't' });
      expect(en.out).toEqual([
        'db: updated in place (health.interval changed)',
        'cache: added and started',
        'needs a restart of the supervisor: controlPort',
        'failed: cache: exited with code 1',
      ]);
    } finally {
      await applied.close();
      await dry.close();
    }
  });

  it("a service in detail: Russian labels, the failures in a row with Russian's plural forms", () => {
    const ru = createTranslator('ru');
    const failing = (n: number): ServiceStatus => ({ ...service, consecutive_failures: n }) as ServiceStatus;
    const restarts = (n: number): string => statusDetail(failing(n), false, ru).find((l) => /перезапуски/.test(l))!;
    expect(statusDetail(service, false, ru)[0]).toBe('db (основной)');
    expect(restarts(1)).toMatch(/^ {2}перезапуски +2 \(1 сбой подряд\)$/);
    expect(restarts(3)).toMatch(/\(3 сбоя подряд\)$/);
    expect(restarts(5)).toMatch(/\(5 сбоев подряд\)$/);
    expect(statusDetail(failing(1), false).find((l) => /restarts/.test(l))).toMatch(/2 \(1 failure in a row\)$/);
    // Since when: the date and time as Russian writes them, in local time; one that is no date as sent.
    const since = (s: ServiceStatus, t = ru): string =>
      statusDetail(s, false, t).find((l) => /с момента|since/.test(l))!;
    const at = {
      ...service,
      state_since: '2026-12-02T05:00:36.000Z',
      state_actor: 'rest',
      state_reason: 'ok',
    } as ServiceStatus;
    const local = new Date(at.state_since);
    const pad = (n: number): string => String(n).padStart(2, '0');
    const clock = `${pad(local.getHours())}:${pad(local.getMinutes())}:${pad(local.getSeconds())}`;
    expect(since(at)).toMatch(
      new RegExp(`^ {2}с момента +${pad(local.getDate())}\\.12\\.2026, ${clock} \\(rest: ok\\)$`),
    );
    expect(since({ ...at, state_since: 'soon' } as ServiceStatus)).toMatch(/ soon \(rest: ok\)$/);
  });
});

/**
 * The client's source, statement by statement: what it prints (io.out / io.err) and the
 * messages of its errors are never English words in a literal; they go through a locale key.
 * A literal's `${…}` parts and the program's name are left out before looking for words.
 */
describe('no English literal printed past the translator', () => {
  const CLI = join(import.meta.dirname, '../../src/main/cli');
  const files = readdirSync(CLI, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => [f, readFileSync(join(CLI, f), 'utf8')] as const);
  /** The calls whose first argument the user reads. */
  const CALL = /(?:\bio\.(?:out|err)|new (?:CliError|UsageError|UnreachableError|CommandFailedError))\(\s*(['"`])/g;

  /** The literal that starts at `at` (after its opening quote), its `${…}` parts taken out. */
  function literalAt(text: string, at: number, quote: string): string {
    let out = '';
    let depth = 0;
    for (let i = at; i < text.length; i++) {
      const c = text[i]!;
      if (depth === 0 && c === quote) return out;
      if (quote === '`' && depth === 0 && c === '$' && text[i + 1] === '{') {
        depth = 1;
        i++;
        continue;
      }
      if (depth > 0) {
        if (c === '{') depth++;
        if (c === '}') depth--;
        continue;
      }
      out += c;
    }
    return out;
  }

  it('finds the calls it looks at (the scan reads the files)', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(files.flatMap(([, text]) => [...text.matchAll(/\bio\.(?:out|err)\(/g)]).length).toBeGreaterThan(10);
  });

  it('every literal given to io.out, io.err or a CliError has no words but the program name', () => {
    const found: string[] = [];
    for (const [file, text] of files) {
      for (const m of text.matchAll(CALL)) {
        const literal = literalAt(text, m.index + m[0].length, m[1]!).replaceAll('backend-supervisor', '');
        if (/[A-Za-z]{2,}/.test(literal)) found.push(`${file}: ${m[0]}${literal}`);
      }
    }
    expect(found).toEqual([]);
  });
});
