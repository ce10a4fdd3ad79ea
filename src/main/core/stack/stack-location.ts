import { lstatSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SupervisorConfig } from '../../../shared/config';
import type { StackDefinition } from './service-definition';
import { envStack, loadStackFile } from './stack-file';

/** The environment variable naming the stack file (`serve --stack` wins over it). */
export const STACK_FILE_VARIABLE = 'BACKEND_STACK_FILE';

/** The stack file's name in the data folder, read when none is named. */
export const STACK_FILE_NAME = 'stack.yaml';

/**
 * Where the stack comes from, first found: `explicit` (`--stack`), `BACKEND_STACK_FILE`,
 * `<dataDir>/stack.yaml`; none of them: the environment's one service `backend`.
 * @throws ConfigError naming the file, line and field of every problem.
 */
export function loadStack(
  config: SupervisorConfig,
  env: Record<string, string | undefined> = process.env,
  explicit?: string,
): StackDefinition {
  const named = explicit ?? (env[STACK_FILE_VARIABLE] || undefined);
  if (named !== undefined) return loadStackFile(resolve(named), config);
  const inData = join(config.dataDir, STACK_FILE_NAME);
  // Anything there, a dangling symlink included, is the stack file: it is not silently skipped.
  return somethingAt(inData) ? loadStackFile(inData, config) : envStack(config);
}

/** True when `path` names anything (lstat: a symlink counts, whether or not its target exists). */
function somethingAt(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (err) {
    // A folder that cannot be searched (EACCES) hides a stack file: the loader says so.
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}
