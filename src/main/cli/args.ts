/**
 * The client's command line: `<command> [operand] [options]`, checked against the command's
 * entry in the table (commands.ts). Every mistake is a {@link UsageError} (exit 2).
 */
import { parseArgs } from 'node:util';
import { SERVICE_NAME_PATTERN } from '../../shared/services';
import { CONNECTION_OPTIONS, COMPLETION_SHELLS, clientCommand, connects, type CommandSpec } from './commands';
import { UsageError, type CliMessage } from './errors';

/** A parsed client command line. */
export interface ParsedCommand {
  command: CommandSpec;
  /** The operand (a service, a shell, a command name), if given. */
  operand: string | undefined;
  /** `--help` was given. */
  help: boolean;
  /** The option values by long name (booleans false when absent). */
  values: Record<string, string | boolean | undefined>;
  /** `--url`, `--token-file`, `--data-dir`. */
  connection: { url?: string; tokenFile?: string; dataDir?: string };
}

/**
 * Parses `argv` (the command's name first).
 * @throws UsageError for an unknown command or option, a missing or extra operand, an
 * option without its value, a service name that cannot be one.
 */
export function parseCommand(argv: readonly string[]): ParsedCommand {
  const [name, ...rest] = argv;
  const command = clientCommand(name);
  if (!command) throw new UsageError({ key: 'cli.usage.unknownCommand', values: { name: name ?? '' } });
  const specs = { ...command.options, ...(connects(command) ? CONNECTION_OPTIONS : {}) };
  const options = Object.fromEntries(
    Object.entries(specs).map(([long, spec]) => [
      long,
      spec.short ? { type: spec.type, short: spec.short } : { type: spec.type },
    ]),
  );
  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      allowPositionals: true,
      strict: true,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    throw new UsageError(parseArgsMessage(err as Error & { code?: string }), command.name);
  }
  const { values, positionals } = parsed;
  const help = values.help === true;
  if (positionals.length > 1) {
    throw new UsageError({ key: 'cli.usage.tooMany', values: { args: positionals.slice(1).join(' ') } }, command.name);
  }
  const operand = positionals[0];
  if (!help) checkOperand(command, operand, values);
  const text = (key: string): string | undefined => {
    const v = values[key as keyof typeof values];
    return typeof v === 'string' ? v : undefined;
  };
  return {
    command,
    operand,
    help,
    values: values as Record<string, string | boolean | undefined>,
    connection: { url: text('url'), tokenFile: text('token-file'), dataDir: text('data-dir') },
  };
}

/**
 * What node's parseArgs said, as the client's message: its errors' codes and the option they
 * quote (`'-n, --lines <value>'`) are stable, their English words are not the user's language.
 * Anything else is its own first line, as it is.
 */
export function parseArgsMessage(err: Error & { code?: string }): CliMessage {
  const first = err.message.split('\n')[0] ?? '';
  const quoted = /'([^']+)'/.exec(first)?.[1] ?? '';
  // `-n, --lines <value>`: the long name is the one to show.
  const option = /--[a-z][a-z-]*/.exec(quoted)?.[0] ?? quoted.split(' ')[0] ?? quoted;
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
    return { key: 'cli.usage.unknownOption', values: { option: quoted } };
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/argument is ambiguous/.test(first)) {
      // Its later lines name the long option (`'--lines=-XYZ'`).
      const long = /'--([a-z][a-z-]*)=/.exec(err.message)?.[1] ?? option.replace(/^--/, '');
      return { key: 'cli.usage.dashValue', values: { option, name: long } };
    }
    if (/does not take an argument/.test(first)) return { key: 'cli.usage.noValue', values: { option } };
    if (/argument missing/.test(first)) return { key: 'cli.usage.valueMissing', values: { option } };
  }
  return first.split('. ')[0] ?? first;
}

function checkOperand(command: CommandSpec, operand: string | undefined, values: Record<string, unknown>): void {
  switch (command.operand) {
    case 'none':
      if (operand !== undefined)
        throw new UsageError({ key: 'cli.usage.noArgument', values: { command: command.name, operand } }, command.name);
      return;
    case 'service':
      if (operand !== undefined && !SERVICE_NAME_PATTERN.test(operand)) {
        throw new UsageError({ key: 'cli.usage.notService', values: { operand } }, command.name);
      }
      if (operand !== undefined && values.all === true) {
        throw new UsageError({ key: 'cli.usage.serviceOrAll' }, command.name);
      }
      return;
    case 'shell':
      if (operand === undefined || !(COMPLETION_SHELLS as readonly string[]).includes(operand)) {
        throw new UsageError({ key: 'cli.usage.shell', values: { shells: COMPLETION_SHELLS.join('|') } }, command.name);
      }
      return;
    case 'command':
      if (operand !== undefined && operand !== 'serve' && !clientCommand(operand)) {
        throw new UsageError({ key: 'cli.usage.unknownCommand', values: { name: operand } }, command.name);
      }
      return;
  }
}

/** Most log lines one call asks for (the `logs:tail` channel's limit). */
export const MAX_LOG_LINES = 100_000;

/**
 * `-n N`: a whole number from 0 to {@link MAX_LOG_LINES}.
 * @throws UsageError otherwise.
 */
export function lineCount(raw: string): number {
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n > MAX_LOG_LINES) {
    throw new UsageError({ key: 'cli.usage.lines', values: { raw, max: MAX_LOG_LINES } }, 'logs');
  }
  return n;
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--since`: a duration back from `now` (`90s`, `10m`, `1.5h`, `2d`) or a date in ISO 8601
 * form that `Date.parse` reads (RFC 3339 such as `2026-12-02T10:00:00Z`, or `2026-12-02`).
 * @returns the time in ms since the epoch.
 * @throws UsageError for anything else.
 */
export function sinceTime(raw: string, now: number): number {
  const duration = /^(\d+(?:\.\d+)?)([smhd])$/.exec(raw.trim());
  if (duration) return now - Number(duration[1]) * (DURATION_UNITS_MS[duration[2] as string] as number);
  // Only a date that starts as ISO 8601 does (YYYY-MM-DD): V8's Date.parse takes nearly
  // anything else as some day of 2001 (`1.5`, a unit forgotten, is 2001-01-05: every line).
  const at = /^\d{4}-\d{2}-\d{2}(?:$|[T ])/.test(raw.trim()) ? Date.parse(raw.trim()) : NaN;
  if (Number.isNaN(at)) {
    throw new UsageError({ key: 'cli.usage.since', values: { raw } }, 'logs');
  }
  return at;
}
