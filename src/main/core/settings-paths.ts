/**
 * Warnings for settings the schema accepts but the next start would fail on: a backend
 * command or working directory that is missing, not executable or not a folder. The
 * settings page shows them beside the field; they never refuse a save (the path may be
 * mounted or built later). The checks are the launcher's own, run on this machine, where the
 * backend will be started (the renderer has no file system).
 */
import { isAbsolute } from 'node:path';
import type { SupervisorConfig } from '../../shared/config';
import type { SettingsWarnings } from '../../shared/settings';
import { SupervisorError } from './errors';
import { assertRunnable, assertWorkingDir, resolveCommand } from './launcher';

/** What the path checks read of a config: the values a start spawns the backend with. */
export type LaunchSettings = Pick<SupervisorConfig, 'orchestratorEnabled' | 'command' | 'workingDir' | 'env'>;

/** `check()`'s message when it throws a SupervisorError, else undefined (a bug elsewhere is rethrown). */
function problemOf(check: () => void): string | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    if (err instanceof SupervisorError) return err.message;
    throw err;
  }
}

/**
 * The warning for a path holding a NUL character, else undefined. A NUL ends a C string, so
 * the file system never sees the rest: said as such, since the checks would otherwise call
 * an existing `/bin/sh\0x` missing, or name an error code.
 */
function nulProblem(what: string, value: string | undefined): string | undefined {
  if (!value?.includes('\0')) return undefined;
  return `${what} contains a NUL character (\\0), which no file name can: ${value.replaceAll('\0', '\\0')}`;
}

/**
 * Checks `config`'s working directory and command as the launcher will at the next start
 * (working directory, then the command: relative to the working directory or looked up in
 * PATH, then its `#!` interpreter or ELF header). `cwd` is where the supervisor runs (the
 * working directory when none is set). Returns a warning per field (`workingDir`, `command`),
 * worded like the launcher's error (`working directory not found: /opt/x`); `{}` in remote
 * mode (no process is started) or when both are fine. A path holding a NUL is warned about as
 * such, and nothing else is checked.
 */
export function launchPathWarnings(config: LaunchSettings, cwd: string = process.cwd()): SettingsWarnings {
  if (!config.orchestratorEnabled) return {};
  const nulWarnings: SettingsWarnings = {};
  const dirNul = nulProblem('working directory', config.workingDir);
  const commandNul = nulProblem('backend command', config.command);
  if (dirNul !== undefined) nulWarnings.workingDir = dirNul;
  if (commandNul !== undefined) nulWarnings.command = commandNul;
  if (dirNul !== undefined || commandNul !== undefined) return nulWarnings;
  const warnings: SettingsWarnings = {};
  const workingDir = config.workingDir ?? cwd;
  const dirProblem = problemOf(() => assertWorkingDir(workingDir));
  if (dirProblem !== undefined) {
    warnings.workingDir = dirProblem;
    // A command relative to a folder that is not there cannot be judged.
    if (/[/\\]/.test(config.command) && !isAbsolute(config.command)) return warnings;
  }
  const pathEnv = config.env.PATH ?? process.env.PATH ?? '';
  const commandProblem = problemOf(() => {
    const file = resolveCommand(config.command, workingDir, pathEnv);
    assertRunnable(file, workingDir, pathEnv);
  });
  if (commandProblem !== undefined) warnings.command = commandProblem;
  return warnings;
}
