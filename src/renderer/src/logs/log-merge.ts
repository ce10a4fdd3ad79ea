import type { LogLine } from '../../../shared/status';

/**
 * Lines of several services shown as one list. Each service counts its own `seq`, so the
 * merged list numbers its lines itself (the view, the search and the "N new" count key
 * on `seq`): `renumber` gives each line the next number, `service` is always set, and a
 * line at or below the last `seq` already taken from its service is a duplicate (it came
 * with a tail too) and is dropped.
 */
export class LogMerger {
  private readonly last = new Map<string, number>();
  private next = 0;

  /** `primary`: the service of lines without a `service` field. */
  constructor(private readonly primary: string) {}

  /** Forgets what was taken: the next tail replaces everything. */
  reset(): void {
    this.last.clear();
  }

  /**
   * Merges one tail per service (each oldest first) by time, oldest first; equal times
   * keep the order of `tails`. Answers the renumbered lines.
   */
  mergeTails(tails: readonly { service: string; lines: readonly LogLine[] }[]): LogLine[] {
    const tagged = tails.flatMap(({ service, lines }, order) => {
      const last = this.last.get(service) ?? -1;
      const fresh = lines.filter((line) => line.seq > last);
      if (fresh.length > 0) this.last.set(service, fresh[fresh.length - 1]!.seq);
      return fresh.map((line, i) => ({ line: { ...line, service }, at: Date.parse(line.ts), order, i }));
    });
    tagged.sort((a, b) => a.at - b.at || a.order - b.order || a.i - b.i);
    return tagged.map(({ line }) => ({ ...line, seq: this.next++ }));
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
}
