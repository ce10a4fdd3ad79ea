/**
 * Search in the Logs view: a case-insensitive substring, every occurrence counted and
 * highlighted. A result keeps, per line with matches, the line's index and the number of
 * matches before it, so the k-th match, the match after a line and the count stay cheap on
 * 100,000 lines.
 */
import type { LogLine } from '../../../shared/status';

/** Matches of one query in a list of lines. */
export interface SearchResult {
  /** Every occurrence in every line. */
  total: number;
  /** Indexes (into the searched lines) of the lines with at least one match, ascending. */
  lineIndexes: Int32Array;
  /** `before[i]`: matches in the lines before `lineIndexes[i]`; one more entry holds `total`. */
  before: Int32Array;
}

/** One match: the line's index in the searched lines and which match in that line (0-based). */
export interface MatchPosition {
  index: number;
  nth: number;
}

/** The result of no search. */
export const NO_MATCHES: SearchResult = { total: 0, lineIndexes: new Int32Array(0), before: new Int32Array(1) };

/** Regular-expression syntax characters (escaped so the query is taken literally). */
const SPECIAL = /[\\^$.*+?()[\]{}|/]/g;

/**
 * A global, case-insensitive (Unicode case folding) pattern matching `query` literally, or
 * null for an empty query.
 */
export function searchPattern(query: string): RegExp | null {
  if (query === '') return null;
  return new RegExp(query.replace(SPECIAL, '\\$&'), 'giu');
}

/** Occurrences of `pattern` in `text` (non-overlapping, as highlighted). */
export function countMatches(text: string, pattern: RegExp): number {
  pattern.lastIndex = 0;
  let count = 0;
  while (pattern.exec(text) !== null) count++;
  return count;
}

/** Searches `lines` (their text) for `query`. */
export function searchLines(lines: readonly LogLine[], query: string): SearchResult {
  const pattern = searchPattern(query);
  if (!pattern) return NO_MATCHES;
  const indexes: number[] = [];
  const before: number[] = [];
  let total = 0;
  for (let i = 0; i < lines.length; i++) {
    const count = countMatches(lines[i]!.text, pattern);
    if (count === 0) continue;
    indexes.push(i);
    before.push(total);
    total += count;
  }
  before.push(total);
  return { total, lineIndexes: Int32Array.from(indexes), before: Int32Array.from(before) };
}

/** A piece of a line's text, and whether it is a match. */
export interface TextSegment {
  text: string;
  match: boolean;
}

/** `text` cut into plain and matching pieces, in order (one plain piece without a pattern). */
export function splitMatches(text: string, pattern: RegExp | null): TextSegment[] {
  if (!pattern) return [{ text, match: false }];
  const segments: TextSegment[] = [];
  pattern.lastIndex = 0;
  let from = 0;
  for (let found = pattern.exec(text); found !== null; found = pattern.exec(text)) {
    if (found.index > from) segments.push({ text: text.slice(from, found.index), match: false });
    segments.push({ text: found[0], match: true });
    from = found.index + found[0].length;
  }
  if (from < text.length || segments.length === 0) segments.push({ text: text.slice(from), match: false });
  return segments;
}

/** Position in `result.lineIndexes` of the first line index `>= index` (binary search). */
function lowerBound(values: Int32Array, index: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < index) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Where the k-th match (0-based) is, or null when there is no such match. */
export function matchAt(result: SearchResult, k: number): MatchPosition | null {
  if (!Number.isInteger(k) || k < 0 || k >= result.total) return null;
  // The last line whose `before` is <= k holds it.
  let lo = 0;
  let hi = result.lineIndexes.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (result.before[mid]! <= k) lo = mid;
    else hi = mid - 1;
  }
  return { index: result.lineIndexes[lo]!, nth: k - result.before[lo]! };
}

/** The ordinal (0-based) of the `nth` match of the line at `index`, or -1 when it is not a match. */
export function matchOrdinal(result: SearchResult, index: number, nth: number): number {
  const at = lowerBound(result.lineIndexes, index);
  if (result.lineIndexes[at] !== index) return -1;
  const ordinal = result.before[at]! + nth;
  return nth >= 0 && ordinal < result.before[at + 1]! ? ordinal : -1;
}

/**
 * The ordinal of the first match in a line at or after `index` (`direction` 1), or of the
 * last match in a line at or before it (-1), wrapping around; -1 without matches.
 */
export function matchNear(result: SearchResult, index: number, direction: 1 | -1): number {
  if (result.total === 0) return -1;
  const count = result.lineIndexes.length;
  if (direction === 1) {
    const at = lowerBound(result.lineIndexes, index);
    return at < count ? result.before[at]! : 0;
  }
  const at = lowerBound(result.lineIndexes, index + 1) - 1;
  return at >= 0 ? result.before[at + 1]! - 1 : result.total - 1;
}

/** The match after (`direction` 1) or before (-1) the ordinal `k`, wrapping around. */
export function stepMatch(result: SearchResult, k: number, direction: 1 | -1): number {
  if (result.total === 0) return -1;
  return (((k + direction) % result.total) + result.total) % result.total;
}
