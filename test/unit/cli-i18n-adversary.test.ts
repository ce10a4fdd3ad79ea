// The client's translated messages against odd input: every help and usage error in both
// languages (no locale key ever printed raw, the lines within the help's width, the exit codes
// the same), a supervisor's words with ICU syntax printed as sent, the plural forms at their edges.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CLIENT_COMMANDS } from '../../src/main/cli/commands';
import { runClient } from '../../src/main/cli/main';
import type { Output } from '../../src/main/console-output';
import { createTranslator } from '../../src/shared/locales/translate';

interface Run {
  code: number;
  text: string;
}

async function client(argv: string[], env: Record<string, string>): Promise<Run> {
  const lines: string[] = [];
  const output = { out: (l: string) => void lines.push(l), err: (l: string) => void lines.push(l), backlog: () => 0 };
  const code = await runClient(argv, output as unknown as Output, { env, stdoutIsTTY: false });
  return { code, text: lines.join('\n') };
}

const LANGUAGES = { ru: { LANG: 'ru_RU.UTF-8' }, en: { LANG: 'C' } };
/** A locale key as the translator returns one it lacks: `cli.` and a word. */
const RAW_KEY = /\bcli\.[a-z]/i;
/** The help's width (help.ts), characters. */
const HELP_WIDTH = 100;

const commandLines: string[][] = [
  ['help'],
  ['--help'],
  [],
  ...CLIENT_COMMANDS.flatMap((c) => [
    [c.name, '--help'],
    ['help', c.name],
    [c.name, '--bogus'],
  ]),
  ['help', 'bogus'],
  ['completion', 'bash'],
  ['completion', 'zsh'],
  ['completion', 'fish'],
  ['logs', '-n', '-1'],
  ['logs', '--since', 'yesterday'],
];

describe('every help and usage error, in Russian and in English', () => {
  it.each(commandLines.map((argv) => [argv.join(' ') || '(nothing)', argv] as const))(
    '%s: no raw locale key, the help within its width, the same exit code in both',
    async (_label, argv) => {
      const codes: number[] = [];
      for (const env of Object.values(LANGUAGES)) {
        const run = await client([...argv], env);
        expect(run.text).not.toMatch(RAW_KEY);
        // The help's lines are wrapped; an error line is one line, whatever its length.
        if (run.code === 0 && !argv.includes('completion'))
          for (const line of run.text.split('\n')) expect([...line].length).toBeLessThanOrEqual(HELP_WIDTH);
        codes.push(run.code);
      }
      expect(codes[0]).toBe(codes[1]);
    },
  );
});

describe("a supervisor's words with ICU syntax", () => {
  it('print as sent, in both languages, with exit 1: never formatted, never thrown', async () => {
    const message = "bad {x} 'y' # {n, plural, one {z} other {w}} '{'";
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () =>
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: message, code: 'X{' })),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const env of Object.values(LANGUAGES)) {
        for (const argv of [['reload'], ['restart', 'db'], ['status']]) {
          const run = await client([...argv, '--url', url], { ...env, CONTROL_TOKEN: 't' });
          expect(run.code).toBe(1);
          expect(run.text).toContain(message);
          expect(run.text).not.toMatch(RAW_KEY);
        }
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("Russian's plural forms at their edges", () => {
  const ru = createTranslator('ru');
  const en = createTranslator('en');
  it.each([
    [0, '0 сбоев подряд', '0 failures in a row'],
    [1, '1 сбой подряд', '1 failure in a row'],
    [2, '2 сбоя подряд', '2 failures in a row'],
    [5, '5 сбоев подряд', '5 failures in a row'],
    [11, '11 сбоев подряд', '11 failures in a row'],
    [21, '21 сбой подряд', '21 failures in a row'],
    [1.5, '1,5 сбоя подряд', '1.5 failures in a row'],
  ])('%s failures', (count, russian, english) => {
    expect(ru('cli.detail.restartCount', { restarts: 'a{b}', failures: count })).toBe(`a{b} (${russian})`);
    expect(en('cli.detail.restartCount', { restarts: 'a{b}', failures: count })).toBe(`a{b} (${english})`);
  });
});
