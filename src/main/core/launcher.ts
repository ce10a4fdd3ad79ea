import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, openSync, readSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { SupervisorError } from './errors';
import { GroupKeeper } from './group-keeper';
import { GROUP_RELEASE_POLL_MS, groupExists } from './process-group';
import { readProcStat } from './process-identity';

/** What to run: executable, arguments, working directory and full environment. */
export interface LaunchSpec {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  /** Run as this user and group (POSIX; the supervisor must be root to give another). */
  uid?: number;
  gid?: number;
}

/** How a process ended: exit code, or the signal name that killed it. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running child: the leader of its own process group (pgid = pid on POSIX). */
export interface ChildHandle {
  readonly pid: number;
  /** The executable as resolved before the spawn (absolute path), when the launcher knows it. */
  readonly file?: string;
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
   * @throws SupervisorError WORKING_DIR_NOT_FOUND, COMMAND_NOT_FOUND, NOT_EXECUTABLE,
   * NOT_A_PROGRAM or SPAWN_FAILED (`transient` when the system lacked resources).
   */
  launch(spec: LaunchSpec): Promise<ChildHandle>;
  /** Subscribes to one-line notices for the log (the group keeper died, was replaced, started again). */
  onNotice?(listener: (message: string) => void): void;
}

/**
 * Why a file with execute bits set still cannot be run: its filesystem is mounted `noexec`
 * (access(2) says EACCES for X_OK there). Empty when the bits are missing, the usual cause.
 */
function noexecHint(file: string): string {
  try {
    return (statSync(file).mode & 0o111) !== 0 ? '; it is on a filesystem mounted noexec' : '';
  } catch {
    return '';
  }
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
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (isPath && code === 'ELOOP') {
        throw new SupervisorError('COMMAND_NOT_FOUND', `backend command is a loop of symbolic links: ${candidate}`);
      }
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
        const hint = noexecHint(candidate) || ' (try chmod +x)';
        throw new SupervisorError('NOT_EXECUTABLE', `backend command is not executable: ${candidate}${hint}`);
      }
    }
  }
  throw new SupervisorError(
    'COMMAND_NOT_FOUND',
    isPath ? `backend command not found: ${candidates[0]}` : `backend command not found in PATH: ${command}`,
  );
}

/**
 * Refuses a working directory the backend cannot be started in, before anything else is
 * checked (a command relative to it would otherwise be reported as not found).
 * @throws SupervisorError BAD_WORKING_DIR naming the folder.
 */
export function assertWorkingDir(cwd: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(cwd).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SupervisorError('BAD_WORKING_DIR', `working directory not found: ${cwd}`);
    if (code === 'ENOTDIR')
      throw new SupervisorError('BAD_WORKING_DIR', `working directory is not a directory: ${cwd}`);
    throw new SupervisorError('BAD_WORKING_DIR', `working directory cannot be used: ${cwd} (${code ?? String(err)})`);
  }
  if (!isDir) throw new SupervisorError('BAD_WORKING_DIR', `working directory is not a directory: ${cwd}`);
  if (process.platform === 'win32') return;
  try {
    accessSync(cwd, constants.X_OK);
  } catch {
    throw new SupervisorError('BAD_WORKING_DIR', `working directory cannot be entered (permission denied): ${cwd}`);
  }
}

/**
 * Bytes read from the start of a file to find its `#!` line: a page. Linux read 128, then
 * 256 bytes (BINPRM_BUF_SIZE); recent kernels take longer lines; none in use is near 4 KiB.
 */
export const SHEBANG_READ_BYTES = 4096;

/** A `#!` line: the interpreter as written and its optional single argument. */
export interface Shebang {
  interpreter: string;
  arg: string | null;
}

/**
 * Parses the `#!` line at the start of `head` as Linux does (fs/binfmt_script.c), or null when
 * there is none (or it is empty): the line ends at `\n`; only spaces and tabs separate, so a
 * `\r` (a file with CRLF line endings) stays part of the interpreter or its argument.
 */
export function parseShebang(head: string): Shebang | null {
  if (!head.startsWith('#!')) return null;
  const line = (head.slice(2).split('\n')[0] ?? '').replace(/[ \t]+$/, '');
  const match = /^[ \t]*([^ \t\0]+)(?:[ \t]+(.*))?$/s.exec(line);
  if (!match?.[1]) return null;
  return { interpreter: match[1], arg: match[2] ? match[2] : null };
}

