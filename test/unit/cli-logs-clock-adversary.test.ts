// The command-line client's `logs` against what a real supervisor can send: a wall clock that
// steps back (NTP, a resumed VM) between two lines of one service, lines of several services
// at the same millisecond, and durations that JSON can make infinite (`1e400`).
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/main/cli/args';
import type { ControlClient } from '../../src/main/cli/client';
import { logs, mergeByTime } from '../../src/main/cli/commands/logs';
import type { CliIo } from '../../src/main/cli/commands/context';
import type { LogLine } from '../../src/shared/status';

/** A line of `service` read at `at` (ms since the epoch). */
const line = (service: string, seq: number, at: number): LogLine & { service: string } => ({
  seq,
  ts: new Date(at).toISOString(),
  stream: 'stdout',
  text: `${service}-${seq}`,
  service,
});

/** Runs `logs <argv>` against a stand-in whose services hold `held` (each in seq order); the lines printed. */
async function run(argv: string[], held: Record<string, LogLine[]>): Promise<string[]> {
  const printed: string[] = [];
  const io: CliIo = { out: (l) => printed.push(l), err: () => undefined, colour: false, env: {}, now: () => 1e13 };
  const api = {
    get: async () => Object.keys(held).map((name) => ({ name })),
    rpc: async (_channel: string, { service, limit, before }: { service: string; limit: number; before?: number }) => {
      const below = (held[service] ?? []).filter((l) => before === undefined || l.seq < before);
      return below.slice(-limit);
    },
  } as unknown as ControlClient;
  const code = await logs({
    io,
    parsed: parseCommand(['logs', ...argv]),
    client: () => api,
    signal: new AbortController().signal,
  });
  expect(code).toBe(0);
  return printed.map((l) => l.split(' ').at(-1) ?? '');
}

describe('logs: every past line once, each service in its own order', () => {
  it('a clock stepped back between two lines of one service: no line dropped, none out of seq order', async () => {
    // 10:00:05, then the clock steps back 4 s: the later lines carry earlier times.
    const base = Date.parse('2026-12-02T10:00:00Z');
    const held = { api: [line('api', 1, base + 5_000), line('api', 2, base + 1_000), line('api', 3, base + 2_000)] };
    expect(await run(['api'], held)).toEqual(['api-1', 'api-2', 'api-3']);
    expect(await run(['api', '-n', '2'], held)).toEqual(['api-2', 'api-3']);
  });

  it('merged across services with one stepped back: each service whole and in order, the others by time', async () => {
    const base = Date.parse('2026-12-02T10:00:00Z');
    const held = {
      api: [line('api', 1, base + 5_000), line('api', 2, base + 1_000), line('api', 3, base + 6_000)],
      db: [line('db', 1, base + 0), line('db', 2, base + 3_000), line('db', 3, base + 7_000)],
    };
    const shown = await run([], held);
    expect(shown.slice().sort()).toEqual(['api-1', 'api-2', 'api-3', 'db-1', 'db-2', 'db-3']);
    for (const service of ['api', 'db']) {
      const own = shown.filter((l) => l.startsWith(service));
      expect(own).toEqual([1, 2, 3].map((n) => `${service}-${n}`));
    }
    // The newest of all is the newest two by arrival: a stepped-back line is not taken as the oldest.
    expect(shown.at(-1)).toBe('db-3');
  });

  it('equal times across services keep each service in order; a line with no time stays after its predecessor', () => {
    const at = Date.parse('2026-12-02T10:00:00Z');
    const a = [line('a', 1, at), { ...line('a', 2, at), ts: 'not a time' }, line('a', 3, at + 1)];
    const b = [line('b', 1, at), line('b', 2, at), line('b', 3, at + 1)];
    const merged = mergeByTime([a, b]).map((l) => l.text);
    expect(merged.filter((t) => t.startsWith('a'))).toEqual(['a-1', 'a-2', 'a-3']);
    expect(merged.filter((t) => t.startsWith('b'))).toEqual(['b-1', 'b-2', 'b-3']);
  });
});
