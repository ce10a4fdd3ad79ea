/**
 * What the bench parts share: the environment every tool starts with, running a command,
 * waiting for a child, medians, PM2's bin and Debian's supervisord (installed when missing
 * and root).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ENV_VARIABLES } from '../src/main/core/config';
import { isRoot } from '../src/main/core/postgres/run-as';

/** PM2's command (the devDependency). */
export const PM2_BIN = join(dirname(createRequire(import.meta.url).resolve('pm2/package.json')), 'bin', 'pm2');

/**
 * The environment of every tool: this process's, without the variables the supervisor or
 * the backend read (and `extra` more), so each tool runs with its own defaults.
 */
export function cleanEnv(extra: readonly string[] = []): Record<string, string> {
  const drop = new Set([...ENV_VARIABLES.flatMap((v) => v.names), 'PORT', 'PM2_HOME', 'BACKEND_STACK_FILE', ...extra]);
  return Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !drop.has(e[0])),
  );
}

/** Resolves with the exit code (null: killed by a signal) once `child` has exited. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Runs a command to its end, its output ignored. @throws Error on a non-zero exit. */
export async function run(cmd: string, args: string[], env: Record<string, string>): Promise<void> {
  const child = spawn(cmd, args, { env, stdio: 'ignore' });
  const code = await exited(child);
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${code}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The median of `xs` (the mean of the middle two for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  if (s.length === 0) return Number.NaN;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Whether supervisord can run: Debian's `supervisor` package, installed with apt-get when
 * missing and root (`apt-get update` first when the package lists were never fetched);
 * false otherwise (the part then leaves supervisord out). `part` names the bench part in the
 * line it prints.
 */
export function haveSupervisord(part: string): boolean {
  const has = (): boolean => {
    try {
      execFileSync('supervisord', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (has()) return true;
  if (!isRoot()) return false;
  console.log(`bench ${part}: installing supervisor (apt-get install -y supervisor)`);
  for (const args of [['install', '-y', 'supervisor'], ['update'], ['install', '-y', 'supervisor']]) {
    try {
      execFileSync('apt-get', args, { stdio: 'ignore' });
      if (has()) return true;
    } catch {
      // the next step (a machine whose package lists were never fetched knows no package yet)
    }
  }
  return has();
}
