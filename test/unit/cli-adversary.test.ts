// The command-line client against hostile input: text a terminal would obey (escapes, C1,
// bidirectional overrides, lone surrogates) in every field a hostile server can fill, a
// `--since` that V8's lenient Date.parse would take as 2001, and real HTTP stand-ins that
// answer too much, too slowly, with the wrong content type, a stream line that never ends,
// or a redirect to another origin (the token must not follow it).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCommand, sinceTime } from '../../src/main/cli/args';
import { ControlClient, MAX_ANSWER_BYTES } from '../../src/main/cli/client';
import { logLine } from '../../src/main/cli/commands/logs';
import { statusDetail, statusTable } from '../../src/main/cli/commands/status';
import { CommandFailedError, UnreachableError, UsageError } from '../../src/main/cli/errors';
import { MAX_EVENT_CHARS, openFollow } from '../../src/main/cli/follow';
import { jsonText, printable } from '../../src/main/cli/table';
import { createTranslator } from '../../src/shared/locales/translate';
import type { ServiceStatus } from '../../src/shared/services';

/** An OSC 8 link, a clear screen, a C1 CSI, a right-to-left override, a lone surrogate, a line separator, BEL. */
const HOSTILE = '\u001b]8;;http://evil\u0007click\u001b]8;;\u0007\u001b[2J\u009b31m\u202egnp.exe\ud800\u2028\u0007';

/** Whether `text` holds anything a terminal obeys or that reorders what it shows. */
function obeyed(text: string): boolean {
  // eslint-disable-next-line no-control-regex -- the characters looked for
  return /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]/u.test(
    text.replace(/\n/g, ''),
  );
}

/** A service whose every text field is hostile. */
function hostileService(): ServiceStatus {
  return {
    name: HOSTILE,
    primary: true,
    status: 'crashed',
    pid: 1,
    uptime_secs: 5,
    restart_count: 0,
    consecutive_failures: 0,
    last_health_check: 'failed',
    last_health: { ok: false, error: HOSTILE, status_code: 500, latency_ms: 1 },
    state_reason: HOSTILE,
    state_since: HOSTILE,
    state_actor: HOSTILE,
    depends_on: [],
    health_check: { kind: 'http', target: HOSTILE },
    next_restart_in_ms: null,
    last_exit: null,
    last_error: HOSTILE,
  } as unknown as ServiceStatus;
}

