/** Why a supervisor command or a launch failed; a closed set a UI can switch on. */
export type SupervisorErrorCode =
  | 'COMMAND_NOT_FOUND'
  | 'NOT_EXECUTABLE'
  | 'NOT_A_PROGRAM'
  | 'SPAWN_FAILED'
  | 'REMOTE_MODE'
  | 'DISPOSED'
  | 'NOT_AVAILABLE';

/**
 * A typed supervisor error: `code` names the problem, `message` says it for a person.
 * Launch errors are permanent (retrying cannot help), so the restart policy never retries them.
 */
export class SupervisorError extends Error {
  constructor(
    readonly code: SupervisorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SupervisorError';
  }
}

/** A configuration value that fails its schema; `message` names the variable and the problem. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: string[] = [],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}
