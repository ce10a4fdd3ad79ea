/**
 * The command-line client's exit codes and the errors that carry them: the one list.
 * 0 the command did what was asked, 1 the supervisor answered that it failed (or refused the
 * token), 2 the command line is wrong, 3 no supervisor could be reached.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

/** One of {@link EXIT}'s values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure that ends the command with an exit code and one message line. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The command line is wrong (exit 2); `command` names the command whose help to point at. */
export class UsageError extends CliError {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}

/** No supervisor answered at the address (refused, reset, timed out, unknown host), or none was found (exit 3). */
export class UnreachableError extends CliError {
  constructor(message: string) {
    super(message, EXIT.unreachable);
    this.name = 'UnreachableError';
  }
}

/** The supervisor answered, and the answer is a failure (exit 1). `status` is its HTTP status. */
export class CommandFailedError extends CliError {
  constructor(
    message: string,
    readonly status: number | null = null,
    readonly code: string | null = null,
  ) {
    super(message, EXIT.failed);
    this.name = 'CommandFailedError';
  }
}
