/**
 * Tells systemd how the supervisor is doing (sd_notify(3)) when it runs as a `Type=notify`
 * service: READY=1, RELOADING=1, STATUS=, STOPPING=1, and WATCHDOG=1 pings while the event loop turns.
 *
 * Node has no unix datagram sockets, so each message is sent by Debian's `systemd-notify`
 * (the systemd package, there wherever systemd set NOTIFY_SOCKET); the npm packages that send
 * them (sd-notify, unix-dgram) build native code at install. systemd-notify is a child of the
 * supervisor, not its main process: the unit needs `NotifyAccess=all` (docs/headless-systemd.md).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The variables systemd sets for the service's main process (systemd.exec(5)). They are
 * removed from the supervisor's environment when read, so that no service it runs inherits
 * them: a backend that speaks sd_notify (PostgreSQL built with systemd does) would otherwise
 * send its own READY=1, which `NotifyAccess=all` accepts, before the backend is healthy.
 */
export const SYSTEMD_NOTIFY_ENV = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'] as const;

/** The program that sends the datagrams, looked up on PATH. */
export const SYSTEMD_NOTIFY_COMMAND = 'systemd-notify';

/** How long one systemd-notify may take, ms: it waits up to 5 s for systemd to take a message (its barrier). */
const SEND_TIMEOUT_MS = 10_000;

/**
 * The longest STATUS= value, UTF-8 bytes. PID 1 reads a notify datagram into PIPE_BUF (4096)
 * bytes and drops a longer one whole (READY=1 with it); and the kernel refuses an argument
 * over 128 KiB (E2BIG) before systemd-notify runs. A reason can hold a path or a backend's
 * error text of any length: it is cut, leaving room for the other fields.
 */
export const STATUS_MAX_BYTES = 2048;

/** How long the output of a systemd-notify that has exited may stay open, ms: a child it left holds it. */
const EXIT_GRACE_MS = 1_000;

/** The fastest watchdog ping, ms: each one starts a process. */
const MIN_WATCHDOG_INTERVAL_MS = 100;

/** Keys that change the unit's state; two different ones never go in one message (systemd keeps only the last). */
const LIFECYCLE_KEYS = ['READY', 'RELOADING', 'STOPPING'];

/** What {@link SystemdNotifier.fromEnvironment} needs. */
export interface SystemdNotifierOptions {
  /** Where NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID are read, and removed (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Prints one warning line (systemd-notify missing or failing). */
  warn(line: string): void;
  /** The supervisor's pid, matched against WATCHDOG_PID (default process.pid). */
  pid?: number;
  /** How long one systemd-notify may run before it (and its process group) is killed, ms (default 10 s). */
  sendTimeoutMs?: number;
}

/** One message: `KEY=value` fields in order. */
type Fields = Map<string, string>;

/**
 * The supervisor's side of sd_notify. Without NOTIFY_SOCKET (not under systemd, or
 * `Type=simple`) every method does nothing and no process is started. Messages go out one
 * at a time, in order; those that pile up behind a slow one are merged (the last STATUS wins),
 * and a reload told whole while waiting gives way to the next state: at most a few wait.
 */
export class SystemdNotifier {
  /** The datagram socket's path (or `@name`), or null when nothing is sent. */
  private socket: string | null;
  private readonly command: string | null;
  private readonly childEnv: NodeJS.ProcessEnv;
  private readonly warn: (line: string) => void;
  /** Messages not yet sent; the first may be on its way. */
  private readonly queue: Fields[] = [];
  private sending = false;
  private drained: (() => void)[] = [];
  private failing = false;
  private watchdog: NodeJS.Timeout | null = null;
  /** Kills the systemd-notify on its way (its process group), while there is one. */
  private killSending: (() => void) | null = null;
  /** Set by close(): nothing more is started. */
  private closed = false;
  private readonly sendTimeoutMs: number;

  /**
   * How often WATCHDOG=1 goes out, ms: half of WATCHDOG_USEC (sd_watchdog_enabled(3)), or
   * null when systemd watches nothing (or watches another process: WATCHDOG_PID).
   */
  readonly watchdogIntervalMs: number | null;

  private constructor(
    socket: string | null,
    command: string | null,
    watchdogIntervalMs: number | null,
    childEnv: NodeJS.ProcessEnv,
    warn: (line: string) => void,
    sendTimeoutMs = SEND_TIMEOUT_MS,
  ) {
    this.sendTimeoutMs = sendTimeoutMs;
    this.socket = socket;
    this.command = command;
    this.watchdogIntervalMs = watchdogIntervalMs;
    this.childEnv = childEnv;
    this.warn = warn;
  }

