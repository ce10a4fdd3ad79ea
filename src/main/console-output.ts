/**
 * The headless entry's console: stdout and stderr, which may be a pipe to a reader that
 * went away (`serve | head -1`: EPIPE) or stopped reading (a full pipe). Neither may end or
 * hold the supervisor: the log files have every line, the console is a courtesy.
 */

/**
 * How long a stopped supervisor waits for its last console lines to be taken, ms. A reader
 * takes them in microseconds; one that reads nothing (a paused pager, a stuck pipe) would
 * keep the process alive forever after the backend was stopped and the lock released. 2 s.
 */
export const CONSOLE_FLUSH_AT_EXIT_MS = 2_000;

/** Where a line printed by the headless entry goes; injectable for tests. */
export interface Output {
  out(line: string): void;
  /**
   * Like {@link out} for a line given as bytes, one Latin-1 character a byte (UTF-8 text
   * passes through unchanged, with no decoding and encoding on the way: the echo of a flood
   * costs a copy). Optional: without it, lines are decoded and given to `out`.
   */
  outLatin1?(line: string): void;
  err(line: string): void;
  /** Bytes written but not yet flushed. */
  backlog(): number;
  /**
   * Waits up to `graceMs` for what is written to be taken. When it is not by then, ends the
   * process with `exitCode` (see {@link consoleOutput}); resolves when it is.
   */
  close?(graceMs: number, exitCode: number): Promise<void>;
}

/** One console stream: writes skipped once it failed (EPIPE: no reader any more). */
function guarded(stream: NodeJS.WriteStream): {
  write(text: string, encoding?: BufferEncoding): void;
  broken(): boolean;
} {
  let broken = false;
  stream.on('error', () => {
    broken = true;
  });
  return {
    write(text, encoding = 'utf8') {
      if (broken || stream.destroyed) return;
      stream.write(text, encoding);
    },
    broken: () => broken,
  };
}

/** Resolves true once `stream` drained, false when it has not within `graceMs`. */
function drained(stream: NodeJS.WriteStream, graceMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      stream.off('drain', done);
      resolve(stream.writableLength === 0 || stream.destroyed);
    };
    const timer = setTimeout(done, graceMs);
    if (stream.writableLength === 0 || stream.destroyed) done();
    else stream.once('drain', done);
  });
}

/**
 * The process's stdout and stderr as an {@link Output}. Its `close` ends the process when
 * the console is stuck: Node's stdout cannot be closed (its destroy does nothing) and a
 * pending write keeps the process alive, so nothing else lets a stopped supervisor exit.
 * `exit` is injectable for tests.
 */
export function consoleOutput(
  stdout: NodeJS.WriteStream = process.stdout,
  stderr: NodeJS.WriteStream = process.stderr,
  exit: (code: number) => void = (code) => {
    process.exitCode = code;
    // eslint-disable-next-line no-restricted-syntax -- the loop cannot end: a write to a stuck console is pending
    process.exit();
  },
): Output {
  const out = guarded(stdout);
  const err = guarded(stderr);
  return {
    out: (line) => out.write(`${line}\n`),
    outLatin1: (line) => out.write(`${line}\n`, 'latin1'),
    err: (line) => err.write(`${line}\n`),
    backlog: () => (out.broken() ? 0 : stdout.writableLength),
    close: async (graceMs, exitCode) => {
      const done = await Promise.all([drained(stdout, graceMs), drained(stderr, graceMs)]);
      if (!done.every(Boolean)) exit(exitCode);
    },
  };
}

/**
 * `text` on one line: control characters (a newline, a carriage return, an escape…) written
 * as JSON escapes (`\n`, `\u001b`). A folder name may hold them; printed raw, one error would
 * be two lines, and a crafted name could forge a line of ours (or recolour the terminal).
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this replaces
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}
