/** What every client command gets: where to print, whether to colour, its parsed line and a client. */
import { languageFromEnv } from '../../../shared/locales/languages';
import { createTranslator, type Translate } from '../../../shared/locales/translate';
import type { ParsedCommand } from '../args';
import type { ControlClient } from '../client';

/** The client's console. */
export interface CliIo {
  /** One line to stdout (the newline is added). */
  out(line: string): void;
  /** One line to stderr. */
  err(line: string): void;
  /** Colour the output (see table.ts useColor). */
  colour: boolean;
  /** The environment the locations and colour are read from. */
  env: Record<string, string | undefined>;
  /** The clock, ms since the epoch (`--since`). */
  now(): number;
}

const translators = new WeakMap<CliIo, Translate>();

/**
 * The client's messages in the shell's language (LC_ALL, then LC_MESSAGES, then LANG of
 * `io.env`), made once per console; state names and the supervisor's data stay as they are.
 */
export function messagesOf(io: CliIo): Translate {
  let t = translators.get(io);
  if (!t) translators.set(io, (t = createTranslator(languageFromEnv(io.env))));
  return t;
}

/** One run of a command. */
export interface CommandContext {
  io: CliIo;
  parsed: ParsedCommand;
  /** The client to the located supervisor (located on first use: `help` and `completion` need none). */
  client(): ControlClient;
  /** Aborted on SIGINT or SIGTERM (and when stdout has gone): a following command ends then. */
  signal: AbortSignal;
}

/** A command's implementation; resolves with its exit code, throws a CliError for a failure. */
export type CommandRun = (context: CommandContext) => Promise<number>;
