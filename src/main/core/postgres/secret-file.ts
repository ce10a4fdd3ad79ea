import { randomBytes } from 'node:crypto';
import { closeSync, lstatSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../errors';

/** Largest secret file read, bytes: a password file is one short line. */
export const MAX_SECRET_FILE_BYTES = 1024;

/** A generated password: 24 random bytes, base64url (32 characters, safe in a URL and an SQL literal). */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The secret kept in `file` (its first line), or null when there is no such file. The
 * file must be a plain file of this user, readable by no one else, at most
 * {@link MAX_SECRET_FILE_BYTES} bytes, its secret non-empty.
 * @throws ConfigError naming the fix (`chmod 600 …`) when it is not.
 */
export function readSecretFile(file: string, platform: NodeJS.Platform = process.platform): string | null {
  let stat;
  try {
    stat = lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  if (!stat.isFile()) throw new ConfigError(`${file} is not a plain file: remove it`);
  if (platform !== 'win32') {
    const uid = process.geteuid?.();
    if (uid !== undefined && stat.uid !== uid) {
      throw new ConfigError(`${file} belongs to uid ${stat.uid}, not this user (uid ${uid}): chown it or remove it`);
    }
    if ((stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new ConfigError(`${file} is readable by other users (mode ${mode}): run chmod 600 ${file}`);
    }
  }
  if (stat.size > MAX_SECRET_FILE_BYTES) {
    throw new ConfigError(`${file} is larger than ${MAX_SECRET_FILE_BYTES} bytes: it is not a password file`);
  }
  const secret = (readFileSync(file, 'utf8').split('\n')[0] ?? '').replace(/\r$/, '');
  if (secret === '') throw new ConfigError(`${file} is empty: remove it to have a new password generated`);
  return secret;
}

/**
 * Writes `secret` to `file` (mode 0600, a new file only). When the file appeared meanwhile,
 * the secret it holds is returned instead (two writers agree on the first one). A write cut
 * short (a full disk) removes the file it made: no empty or half password is left for the
 * next start to refuse or to take.
 * @returns the secret now in the file.
 * @throws ConfigError when the file cannot be written, or is refused by {@link readSecretFile}.
 */
export function writeSecretFile(file: string, secret: string): string {
  let fd: number | null = null;
  try {
    fd = openSync(file, 'wx', 0o600);
    writeFileSync(fd, `${secret}\n`);
    return secret;
  } catch (err) {
    // Made by this call (the open went through): removed, so that the next start writes it anew.
    if (fd !== null) rmSync(file, { force: true });
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new ConfigError(`cannot write ${file}: ${(err as Error).message}`);
    }
  } finally {
    if (fd !== null) closeSync(fd);
  }
  const existing = readSecretFile(file);
  if (existing === null) throw new ConfigError(`cannot write ${file}: it vanished while written`);
  return existing;
}