describe('text from the supervisor is shown, never obeyed', () => {
  it('printable escapes C1, bidirectional controls, line separators and lone surrogates, and keeps real letters', () => {
    const shown = printable(HOSTILE);
    expect(obeyed(shown), shown).toBe(false);
    expect(shown).toContain('\\x9b');
    expect(shown).toContain('\\u202e');
    expect(shown).toContain('\\ud800');
    expect(shown).toContain('\\u2028');
    // A letter outside the BMP (a surrogate pair) and accents are text.
    expect(printable('𝔘ñïcode 😀')).toBe('𝔘ñïcode 😀');
    expect(printable(42)).toBe('42');
  });

  it('jsonText is the same JSON to a parser, with nothing a terminal obeys', () => {
    const value = { text: HOSTILE, n: [1, '\u0085'] };
    const text = jsonText(value, 2);
    expect(obeyed(text), text).toBe(false);
    expect(JSON.parse(text)).toEqual(value);
  });

  it("a log line's time and service are escaped as its text is", () => {
    for (const stream of ['stdout', 'stderr', 'supervisor'] as const) {
      for (const colour of [false, true]) {
        const line = logLine({ seq: 1, ts: HOSTILE, stream, text: HOSTILE, service: HOSTILE }, colour);
        // The client's own colours are SGR sequences: left out before looking.
        // eslint-disable-next-line no-control-regex -- the client's own SGR sequences
        const own = line.replace(/\u001b\[[0-9;]*m/g, '');
        expect(obeyed(own), `${stream} ${colour}: ${JSON.stringify(line)}`).toBe(false);
      }
    }
  });

  it("a service's detail escapes its name, and the table its bidirectional overrides", () => {
    for (const line of [...statusDetail(hostileService(), false), ...statusTable([hostileService()], false)]) {
      expect(obeyed(line), JSON.stringify(line)).toBe(false);
    }
  });
});

describe("a service's state_since is shown as a date only when it is one", () => {
  it('what V8 guesses (`1`, `12`, a number, null) or a year before 1 or past 9999 is shown as sent, not as 2001 or 1970', () => {
    const since = (state_since: unknown): string =>
      statusDetail(
        { ...hostileService(), state_since, state_actor: 'x', state_reason: 'r' } as unknown as ServiceStatus,
        false,
      )[2]!;
    // Date would take these as 2001-01-01, 2001-12-01, 1970-01-01 (twice) and 271822 (its era lost).
    for (const sent of ['1', '12', 0, null, '-271821-04-20T00:00:00Z', '+275760-09-13T00:00:00.000Z']) {
      expect(since(sent), String(sent)).toMatch(
        new RegExp(`since +${String(sent).replace(/[+.]/g, '\\$&')} \\(x: r\\)$`),
      );
    }
    expect(since('2026-12-02T10:00:00Z')).not.toContain('2026-12-02T10:00:00Z');
    expect(since('2026-12-02T10:00:00Z')).toMatch(/2026/);
  });
});

describe('--since takes a duration or an ISO date, not what V8 guesses', () => {
  it('refuses what Date.parse would read as a day of 2001', () => {
    const now = Date.parse('2026-12-02T12:00:00Z');
    for (const bad of ['1.5', '10 m', 'Dec 2', 'hello 5', '1 2', '10m5s', '-5m', '1e3s', '１０m', '２０２６-12-02']) {
      expect(() => sinceTime(bad, now), bad).toThrow(UsageError);
    }
    expect(sinceTime('2026-12-02', now)).toBe(Date.parse('2026-12-02'));
    expect(sinceTime('2026-12-02T10:00:00+01:00', now)).toBe(Date.parse('2026-12-02T09:00:00Z'));
    expect(sinceTime('0s', now)).toBe(now);
  });

  it('a value that starts with a dash (-n -1, --since -5m) is one usage line, not parseArgs advice', () => {
    for (const argv of [
      ['logs', '-n', '-1'],
      ['logs', '--since', '-5m'],
    ]) {
      let message = '';
      try {
        parseCommand(argv);
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        message = (err as Error).message;
      }
      expect(message).toMatch(/^the value of (-n|--since) starts with a dash: give it as --(lines|since)=VALUE$/);
    }
  });
});

describe('a hostile server over real HTTP', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
  });

  /** A stand-in listening on 127.0.0.1; resolves with its base URL. */
  async function standIn(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  function clientOf(url: string): ControlClient {
    return new ControlClient({
      url,
      urlSource: '--url',
      token: 'the-token',
      tokenSource: 'CONTROL_TOKEN',
      readOnly: false,
    });
  }

  it('durations JSON makes infinite (1e400) or a string: no NaN, no ∞ in the table or the detail, in English or Russian', async () => {
    // JSON.parse reads 1e400 as Infinity; an uptime as a string is compared and floored as a number.
    const { health_check: _check, ...rest } = hostileService();
    const body = JSON.stringify([{ ...rest, name: 'api', state_since: '2026-12-02T10:00:00Z', status: 'backoff' }])
      .replace('"uptime_secs":5', '"uptime_secs":1e400')
      .replace('"next_restart_in_ms":null', '"next_restart_in_ms":1e400')
      .replace(/}]$/, ',"health_check":{"kind":"http","target":"/health"}}]');
    const url = await standIn((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
    const [infinite] = (await clientOf(url).get('/api/v1/services')) as ServiceStatus[];
    expect(infinite?.uptime_secs).toBe(Infinity);
    const asString = { ...infinite, uptime_secs: '4000', next_restart_in_ms: 1e12 } as unknown as ServiceStatus;
    for (const t of [createTranslator('en'), createTranslator('ru')]) {
      for (const s of [infinite as ServiceStatus, asString]) {
        const lines = [...statusTable([s], false, t), ...statusDetail(s, false, t)];
        expect(lines.join('\n')).not.toMatch(/NaN|∞|не\s+число/);
      }
    }
    expect(statusDetail(asString, false).join('\n')).toContain('1h 6m');
  });

  it('an answer larger than the bound is refused as it comes, not read whole', async () => {
    let sent = 0;
    const url = await standIn((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const write = (): void => {
        while (sent <= MAX_ANSWER_BYTES + 8 * chunk.length) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', write);
            return;
          }
        }
        res.end('[]');
      };
      write();
    });
    const client = clientOf(url);
    try {
      await expect(client.get('/api/v1/services')).rejects.toThrow(UnreachableError);
    } finally {
      await client.close();
    }
  }, 120_000);

  it('an answer dripped a byte at a time ends at the deadline', async () => {
    const url = await standIn((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      const drip = setInterval(() => res.write(' '), 100);
      res.once('close', () => clearInterval(drip));
    });
    const client = clientOf(url);
    try {
      await expect(client.call('GET', '/api/v1/services', undefined, 1_000)).rejects.toThrow(
        /did not finish its answer/,
      );
    } finally {
      await client.close();
    }
  }, 60_000);

  it('an event stream that is not text/event-stream is refused at once', async () => {
    const url = await standIn((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{}');
    });
    const client = clientOf(url);
    try {
      await expect(client.events(new AbortController().signal)).rejects.toThrow(UnreachableError);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('an event stream line that never ends is a clear failure, bounded', async () => {
    const url = await standIn((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: ');
      const chunk = 'x'.repeat(1024 * 1024);
      let sent = 0;
      const write = (): void => {
        while (sent < MAX_EVENT_CHARS * 4) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', write);
            return;
          }
        }
      };
      write();
    });
    const client = clientOf(url);
    try {
      const read = await openFollow(client, new AbortController().signal, () => undefined);
      const failure = await read().catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(UnreachableError);
      expect((failure as Error).message).toMatch(/line over 8 Mi characters/);
    } finally {
      await client.close();
    }
  }, 120_000);

  it('a redirect is not followed: the token goes to no other origin', async () => {
    const elsewhere: string[] = [];
    const other = await standIn((req, res) => {
      elsewhere.push(`${req.url} ${req.headers.authorization ?? ''}`);
      res.end('[]');
    });
    const url = await standIn((_req, res) => {
      res.writeHead(302, { location: `${other}/steal` });
      res.end();
    });
    const client = clientOf(url);
    try {
      await expect(client.get('/api/v1/services')).rejects.toThrow(CommandFailedError);
      await expect(client.events(new AbortController().signal)).rejects.toThrow(CommandFailedError);
    } finally {
      await client.close();
    }
    expect(elsewhere).toEqual([]);
  }, 60_000);
});