/**
 * How deep a `#!` interpreter that is itself a `#!` script may be nested: Linux follows a
 * chain of 5 scripts (depths 0–4, the last one's interpreter a binary) and fails a 6th with
 * ELOOP (the `depth > 5` bound of exec_binprm in fs/exec.c; measured here).
 */
export const SHEBANG_MAX_DEPTH = 4;

/** What a `#!` line says when a name in it ends in `\r`: the file has Windows line endings. */
function crlfHint(name: string): string {
  return name.endsWith('\r') ? '; the line ends in a carriage return: convert the file to LF line endings' : '';
}

/** The program `env` runs for `#!/usr/bin/env ARG`: ARG itself, or with `-S`, its first word that is not NAME=VALUE. */
function envProgram(arg: string): string | null {
  const split = /^-S[ \t]*(.*)$/.exec(arg) ?? /^--split-string[= \t]*(.*)$/.exec(arg);
  const words = split ? (split[1] ?? '').split(/[ \t]+/).filter(Boolean) : [arg];
  const name = words.find((w) => !w.includes('='));
  if (!name || name.startsWith('-') || (!split && /[ \t]/.test(arg))) return null;
  return name;
}

/** Checks that the `#!` interpreter of `file` exists and can run; `env NAME` is looked up in PATH. */
function assertInterpreter(file: string, shebang: Shebang, cwd: string, pathEnv: string, depth: number): void {
  const written = `#!${shebang.interpreter}${shebang.arg ? ` ${shebang.arg}` : ''}`.replace(/\r/g, '\\r');
  // The kernel opens a relative interpreter from the working directory; no PATH lookup.
  const interpreter = isAbsolute(shebang.interpreter) ? shebang.interpreter : resolve(cwd, shebang.interpreter);
  const shown = interpreter.replace(/\r/g, '\\r');
  let isFile: boolean;
  try {
    isFile = statSync(interpreter).isFile();
  } catch {
    throw new SupervisorError(
      'COMMAND_NOT_FOUND',
      `interpreter not found: ${shown} (the "${written}" line of ${file}${crlfHint(interpreter)})`,
    );
  }
  if (!isFile) {
    throw new SupervisorError(
      'NOT_A_PROGRAM',
      `interpreter is not a file: ${shown} (the "${written}" line of ${file})`,
    );
  }
  try {
    accessSync(interpreter, constants.X_OK);
  } catch {
    throw new SupervisorError(
      'NOT_EXECUTABLE',
      `interpreter is not executable: ${shown} (the "${written}" line of ${file}${noexecHint(interpreter)})`,
    );
  }
  // The interpreter may itself be a `#!` script (Linux follows SHEBANG_MAX_DEPTH of them).
  assertRunnable(interpreter, cwd, pathEnv, depth + 1);
  // `#!/usr/bin/env node` (or `env -S node --flag`): env exits 127 when the program is not in PATH; say so now.
  const name = interpreter.endsWith('/env') && shebang.arg ? envProgram(shebang.arg) : null;
  if (name) {
    try {
      resolveCommand(name, cwd, pathEnv);
    } catch (err) {
      if (!(err instanceof SupervisorError)) throw err;
      throw new SupervisorError(
        err.code,
        `interpreter ${err.code === 'COMMAND_NOT_FOUND' ? 'not found in PATH' : 'cannot run'}: ${name.replace(/\r/g, '\\r')} (the "${written}" line of ${file}${crlfHint(name)})`,
      );
    }
  }
}

/**
 * Refuses a file that cannot run, before spawning, so the error is clear even behind the
 * `setpriv` lifeline (which would exec it and exit 127): on Linux, neither an ELF binary
 * nor a `#!` script; on POSIX, a `#!` interpreter that is missing or not executable.
 * @throws SupervisorError NOT_A_PROGRAM, COMMAND_NOT_FOUND or NOT_EXECUTABLE naming the file
 * or its interpreter.
 */