  /**
   * Reads systemd's variables from `env` and removes them (see {@link SYSTEMD_NOTIFY_ENV}).
   * NOTIFY_SOCKET set but systemd-notify not on PATH: one warning, then nothing is sent.
   * Starts no timer: {@link startWatchdog} does.
   */
  static fromEnvironment(options: SystemdNotifierOptions): SystemdNotifier {
    const env = options.env ?? process.env;
    const pid = options.pid ?? process.pid;
    const socket = env.NOTIFY_SOCKET || null;
    const usec = env.WATCHDOG_USEC;
    const watchedPid = env.WATCHDOG_PID;
    for (const name of SYSTEMD_NOTIFY_ENV) delete env[name];
    if (socket === null) return new SystemdNotifier(null, null, null, {}, options.warn);

    let interval: number | null = null;
    if (usec !== undefined && (watchedPid === undefined || watchedPid === String(pid))) {
      const micros = /^\d+$/.test(usec) ? Number(usec) : NaN;
      if (Number.isSafeInteger(micros) && micros > 0) {
        interval = Math.min(Math.max(micros / 2000, MIN_WATCHDOG_INTERVAL_MS), 2 ** 31 - 1);
      } else {
        options.warn(`WATCHDOG_USEC=${JSON.stringify(usec)} is not a number of microseconds: no watchdog pings`);
      }
    }
    const command = findOnPath(SYSTEMD_NOTIFY_COMMAND, env.PATH ?? '');
    if (command === null) {
      options.warn(
        `NOTIFY_SOCKET is set but ${SYSTEMD_NOTIFY_COMMAND} is not on PATH (install systemd, or use Type=simple): systemd hears nothing from the supervisor${interval !== null ? ', and its watchdog will stop it' : ''}`,
      );
      return new SystemdNotifier(null, null, null, {}, options.warn);
    }
    return new SystemdNotifier(
      socket,
      command,
      interval,
      { ...env, NOTIFY_SOCKET: socket },
      options.warn,
      options.sendTimeoutMs,
    );
  }

  /** True when messages go to systemd. */
  get enabled(): boolean {
    return this.socket !== null;
  }

  /** READY=1: the supervisor's start is done (docs/headless-systemd.md says when that is). */
  ready(status?: string): void {
    this.send([['READY', '1'], ...statusField(status)]);
  }

  /** STATUS=: one line for `systemctl status` (control characters become spaces). */
  status(text: string): void {
    this.send(statusField(text));
  }

  /**
   * RELOADING=1: a reload of the settings has begun; {@link ready} says it is done. With it
   * MONOTONIC_USEC=, CLOCK_MONOTONIC in µs (libuv's hrtime reads that clock), which systemd
   * 253 and later require beside RELOADING=1 (sd_notify(3)) and older ones ignore.
   */
  reloading(status?: string): void {
    const monotonicUsec = process.hrtime.bigint() / 1000n;
    this.send([['RELOADING', '1'], ['MONOTONIC_USEC', String(monotonicUsec)], ...statusField(status)]);
  }

  /** STOPPING=1: the supervisor has begun to stop. */
  stopping(status?: string): void {
    this.send([['STOPPING', '1'], ...statusField(status)]);
  }

  /**
   * Sends WATCHDOG=1 now and then every {@link watchdogIntervalMs} from a timer on the event
   * loop: a loop that stops turning stops the pings, and systemd's watchdog then stops the
   * supervisor. The timer keeps no process alive. Nothing without WATCHDOG_USEC.
   */
  startWatchdog(): void {
    if (!this.enabled || this.watchdogIntervalMs === null || this.watchdog) return;
    const ping = (): void => this.send([['WATCHDOG', '1']]);
    ping();
    this.watchdog = setInterval(ping, this.watchdogIntervalMs);
    this.watchdog.unref();
  }

  /**
   * Stops the watchdog pings and waits, at most `timeoutMs`, for the messages already given
   * to go out (STOPPING=1 among them). Then a send still on its way is killed and the waiting
   * ones are dropped, so that no child keeps the exiting process alive. Nothing is sent after it.
   */
  async close(timeoutMs = SEND_TIMEOUT_MS): Promise<void> {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    this.socket = null;
    await this.flush(timeoutMs);
    this.closed = true; // pump() starts no more, and drops the waiting ones
    this.killSending?.();
  }

