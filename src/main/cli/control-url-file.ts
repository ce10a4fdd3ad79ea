/**
 * `<data folder>/control-url`: the address serve's (or the desktop app's) control server
 * listens on, written once it listens and removed as it stops, so the command-line client finds a supervisor started with `--control-port`, a
 * port of 0 (picked by the system) or a CONTROL_PORT the client's shell does not have.
 * Not a secret (the token files are): the address and a newline.
 */
import { lstatSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { replaceFileSync } from '../core/replace-file';
import { readSmallFile } from '../core/small-file';

/** The file's name in the data folder. */
export const CONTROL_URL_FILE = 'control-url';

/**
 * Writes `url` (`http://127.0.0.1:8000`) to `<dataDir>/control-url`, whole or not at all (a
 * temporary file renamed over it: a client never reads half an address; a link or FIFO planted
 * there is not written through).
 * @throws when the file cannot be written.
 */
export function writeControlUrl(dataDir: string, url: string): void {
  replaceFileSync(join(dataDir, CONTROL_URL_FILE), `${url}\n`, 0o644);
}

/**
 * Removes `<dataDir>/control-url` as the supervisor stops, so the client tries no address that
 * nobody answers. Call it while holding the data folder's lock: the file is then this
 * supervisor's own. A missing file is no error.
 * @throws when it exists and cannot be removed.
 */
export function removeControlUrl(dataDir: string): void {
  rmSync(join(dataDir, CONTROL_URL_FILE), { force: true });
}

/** Longest control-url file read, bytes: an address and a newline. */
export const MAX_CONTROL_URL_BYTES = 4096;

/**
 * A control-url that someone other than the supervisor's user may have written: a client that
 * followed it would send that folder's token to whatever address it names.
 */
export class UntrustedControlUrlError extends Error {
  constructor(readonly path: string) {
    super(`${path} is not the supervisor's: another user owns it or may change it`);
    this.name = 'UntrustedControlUrlError';
  }
}

/**
 * Whether the file a supervisor wrote could have been written by someone else: owned by a user
 * other than this one, root and the data folder's owner, or writable by group or others
 * (serve writes it 0644). No check where there are no user ids (Windows).
 */
function untrusted(path: string, dataDir: string): boolean {
  const uid = process.getuid?.();
  if (uid === undefined) return false;
  const file = lstatSync(path);
  if ((file.mode & 0o022) !== 0) return true;
  return file.uid !== uid && file.uid !== 0 && file.uid !== statSync(dataDir).uid;
}

/**
 * The address in `<dataDir>/control-url`, or null when there is none (no file, empty).
 * @throws on other read errors; SmallFileError when it is not a regular file (a FIFO would
 * hang the client; a symbolic link is never what a supervisor writes) or is longer than
 * {@link MAX_CONTROL_URL_BYTES}; UntrustedControlUrlError when another user may have written it.
 */
export function readControlUrl(dataDir: string): string | null {
  const path = join(dataDir, CONTROL_URL_FILE);
  try {
    const text = readSmallFile(path, { maxBytes: MAX_CONTROL_URL_BYTES, noFollow: true }).trim();
    if (untrusted(path, dataDir)) throw new UntrustedControlUrlError(path);
    return text === '' ? null : text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
