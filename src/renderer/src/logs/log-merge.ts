import type { LogLine } from '../../../shared/status';
import { reachesStart } from './log-buffer';

/** One service's side of a merge: lines loaded but not shown yet, and where its next page starts. */
interface Source {
  service: string;
  /** Its place in the tails (equal times keep this order). */
  order: number;
  /** Loaded lines older than every line shown of it, not shown yet (oldest first). */
  held: LogLine[];
  /** `seq` of its oldest line loaded: its next page is `before` it (null: none loaded). */
  before: number | null;
  /** Its buffer has nothing older than `before`. */
  done: boolean;
  /** Once `done`: its older lines its buffer no longer holds (the `seq` of its oldest line: `seq` counts from 0). */
  dropped: number;
}

/** A service's page to load before the merger can show older lines: `logs:tail` `{service, before}`. */
export interface PageWanted {
  service: string;
  before: number;
}

/**
 * Lines of several services shown as one list. Each service counts its own `seq`, so the
 * merged list numbers its lines itself (the view, the search and the "N new" count key
 * on `seq`): `renumber` gives each line the next number, `service` is always set, and a
 * line at or below the last `seq` already taken from its service is a duplicate (it came
 * with a tail too) and is dropped.
 *
 * Older pages: each service's tail (and each older page) reaches back a different time, so
 * only the lines newer than every unfinished service's oldest loaded line are shown (the
 * others are held until that service's next page is loaded: {@link pagesWanted},
 * {@link addPage}, {@link takeOlder}); older lines get numbers below the lowest one given.
 */
export class LogMerger {
  private readonly last = new Map<string, number>();
  private next = 0;
  /** The lowest number given (older lines are numbered below it). */
  private low = 0;
  private sources: Source[] = [];

  /** `primary`: the service of lines without a `service` field. */
  constructor(private readonly primary: string) {}

  /** Forgets what was taken: the next tail replaces everything. */
  reset(): void {
    this.last.clear();
    this.sources = [];
  }

  /** True when every service's buffer has been shown back to its start. */
  get atStart(): boolean {
    return this.sources.every((s) => s.done && s.held.length === 0);
  }

  /** Older lines the services shown back to their start no longer hold (see {@link Source.dropped}). */
  get dropped(): number {
    return this.sources.reduce((sum, s) => sum + s.dropped, 0);
  }

  /**
   * Merges one tail per service (each oldest first) by time, oldest first; equal times
   * keep the order of `tails`. Answers the renumbered lines. A tail's `done`: it reaches its
   * service's start (when left out: it is shorter than `limit`, the lines each tail was
   * asked for, or {@link reachesStart}); lines older than another unfinished service's
   * oldest line are held back for {@link takeOlder}.
   */
  mergeTails(
    tails: readonly { service: string; lines: readonly LogLine[]; done?: boolean }[],
    limit = Infinity,
  ): LogLine[] {
    this.sources = tails.map(({ service, lines, done: reached }, order) => {
      const last = this.last.get(service) ?? -1;
      const fresh: LogLine[] = lines.filter((line) => line.seq > last).map((line) => ({ ...line, service }));
      if (fresh.length > 0) this.last.set(service, fresh[fresh.length - 1]!.seq);
      const done = reached ?? (lines.length < limit || reachesStart(lines));
      return {
        service,
        order,
        held: fresh,
        before: fresh[0]?.seq ?? null,
        done,
        dropped: done ? (lines[0]?.seq ?? 0) : 0,
      };
    });
    const merged = this.take();
    this.low = this.next;
    return merged.map((line) => ({ ...line, seq: this.next++ }));
  }

  /** The older pages to load before {@link takeOlder} can show more (none: it can, or all is shown). */
  pagesWanted(): PageWanted[] {
    return this.sources
      .filter((s) => !s.done && s.held.length === 0 && s.before !== null)
      .map((s) => ({ service: s.service, before: s.before! }));
  }

  /** Takes a service's page of older lines (oldest first): an empty one, or one from its first line, ends it. */
  addPage(service: string, page: readonly LogLine[]): void {
    const source = this.sources.find((s) => s.service === service);
    if (!source || source.before === null) return;
    const before = source.before;
    const older: LogLine[] = page.filter((line) => line.seq < before).map((line) => ({ ...line, service }));
    source.held = older.concat(source.held);
    if (older.length > 0) source.before = older[0]!.seq;
    source.done = reachesStart(page);
    source.dropped = source.done ? source.before : 0;
  }

  /**
   * The next older lines to show (oldest first, numbered below every line given so far):
   * every held line newer than each unfinished service's oldest loaded one. Empty while
   * {@link pagesWanted} names a page to load first.
   */
  takeOlder(): LogLine[] {
    if (this.pagesWanted().length > 0) return [];
    const merged = this.take();
    let seq = this.low - merged.length;
    this.low = seq;
    return merged.map((line) => ({ ...line, seq: seq++ }));
  }

  /** Renumbers live lines (in arrival order), dropping those already taken. */
  renumber(lines: readonly LogLine[]): LogLine[] {
    const out: LogLine[] = [];
    for (const line of lines) {
      const service = line.service ?? this.primary;
      const last = this.last.get(service) ?? -1;
      if (line.seq <= last) continue;
      this.last.set(service, line.seq);
      out.push({ ...line, service, seq: this.next++ });
    }
    return out;
  }

  /** Removes from the held lines those that may be shown now, merged by time (oldest first). */
  private take(): LogLine[] {
    const open = this.sources.filter((s) => !s.done);
    // Lines older than an unfinished service's oldest loaded line might be passed by its
    // next page: they wait for it.
    const cutoff = open.length === 0 ? -Infinity : Math.max(...open.map((s) => Date.parse(s.held[0]?.ts ?? '')));
    const tagged = this.sources.flatMap((source) => {
      let from = source.held.length;
      while (from > 0 && !(Date.parse(source.held[from - 1]!.ts) < cutoff)) from--;
      const taken = source.held.slice(from);
      source.held = source.held.slice(0, from);
      return taken.map((line, i) => ({ line, at: Date.parse(line.ts), order: source.order, i }));
    });
    tagged.sort((a, b) => a.at - b.at || a.order - b.order || a.i - b.i);
    return tagged.map(({ line }) => line);
  }
}
