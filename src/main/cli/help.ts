/**
 * The client's help, made from the command table (commands.ts) in the shell's language:
 * the bare command, `--help`, `help [command]` and `<command> --help`. Command names, option
 * names and placeholders stay as they are typed.
 */
import { languageFromEnv } from '../../shared/locales/languages';
import { createTranslator, type Translate } from '../../shared/locales/translate';
import { ENV_VARIABLES } from '../core/config';
import { parseArgsMessage } from './args';
import { textOf } from './errors';
import { CLIENT_COMMANDS, CONNECTION_OPTIONS, connects, type CommandSpec, type OptionSpec } from './commands';

/** `--name <value>` / `-x, --name` as the help shows an option. */
function optionLabel(name: string, spec: OptionSpec): string {
  const long = `--${name}${spec.value ? ` ${spec.value}` : ''}`;
  return spec.short ? `-${spec.short}, ${long}` : `    ${long}`;
}

/** Width of the help's lines, characters. */
const HELP_WIDTH = 100;
/** Width of the help's left column (a label longer than it puts its text on the next line). */
const LABEL_WIDTH = 26;
/** Width of the help's paragraphs, characters: narrower than the columns, as prose reads best. */
const PROSE_WIDTH = 90;

/** `text` in lines of at most `width` characters, broken at spaces (and at its own line breaks). */
function wrap(text: string, width: number): string[] {
  if (text.includes('\n')) return text.split('\n').flatMap((part) => wrap(part, width));
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

/** Help lines for options, their docs in the language of `t`. */
function optionLines(options: Readonly<Record<string, OptionSpec>>, t: Translate): string[] {
  return twoColumns(Object.entries(options).map(([name, spec]) => [optionLabel(name, spec), t(spec.doc)]));
}

/** What the client's commands exit with (see errors.ts EXIT), wrapped. */
function exitStatus(t: Translate): string {
  return wrap(t('cli.help.exitStatus'), PROSE_WIDTH).join('\n');
}

/** The help of the bare command, `--help` and `help`, in the language of `t`. */
export function generalHelp(t: Translate): string {
  const commands = twoColumns([
    ['serve [options]', t('cli.help.serve')],
    ...CLIENT_COMMANDS.map((c): [string, string] => [`${c.name} ${c.synopsis}`.trimEnd(), t(c.summary)]),
  ]);
  return `${t('cli.help.usage')} backend-supervisor <command> [options]

${wrap(t('cli.help.about'), PROSE_WIDTH).join('\n')}

${t('cli.help.commands')}
${commands.join('\n')}

${t('cli.help.connection')}
${optionLines({ ...CONNECTION_OPTIONS, help: { type: 'boolean', short: 'h', doc: 'cli.opt.help' } }, t).join('\n')}

${optionLines({ version: { type: 'boolean', short: 'v', doc: 'cli.opt.version' } }, t).join('\n')}

${exitStatus(t)}
`;
}

/** `serve`'s options as its help shows them (parsed in headless.ts), each with its doc's locale key. */
const SERVE_OPTIONS: readonly (readonly [string, string])[] = [
  ['--control-host <host>', 'cli.serve.opt.controlHost'],
  ['--control-port <port>', 'cli.serve.opt.controlPort'],
  ['--data-dir <dir>', 'cli.serve.opt.dataDir'],
  ['--settings <file>', 'cli.serve.opt.settings'],
  ['--stack <file>', 'cli.serve.opt.stack'],
  ['--no-start', 'cli.serve.opt.noStart'],
  ['-h, --help', 'cli.serve.opt.help'],
  ['-v, --version', 'cli.opt.version'],
];

/** `serve --help` in the language of `t`: what it does, its signals, its options and the environment it reads (ENV_VARIABLES). */
export function serveHelp(t: Translate): string {
  const environment = twoColumns(ENV_VARIABLES.map((v): [string, string] => [v.names.join(' / '), t(v.doc)]));
  return `${t('cli.help.usage')} backend-supervisor serve [options]

${wrap(t('cli.serve.about'), PROSE_WIDTH).join('\n')}

${wrap(t('cli.serve.signals'), PROSE_WIDTH).join('\n')}

${t('cli.help.options')}
${twoColumns(SERVE_OPTIONS.map(([label, key]) => [label, t(key)])).join('\n')}

${t('cli.serve.environment')}
${environment.join('\n')}
`;
}

/** {@link serveHelp} in the language of `env` (LC_ALL, LC_MESSAGES, LANG). */
export function serveHelpIn(env: Record<string, string | undefined>): string {
  return serveHelp(createTranslator(languageFromEnv(env)));
}

/**
 * What `serve` says to an option node's parseArgs refused (unknown, its value missing), in the
 * language of `env`, as the client commands say it: one line naming the help to read (`help`,
 * `serve --help` or `--help`).
 */
export function serveUsageIn(
  env: Record<string, string | undefined>,
  err: Error & { code?: string },
  help: string,
): string {
  const t = createTranslator(languageFromEnv(env));
  return `${textOf(parseArgsMessage(err), t)} ${t('cli.usage.see', { help })}`;
}

/** {@link generalHelp} in the language of `env` (LC_ALL, LC_MESSAGES, LANG): for the entry, which has no translator. */
export function generalHelpIn(env: Record<string, string | undefined>): string {
  return generalHelp(createTranslator(languageFromEnv(env)));
}

/** The help of one client command, in the language of `t`. */
export function commandHelp(command: CommandSpec, t: Translate): string {
  const options = {
    ...command.options,
    ...(connects(command) ? CONNECTION_OPTIONS : {}),
    help: { type: 'boolean', short: 'h', doc: 'cli.opt.thisHelp' } satisfies OptionSpec,
  };
  const summary = t(command.summary);
  return `${t('cli.help.usage')} backend-supervisor ${command.name} ${command.synopsis}`.trimEnd().concat(`

${summary[0]?.toUpperCase()}${summary.slice(1)}.

${t('cli.help.options')}
${optionLines(options, t).join('\n')}

${exitStatus(t)}
`);
}

/**
 * What the entry says, in the language of `env`, to a command line with options but no
 * command (`command` null) or with a word that is none: the commands to choose from.
 */
export function noCommandIn(env: Record<string, string | undefined>, command: string | null): string {
  const t = createTranslator(languageFromEnv(env));
  const commands = ['serve', ...CLIENT_COMMANDS.map((c) => c.name)].join(', ');
  return command === null
    ? t('cli.usage.nameCommand', { commands })
    : t('cli.usage.unknownCommandOf', { name: command, commands });
}
