/**
 * The command-line client's commands: the one table that the general help, the argument
 * parser and the shell completion are made from. Plain data with no imports, so the entry can
 * tell a client command from `serve` (and print the general help) without loading the client.
 */

/** One option of a command, in node:util `parseArgs` terms. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** The value's placeholder in the help (`<N>`); only for `string`. */
  value?: string;
  doc: string;
}

/** What a command takes besides its options. */
export type Operand = 'none' | 'service' | 'shell' | 'command';

/** One client command. */
export interface CommandSpec {
  name: string;
  /** What follows the name in the usage line. */
  synopsis: string;
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
    doc: 'the control server (env BACKEND_SUPERVISOR_URL; default: the address serve wrote in <data-dir>/control-url, else CONTROL_HOST and CONTROL_PORT, else http://127.0.0.1:8000)',
  },
  'token-file': {
    type: 'string',
    value: '<file>',
    doc: 'the token file (env BACKEND_SUPERVISOR_TOKEN_FILE; default <data-dir>/control-token, or control-read-token for a command that only reads; CONTROL_TOKEN gives the token itself)',
  },
  'data-dir': {
    type: 'string',
    value: '<dir>',
    doc: "the supervisor's data folder (env SUPERVISOR_DATA_DIR; default as serve)",
  },
};

const JSON_OPTION: OptionSpec = { type: 'boolean', doc: 'print JSON (as the API answers it) instead of a table' };
const ALL_OPTION: OptionSpec = { type: 'boolean', doc: 'every service of the stack, in dependency order' };

/** The client commands, in the order the help lists them. */
export const CLIENT_COMMANDS: readonly CommandSpec[] = [
  {
    name: 'status',
    synopsis: '[service] [--json]',
    summary: 'the state of every service (a table), or of one in detail',
    operand: 'service',
    options: { json: JSON_OPTION },
    readOnly: true,
  },
  {
    name: 'services',
    synopsis: '[--json] [-q]',
    summary: 'the services: primary, dependencies, health check',
    operand: 'none',
    options: { json: JSON_OPTION, quiet: { type: 'boolean', short: 'q', doc: 'only the names, one a line' } },
    readOnly: true,
  },
  {
    name: 'start',
    synopsis: '[service | --all]',
    summary: 'start a service (default: the primary one) after what it depends on',
    operand: 'service',
    options: { all: ALL_OPTION },
    readOnly: false,
  },
  {
    name: 'stop',
    synopsis: '[service | --all]',
    summary: 'stop a service (default: the primary one); its dependencies keep running',
    operand: 'service',
    options: { all: ALL_OPTION },
    readOnly: false,
  },
  {
    name: 'restart',
    synopsis: '[service | --all]',
    summary: 'restart a service (default: the primary one)',
    operand: 'service',
    options: { all: ALL_OPTION },
    readOnly: false,
  },
  {
    name: 'logs',
    synopsis: '[service] [-f] [-n N] [--since 10m] [--json]',
    summary: 'the last log lines of a service (default: every service, merged by time)',
    operand: 'service',
    options: {
      follow: { type: 'boolean', short: 'f', doc: 'then follow new lines until Ctrl-C' },
      lines: { type: 'string', short: 'n', value: '<N>', doc: 'how many past lines (default 50; 0: none)' },
      since: {
        type: 'string',
        value: '<when>',
        doc: 'only lines since then: a duration back (30s, 10m, 2h, 1d) or a date (2026-12-02T10:00:00Z)',
      },
      json: { type: 'boolean', doc: 'one JSON object a line (seq, ts, stream, text, service)' },
    },
    readOnly: false,
  },
  {
    name: 'incidents',
    synopsis: '[--json]',
    summary: 'the recorded incidents, newest first',
    operand: 'none',
    options: { json: JSON_OPTION },
    readOnly: false,
  },
  {
    name: 'reload',
    synopsis: '[--dry-run]',
    summary: 're-read the settings and the stack file and apply them without restarting the supervisor',
    operand: 'none',
    options: { 'dry-run': { type: 'boolean', doc: 'only say what it would restart, add, remove or update' } },
    readOnly: false,
  },
  {
    name: 'completion',
    synopsis: 'bash|zsh',
    summary: 'print the shell completion script',
    operand: 'shell',
    options: {},
    readOnly: true,
  },
  {
    name: 'help',
    synopsis: '[command]',
    summary: 'this help, or the help of a command',
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

/** `--name <value>` / `-x, --name` as the help shows an option. */
function optionLabel(name: string, spec: OptionSpec): string {
  const long = `--${name}${spec.value ? ` ${spec.value}` : ''}`;
  return spec.short ? `-${spec.short}, ${long}` : `    ${long}`;
}

/** Width of the help's lines, characters. */
const HELP_WIDTH = 100;
/** Width of the help's left column (a label longer than it puts its text on the next line). */
const LABEL_WIDTH = 26;

/** `text` in lines of at most `width` characters, broken at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line];
}

/** Two columns: each label, then its text wrapped beside it (or under it when the label is longer than the column). */
function twoColumns(rows: readonly (readonly [string, string])[]): string[] {
  const indent = ' '.repeat(LABEL_WIDTH + 4);
  return rows.flatMap(([label, text]) => {
    const body = wrap(text, HELP_WIDTH - indent.length).map((l) => `${indent}${l}`);
    const head = `  ${label}`;
    if (head.length >= LABEL_WIDTH + 3) return [head, ...body];
    const first = body[0] ?? indent;
    return [`${head.padEnd(indent.length)}${first.slice(indent.length)}`, ...body.slice(1)];
  });
}

/** Help lines for options. */
function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  return twoColumns(Object.entries(options).map(([name, spec]) => [optionLabel(name, spec), spec.doc]));
}

/** What the client's commands exit with (see errors.ts EXIT). */
const EXIT_STATUS_HELP = `Exit status: 0 done, 1 the command failed (the supervisor said why), 2 a usage error,
3 no supervisor could be reached.`;

/** The help of the bare command, `--help` and `help`. */
export function generalHelp(): string {
  const commands = twoColumns([
    ['serve [options]', 'run the supervisor and its control server (serve --help)'],
    ...CLIENT_COMMANDS.map((c): [string, string] => [`${c.name} ${c.synopsis}`.trimEnd(), c.summary]),
  ]);
  return `Usage: backend-supervisor <command> [options]

Runs a backend and the services it needs under supervision (serve), and controls a running
supervisor from the command line (the other commands, through its control API).

Commands:
${commands.join('\n')}

Options of the commands that talk to a supervisor:
${optionLines({ ...CONNECTION_OPTIONS, help: { type: 'boolean', short: 'h', doc: 'the help of a command' } }).join('\n')}

${optionLines({ version: { type: 'boolean', short: 'v', doc: 'the version' } }).join('\n')}

${EXIT_STATUS_HELP}
`;
}

/** The help of one client command. */
export function commandHelp(command: CommandSpec): string {
  const options = {
    ...command.options,
    ...(connects(command) ? CONNECTION_OPTIONS : {}),
    help: { type: 'boolean', short: 'h', doc: 'this help' } satisfies OptionSpec,
  };
  return `Usage: backend-supervisor ${command.name} ${command.synopsis}`.trimEnd().concat(`

${command.summary[0]?.toUpperCase()}${command.summary.slice(1)}.

Options:
${optionLines(options).join('\n')}

${EXIT_STATUS_HELP}
`);
}
