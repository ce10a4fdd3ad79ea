/**
 * The command-line client: parses a client command line, finds the supervisor, runs the
 * command and turns what went wrong into one message and the exit code (errors.ts EXIT).
 * Imported by the entry (headless.ts) only once the command is known to be a client one.
 */
import type { Output } from '../console-output';
import { parseCommand, type ParsedCommand } from './args';
import { ControlClient } from './client';
import { clientCommand } from './commands';
import { completion } from './commands/completion';
import { messagesOf, type CliIo, type CommandRun } from './commands/context';
import { control } from './commands/control';
import { incidents } from './commands/incidents';
import { logs } from './commands/logs';
import { reload } from './commands/reload';
import { services } from './commands/services';
import { status } from './commands/status';
import { CliError, EXIT, textOf, UsageError } from './errors';
import { commandHelp, generalHelp } from './help';
import { locate } from './locate';
import type { Translate } from '../../shared/locales/translate';
import { printable, useColor } from './table';

/** Each command's implementation, by name (the names are the table's, commands.ts). */
const RUNS: Readonly<Record<string, CommandRun>> = {
  status,
  services,
  start: control,
  stop: control,
  restart: control,
  logs,
  incidents,
  reload,
  completion,
};

/** The signals that end a following command (Ctrl-C, a service manager's stop, the terminal closing). */
const END_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** What {@link runClient} may be given instead of the process's own. */
export interface ClientOptions {
  /** Whether stdout is a terminal (colour). @default process.stdout.isTTY */
  stdoutIsTTY?: boolean;
  env?: Record<string, string | undefined>;
  now?: () => number;
  /** Where SIGINT and SIGTERM come from. @default process */
  signals?: NodeJS.EventEmitter;
}

/** `help [command]`, in the language of `t`. */
function helpOf(parsed: ParsedCommand, t: Translate): string {
  const about = parsed.operand ?? (parsed.command.name === 'help' ? undefined : parsed.command.name);
  if (about === 'serve') return t('cli.help.seeServe');
  const command = clientCommand(about);
  return command && command.name !== 'help' ? commandHelp(command, t) : generalHelp(t);
}

/**
 * Runs one client command (`argv[0]` its name).
 * @returns the exit code: 0 done, 1 the command failed, 2 a usage error, 3 no supervisor
 * reached. Never throws: an unexpected error is printed and is exit 1.
 */
export async function runClient(argv: readonly string[], output: Output, options: ClientOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const io: CliIo = {
    out: (line) => output.out(line),
    err: (line) => output.err(line),
    colour: useColor(options.stdoutIsTTY ?? process.stdout.isTTY === true, env),
    env,
    now: options.now ?? Date.now,
  };
  const t = messagesOf(io);
  /** `(see backend-supervisor <command> --help)`. */
  const seeHelp = (command: string | undefined): string =>
    t('cli.usage.see', { help: command ? `${command} --help` : '--help' });
  let parsed: ParsedCommand;
  try {
    parsed = parseCommand(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`backend-supervisor: ${printable(textOf(err.text, t))}`);
    io.err(seeHelp(err.command));
    return EXIT.usage;
  }
  if (parsed.help || parsed.command.name === 'help') {
    io.out(helpOf(parsed, t).trimEnd());
    return EXIT.ok;
  }
  const run = RUNS[parsed.command.name];
  if (!run) throw new Error(`no implementation for the command ${parsed.command.name}`);

  const abort = new AbortController();
  const signals = options.signals ?? process;
  const onSignal = (): void => abort.abort();
  const following = parsed.values.follow === true;
  if (following) {
    // In place of the entry's guard (its listener ends the process at once): Ctrl-C ends the
    // stream, and the command its run with exit 0.
    for (const s of END_SIGNALS) {
      signals.removeAllListeners(s);
      signals.on(s, onSignal);
    }
    // A reader that went away (`logs -f | head`) ends it too: nothing would ever be read.
    process.stdout.once('error', onSignal);
  } else if (signals === process) {
    // The terminal closing ends any other command as it ends other programs (SIGHUP's default
    // action, back once no listener is left): signal-exit's listener, installed on import,
    // swallowed it, and a `start` waited on for up to 15 minutes.
    process.removeAllListeners('SIGHUP');
  }
  let client: ControlClient | undefined;
  try {
    return await run({
      io,
      parsed,
      signal: abort.signal,
      client: () => (client ??= new ControlClient(locate(parsed.connection, env, parsed.command.readOnly))),
    });
  } catch (err) {
    // Ctrl-C while following, before the stream was open (or while the past lines came): the end asked for.
    if (following && abort.signal.aborted && !(err instanceof CliError)) return EXIT.ok;
    if (err instanceof CliError) {
      for (const line of textOf(err.text, t).split('\n')) io.err(`backend-supervisor: ${printable(line)}`);
      if (err instanceof UsageError) io.err(seeHelp(parsed.command.name));
      return err.exitCode;
    }
    const why = printable((err as Error).message ?? String(err));
    io.err(`backend-supervisor: ${t('cli.failed', { command: parsed.command.name, why })}`);
    return EXIT.failed;
  } finally {
    await client?.close().catch(() => undefined);
    if (following) {
      for (const s of END_SIGNALS) signals.off(s, onSignal);
      process.stdout.off('error', onSignal);
    }
  }
}
