import type { LogLine, LogStream } from '../../../shared/status';
import { isAtLeast, lineLevel, type LogLevel } from './log-level';

/** The streams, in the order the view lists them. */
export const LOG_STREAMS: readonly LogStream[] = ['stdout', 'stderr', 'supervisor'];

/** `all`, or the least severe level shown (`warn` shows warnings and errors). */
export type LevelFilter = 'all' | LogLevel;

/** What the Logs view shows: the streams switched on and the level threshold. */
export interface LogFilter {
  streams: Readonly<Record<LogStream, boolean>>;
  level: LevelFilter;
}

/** Everything shown. */
export const SHOW_ALL: LogFilter = { streams: { stdout: true, stderr: true, supervisor: true }, level: 'all' };

/** True when the filter hides anything. */
export function isFiltering(filter: LogFilter): boolean {
  return filter.level !== 'all' || LOG_STREAMS.some((stream) => !filter.streams[stream]);
}

/** True when `filter` shows `line`. */
export function matchesFilter(line: LogLine, filter: LogFilter): boolean {
  return filter.streams[line.stream] && (filter.level === 'all' || isAtLeast(lineLevel(line), filter.level));
}

/**
 * The lines `filter` shows, in order. Returns `lines` itself when nothing is filtered, so
 * what depends on it (search, the list) sees the same array.
 */
export function filterLines(lines: readonly LogLine[], filter: LogFilter): readonly LogLine[] {
  if (!isFiltering(filter)) return lines;
  const shown: LogLine[] = [];
  for (const line of lines) if (matchesFilter(line, filter)) shown.push(line);
  return shown;
}

/** `filter` with `stream` switched on or off. */
export function toggleStream(filter: LogFilter, stream: LogStream): LogFilter {
  return { ...filter, streams: { ...filter.streams, [stream]: !filter.streams[stream] } };
}

/** Index of the first line with `seq >= seq` in lines sorted by `seq` (binary search). */
export function lowerBoundSeq(lines: readonly LogLine[], seq: number): number {
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lines[mid]!.seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the line with this `seq`, or -1. */
export function indexOfSeq(lines: readonly LogLine[], seq: number): number {
  const index = lowerBoundSeq(lines, seq);
  return lines[index]?.seq === seq ? index : -1;
}

/** How many of `lines` came after the line `seq` (the "N new" while paused). */
export function countAfter(lines: readonly LogLine[], seq: number): number {
  return lines.length - lowerBoundSeq(lines, seq + 1);
}
