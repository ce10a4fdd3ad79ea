import { accessSync, closeSync, constants, existsSync, openSync, readSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { execa } from 'execa';
import { SupervisorError } from './errors';

/** What to run: executable, arguments, working directory and full environment. */
export interface LaunchSpec {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
}

/** How a process ended: exit code, or the signal name that killed it. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running child: the leader of its own process group (pgid = pid on POSIX). */
export interface ChildHandle {
  readonly pid: number;
  /** Resolves once, when the leader exits (from the `exit` event, within milliseconds). */
  readonly exited: Promise<ProcessExit>;
  /** True once `exited` has resolved. */
  readonly hasExited: boolean;
  /** Sends a signal to the whole process group; a group already gone is not an error. */
  signalGroup(signal: NodeJS.Signals): void;
  /** True while any process of the group is alive (POSIX); on Windows, while the leader is. */
  groupAlive(): boolean;
  /** Subscribes to raw output chunks of stdout/stderr. */
  onOutput(listener: (stream: 'stdout' | 'stderr', chunk: Buffer) => void): void;
  /** Subscribes to the end of an output stream. */
  onOutputEnd(listener: (stream: 'stdout' | 'stderr') => void): void;
  /** Stops reading stdout/stderr (backpressure: the child blocks on its full pipe). */
  pauseOutput(): void;
  /** Reads stdout/stderr again. */
  resumeOutput(): void;
}

/** Starts child processes; an interface so tests can use a fake. */
export interface Launcher {
  /**
   * Spawns `spec` in its own process group with stdin a pipe (the lifeline).
   * @throws SupervisorError COMMAND_NOT_FOUND, NOT_EXECUTABLE, NOT_A_PROGRAM or SPAWN_FAILED.
   */
  launch(spec: LaunchSpec): Promise<ChildHandle>;
}

/**
 * Finds `command` on disk: a path (absolute, or relative to `cwd`) is checked as is; a bare
 * name is looked up in PATH. Returns the absolute path.
 * @throws SupervisorError COMMAND_NOT_FOUND or NOT_EXECUTABLE, naming the path.
 */
export function resolveCommand(command: string, cwd: string, pathEnv = process.env.PATH ?? ''): string {
  const isPath = command.includes('/') || command.includes('\\');
  const candidates = isPath
    ? [isAbsolute(command) ? command : resolve(cwd, command)]
    : pathEnv
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, command));
  for (const candidate of candidates) {
    let isFile = false;
    try {
      isFile = statSync(candidate).isFile();
    } catch {
      continue;
    }
    if (!isFile) {
      if (isPath) throw new SupervisorError('NOT_EXECUTABLE', `backend command is not a file: ${candidate}`);
      continue;
    }
    if (process.platform === 'win32') return candidate;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      if (isPath) {
        throw new SupervisorError('NOT_EXECUTABLE', `backend command is not executable: ${candidate} (try chmod +x)`);
      }
    }
  }
  throw new SupervisorError(
    'COMMAND_NOT_FOUND',
    isPath ? `backend command not found: ${candidates[0]}` : `backend command not found in PATH: ${command}`,
  );
}

/**
 * Linux: refuses a file the kernel cannot execute (neither an ELF binary nor a `#!`
 * script) before spawning, so the error is clear even behind the `setpriv` lifeline.
 * @throws SupervisorError NOT_A_PROGRAM.
 */
