/**
 * Writes a small file whole or not at all: a temporary file beside it, renamed over it.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

/**
 * Replaces `path` with `text` (UTF-8), so a reader sees the old content or the new one, never
 * half. The temporary file (`<path>.<pid>.tmp`) is made anew with O_CREAT|O_EXCL: a link or a
 * FIFO someone left at that guessable name is removed, never written through (a link would
 * overwrite the file it points at; a FIFO would block the write until a reader came). A link
 * at `path` itself is replaced by the rename, not followed.
 * @param mode the new file's permissions (before the umask).
 * @throws the open's, write's or rename's error (EACCES, EROFS, ENOSPC, EEXIST when another
 * file is put at the temporary name between its removal and the open); no temporary file is left.
 */
export function replaceFileSync(path: string, text: string, mode: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  const fd = openSync(temporary, 'wx', mode);
  try {
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw err;
  }
}
