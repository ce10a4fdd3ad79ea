import type { LogLine } from '../../../shared/status';

/** Lines the dashboard keeps in memory; older ones are dropped first. */
export const LOG_LINE_CAP = 100_000;

/**
 * Lines asked for when the Logs view opens (the server keeps 5,000 by default,
 * LOG_BUFFER_LINES more): a page small enough to be on screen at once; older pages load
 * as the view is scrolled up ({@link LOG_PAGE_LIMIT} each).
 */
export const LOG_TAIL_LIMIT = 1_000;

/** Lines of each older page (`logs:tail` with `before`), loaded when the view nears its top. */
export const LOG_PAGE_LIMIT = 2_000;

/**
 * True when a service's answer to `logs:tail` (oldest first) reaches the start of what it
 * holds: no line at all, or its very first line (`seq` 0). A shorter answer than asked for
 * does not: the server bounds an answer's size (LOG_ANSWER_MAX_CHARS in log-ring.ts), and
 * a ring that dropped lines holds them no more, which the next page (empty) tells.
 */
export function reachesStart(page: readonly LogLine[]): boolean {
  return page.length === 0 || page[0]!.seq === 0;
}

/**
 * Appends live lines to `lines` (kept in strictly increasing `seq` order). A line whose
 * `seq` is not above the last one is a duplicate (it came with the tail too) and is
 * skipped. Returns `lines` itself when nothing changed, so React can skip a render.
 */
export function appendLines(
  lines: readonly LogLine[],
  incoming: readonly LogLine[],
  cap = LOG_LINE_CAP,
): readonly LogLine[] {
  let last = lines.length > 0 ? lines[lines.length - 1]!.seq : -1;
  const added: LogLine[] = [];
  for (const line of incoming) {
    if (line.seq <= last) continue;
    added.push(line);
    last = line.seq;
  }
  if (added.length === 0) return lines;
  return keepLast(lines.concat(added), cap);
}

/**
 * Merges a freshly loaded tail (oldest first) into what is shown. Older lines the tail
 * no longer reaches are kept; when the tail shows the sequence started over (the
 * supervisor restarted: its last `seq` is below ours, or a shared `seq` has another
 * time), or lines were missed between ours and the tail's (its first `seq` is past our
 * last + 1: the view was away longer than the tail reaches), the tail replaces everything,
 * so the list never hides a gap.
 */
export function mergeTail(lines: readonly LogLine[], tail: readonly LogLine[], cap = LOG_LINE_CAP): readonly LogLine[] {
  const first = tail[0];
  const lastOfTail = tail[tail.length - 1];
  const lastShown = lines[lines.length - 1];
  if (!first || !lastOfTail) return lines.length === 0 ? lines : [];
  if (!lastShown) return keepLast(tail, cap);
  if (lastOfTail.seq < lastShown.seq || first.seq > lastShown.seq + 1) return keepLast(tail, cap);
  const same = findBySeq(lines, first.seq);
  if (same && same.ts !== first.ts) return keepLast(tail, cap);
  const older = lines.slice(0, lowerBound(lines, first.seq));
  return keepLast(older.length === 0 ? tail : older.concat(tail), cap);
}

/**
 * Puts a page of older lines (oldest first) before `lines`: only the page's lines below
 * the first one shown count (a page never doubles a line). Past `cap`, the page's oldest
 * lines are left out, never the lines shown. Returns `lines` itself when nothing is added.
 */
export function prependPage(
  lines: readonly LogLine[],
  page: readonly LogLine[],
  cap = LOG_LINE_CAP,
): readonly LogLine[] {
  const first = lines[0];
  const older = first ? page.slice(0, lowerBound(page, first.seq)) : page;
  const room = Math.max(0, cap - lines.length);
  const kept = older.length > room ? older.slice(older.length - room) : older;
  return kept.length === 0 ? lines : kept.concat(lines);
}

function keepLast(lines: readonly LogLine[], cap: number): readonly LogLine[] {
  return lines.length > cap ? lines.slice(lines.length - cap) : lines;
}

/** Index of the first line with `seq >= seq` (binary search; lines are sorted). */
function lowerBound(lines: readonly LogLine[], seq: number): number {
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lines[mid]!.seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function findBySeq(lines: readonly LogLine[], seq: number): LogLine | undefined {
  const line = lines[lowerBound(lines, seq)];
  return line?.seq === seq ? line : undefined;
}
