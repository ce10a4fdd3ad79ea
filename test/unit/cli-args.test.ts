// The command-line client's argument parsing and its value readers (-n, --since).
import { describe, expect, it } from 'vitest';
import { lineCount, MAX_LOG_LINES, parseCommand, sinceTime } from '../../src/main/cli/args';
import { CLIENT_COMMANDS, clientCommand } from '../../src/main/cli/commands';
import { EXIT, UsageError } from '../../src/main/cli/errors';
import { commandHelp, generalHelp } from '../../src/main/cli/help';
import { createTranslator } from '../../src/shared/locales/translate';

const en = createTranslator('en');

function usageError(argv: string[]): UsageError {
  try {
    parseCommand(argv);
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
}

describe('parseCommand', () => {
  it('reads the operand, the options and the connection flags in any order', () => {
    const p = parseCommand([
      'logs',
      '-f',
      'db',
      '-n',
      '5',
      '--since',
      '10m',
      '--url',
      'http://x:1',
      '--data-dir',
      '/d',
    ]);
    expect(p.command.name).toBe('logs');
    expect(p.operand).toBe('db');
    expect(p.values).toMatchObject({ follow: true, lines: '5', since: '10m' });
    expect(p.connection).toEqual({ url: 'http://x:1', tokenFile: undefined, dataDir: '/d' });
    expect(parseCommand(['status']).operand).toBeUndefined();
    expect(parseCommand(['restart', '--all']).values.all).toBe(true);
  });

  it('refuses, as usage errors naming the command: unknown commands and options, bad operands', () => {
    expect(usageError(['frobnicate']).message).toBe('unknown command "frobnicate"');
    expect(usageError(['status', '--bogus'])).toMatchObject({ command: 'status', exitCode: EXIT.usage });
    expect(usageError(['status', '--bogus']).message).toBe('unknown option --bogus');
    expect(usageError(['incidents', 'db']).message).toContain('takes no argument');
    expect(usageError(['status', 'a', 'b']).message).toContain('too many arguments');
    expect(usageError(['status', 'Bad Name']).message).toContain('not a service name');
    expect(usageError(['start', 'db', '--all']).message).toContain('not both');
    expect(usageError(['completion']).message).toBe('name a shell: bash|zsh');
    expect(usageError(['completion', 'fish']).message).toBe('name a shell: bash|zsh');
    expect(usageError(['help', 'nope']).message).toBe('unknown command "nope"');
    expect(usageError(['logs', '-n']).message).toBe('--lines needs a value');
    expect(usageError(['logs', '-n', '-1']).message).toBe(
      'the value of -n starts with a dash: give it as --lines=VALUE',
    );
    expect(usageError(['status', '--json=yes']).message).toBe('--json takes no value');
  });

  it('--help needs no valid operand (help first)', () => {
    expect(parseCommand(['completion', '--help']).help).toBe(true);
    expect(parseCommand(['status', '-h']).help).toBe(true);
  });

  it('the connection flags only on the commands that connect', () => {
    expect(usageError(['completion', 'bash', '--url', 'http://x']).message).toBe('unknown option --url');
  });
});

describe('lineCount and sinceTime', () => {
  it('-n: a whole number from 0 to the channel limit', () => {
    expect(lineCount('0')).toBe(0);
    expect(lineCount('50')).toBe(50);
    expect(lineCount(String(MAX_LOG_LINES))).toBe(MAX_LOG_LINES);
    for (const bad of ['-1', '1.5', 'ten', '', String(MAX_LOG_LINES + 1), '1e3', '0x10']) {
      expect(() => lineCount(bad), bad).toThrow(UsageError);
    }
  });

  it('--since: a duration back from now, or a date', () => {
    const now = Date.parse('2026-12-02T12:00:00Z');
    expect(sinceTime('30s', now)).toBe(now - 30_000);
    expect(sinceTime('10m', now)).toBe(now - 600_000);
    expect(sinceTime('1.5h', now)).toBe(now - 5_400_000);
    expect(sinceTime('2d', now)).toBe(now - 172_800_000);
    expect(sinceTime('2026-12-02T10:00:00Z', now)).toBe(Date.parse('2026-12-02T10:00:00Z'));
    for (const bad of ['10', '10x', 'yesterday', '', 'm']) expect(() => sinceTime(bad, now), bad).toThrow(UsageError);
  });
});

describe('the help', () => {
  it('lists every command of the table, serve first, and the exit codes', () => {
    const help = generalHelp(en);
    const listed = [...help.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]);
    expect(listed.slice(0, CLIENT_COMMANDS.length + 1)).toEqual(['serve', ...CLIENT_COMMANDS.map((c) => c.name)]);
    expect(help).toMatch(/0 done, 1 the command failed.*2 a usage error/s);
    for (const line of help.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it("a command's help lists its own options and the connection ones", () => {
    const help = commandHelp(clientCommand('logs')!, en);
    for (const option of [
      '-f, --follow',
      '-n, --lines <N>',
      '--since <when>',
      '--json',
      '--url <url>',
      '--token-file',
    ]) {
      expect(help).toContain(option);
    }
    expect(commandHelp(clientCommand('completion')!, en)).not.toContain('--url');
  });
});
