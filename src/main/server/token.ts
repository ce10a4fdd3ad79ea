import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the control token came from; `path` is the 0600 file when generated/stored. */
export interface ControlToken {
  token: string;
  source: 'env' | 'file';
  path: string | null;
}

/** The token file names inside the data folder: full control, and read-only (metrics, status). */
export const TOKEN_FILE = 'control-token';
export const READ_TOKEN_FILE = 'control-read-token';

/**
 * The control API's bearer token: `CONTROL_TOKEN` when given; else read from
 * `<dataDir>/control-token`, generating it on first use (256 random bits, base64url) with
 * mode 0600 so only the owner can read it.
 * @throws when the data folder cannot be created or the file cannot be written.
 */
export function loadOrCreateToken(dataDir: string, fromEnv?: string, fileName = TOKEN_FILE): ControlToken {
  if (fromEnv) return { token: fromEnv, source: 'env', path: null };
  const path = join(dataDir, fileName);
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing.length >= 32) {
      chmodSync(path, 0o600);
      return { token: existing, source: 'file', path };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return { token, source: 'file', path };
}

/** Compares a presented token with the expected one in constant time (digests of equal length). */
export function tokenMatches(expected: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
