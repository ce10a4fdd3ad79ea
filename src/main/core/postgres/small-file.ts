import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/**
 * The text of a small plain file (UTF-8), or null when there is none to read: missing, a
 * symbolic link, not a regular file (a FIFO, a device, a folder), unreadable, or larger than
 * `maxBytes`. Never blocks and never reads more than `maxBytes` + 1 bytes: the files read
 * this way (a cluster's PG_VERSION and postmaster.pid, the remembered port) lie in folders
 * that another user (the one PostgreSQL runs as) or another program may write, and a FIFO or
 * a link to /dev/zero in their place must not hang or swell the supervisor.
 */
export function readSmallFile(path: string, maxBytes: number): string | null {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO opens at once rather than waiting for a writer (and is refused below).
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    if (!fstatSync(fd).isFile()) return null;
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n) {
      n = readSync(fd, buffer, length, buffer.length - length, null);
    }
    return length > maxBytes ? null : buffer.toString('utf8', 0, length);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
