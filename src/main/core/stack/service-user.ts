import { execFileSync } from 'node:child_process';

/** Longest a user lookup (`getent passwd`) may take, ms: a stuck NSS source must not hang the start. */
const LOOKUP_TIMEOUT_MS = 2_000;

/** A user's ids, as the spawn options take them. */
export interface UserIds {
  uid: number;
  gid: number;
}

/**
 * The uid and primary gid of `user` (a name or a uid number), from `getent passwd`; a uid
 * with no passwd entry gets gid = uid. Null when there is no such user (or no getent).
 */
export function userIdsOf(user: string): UserIds | null {
  let entry: string | null = null;
  try {
    entry = execFileSync('getent', ['passwd', user], {
      encoding: 'utf8',
      timeout: LOOKUP_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024,
    });
  } catch {
    entry = null;
  }
  const fields = entry?.split('\n')[0]?.split(':') ?? [];
  const [uid, gid] = [fields[2], fields[3]];
  if (uid !== undefined && gid !== undefined && /^\d+$/.test(uid) && /^\d+$/.test(gid)) {
    return { uid: Number(uid), gid: Number(gid) };
  }
  if (/^\d+$/.test(user)) return { uid: Number(user), gid: Number(user) };
  return null;
}
