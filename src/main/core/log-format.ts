/**
 * The service log files' line format: text that `tail -f`, `grep` and `less` read, one line
 * per line, `<time> <stream> <text>`:
 *
 *     2026-12-02T01:48:47.825Z out listening on :3000
 *     2026-12-02T01:48:47.902Z err warning: cache is cold
 *
 * - time: RFC 3339 UTC with milliseconds (`Date#toISOString`): when the supervisor read the
 *   chunk the line came in (the lines of one read share it);
 * - stream: `out` (stdout) or `err` (stderr), then one space;
 * - text: the line as the program wrote it (UTF-8; invalid bytes were replaced by U+FFFD when
 *   it was read, a CRLF's CR dropped, a line over 16 KiB cut and marked), with one rule:
 *   a NUL is written as U+2400 (␀), so that grep and less take the file for text, and read
 *   back as NUL. That is lossless except for a text that holds U+2400 itself, which reads
 *   back as NUL. Every other character, control characters and terminal colour codes
 *   included, is written and read back as is (as PM2 and supervisord write them).
 *
 * Lines written before this format (JSON `{seq, ts, stream, text}` per line) are read too.
 */
import type { LogLine } from '../../shared/status';

/** The streams a service log file holds, and their names on disk. */
export const DISK_STREAM = { stdout: 'out', stderr: 'err' } as const;
export type DiskStream = keyof typeof DISK_STREAM;

/** What stands for NUL on disk (U+2400 SYMBOL FOR NULL). */
export const NUL_SYMBOL = '\u2400';
/** Its UTF-8 bytes as a Latin-1 string (framing works on bytes as Latin-1 characters). */
const NUL_SYMBOL_LATIN1 = Buffer.from(NUL_SYMBOL).toString('latin1');

/**
 * The file bytes of a batch of lines, as Latin-1 strings to write one after the other (a
 * character per byte; write them with the `latin1` encoding): each line of `lines` (UTF-8
 * bytes as Latin-1 characters, joined by `\n`, no trailing newline) prefixed with
 * `<iso> <out|err> ` and ended by a newline. One native replace over the whole batch, not a
 * step per line; the UTF-8 bytes go through unchanged. In parts, not joined: joining would
 * copy the batch once more.
 */
export function frameLines(iso: string, stream: DiskStream, lines: string): [string, string, string] {
  const text = lines.includes('\0') ? lines.replaceAll('\0', NUL_SYMBOL_LATIN1) : lines;
  const prefix = `${iso} ${DISK_STREAM[stream]} `;
  return [prefix, text.replaceAll('\n', `\n${prefix}`), '\n'];
}

/** A line of a service log file, read back; `seq` is given by the reader. */
export type DiskLine = Omit<LogLine, 'seq' | 'service'>;

const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (out|err) /;

/**
 * Parses one line of a service log file (without its newline): this format, or a JSON
 * line of the format before it. Null for anything else (say, a line a crash cut short
 * before its stream).
 */
export function parseLogLine(line: string): DiskLine | null {
  const m = LINE.exec(line);
  if (m) {
    const rest = line.slice(m[0].length);
    return {
      ts: m[1] as string,
      stream: m[2] === 'out' ? 'stdout' : 'stderr',
      text: rest.includes(NUL_SYMBOL) ? rest.replaceAll(NUL_SYMBOL, '\0') : rest,
    };
  }
  if (line.startsWith('{')) return parseLegacyLine(line);
  return null;
}

/** A JSON line `{seq, ts, stream, text}` as written before the text format. */
function parseLegacyLine(line: string): DiskLine | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { ts, stream, text } = value as Record<string, unknown>;
  if (typeof ts !== 'string' || typeof text !== 'string') return null;
  if (stream !== 'stdout' && stream !== 'stderr' && stream !== 'supervisor') return null;
  return { ts, stream, text };
}