export function assertRunnable(file: string, cwd = process.cwd(), pathEnv = process.env.PATH ?? '', depth = 0): void {
  if (process.platform === 'win32') return;
  const head = Buffer.alloc(SHEBANG_READ_BYTES);
  let n = 0;
  try {
    const fd = openSync(file, 'r');
    try {
      n = readSync(fd, head, 0, SHEBANG_READ_BYTES, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return; // unreadable but executable: let exec decide
  }
  const text = head.toString('latin1', 0, n);
  // A first line longer than what was read cannot be judged here: exec decides.
  if (text.startsWith('#!') && !text.includes('\n') && n === SHEBANG_READ_BYTES) return;
  const shebang = parseShebang(text);
  if (shebang) {
    if (depth > SHEBANG_MAX_DEPTH) {
      throw new SupervisorError(
        'NOT_A_PROGRAM',
        `too many nested #! interpreters (a chain of more than ${SHEBANG_MAX_DEPTH + 1} scripts): ${file}`,
      );
    }
    assertInterpreter(file, shebang, cwd, pathEnv, depth);
    return;
  }
  if (process.platform !== 'linux') return; // Mach-O and others: exec decides
  const isElf = n >= 4 && head[0] === 0x7f && head.toString('latin1', 1, 4) === 'ELF';
  if (!isElf) {
    throw new SupervisorError('NOT_A_PROGRAM', `backend command is not a program (no ELF header or #! line): ${file}`);
  }
}

/** `setpriv` from util-linux, when present: it sets the parent-death signal for the lifeline. */
export function findSetpriv(): string | null {
  if (process.platform !== 'linux') return null;
  return ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) ?? null;
}

/** Linux's limit on one argument or environment string, bytes (MAX_ARG_STRLEN: 32 pages of 4 KiB). */
export const MAX_ARG_STRLEN = 131_072;

/** Spawn errors that mean "the system lacked a resource now", worth a retry by the restart policy. */
const TRANSIENT_SPAWN_ERRORS: Record<string, string> = {
  EMFILE: 'the supervisor has too many open files',
  ENFILE: 'the system has too many open files',
  EAGAIN: 'the process limit is reached',
  ENOMEM: 'out of memory',
};

/**
 * Maps a spawn error's errno code to a clear SupervisorError: permanent for a missing or
 * unrunnable file, `transient` for a lack of resources (TRANSIENT_SPAWN_ERRORS).
 */
export function spawnError(err: unknown, command: string): SupervisorError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'ENOENT':
      return new SupervisorError('COMMAND_NOT_FOUND', `backend command not found: ${command}`);
    case 'EACCES':
      return new SupervisorError('NOT_EXECUTABLE', `backend command is not executable: ${command}`);
    case 'E2BIG':
      return new SupervisorError(
        'SPAWN_FAILED',
        `could not start ${command}: its arguments and environment are too long for exec (E2BIG; at most ${MAX_ARG_STRLEN} bytes each on Linux)`,
      );
    case 'ENOEXEC':
      return new SupervisorError('NOT_A_PROGRAM', `backend command is not a program this system can run: ${command}`);
  }
  const why = code === undefined ? undefined : TRANSIENT_SPAWN_ERRORS[code];
  if (why) {
    return new SupervisorError('SPAWN_FAILED', `could not start ${command}: ${code} (${why})`, {
      transient: true,
    });
  }
  return new SupervisorError('SPAWN_FAILED', `could not start ${command}: ${message}`);
}

/** Resolves at the child's `spawn` event; rejects with a SupervisorError at its `error` event. */
function awaitSpawn(child: ChildProcess, file: string, settled: Promise<unknown> | null): Promise<void> {
  return new Promise<void>((resolveSpawn, rejectSpawn) => {
    child.once('spawn', () => resolveSpawn());
    child.once('error', (err) => rejectSpawn(spawnError(err, file)));
    // execa answers a spawn that threw with a dummy child that never emits: its promise says it.
    void settled?.then((result) => rejectSpawn(spawnError((result as { cause?: unknown }).cause ?? result, file)));
  });
}

/**
 * The real launcher: `child_process.spawn` (execa on Windows, which wraps .cmd/.bat files
 * in cmd.exe), detached (own process group), stdin a pipe (EOF when the supervisor dies),
 * output unbuffered. On Linux with `setpriv` the child also gets `--pdeathsig KILL`, so the
 * kernel kills it when the supervisor dies, even by SIGKILL; setpriv execs the backend, so
 * the pid is the backend's own. The rest of its group (a wrapper's children, workers,
 * grandchildren) is killed by the GroupKeeper when the supervisor dies (README, "Faults it
 * survives"). Every error path is handled: a spawn that throws, an `error` event, a failing
 * stdio stream; none escapes as an unhandled `error`.
 */
export class ProcessLauncher implements Launcher {
  private readonly setpriv: string | null;
  /** Kills the backends' groups if the supervisor dies (null: off, or no /bin/sh). */
  readonly keeper: GroupKeeper | null;

