/**
 * The command-line client's exit codes and the errors that carry them: the one list.
 * 0 the command did what was asked, 1 the supervisor answered that it failed (or refused the
 * token), 2 the command line is wrong, 3 no supervisor could be reached.
 */
import { createTranslator, type Translate } from '../../shared/locales/translate';

/** The exit codes, by what they mean. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

/** One of {@link EXIT}'s values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * A message of the client, put into words only when printed (in the shell's language): a
 * locale key (`cli.*`) and its values, which may be messages themselves.
 */
export interface CliText {
  key: string;
  values?: Readonly<Record<string, string | number | CliText>>;
}

/** A {@link CliText}, or text printed as it is: what the supervisor or the system said. */
export type CliMessage = CliText | string;

/** A message in the language of `t`. */
export function textOf(message: CliMessage, t: Translate): string {
  if (typeof message === 'string') return message;
  const values = Object.fromEntries(
    Object.entries(message.values ?? {}).map(([name, v]) => [name, typeof v === 'object' ? textOf(v, t) : v]),
  );
  return t(message.key, values);
}

/** The messages' words in `Error.message` (logs, tests): English, whatever the shell's language. */
const ENGLISH = createTranslator('en');

/** A failure that ends the command with an exit code and one message line. */
export class CliError extends Error {
  constructor(
    /** What to print, in the shell's language (`message` has it in English). */
    readonly text: CliMessage,
    readonly exitCode: ExitCode,
  ) {
    super(textOf(text, ENGLISH));
    this.name = 'CliError';
  }
}

/** The command line is wrong (exit 2); `command` names the command whose help to point at. */
export class UsageError extends CliError {
  constructor(
    text: CliMessage,
    readonly command?: string,
  ) {
    super(text, EXIT.usage);
    this.name = 'UsageError';
  }
}

/** No supervisor answered at the address (refused, reset, timed out, unknown host), or none was found (exit 3). */
export class UnreachableError extends CliError {
  constructor(text: CliMessage) {
    super(text, EXIT.unreachable);
    this.name = 'UnreachableError';
  }
}

/** The supervisor answered, and the answer is a failure (exit 1). `status` is its HTTP status. */
export class CommandFailedError extends CliError {
  constructor(
    text: CliMessage,
    readonly status: number | null = null,
    readonly code: string | null = null,
  ) {
    super(text, EXIT.failed);
    this.name = 'CommandFailedError';
  }
}
