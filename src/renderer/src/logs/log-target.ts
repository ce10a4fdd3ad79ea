/**
 * "Show in logs": a time in the URL hash after the page name (`#/logs/?at=<RFC 3339>`), and
 * the line the Logs view then scrolls to.
 */
import type { LogLine } from '../../../shared/status';

/**
 * The hash that opens the Logs page at `at`. The `/` before `?` keeps the page name a path
 * segment of its own (the page is read from the hash up to the first `/`).
 */
export function logsHashAt(at: string): string {
  return `#/logs/?at=${encodeURIComponent(at)}`;
}

/** The `at` time of a Logs hash (`#/logs?at=…` or `#/logs/?at=…`), or null. */
export function readLogTarget(hash: string): string | null {
  const match = /^#?\/?logs\/?\?(.*)$/.exec(hash);
  if (!match) return null;
  const at = new URLSearchParams(match[1]).get('at');
  return at && !Number.isNaN(Date.parse(at)) ? at : null;
}

/**
 * Index of the first line with `ts >= at` (ms since the epoch) in lines in time order
 * (binary search), or `lines.length` when every line is older.
 */
export function firstIndexAtOrAfter(lines: readonly LogLine[], at: number): number {
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (Date.parse(lines[mid]!.ts) < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Where the view goes for `at`: the first line at or after it, else the last line; null
 * without lines. `before` is true when the lines held start after `at` (older ones are gone).
 */
export function targetIndex(lines: readonly LogLine[], at: number): { index: number; before: boolean } | null {
  if (lines.length === 0) return null;
  const index = Math.min(firstIndexAtOrAfter(lines, at), lines.length - 1);
  return { index, before: Date.parse(lines[0]!.ts) > at };
}
