/** The stack file's `notify` list (README "Alerts"): what it resolves to and what it refuses, at its line. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/main/core/config';
import { ConfigError } from '../../src/main/core/errors';
import { parseStackText, type UserLookup } from '../../src/main/core/stack/stack-file';
import { ALERT_EVENTS } from '../../src/main/core/alerts/alert-events';
import { MAX_NOTIFY_TARGETS, targetLabel } from '../../src/main/core/alerts/notify-schema';

const dataDir = mkdtempSync(join(tmpdir(), 'bsup-notify-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const base = loadConfig({ SUPERVISOR_DATA_DIR: dataDir }, { command: '/bin/true' });
const DIR = '/srv/site';
const asUser: UserLookup = { currentUid: 1000, uidOf: (n) => (n === 'me' ? 1000 : null) };

const parse = (lines: string[]) => parseStackText(`${lines.join('\n')}\n`, 'stack.yaml', DIR, base, { users: asUser });

function problems(lines: string[]): string[] {
  try {
    parse(lines);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message.split('\n');
  }
  throw new Error('expected a ConfigError');
}

/** A service `api` whose notify list is `entries` (lines indented under `notify:`, line 4 on). */
const api = (...entries: string[]) => ['services:', '  api:', '    command: /bin/true', '    notify:', ...entries];

describe('notify resolves to targets', () => {
  it('takes webhooks and commands, with their headers, timeouts (s → ms), events, and the file’s folder', () => {
    const [service] = parse(
      api(
        '      - url: https://hooks.example.com/T0/B0/secret?x=1',
        '        headers: { Authorization: "Bearer abc", X-Team: "12" }',
        '        timeout: 2.5',
        '      - command: ./bin/page-oncall --team site',
        '        events: [give-up, crash, give-up]',
        '      - command: [/usr/bin/logger, -t, alert]',
      ),
    ).services;
    expect(service!.notify).toEqual([
      {
        kind: 'webhook',
        url: 'https://hooks.example.com/T0/B0/secret?x=1',
        headers: { Authorization: 'Bearer abc', 'X-Team': '12' },
        timeoutMs: 2500,
        events: [...ALERT_EVENTS],
      },
      {
        kind: 'command',
        argv: ['./bin/page-oncall', '--team', 'site'],
        cwd: DIR,
        timeoutMs: 10_000,
        events: ['give-up', 'crash'],
      },
      {
        kind: 'command',
        argv: ['/usr/bin/logger', '-t', 'alert'],
        cwd: DIR,
        timeoutMs: 10_000,
        events: [...ALERT_EVENTS],
      },
    ]);
  });

  it('names a webhook by its origin alone: its path may be the secret', () => {
    const [service] = parse(api('      - url: https://hooks.example.com:8443/T0/B0/secret?token=x')).services;
    expect(targetLabel(service!.notify![0]!)).toBe('webhook https://hooks.example.com:8443');
  });

  it('gives a service without notify none, and a postgres service takes one', () => {
    const { services } = parse([
      'services:',
      '  db:',
      '    kind: postgres',
      '    port: 15439',
      '    notify: [{ command: [/bin/true] }]',
      '  app:',
      '    command: /bin/true',
    ]);
    expect(services.find((s) => s.name === 'app')!.notify).toBeUndefined();
    expect(services.find((s) => s.name === 'db')!.notify).toEqual([
      { kind: 'command', argv: ['/bin/true'], cwd: DIR, timeoutMs: 10_000, events: [...ALERT_EVENTS] },
    ]);
  });
});