export function assertRunnable(file: string): void {
  const head = Buffer.alloc(4);
  let n = 0;
  try {
    const fd = openSync(file, 'r');
    try {
      n = readSync(fd, head, 0, 4, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return; // unreadable but executable: let exec decide
  }
  const isElf = n === 4 && head[0] === 0x7f && head.toString('latin1', 1, 4) === 'ELF';
  const isScript = n >= 2 && head.toString('latin1', 0, 2) === '#!';
  if (!isElf && !isScript) {
    throw new SupervisorError('NOT_A_PROGRAM', `backend command is not a program (no ELF header or #! line): ${file}`);
  }
}

/** `setpriv` from util-linux, when present: it sets the parent-death signal for the lifeline. */
export function findSetpriv(): string | null {
  if (process.platform !== 'linux') return null;
  return ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) ?? null;
}

/** Maps a spawn error's errno code to a clear, permanent SupervisorError. */
function spawnError(err: NodeJS.ErrnoException, command: string): SupervisorError {
  switch (err.code) {
    case 'ENOENT':
      return new SupervisorError('COMMAND_NOT_FOUND', `backend command not found: ${command}`);
    case 'EACCES':
      return new SupervisorError('NOT_EXECUTABLE', `backend command is not executable: ${command}`);
    case 'ENOEXEC':
      return new SupervisorError('NOT_A_PROGRAM', `backend command is not a program this system can run: ${command}`);
    default:
      return new SupervisorError('SPAWN_FAILED', `could not start ${command}: ${err.message}`);
  }
}

/**
 * The real launcher: execa, detached (own process group), stdin a pipe (EOF when the
 * supervisor dies), output unbuffered. On Linux with `setpriv` the child also gets
 * `--pdeathsig KILL`, so the kernel kills it when the supervisor dies, even by SIGKILL
 * (reliability.md, "Layers against orphans"); setpriv execs the backend, so the pid is the
 * backend's own.
 */
export class ExecaLauncher implements Launcher {
  private readonly setpriv: string | null;

  /** @param lifeline use `setpriv --pdeathsig KILL` where available (default true). */
  constructor(lifeline = true) {
    this.setpriv = lifeline ? findSetpriv() : null;
  }

  async launch(spec: LaunchSpec): Promise<ChildHandle> {
    const file = resolveCommand(spec.command, spec.cwd, spec.env.PATH ?? process.env.PATH);
    if (process.platform === 'linux') assertRunnable(file);
    const [program, args] = this.setpriv
      ? [this.setpriv, ['--pdeathsig', 'KILL', '--', file, ...spec.args]]
      : [file, spec.args];
    const subprocess = execa(program, args, {
      cwd: spec.cwd,
      env: spec.env,
      extendEnv: false,
      detached: true,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      cleanup: false,
      windowsHide: true,
      forceKillAfterDelay: false,
      encoding: 'buffer',
    });
    // The execa promise also waits for stdio to close; exit is taken from the `exit` event.
    void subprocess.catch(() => undefined);
    await new Promise<void>((resolveSpawn, rejectSpawn) => {
      subprocess.once('spawn', () => resolveSpawn());
      subprocess.once('error', (err: NodeJS.ErrnoException) => rejectSpawn(spawnError(err, file)));
    });
    const pid = subprocess.pid;
    if (pid === undefined) throw new SupervisorError('SPAWN_FAILED', `could not start ${file}: no pid`);
    // A write to a dead child's stdin raises EPIPE asynchronously; nothing is written, but stay safe.
    subprocess.stdin?.on('error', () => undefined);

    let hasExited = false;
    const exited = new Promise<ProcessExit>((resolveExit) => {
      subprocess.once('exit', (code, signal) => {
        hasExited = true;
        resolveExit({ code, signal });
      });
    });

    return {
      pid,
      exited,
      get hasExited() {
        return hasExited;
      },
      signalGroup(signal) {
        if (process.platform === 'win32') {
          if (hasExited) return;
          // No process groups on Windows: taskkill /T kills the tree, /F forcibly.
          void execa('taskkill', ['/pid', String(pid), '/T', '/F'], { reject: false });
          return;
        }
        try {
          process.kill(-pid, signal);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
        }
      },
      groupAlive() {
        if (process.platform === 'win32') return !hasExited;
        try {
          process.kill(-pid, 0);
          return true;
        } catch (err) {
          return (err as NodeJS.ErrnoException).code === 'EPERM';
        }
      },
      onOutput(listener) {
        subprocess.stdout?.on('data', (chunk: Buffer) => listener('stdout', chunk));
        subprocess.stderr?.on('data', (chunk: Buffer) => listener('stderr', chunk));
      },
      onOutputEnd(listener) {
        subprocess.stdout?.once('end', () => listener('stdout'));
        subprocess.stderr?.once('end', () => listener('stderr'));
      },
      pauseOutput() {
        subprocess.stdout?.pause();
        subprocess.stderr?.pause();
      },
      resumeOutput() {
        subprocess.stdout?.resume();
        subprocess.stderr?.resume();
      },
    };
  }
}
