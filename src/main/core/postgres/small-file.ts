import { readSmallFile as readBounded } from '../small-file';

/**
 * The text of a small plain file (UTF-8), or null when there is none to read: missing, a
 * symbolic link, not a regular file (a FIFO, a device, a folder), unreadable, or larger than
 * `maxBytes`. Never blocks and never reads more than `maxBytes` + 1 bytes: the files read
 * this way (a cluster's PG_VERSION and postmaster.pid, the remembered port) lie in folders
 * that another user (the one PostgreSQL runs as) or another program may write, and a FIFO or
 * a link to /dev/zero in their place must not hang or swell the supervisor.
 */
export function readSmallFile(path: string, maxBytes: number): string | null {
  try {
    return readBounded(path, { maxBytes, noFollow: true });
  } catch {
    return null;
  }
}
