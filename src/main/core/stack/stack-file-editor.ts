import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SupervisorConfig } from '../../../shared/config';
import type { StackFileView } from '../../../shared/services';
import { ConfigError } from '../errors';
import { SettingsError } from '../settings/settings-errors';
import { isWellFormedText, MAX_STACK_FILE_BYTES, parseStackText, readStackText } from './stack-file';

/**
 * The stack file behind the Settings page's services editor: reads it, checks a new text
 * with the stack file's own parser (the same errors as at start, with their lines), and
 * writes it atomically (a new temporary file of a random name beside it, mode 0600, synced,
 * then renamed over it). A saved text applies at the next start of the supervisor.
 */
export class StackFileEditor {
  /**
   * @param path the stack file to edit: the one the running stack came from, else
   *   `<data folder>/stack.yaml`.
   * @param active true when the running stack came from `path` (asked at each read: a reload
   *   may start or stop running it).
   * @param base the settings a service's unset keys fall back to.
   */
  constructor(
    private readonly path: string,
    private readonly active: boolean | (() => boolean),
    private readonly base: () => SupervisorConfig,
  ) {}

  /**
   * The file's path, text (null when there is none) and service names (none when the text
   * does not validate). Never blocks on a FIFO; reads at most 1 MiB + 1 byte.
   * @throws SettingsError STACK_FILE_INVALID when the path is not a regular file (a
   *   directory, a FIFO), cannot be read, or holds more than 1 MiB.
   */
  get(): StackFileView {
    let text: string | null;
    try {
      text = readStackText(this.path);
    } catch (err) {
      if (err instanceof ConfigError) throw new SettingsError('STACK_FILE_INVALID', err.message);
      throw err;
    }
    let services: string[] = [];
    if (text !== null) {
      try {
        services = this.check(text);
      } catch {
        services = [];
      }
    }
    return { path: this.path, text, services, active: typeof this.active === 'function' ? this.active() : this.active };
  }

  /**
   * Checks and saves `text`; an empty (or blank) text removes the file. A symlink at the
   * path is replaced by the file (what it pointed at is left alone).
   * @throws SettingsError STACK_FILE_INVALID naming every problem, the file untouched; or
   *   `<path>: cannot save the stack file: <why>` when it cannot be written (a directory at
   *   the path, a read-only folder), no temporary file left behind.
   */
  save(text: string): StackFileView {
    if (text.trim() === '') {
      this.writing(() => rmSync(this.path, { force: true }));
      return this.get();
    }
    if (!isWellFormedText(text)) {
      // It would be written as U+FFFD, not the text that was checked.
      throw new SettingsError('STACK_FILE_INVALID', `${this.path}: is not valid Unicode text (a lone surrogate)`);
    }
    this.check(text);
    // A fresh name, created exclusively: never a file or a symlink someone put there.
    const temp = `${this.path}.${randomBytes(8).toString('hex')}.tmp`;
    this.writing(() => {
      try {
        const fd = openSync(temp, 'wx', 0o600);
        try {
          writeSync(fd, text);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        renameSync(temp, this.path);
      } catch (err) {
        rmSync(temp, { force: true });
        throw err;
      }
    });
    return this.get();
  }

  /** Runs a write, a system error made a SettingsError naming the file. */
  private writing(write: () => void): void {
    try {
      write();
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new SettingsError('STACK_FILE_INVALID', `${this.path}: cannot save the stack file: ${why}`);
    }
  }

  /** The service names of `text`. @throws SettingsError STACK_FILE_INVALID. */
  private check(text: string): string[] {
    if (Buffer.byteLength(text) > MAX_STACK_FILE_BYTES) {
      throw new SettingsError('STACK_FILE_INVALID', `${this.path}: over ${MAX_STACK_FILE_BYTES} bytes`);
    }
    try {
      return parseStackText(text, this.path, dirname(this.path), this.base()).services.map((s) => s.name);
    } catch (err) {
      if (err instanceof ConfigError) throw new SettingsError('STACK_FILE_INVALID', err.message);
      throw err;
    }
  }
}