  /** Resolves once every message given so far has gone out (or failed), or after `timeoutMs`. */
  async flush(timeoutMs = SEND_TIMEOUT_MS): Promise<void> {
    if (this.queue.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.drained.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  private send(fields: [string, string][]): void {
    if (this.socket === null || this.closed || fields.length === 0) return;
    const message: Fields = new Map(fields);
    const kind = lifecycleOf(message);
    /** The messages not on their way: those that may still change. */
    const waiting = (): number => this.queue.length - (this.sending ? 1 : 0);
    // A whole reload still waiting (RELOADING=1 then READY=1) when the next state comes told
    // systemd nothing it needs: the unit was ready before it and the next state follows. So a
    // SIGHUP every second behind a systemd-notify that hangs keeps at most a few waiting.
    if (kind !== null && waiting() >= 2) {
      const [before, last] = this.queue.slice(-2) as [Fields, Fields];
      if (lifecycleOf(before) === 'RELOADING' && lifecycleOf(last) === 'READY') {
        this.queue.splice(-2, 2);
        if (!message.has('STATUS') && last.has('STATUS')) message.set('STATUS', last.get('STATUS')!);
      }
    }
    // Behind the one on its way, merge into the last waiting message unless it would lose a
    // state change (systemd keeps only the last of them in one message): two of the same merge.
    const last = waiting() > 0 ? this.queue[this.queue.length - 1] : undefined;
    const lastKind = last ? lifecycleOf(last) : null;
    if (last && (kind === null || lastKind === null || kind === lastKind)) {
      for (const [key, value] of message) {
        last.delete(key); // a field given again moves to the end, as its latest value
        last.set(key, value);
      }
    } else {
      this.queue.push(message);
    }
    this.pump();
  }

  private pump(): void {
    if (this.sending) return;
    const message = this.queue[0];
    if (!message || this.command === null || this.closed) {
      this.queue.length = 0;
      for (const resolve of this.drained.splice(0)) resolve();
      return;
    }
    this.sending = true;
    const args = [...message].map(([key, value]) => `${key}=${value}`);
    let errorText = '';
    /** The send's timeout and its exit's grace, cleared when it is done. */
    const timers: NodeJS.Timeout[] = [];
    let finished = false;
    const done = (problem: string | null): void => {
      // Once for this send: 'error', 'close' and the exit's grace may each come.
      if (finished) return;
      finished = true;
      this.sending = false;
      this.killSending = null;
      for (const timer of timers) clearTimeout(timer);
      this.queue.shift();
      if (problem !== null && !this.failing) {
        // Once until it works again: a broken socket must not print a line per ping.
        this.warn(`${SYSTEMD_NOTIFY_COMMAND} ${args.join(' ')} failed: ${problem}`);
      }
      this.failing = problem !== null;
      this.pump();
    };
    let child;
    try {
      // Its own process group, so that a timeout kills whatever it started too (a child of a
      // wrapper script holding its stderr would otherwise keep the send, and every later one, waiting).
      child = spawn(this.command, args, { env: this.childEnv, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    } catch (err) {
      // E2BIG and the like throw here, not as 'error': the caller is a state change's listener.
      process.nextTick(() => done((err as Error).message));
      return;
    }
    const group = child.pid;
    let exited = false;
    let timedOut = false;
    const kill = (): void => {
      if (group === undefined || exited) return; // its group id is free again once it has been reaped
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    };
    this.killSending = kill;
    timers.push(
      setTimeout(() => {
        timedOut = true;
        kill();
      }, this.sendTimeoutMs),
    );
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (errorText.length < 1000) errorText += chunk;
    });
    const outcome = (code: number | null, signal: NodeJS.Signals | null): string | null => {
      if (code === 0) return null;
      const said = errorText.trim().replace(/\s+/g, ' ');
      if (timedOut) return `timed out after ${this.sendTimeoutMs} ms${said ? ` (${said})` : ''}`;
      return said || (signal ? `killed by ${signal}` : `exit code ${code}`);
    };
    child.once('error', (err) => done(err.message));
    child.once('exit', (code, signal) => {
      exited = true;
      // The output stays open while something it started holds it: not for long.
      timers.push(
        setTimeout(() => {
          child.stderr.destroy();
          done(outcome(code, signal));
        }, EXIT_GRACE_MS),
      );
    });
    child.once('close', (code, signal) => done(outcome(code, signal)));
  }
}

/** The STATUS field for `text`, on one line; none for no text. */
function statusField(text: string | undefined): [string, string][] {
  if (text === undefined || text === '') return [];
  // eslint-disable-next-line no-control-regex -- a newline would end the field
  return [['STATUS', cutToBytes(text.replace(/[\u0000-\u001f\u007f]+/g, ' '), STATUS_MAX_BYTES)]];
}

/** `text` whole if its UTF-8 takes at most `max` bytes, else its longest start that fits with `…`, whole characters. */
function cutToBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  const room = max - Buffer.byteLength('…');
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > room) break;
    bytes += size;
    end += char.length;
  }
  return `${text.slice(0, end)}…`;
}

/** The state `message` changes to (its READY, RELOADING or STOPPING key), or null. */
function lifecycleOf(message: Fields): string | null {
  return LIFECYCLE_KEYS.find((key) => message.has(key)) ?? null;
}

/** The first executable file named `name` in the folders of `pathEnv`, or null. */
function findOnPath(name: string, pathEnv: string): string | null {
  for (const dir of pathEnv.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not there, or not executable: the next folder
    }
  }
  return null;
}
