import { constants } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';

/**
 * Reads a file the backend keeps in its data folder (a secret, the generated passwords):
 * opened without following a symbolic link and without blocking (a FIFO there would wait
 * forever for a writer), then refused unless it is a regular file.
 * @returns its text, or null when there is none.
 * @throws Error naming the file when something else is at its path (`… is not a regular
 * file (a FIFO): remove it`), or the read error.
 */
export async function readPrivateFile(file: string): Promise<string | null> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw new Error(`${file} is not a regular file (a symbolic link): remove it`);
    throw err;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      const kind = stats.isDirectory() ? 'a directory' : stats.isFIFO() ? 'a FIFO' : 'a device or socket';
      throw new Error(`${file} is not a regular file (${kind}): remove it`);
    }
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Writes `text` to `file` (mode 0600, its folder created 0700): into a new temporary file,
 * then renamed over it, so a crash never leaves half a file. A leftover temporary file (a
 * crash under the same pid, as in a container) or anything planted there is removed first;
 * `wx` (O_EXCL) then creates a fresh file and never follows a symbolic link, so the text
 * cannot be written through one into another file.
 * @throws the folder's or the file's write error.
 */
export async function writePrivateFile(file: string, text: string, folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await unlink(tmp).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}