describe('notify refuses, at the line of the entry', () => {
  it.each([
    ['file:///etc/passwd', 'must be an http:// or https:// URL'],
    ['ftp://example.com/x', 'must be an http:// or https:// URL'],
    ['javascript:alert(1)', 'must be an http:// or https:// URL'],
    ['http://user:pw@example.com/hook', 'must not hold a user or password (put them in headers)'],
  ])('a webhook URL %s', (url, why) => {
    expect(problems(api(`      - url: '${url}'`))).toEqual([`stack.yaml:5: services.api.notify.0.url: ${why}`]);
  });

  it('an entry with both url and command, or neither, and headers on a command', () => {
    expect(
      problems(
        api(
          '      - url: http://127.0.0.1:9/x',
          '        command: [/bin/true]',
          '      - timeout: 1',
          '      - command: [/bin/true]',
          '        headers: { A: b }',
        ),
      ),
    ).toEqual([
      'stack.yaml:5: services.api.notify.0: give one of url (a webhook) or command',
      'stack.yaml:7: services.api.notify.1: give one of url (a webhook) or command',
      'stack.yaml:9: services.api.notify.2.headers: is only for a webhook (url)',
    ]);
  });

  it('headers the supervisor sets, bad names, line breaks, numbers, and a name given twice in two cases', () => {
    expect(
      problems(
        api(
          '      - url: http://127.0.0.1:9/x',
          '        headers:',
          '          Content-Type: text/plain',
          '          Host: evil.example',
          '          "Bad Name": x',
          '          X-Split: "a\\r\\nInjected: 1"',
          '          X-Number: 12',
        ),
      ),
    ).toEqual([
      'stack.yaml:7: services.api.notify.0.headers.Content-Type: is set by the supervisor (host, content-length, content-type, transfer-encoding, connection, keep-alive, upgrade, te, trailer, expect)',
      'stack.yaml:8: services.api.notify.0.headers.Host: is set by the supervisor (host, content-length, content-type, transfer-encoding, connection, keep-alive, upgrade, te, trailer, expect)',
      'stack.yaml:9: services.api.notify.0.headers.Bad Name: is not a header name',
      'stack.yaml:10: services.api.notify.0.headers.X-Split: must not hold a line break or NUL',
      'stack.yaml:11: services.api.notify.0.headers.X-Number: must be text (quote a number)',
    ]);
    // HTTP names are case-insensitive: both spellings would be sent.
    expect(
      problems(
        api(
          '      - url: http://127.0.0.1:9/x',
          '        headers:',
          '          authorization: a',
          '          Authorization: b',
        ),
      ),
    ).toEqual([
      'stack.yaml:8: services.api.notify.0.headers.Authorization: is given twice (header names are case-insensitive)',
    ]);
  });

  it('a timeout of 0, above 60 s or not a number; an unknown event; an empty events list; an unknown key', () => {
    expect(
      problems(
        api(
          '      - command: [/bin/true]',
          '        timeout: 0',
          '      - command: [/bin/true]',
          '        timeout: 61',
          '      - command: [/bin/true]',
          '        events: [crashed]',
          '      - command: [/bin/true]',
          '        events: []',
          '      - command: [/bin/true]',
          '        retries: 3',
        ),
      ),
    ).toEqual([
      'stack.yaml:6: services.api.notify.0.timeout: must be a number of seconds above 0 and at most 60',
      'stack.yaml:8: services.api.notify.1.timeout: must be a number of seconds above 0 and at most 60',
      'stack.yaml:10: services.api.notify.2.events.0: must be one of crash, hang, failed-start, give-up',
      'stack.yaml:12: services.api.notify.3.events: must name at least one event (leave it out for all)',
      'stack.yaml:14: services.api.notify.4.retries: unknown key',
    ]);
  });

  it(`more than ${MAX_NOTIFY_TARGETS} entries, or not a list`, () => {
    const many = Array.from({ length: MAX_NOTIFY_TARGETS + 1 }, () => '      - command: [/bin/true]');
    expect(problems(api(...many))).toEqual([
      `stack.yaml:4: services.api.notify: may have at most ${MAX_NOTIFY_TARGETS} entries`,
    ]);
    expect(problems(['services:', '  api:', '    command: /bin/true', '    notify: https://example.com/hook'])).toEqual(
      ['stack.yaml:4: services.api.notify: must be a list of {url, headers} or {command} entries'],
    );
  });
});
