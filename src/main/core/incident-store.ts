import { EventEmitter } from 'node:events';
import {
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { IncidentSchema, type Incident } from '../../shared/incident';
import { fitIncident, MAX_INCIDENT_BYTES } from './incident-cap';

/** Incidents kept in memory and on disk. */
export const MAX_INCIDENTS = 200;

/**
 * Bytes read from the end of the file on load (3.1 MiB): exactly room for
 * {@link MAX_INCIDENTS} lines of {@link MAX_INCIDENT_BYTES} plus their newlines, so what
 * this store writes always loads whole, while a file grown by other means (a 300 MB line)
 * costs no more memory than that.
 */
export const INCIDENT_LOAD_BYTES = MAX_INCIDENTS * (MAX_INCIDENT_BYTES + 1);

const NEWLINE = 0x0a;
const NUL = 0x00;

/**
 * Open flags. `O_NONBLOCK` so that a FIFO in the file's place never blocks the open (a read
 * open waits for a writer, a write open for a reader: the supervisor would hang at start);
 * what is opened is then checked to be a regular file.
 */
const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;
const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK;

/** Opens `file` with `flags` and returns its fd; throws when it is not a regular file (a FIFO, a device, a folder). */
function openRegular(file: string, flags: number): number {
  // Checked before the open too: a folder or a FIFO with no reader fails it (EISDIR, ENXIO), which says less.
  const before = statSync(file, { throwIfNoEntry: false });
  if (before !== undefined && !before.isFile()) throw new Error(`${file} is not a regular file`);
  const fd = openSync(file, flags, 0o600);
  try {
    if (!fstatSync(fd).isFile()) throw new Error(`${file} is not a regular file`);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

/** Writes all of `data` at the fd's position (append mode: the end). */
function writeAll(fd: number, data: Buffer): void {
  let done = 0;
  while (done < data.length) done += writeSync(fd, data, done, data.length - done);
}

/**
 * Keeps the recent incidents: in memory for the dashboard, and as JSON lines in `file`
 * so they survive a restart of the supervisor. Each incident is made to fit
 * {@link MAX_INCIDENT_BYTES} before it is kept (incident-cap.ts). On load only the last
 * {@link INCIDENT_LOAD_BYTES} of the file are read; a line longer than
 * {@link MAX_INCIDENT_BYTES}, one cut by the start of that window, or one failing its
 * schema is skipped and counted (`skippedOnLoad`), never a crash, and the bytes before the
 * window are counted in `unreadBytesOnLoad`. The file is compacted to the last
 * {@link MAX_INCIDENTS} when it grows past twice that, or at the first write after a load
 * that had to cut, or after a write that failed (it may have left half a line). A
 * compaction writes a temporary file and renames it over the old one, so a full disk never
 * truncates the history. A failing disk never loses the in-memory copy: the error is kept
 * in `lastWriteError`. Anything but a regular file in the file's place (a FIFO, a device, a
 * folder) is neither read nor written: `lastWriteError` says so.
 */
export class IncidentStore extends EventEmitter<{ incident: [Incident] }> {
  private incidents: Incident[] = [];
  private linesOnDisk = 0;
  skippedOnLoad = 0;
  unreadBytesOnLoad = 0;
  lastWriteError: string | null = null;

  /** @param file the history's file, or null to keep it in memory only (remote mode). */
  constructor(private file: string | null) {
    super();
    if (file) this.load(file);
  }

  /** The history's file, or null when it is kept in memory only. */
  get path(): string | null {
    return this.file;
  }

  /**
   * Keeps the history in `file` from now on, or in memory only (null), for a reload that
   * switches remote mode (README "Reloading the settings"). A new file's history is loaded
   * and put before the incidents held now that it lacks (by `id`: those recorded while in
   * memory only), the last {@link MAX_INCIDENTS} kept, and the file is rewritten with them at
   * once (a temporary file renamed over it), so none is lost at the next restart. A write
   * that fails is kept in `lastWriteError`, as for {@link add}; never throws.
   */
  persistTo(file: string | null): void {
    if (file === this.file) return;
    this.file = file;
    if (file === null) return;
    const held = this.incidents;
    this.incidents = [];
    this.linesOnDisk = 0;
    this.skippedOnLoad = 0;
    this.unreadBytesOnLoad = 0;
    this.load(file);
    const onDisk = new Set(this.incidents.map((i) => i.id));
    const newer = held.filter((i) => !onDisk.has(i.id));
    if (newer.length === 0) return;
    this.incidents.push(...newer);
    if (this.incidents.length > MAX_INCIDENTS) this.incidents.splice(0, this.incidents.length - MAX_INCIDENTS);
    this.persist(null);
  }

  /** Newest first. */
  list(): Incident[] {
    return [...this.incidents].reverse();
  }

  /** Records one incident (memory, disk, `incident` event), cut to fit {@link MAX_INCIDENT_BYTES}. */
  add(received: Incident): void {
    const incident = fitIncident(received);
    this.incidents.push(incident);
    if (this.incidents.length > MAX_INCIDENTS) this.incidents.splice(0, this.incidents.length - MAX_INCIDENTS);
    this.persist(incident);
    this.emit('incident', incident);
  }

  private load(file: string): void {
    let fd: number;
    try {
      fd = openRegular(file, READ_FLAGS);
    } catch {
      return;
    }
    let text: Buffer;
    let windowStart: number;
    try {
      const size = fstatSync(fd).size;
      windowStart = Math.max(0, size - INCIDENT_LOAD_BYTES);
      // One byte before the window tells whether it begins at the start of a line.
      const from = windowStart === 0 ? 0 : windowStart - 1;
      text = Buffer.alloc(size - from);
      let got = 0;
      while (got < text.length) {
        const n = readSync(fd, text, got, text.length - got, from + got);
        if (n === 0) break;
        got += n;
      }
      text = text.subarray(0, got);
    } catch {
      return;
    } finally {
      closeSync(fd);
    }
    this.unreadBytesOnLoad = windowStart;
    let pos = 0;
    let cut = windowStart > 0;
    if (windowStart > 0) {
      if (text[0] === NEWLINE) pos = 1;
      else {
        // The window began inside a line: its tail is no incident.
        const nl = text.indexOf(NEWLINE);
        pos = nl === -1 ? text.length : nl + 1;
        this.skippedOnLoad++;
      }
    }
    // A last line without its newline (a write cut short): the next append must not join it.
    if (text.length > 0 && text[text.length - 1] !== NEWLINE) cut = true;
    while (pos < text.length) {
      const nl = text.indexOf(NEWLINE, pos);
      const end = nl === -1 ? text.length : nl;
      // NULs where a crash lost an append (a hole the file system zero-filled) are no part of the next line.
      let start = pos;
      while (start < end && text[start] === NUL) start++;
      const line = text.subarray(start, end);
      pos = end + 1;
      if (line.length === 0 || (line.length === 1 && line[0] === 0x0d)) continue; // blank, or a NUL hole
      this.linesOnDisk++;
      if (line.length > MAX_INCIDENT_BYTES) {
        this.skippedOnLoad++;
        cut = true;
        continue;
      }
      try {
        const parsed = IncidentSchema.safeParse(JSON.parse(line.toString('utf8')));
        if (parsed.success) this.incidents.push(parsed.data);
        else this.skippedOnLoad++;
      } catch {
        this.skippedOnLoad++;
      }
    }
    if (this.incidents.length > MAX_INCIDENTS) this.incidents.splice(0, this.incidents.length - MAX_INCIDENTS);
    // Compact at the next write: the file holds more than was read, or lines no one can load.
    if (cut) this.linesOnDisk = 2 * MAX_INCIDENTS;
  }

  /** Appends `incident` to the file (or compacts it when due); null: rewrites the file with what is in memory. */
  private persist(incident: Incident | null): void {
    if (!this.file) return;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      // Opened first, also for a compaction: checks that a regular file is in its place.
      const fd = openRegular(this.file, APPEND_FLAGS);
      try {
        if (incident === null || this.linesOnDisk >= 2 * MAX_INCIDENTS) {
          this.compact();
        } else {
          writeAll(fd, Buffer.from(JSON.stringify(incident) + '\n'));
          this.linesOnDisk++;
        }
      } finally {
        closeSync(fd);
      }
      this.lastWriteError = null;
    } catch (err) {
      this.lastWriteError = (err as Error).message;
      // The write may have stopped inside the line: rewrite the whole file at the next one.
      this.linesOnDisk = 2 * MAX_INCIDENTS;
    }
  }

  /** Rewrites the file with what is in memory: a temporary file renamed over it (all or nothing). */
  private compact(): void {
    const file = this.file as string;
    const temp = `${file}.tmp`;
    try {
      // Made afresh (`wx`): a leftover temporary file, or a FIFO or a link put there, is never opened.
      rmSync(temp, { force: true });
      writeFileSync(temp, this.incidents.map((i) => JSON.stringify(i) + '\n').join(''), { mode: 0o600, flag: 'wx' });
      renameSync(temp, file);
    } catch (err) {
      rmSync(temp, { force: true });
      throw err;
    }
    this.linesOnDisk = this.incidents.length;
  }
}
