/**
 * The command-line client's commands: the one table that the help (help.ts), the argument
 * parser and the shell completion are made from. Plain data with no imports, so the entry can
 * tell a client command from `serve` without loading the client. Its words are locale keys.
 */

/** One option of a command, in node:util `parseArgs` terms. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** The value's placeholder in the help (`<N>`); only for `string`. */
  value?: string;
  /** What it does: a locale key (`cli.opt.*`), put into words by the help (help.ts). */
  doc: string;
}

/** What a command takes besides its options. */
export type Operand = 'none' | 'service' | 'shell' | 'command';

/** One client command. */
export interface CommandSpec {
  name: string;
  /** What follows the name in the usage line. */
  synopsis: string;
  /** What it does: a locale key (`cli.cmd.*`). */
  summary: string;
  operand: Operand;
  options: Readonly<Record<string, OptionSpec>>;
  /** Whether it only reads (the read-only token is enough). */
  readOnly: boolean;
}

/** The options every command that talks to a supervisor takes: where it is and the token. */
export const CONNECTION_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  url: {
    type: 'string',
    value: '<url>',
    doc: 'cli.opt.url',
  },
  'token-file': {
    type: 'string',
    value: '<file>',
    doc: 'cli.opt.tokenFile',
  },
  'data-dir': {
    type: 'string',
    value: '<dir>',
    doc: 'cli.opt.dataDir',
  },
};

const JSON_OPTION: OptionSpec = { type: 'boolean', doc: 'cli.opt.json' };
const ALL_OPTION: OptionSpec = { type: 'boolean', doc: 'cli.opt.all' };

/** The client commands, in the order the help lists them. */
export const CLIENT_COMMANDS: readonly CommandSpec[] = [
  {
    name: 'status',
    synopsis: '[service] [--json]',
    summary: 'cli.cmd.status',
    operand: 'service',
    options: { json: JSON_OPTION },
    readOnly: true,
  },
  {
    name: 'services',
    synopsis: '[--json] [-q]',
    summary: 'cli.cmd.services',
    operand: 'none',
    options: { json: JSON_OPTION, quiet: { type: 'boolean', short: 'q', doc: 'cli.opt.quiet' } },
    readOnly: true,
  },
  {
    name: 'start',
    synopsis: '[service | --all]',
    summary: 'cli.cmd.start',
    operand: 'service',
    options: { all: ALL_OPTION },
    readOnly: false,
  },
  {
    name: 'stop',
    synopsis: '[service | --all]',
    summary: 'cli.cmd.stop',
    operand: 'service',
    options: { all: ALL_OPTION },
    readOnly: false,
  },
  {
    name: 'restart',
    synopsis: '[service | --all]',
    summary: 'cli.cmd.restart',
    operand: 'service',
    options: { all: ALL_OPTION },
    readOnly: false,
  },
  {
    name: 'logs',
    synopsis: '[service] [-f] [-n N] [--since 10m] [--json]',
    summary: 'cli.cmd.logs',
    operand: 'service',
    options: {
      follow: { type: 'boolean', short: 'f', doc: 'cli.opt.follow' },
      lines: { type: 'string', short: 'n', value: '<N>', doc: 'cli.opt.lines' },
      since: { type: 'string', value: '<when>', doc: 'cli.opt.since' },
      json: { type: 'boolean', doc: 'cli.opt.logsJson' },
    },
    readOnly: false,
  },
  {
    name: 'incidents',
    synopsis: '[--json]',
    summary: 'cli.cmd.incidents',
    operand: 'none',
    options: { json: JSON_OPTION },
    readOnly: false,
  },
  {
    name: 'reload',
    synopsis: '[--dry-run]',
    summary: 'cli.cmd.reload',
    operand: 'none',
    options: { 'dry-run': { type: 'boolean', doc: 'cli.opt.dryRun' } },
    readOnly: false,
  },
  {
    name: 'completion',
    synopsis: 'bash|zsh',
    summary: 'cli.cmd.completion',
    operand: 'shell',
    options: {},
    readOnly: true,
  },
  {
    name: 'help',
    synopsis: '[command]',
    summary: 'cli.cmd.help',
    operand: 'command',
    options: {},
    readOnly: true,
  },
];

/** The shells `completion` writes a script for. */
export const COMPLETION_SHELLS = ['bash', 'zsh'] as const;

/** The command of this name, or undefined. */
export function clientCommand(name: string | undefined): CommandSpec | undefined {
  return CLIENT_COMMANDS.find((c) => c.name === name);
}

/** Whether a command talks to a supervisor (and so takes {@link CONNECTION_OPTIONS}). */
export function connects(command: CommandSpec): boolean {
  return command.name !== 'completion' && command.name !== 'help';
}
