/**
 * `logs [service] [-f] [-n N] [--since 10m] [--json]`: the last lines of one service's log, or
 * of every service merged by time, then (`-f`) the new ones from the event stream until
 * Ctrl-C. With `-f` the stream is opened first and the past lines read after, so no line
 * falls between the two; one seen in both is printed once (by its service's `seq`).
 */
import type { ServiceStatus } from '../../../shared/services';
import type { LogLine } from '../../../shared/status';
import { lineCount, sinceTime } from '../args';
import { EXIT, UnreachableError } from '../errors';
import { openFollow } from '../follow';
import { jsonText, paint, printable } from '../table';
import type { ControlClient } from '../client';
import type { CommandContext } from './context';

/** Past lines printed when `-n` is not given (and `--since` is not either). */
export const DEFAULT_LOG_LINES = 50;

/** A line with its service named (a line of the `backend` may leave it out). */
type NamedLine = LogLine & { service: string };

/** Most lines one page asks for: the `logs:tail` channel's `limit` bound. */
const PAGE_LINES = 100_000;

/** Most past lines read of one service: the largest ring buffer (LOG_BUFFER_LINES' bound). */
const MAX_PAST_LINES = 1_000_000;

/**
 * One service's past lines, oldest first: the last `count` (null: any number), none older
 * than `since` (ms since the epoch; null: any age) but the page's. One `logs:tail` answer
 * holds at most 32 Mi characters, so older pages are asked for (`before`) until the count is
 * reached, a line is older than `since`, or the ring buffer's start (an empty page, or one
 * from `seq` 0); at most {@link MAX_PAST_LINES}, and a page that does not go back ends it.
 */
export async function pastLines(
  api: Pick<ControlClient, 'rpc'>,
  service: string,
  count: number | null,
  since: number | null,
): Promise<NamedLine[]> {
  const pages: LogLine[][] = [];
  let got = 0;
  let before: number | undefined;
  while (got < (count ?? MAX_PAST_LINES)) {
    const limit = Math.min(PAGE_LINES, (count ?? MAX_PAST_LINES) - got);
    const page = await api.rpc('logs:tail', { service, limit, ...(before === undefined ? {} : { before }) });
    const first = page[0];
    // Empty: the start; a page not below the last one (a server that does not page) would never end.
    if (first === undefined || (before !== undefined && first.seq >= before)) break;
    pages.unshift(page);
    got += page.length;
    if (first.seq === 0 || (since !== null && Date.parse(first.ts) < since)) break;
    before = first.seq;
  }
  return pages.flat().map((l): NamedLine => ({ ...l, service: l.service ?? service }));
}

/** How a line is printed: `<ts> [svc] text`, `[svc:err]` for stderr, `[supervisor:svc]` for the supervisor's own. */
export function logLine(line: NamedLine, colour: boolean): string {
  const prefix =
    line.stream === 'supervisor'
      ? paint(`[supervisor:${line.service}]`, 'cyan', colour)
      : line.stream === 'stderr'
        ? paint(`[${line.service}:err]`, 'red', colour)
        : `[${printable(line.service)}]`;
  return `${paint(line.ts, 'dim', colour)} ${prefix} ${printable(line.text)}`;
}

/**
 * Merges per-service tails (each in `seq` order) by time, keeping each tail's own order: the
 * wall clock can step back (NTP, a resumed VM), and a sort by time would put a service's later
 * line before its earlier one, which `logs` then drops as already printed. Equal times keep
 * the tails' order; a line with no time follows its predecessor.
 */
export function mergeByTime(tails: readonly (readonly NamedLine[])[]): NamedLine[] {
  const times = tails.map((tail) => tail.map((l) => Date.parse(l.ts)));
  const next = tails.map(() => 0);
  const merged: NamedLine[] = [];
  for (;;) {
    // The tail whose next line is the oldest (a line with no time goes at once); a scan, as
    // services are few.
    let pick = -1;
    let oldest = Infinity;
    for (let i = 0; i < tails.length; i++) {
      const at = times[i]![next[i]!];
      if (at === undefined) continue;
      const key = Number.isNaN(at) ? -Infinity : at;
      if (pick === -1 || key < oldest) [pick, oldest] = [i, key];
    }
    if (pick === -1) return merged;
    merged.push(tails[pick]![next[pick]!]!);
    next[pick] = (next[pick] ?? 0) + 1;
  }
}

/** Runs `logs`. */
export async function logs({ io, parsed, client, signal }: CommandContext): Promise<number> {
  const { values, operand } = parsed;
  const since = typeof values.since === 'string' ? sinceTime(values.since, io.now()) : null;
  const given = typeof values.lines === 'string' ? lineCount(values.lines) : null;
  const count = given ?? (since === null ? DEFAULT_LOG_LINES : null);
  const api: ControlClient = client();
  const print = (line: NamedLine): void => io.out(values.json ? jsonText(line) : logLine(line, io.colour));
  const wanted = (service: string): boolean => operand === undefined || operand === service;

  // The last seq printed per service: a streamed line at or below it was in the tail.
  const printed = new Map<string, number>();
  const show = (line: NamedLine): void => {
    const last = printed.get(line.service);
    if (last !== undefined && line.seq <= last) return;
    printed.set(line.service, line.seq);
    print(line);
  };
  let early: NamedLine[] | null = [];
  let readStream: (() => Promise<'aborted' | 'ended'>) | null = null;
  if (values.follow) {
    readStream = await openFollow(api, signal, (event, payload) => {
      if (event !== 'backend:log') return;
      const raw = payload as LogLine;
      const line = { ...raw, service: raw.service ?? 'backend' };
      if (!wanted(line.service)) return;
      if (early) early.push(line);
      else show(line);
    });
  }
  // Reads the stream meanwhile: events arrive into `early` while the tail is fetched.
  const streamDone = readStream?.();
  // Handled here too: a stream that fails while the tail is fetched must not be an unhandled rejection.
  streamDone?.catch(() => undefined);

  if (count !== 0) {
    const names = operand ? [operand] : ((await api.get('/api/v1/services')) as ServiceStatus[]).map((s) => s.name);
    const tails = await Promise.all(names.map((service) => pastLines(api, service, count, since)));
    let lines = mergeByTime(tails);
    if (since !== null) lines = lines.filter((l) => Date.parse(l.ts) >= since);
    if (count !== null) lines = lines.slice(-count);
    for (const line of lines) show(line);
  }
  if (!streamDone) return EXIT.ok;

  const buffered = early ?? [];
  early = null;
  for (const line of buffered) show(line);
  const end = await streamDone;
  if (end === 'aborted') return EXIT.ok;
  throw new UnreachableError({ key: 'cli.error.streamClosed' });
}
