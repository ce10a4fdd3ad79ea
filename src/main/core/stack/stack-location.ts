import { lstatSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SupervisorConfig } from '../../../shared/config';
import type { StackDefinition } from './service-definition';
import type { ConfigDefaults } from '../config';
import { envStack, resolveDefaultDatabase, wantsDefaultDatabase, type DefaultDatabase } from './default-stack';

/** The environment variable naming the stack file (`serve --stack` wins over it). */
export const STACK_FILE_VARIABLE = 'BACKEND_STACK_FILE';

/** The stack file's name in the data folder, read when none is named. */
export const STACK_FILE_NAME = 'stack.yaml';

/**
 * Where the stack comes from, first found: `explicit` (`--stack`), `BACKEND_STACK_FILE`,
 * `<dataDir>/stack.yaml`; none of them: the environment's one service `backend`, and when
 * that is the bundled backend of `defaults` without a `DATABASE_URL`, the embedded PostgreSQL
 * it depends on (its port chosen now, see `resolveDefaultDatabase`; `running`, a reload's: the
 * one that runs, whose port is kept, as the port file's check would find it taken by it). A
 * port chosen here is remembered at once, a reload's dry run too: the reload that follows it
 * (with the dry run's `expect`) then reads the same port, not another random pick.
 * @throws ConfigError naming the file, line and field of every problem.
 */
export async function loadStack(
  config: SupervisorConfig,
  env: Record<string, string | undefined> = process.env,
  explicit?: string,
  defaults?: Pick<ConfigDefaults, 'command' | 'args'>,
  running?: DefaultDatabase | null,
): Promise<StackDefinition> {
  // The stack file's reader (yaml and its schema) is imported only when there is a file.
  const fromFile = async (file: string): Promise<StackDefinition> =>
    (await import('./stack-file')).loadStackFile(file, config);
  const named = explicit ?? (env[STACK_FILE_VARIABLE] || undefined);
  if (named !== undefined) return fromFile(resolve(named));
  const inData = join(config.dataDir, STACK_FILE_NAME);
  // Anything there, a dangling symlink included, is the stack file: it is not silently skipped.
  if (somethingAt(inData)) return fromFile(inData);
  const database =
    defaults !== undefined && wantsDefaultDatabase(config, defaults, env)
      ? (running ?? (await resolveDefaultDatabase(config.dataDir)))
      : null;
  return envStack(config, database);
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
