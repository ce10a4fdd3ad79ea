import { execFileSync } from 'node:child_process';

/** Longest a user lookup (`getent passwd`, `id`) may take, ms: a stuck NSS source must not hang the start. */
const LOOKUP_TIMEOUT_MS = 2_000;

/** A user's ids, as the spawn options take them. */
export interface UserIds {
  uid: number;
  gid: number;
}

/** Output of a lookup command, or null when it failed, timed out or is missing. */
function runLookup(file: string, args: string[]): string | null {
  try {
    return execFileSync(file, args, {
      encoding: 'utf8',
      timeout: LOOKUP_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024,
    });
  } catch {
    return null;
  }
}

const whole = (text: string | undefined): number | null =>
  text !== undefined && /^\d+$/.test(text.trim()) ? Number(text.trim()) : null;

/**
 * The uid and primary gid of `user` (a name or a uid number): from `getent passwd` (Linux),
 * else `id -u` / `id -g` (macOS), each at most 2 s. A uid with no passwd entry gets
 * gid = uid. Null when there is no such user.
 */
export function userIdsOf(user: string): UserIds | null {
  const fields = runLookup('getent', ['passwd', user])?.split('\n')[0]?.split(':') ?? [];
  const [uid, gid] = [whole(fields[2]), whole(fields[3])];
  if (uid !== null && gid !== null) return { uid, gid };
  const [idUid, idGid] = [
    whole(runLookup('id', ['-u', user]) ?? undefined),
    whole(runLookup('id', ['-g', user]) ?? undefined),
  ];
  if (idUid !== null && idGid !== null) return { uid: idUid, gid: idGid };
  if (/^\d+$/.test(user)) return { uid: Number(user), gid: Number(user) };
  return null;
}
