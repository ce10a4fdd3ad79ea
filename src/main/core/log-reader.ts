import { createReadStream, lstatSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { LogLine } from '../../shared/status';
import { PENDING_INFIX } from './log-compressor';
import { parseLogLine } from './log-format';

/** One file of a service log: its path and whether it is gzip-compressed. */
export interface LogFilePart {
  path: string;
  gzip: boolean;
}

/**
 * The files of the log at `path`, oldest first: the compressed rotated ones from the
 * highest number down (`name.N.gz` … `name.1.gz`), those waiting for their compression
 * (`name.pending-<stamp>`, by stamp), a rotated one not yet set aside (`name.N`; also what
 * an older version that did not compress left), then `name` itself (see log-compressor.ts).
 * Only regular files (a symbolic link is not followed); none when the folder cannot be read.
 */
export function logFilesOf(path: string): LogFilePart[] {
  const name = basename(path);
  const dir = dirname(path);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const gz: { path: string; n: number }[] = [];
  const pending: string[] = [];
  const plain: { path: string; n: number }[] = [];
  for (const entry of entries) {
    if (!entry.startsWith(`${name}.`) || !isFile(join(dir, entry))) continue;
    const rest = entry.slice(name.length + 1);
    const numbered = /^(\d+)(\.gz)?$/.exec(rest);
    if (numbered) (numbered[2] ? gz : plain).push({ path: join(dir, entry), n: Number(numbered[1]) });
    else if (entry.startsWith(`${name}${PENDING_INFIX}`)) pending.push(join(dir, entry));
  }
  const byNumberDown = (a: { n: number }, b: { n: number }): number => b.n - a.n;
  return [
    ...gz.sort(byNumberDown).map((f) => ({ path: f.path, gzip: true })),
    ...pending.sort().map((p) => ({ path: p, gzip: false })),
    ...plain.sort(byNumberDown).map((f) => ({ path: f.path, gzip: false })),
    ...(isFile(path) ? [{ path, gzip: false }] : []),
  ];
}

function isFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

/** What {@link readLogLines} could not take as lines. */
export interface ReadProblems {
  /** Lines of neither format (e.g. cut short by a crash), skipped. */
  skipped: number;
  /** Files that could not be read to their end (a compressed file being written, an I/O error): `path: reason`. */
  unreadable: string[];
}

/**
 * Every line of the log at `path` and its rotated files, oldest first, as
 * `{seq, ts, stream, text}`: `seq` is given on read, 0 for the oldest line found, so it
 * numbers the lines on disk, not the live ones (a live `seq` counts the supervisor's own
 * lines too, and starts again at each start of the supervisor). Both the text format and
 * the JSON lines of older versions are read (see log-format.ts). `problems`, when given,
 * is filled in as it goes; nothing here throws for a bad file.
 */
export async function* readLogLines(path: string, problems?: ReadProblems): AsyncGenerator<LogLine> {
  let seq = 0;
  for (const part of logFilesOf(path)) {
    for await (const line of rawLines(part, problems)) {
      const parsed = parseLogLine(line);
      if (parsed) yield { seq: seq++, ...parsed };
      else if (problems && line !== '') problems.skipped++;
    }
  }
}

/** The lines of one file, decoded as UTF-8 and split on `\n` only (a CR inside a line is text). */
async function* rawLines(part: LogFilePart, problems?: ReadProblems): AsyncGenerator<string> {
  const file = createReadStream(part.path);
  const source = part.gzip ? file.pipe(createGunzip()) : file;
  if (part.gzip) file.on('error', (err) => source.destroy(err));
  const decoder = new StringDecoder('utf8');
  let pending = '';
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      const text = pending + decoder.write(chunk);
      const lines = text.split('\n');
      pending = lines.pop() as string;
      yield* lines;
    }
  } catch (err) {
    problems?.unreadable.push(`${part.path}: ${(err as Error).message}`);
    // What came last is a line cut where the file broke off.
    return;
  } finally {
    file.destroy();
  }
  pending += decoder.end();
  if (pending !== '') yield pending;
}
