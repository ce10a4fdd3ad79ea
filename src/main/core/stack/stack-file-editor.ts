import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SupervisorConfig } from '../../../shared/config';
import type { StackFileView } from '../../../shared/services';
import { ConfigError } from '../errors';
import { SettingsError } from '../settings/settings-errors';
import { MAX_STACK_FILE_BYTES, parseStackText } from './stack-file';

/**
 * The stack file behind the Settings page's services editor: reads it, checks a new text
 * with the stack file's own parser (the same errors as at start, with their lines), and
 * writes it atomically (a temporary file beside it, mode 0600, then renamed over it).
 * A saved text applies at the next start of the supervisor.
 */
export class StackFileEditor {
  /**
   * @param path the stack file to edit: the one the running stack came from, else
   *   `<data folder>/stack.yaml`.
   * @param active true when the running stack came from `path`.
   * @param base the settings a service's unset keys fall back to.
   */
  constructor(
    private readonly path: string,
    private readonly active: boolean,
    private readonly base: () => SupervisorConfig,
  ) {}

  /** The file's path, text (null when there is none) and service names. */
  get(): StackFileView {
    const text = existsSync(this.path) ? readFileSync(this.path, 'utf8').slice(0, MAX_STACK_FILE_BYTES) : null;
    let services: string[] = [];
    if (text !== null) {
      try {
        services = this.check(text);
      } catch {
        services = [];
      }
    }
    return { path: this.path, text, services, active: this.active };
  }

  /**
   * Checks and saves `text`; an empty (or blank) text removes the file.
   * @throws SettingsError STACK_FILE_INVALID naming every problem, the file untouched.
   */
  save(text: string): StackFileView {
    if (text.trim() === '') {
      rmSync(this.path, { force: true });
      return this.get();
    }
    this.check(text);
    const temp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temp, text, { mode: 0o600, flag: 'w' });
    try {
      renameSync(temp, this.path);
    } catch (err) {
      rmSync(temp, { force: true });
      throw err;
    }
    return this.get();
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
