import { close, closeSync, fstatSync, ftruncate, openSync, renameSync, write } from 'node:fs';

/**
 * Appends whole lines to a file, rotating it by size, and says exactly what reached it.
 *
 * Our own, not a library's (the log used rotating-file-stream): a write the kernel takes only
 * in part (a disk that fills takes what fits, then refuses the rest) must go on from where it
 * stopped, and when the rest is refused, the line it cut must not stay on disk torn. A
 * library that ignores the count a write returns loses the rest of that buffer silently.
 *
 * Rotation renames the file to `<path>.1` (synchronously: a rename, no copy) and opens a new
 * one; what is done with `<path>.1` is the caller's (`onRotated`, which must move it away
 * before the next rotation). Writes go through the thread pool (`fs.write`), one at a time.
 */
export class AppendFile {
  private fd: number;
  /** Bytes in the file being written. */
  private size: number;

  /**
   * Opens (or creates, mode 0600) `path` for appending.
   * @param maxBytes rotate before a write that would take the file past this; a single
   *   write larger than it still goes into one file.
   * @throws the open's error (ENOENT, EACCES, ENOSPC, …).
   */
  constructor(
    private readonly path: string,
    private readonly maxBytes: number,
    private readonly onRotated: (rotated: string) => void,
  ) {
    this.fd = openSync(path, 'a', 0o600);
    try {
      this.size = fstatSync(this.fd).size;
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  /**
   * Writes `buf` (whole lines, each ended by `\n`), rotating first when it would not fit.
   * `done(err, kept)`: `kept` bytes of `buf` are in the file, ending at a line's end. On an
   * error after a partial write the file is cut back to the end of the last whole line (on
   * a full disk a truncation frees room, so it succeeds), so `kept` may be less than what the
   * kernel took; if even that fails, `kept` counts the torn line too (it is on disk).
   * Never throws; call one at a time.
   */
  write(buf: Buffer, done: (err: Error | null, kept: number) => void): void {
    if (this.size > 0 && this.size + buf.length > this.maxBytes) {
      try {
        this.rotate();
      } catch (err) {
        done(err as Error, 0);
        return;
      }
    }
    const start = this.size;
    const step = (offset: number): void => {
      write(this.fd, buf, offset, buf.length - offset, null, (err, written) => {
        // A write that takes nothing and says no error would loop for ever: take it as a full disk.
        const failure =
          err ?? (written === 0 ? Object.assign(new Error('write took no bytes'), { code: 'ENOSPC' }) : null);
        if (failure) {
          this.cutBack(buf, start, offset, failure, done);
          return;
        }
        this.size += written;
        if (offset + written < buf.length) step(offset + written);
        else done(null, buf.length);
      });
    };
    step(0);
  }

  /** After a failed write that got `offset` bytes of `buf` in from `start`: drops the torn line, if any. */
  private cutBack(
    buf: Buffer,
    start: number,
    offset: number,
    failure: Error,
    done: (err: Error | null, kept: number) => void,
  ): void {
    const kept = offset === 0 ? 0 : buf.lastIndexOf(0x0a, offset - 1) + 1;
    if (kept === offset) {
      done(failure, kept);
      return;
    }
    ftruncate(this.fd, start + kept, (err) => {
      if (err) {
        done(failure, offset);
        return;
      }
      this.size = start + kept;
      done(failure, kept);
    });
  }

  /** Renames the file to `<path>.1`, opens a new one, hands `<path>.1` on. @throws the rename's or open's error. */
  private rotate(): void {
    closeSync(this.fd);
    this.fd = -1;
    const rotated = `${this.path}.1`;
    renameSync(this.path, rotated);
    this.fd = openSync(this.path, 'a', 0o600);
    this.size = 0;
    this.onRotated(rotated);
  }

  /** Closes the file (after the write under way, if the caller waited for it). Never throws. */
  close(done: () => void = () => undefined): void {
    if (this.fd < 0) {
      done();
      return;
    }
    const fd = this.fd;
    this.fd = -1;
    close(fd, () => done());
  }
}