  /**
   * @param lifeline use `setpriv --pdeathsig KILL` where available and a GroupKeeper (default true).
   * @param spawnFn the spawn to use (tests inject failures); defaults to `child_process.spawn`.
   */
  constructor(
    lifeline = true,
    private readonly spawnFn: typeof spawn = spawn,
  ) {
    this.setpriv = lifeline ? findSetpriv() : null;
    this.keeper =
      lifeline && GroupKeeper.supported()
        ? new GroupKeeper((message) => {
            for (const listener of this.noticeListeners) listener(message);
          })
        : null;
  }

  private readonly noticeListeners: ((message: string) => void)[] = [];

  onNotice(listener: (message: string) => void): void {
    this.noticeListeners.push(listener);
  }

  async launch(spec: LaunchSpec): Promise<ChildHandle> {
    assertWorkingDir(spec.cwd);
    const pathEnv = spec.env.PATH ?? process.env.PATH ?? '';
    const file = resolveCommand(spec.command, spec.cwd, pathEnv);
    assertRunnable(file, spec.cwd, pathEnv);
    const [program, args] = this.setpriv
      ? [this.setpriv, ['--pdeathsig', 'KILL', '--', file, ...spec.args]]
      : [file, spec.args];
    // The keeper first (a no-op once it runs): started only at `hold`, after the spawn, it
    // would leave the first backend unheld while it forks, and a SIGKILL of the supervisor
    // then would leave that backend's group alive.
    this.keeper?.start();
    let subprocess: ChildProcess;
    let settled: Promise<unknown> | null = null;
    try {
      if (process.platform === 'win32') {
        // Imported here: only Windows uses it (~90 ms and ~3 MB of heap elsewhere for nothing).
        const { execa } = await import('execa');
        const sub = execa(program, args, {
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
        settled = sub.then(
          (r) => r,
          (e: unknown) => e,
        );
        subprocess = sub;
      } else {
        subprocess = this.spawnFn(program, args, {
          cwd: spec.cwd,
          env: spec.env,
          detached: true,
          stdio: ['pipe', 'pipe', 'pipe'],
          // libuv drops the supplementary groups when it changes uid/gid (setgroups(0)).
          ...(spec.uid !== undefined ? { uid: spec.uid } : {}),
          ...(spec.gid !== undefined ? { gid: spec.gid } : {}),
        });
      }
    } catch (err) {
      throw spawnError(err, file);
    }
    // Listeners first, in this tick: an `error` (EMFILE is emitted on the next tick) or a
    // stream error must never be unhandled.
    const spawned = awaitSpawn(subprocess, file, settled);
    subprocess.on('error', () => undefined);
    // A write to a dead child's stdin raises EPIPE asynchronously; nothing is written, but stay safe.
    subprocess.stdin?.on('error', () => undefined);
    subprocess.stdout?.on('error', () => undefined);
    subprocess.stderr?.on('error', () => undefined);
    await spawned;
    const pid = subprocess.pid;
    if (pid === undefined) throw new SupervisorError('SPAWN_FAILED', `could not start ${file}: no pid`);
    const keeper = this.keeper;
    // With the leader's start time: the keeper never kills a later process given the same pid.
    keeper?.hold(pid, readProcStat(pid)?.startTime ?? null);

    let hasExited = false;
    const exited = new Promise<ProcessExit>((resolveExit) => {
      subprocess.once('exit', (code, signal) => {
        hasExited = true;
        resolveExit({ code, signal });
        // The keeper lets go of the group once it is empty (its pgid cannot be reused before).
        if (!keeper) return;
        const release = (): void => {
          if (groupExists(pid)) setTimeout(release, GROUP_RELEASE_POLL_MS).unref();
          else keeper.release(pid);
        };
        release();
      });
    });

    return {
      pid,
      file,
      exited,
      get hasExited() {
        return hasExited;
      },
      signalGroup(signal) {
        if (process.platform === 'win32') {
          if (hasExited) return;
          // No process groups on Windows: taskkill /T kills the tree, /F forcibly.
          void import('execa').then(({ execa }) =>
            execa('taskkill', ['/pid', String(pid), '/T', '/F'], { reject: false }),
          );
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
        return groupExists(pid);
      },
      onOutput(listener) {
        subprocess.stdout?.on('data', (chunk: Buffer) => listener('stdout', chunk));
        subprocess.stderr?.on('data', (chunk: Buffer) => listener('stderr', chunk));
      },
      onOutputEnd(listener) {
        // `close` comes after `end`, and also after an error that destroyed the stream.
        subprocess.stdout?.once('close', () => listener('stdout'));
        subprocess.stderr?.once('close', () => listener('stderr'));
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
